//! Inputs every core module shares, declared once so their root variables merge.

use crate::terraform::{Input, TfType, Variable, e};

pub fn name_input(name: &str) -> Input {
    Input::tfvar(
        Variable::new("name", TfType::String, "Name prefix of every resource, e.g. supabase-ireland-development.")
            .validate(r#"can(regex("^[a-z][a-z0-9-]{0,30}[a-z0-9]$", var.name))"#, "name must be 2-32 lowercase letters, digits or hyphens."),
        name,
    )
}

/// Module-specific tags: the provider's `default_tags` carry the environment's; this adds the
/// module's name (`Component`), which the root sets as a constant.
pub fn tags_input(module: &str) -> Input {
    Input::wire(
        Variable::new("tags", TfType::map(TfType::String), "Tags added to every resource, on top of the provider's default tags.").default(e("{}")),
        &format!(r#"{{ Component = "{module}" }}"#),
    )
}
