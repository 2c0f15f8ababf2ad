//! Markdown documents rendered from the same IR as the code, so docs cannot disagree with it.

use minijinja::syntax::SyntaxConfig;
use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior, context};
use serde::Serialize;

use super::header;
use crate::terraform::{AWS_PROVIDER_VERSION, Module, TERRAFORM_VERSION};

fn templates() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_syntax(SyntaxConfig::builder().keep_trailing_newline(true).build().expect("default delimiters are valid"));
    env.add_template("module-readme.md", include_str!("../../templates/module-readme.md.j2"))
        .expect("template parses (checked by every test)");
    env
}

#[derive(Serialize)]
struct Row {
    name: String,
    description: String,
    r#type: String,
    default: Option<String>,
}

pub fn module_readme(module: &Module) -> Result<String, String> {
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    let variables: Vec<Row> = module
        .variables
        .iter()
        .map(|v| Row {
            name: v.name.to_string(),
            description: cell(v.description),
            r#type: cell(&v.ty.to_string()),
            default: v.default.as_ref().map(|d| cell(&inline(d))),
        })
        .collect();
    let outputs: Vec<(String, String)> =
        module.outputs.iter().map(|o| (o.name.to_string(), cell(o.description))).collect();
    let resources: Vec<(String, &str)> = module
        .files
        .iter()
        .flat_map(|f| f.blocks.iter().filter_map(move |b| b.address().map(|a| (a, f.name))))
        .collect();
    let body = templates()
        .get_template("module-readme.md")
        .and_then(|t| {
            t.render(context! {
                name => module.name,
                summary => module.summary,
                terraform_version => TERRAFORM_VERSION,
                aws_version => AWS_PROVIDER_VERSION,
                variables => Serde(&variables),
                outputs => Serde(&outputs),
                resources => Serde(&resources),
            })
        })
        .map_err(|err| format!("module README template: {err:#}"))?;
    Ok(header::markdown(&body))
}

/// An expression on one line, for table cells.
fn inline(expr: &hcl::Expression) -> String {
    let mut f = hcl::format::Formatter::builder().compact(true).prefer_ident_keys(true).build_vec();
    hcl::format::Format::format_string(expr, &mut f).unwrap_or_default()
}
