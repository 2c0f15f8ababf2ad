//! Markdown documents rendered from the same IR as the code, so docs cannot disagree with it.

use minijinja::syntax::SyntaxConfig;
use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior, context};
use serde::Serialize;

use super::header;
use crate::plan::applications::{self, Applications};
use crate::plan::naming::{SecretKind, WorkloadRole};
use crate::terraform::{AWS_PROVIDER_VERSION, Module, TERRAFORM_VERSION};

/// The template environment, parsed once per process.
fn templates() -> &'static Environment<'static> {
    static TEMPLATES: std::sync::OnceLock<Environment<'static>> = std::sync::OnceLock::new();
    TEMPLATES.get_or_init(build_templates)
}

fn build_templates() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_syntax(SyntaxConfig::builder().keep_trailing_newline(true).build().expect("default delimiters are valid"));
    env.add_template("module-readme.md", include_str!("../../templates/module-readme.md.j2"))
        .expect("template parses (checked by every test)");
    env.add_template("runbook.md", include_str!("../../templates/runbook.md.j2")).expect("template parses (checked by every test)");
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

#[derive(Serialize)]
struct AddonRow<'a> {
    release: &'a str,
    namespace: &'a str,
    repo_name: &'a str,
    repo_url: &'a str,
    chart: &'a str,
    version: &'a str,
    app_version: &'a str,
    purpose: &'a str,
}

/// The operator's runbook of one environment: exact commands, in order.
pub fn runbook(apps: &Applications) -> Result<String, String> {
    let names = &apps.names;
    let v = &apps.values;
    let addons: Vec<AddonRow<'_>> = apps
        .addons
        .iter()
        .map(|a| AddonRow {
            release: a.release,
            namespace: a.namespace,
            repo_name: a.repo_name,
            repo_url: a.repo_url,
            chart: a.chart,
            version: a.version,
            app_version: a.app_version,
            purpose: a.purpose,
        })
        .collect();
    let reversed: Vec<&AddonRow<'_>> = addons.iter().rev().collect();
    let depth = apps.dir.split('/').count();
    let (region, env_name) = apps.env_id.split_once('/').unwrap_or((&apps.env_id, ""));
    let body = templates()
        .get_template("runbook.md")
        .and_then(|t| {
            t.render(context! {
                env_id => apps.env_id.as_str(),
                dir => apps.dir.as_str(),
                account_id => v.secrets.service_account.role_arn.split(':').nth(4).unwrap_or_default(),
                region => v.global.aws_region.as_str(),
                cluster => names.cluster.as_str(),
                api_host => v.ingress.host.as_str(),
                state_bucket => apps.state_bucket.as_str(),
                state_prefix => format!("{region}/{env_name}"),
                namespace => applications::namespace(),
                k8s_minor => apps.kubernetes_minor.as_str(),
                addons => Serde(&addons),
                addons_reversed => Serde(&reversed),
                release => applications::RELEASE,
                chart_path => format!("{}{}", "../".repeat(depth), super::applications::CHART_DIR),
                bootstrap_sa => WorkloadRole::Bootstrap.service_account().name,
                anon_key => names.secret_name(SecretKind::AnonKey),
                secret_prefix => names.secret_prefix.as_str(),
                ingress_deletion_protection => v.ingress.deletion_protection,
                deletion_protection => apps.db_deletion_protection,
                throwaway => apps.throwaway,
            })
        })
        .map_err(|err| format!("runbook template: {err:#}"))?;
    Ok(header::markdown(&body))
}
