//! Inputs several modules share, declared once so their root variables merge and their
//! declarations cannot drift apart.

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

/// The waiting period of the module's KMS keys: the shortest AWS allows on throwaway tiers, so
/// destroy-and-redeploy does not leave keys pending deletion for a month.
pub fn kms_deletion_window_input(throwaway: bool) -> Input {
    Input::tfvar(
        Variable::new("kms_deletion_window_days", TfType::Number, "Waiting period before a deleted KMS key is destroyed.")
            .default(30)
            .validate("var.kms_deletion_window_days >= 7 && var.kms_deletion_window_days <= 30", "AWS allows 7 to 30 days."),
        if throwaway { 7 } else { 30 },
    )
}
