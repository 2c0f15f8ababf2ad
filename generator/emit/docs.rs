//! Markdown documents rendered from the same IR as the code, so docs cannot disagree with it.

use minijinja::syntax::SyntaxConfig;
use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior, context};
use serde::Serialize;

use super::header;
use crate::plan::applications::{self, Applications};
use crate::plan::bootstrap::{self, StateHome};
use crate::plan::naming::{BOOTSTRAP_STATE_KEY, WorkloadRole};
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
    env.add_template("bootstrap-readme.md", include_str!("../../templates/bootstrap-readme.md.j2"))
        .expect("template parses (checked by every test)");
    env.add_template("runbook.md", include_str!("../../templates/runbook.md.j2")).expect("template parses (checked by every test)");
    env.add_template("environment-readme.md", include_str!("../../templates/environment-readme.md.j2"))
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

/// The README of a bootstrap root: what it holds and the local-then-migrate first apply.
pub fn bootstrap_readme(home: &StateHome) -> Result<String, String> {
    let body = templates()
        .get_template("bootstrap-readme.md")
        .and_then(|t| {
            t.render(context! {
                account_id => home.account_id.as_str(),
                region => home.region.as_str(),
                bucket => home.bucket.as_str(),
                dir => home.dir(),
                own_key => BOOTSTRAP_STATE_KEY,
                noncurrent_days => bootstrap::NONCURRENT_VERSION_DAYS,
                kms_alias => home.kms_alias(),
                kms_alias_arn => home.kms_alias_arn(),
            })
        })
        .map_err(|err| format!("bootstrap README template: {err:#}"))?;
    Ok(header::markdown(&body))
}

/// An expression on one line, for table cells.
fn inline(expr: &hcl::Expression) -> String {
    let mut f = hcl::format::Formatter::builder().compact(true).prefer_ident_keys(true).build_vec();
    hcl::format::Format::format_string(expr, &mut f).unwrap_or_default()
}

/// The operator's runbook of one environment: exact commands, in order.
pub fn runbook(apps: &Applications) -> Result<String, String> {
    let names = &apps.names;
    let v = &apps.values;
    let dir = apps.dir();
    let depth = dir.split('/').count();
    let body = templates()
        .get_template("runbook.md")
        .and_then(|t| {
            t.render(context! {
                env_id => apps.id.to_string(),
                dir,
                account_id => names.account_id(),
                region => v.global.aws_region.as_str(),
                cluster => names.cluster.as_str(),
                api_host => v.ingress.host.as_str(),
                imgproxy => v.imgproxy.enabled,
                pooler => v.pooler.enabled.then(|| Serde(&v.pooler)),
                functions => v.functions.enabled.then(|| crate::plan::applications::function_names(&v.functions)),
                state_bucket => apps.state_bucket.as_str(),
                state_prefix => format!("{}/{}", apps.id.region, apps.id.name),
                namespace => applications::namespace(),
                k8s_minor => apps.kubernetes_minor.as_str(),
                addons => Serde(&apps.addons),
                release => applications::RELEASE,
                chart_path => format!("{}{}", "../".repeat(depth), super::applications::CHART_DIR),
                bootstrap_sa => WorkloadRole::Bootstrap.service_account().name,
                secret_names => Serde(&v.secrets.names),
                secret_prefix => names.secret_prefix.as_str(),
                ingress_deletion_protection => v.ingress.deletion_protection,
                throwaway => apps.throwaway,
                smtp => v.gotrue.smtp.as_ref().map(|s| Serde(s)),
                smtp_secret => v.secrets.names.smtp_credentials.as_deref(),
                alarm_prefix => names.prefix.as_str(),
                dns => apps.dns.as_ref().map(|d| Serde(d)),
                waf_acl => v.ingress.waf_acl_name.as_deref(),
                alarms => Serde(&alarm_rows()),
            })
        })
        .map_err(|err| format!("runbook template: {err:#}"))?;
    Ok(header::markdown(&body))
}

/// One row of the runbook's "when an alarm fires" table.
#[derive(Serialize)]
struct AlarmRow {
    name: String,
    means: &'static str,
    first: &'static str,
}

fn alarm_rows() -> Vec<AlarmRow> {
    crate::plan::monitoring::ALARMS.iter().map(|a| AlarmRow { name: a.name(), means: a.means, first: a.first_step() }).collect()
}

#[derive(Serialize)]
struct NodeGroupRow {
    name: String,
    instance_types: String,
    capacity: &'static str,
    desired: u32,
    min: u32,
    max: u32,
    disk: u32,
}

#[derive(Serialize)]
struct ComponentRow {
    name: &'static str,
    image: String,
    replicas: u32,
    autoscaling: String,
    requests: String,
    limits: String,
    db_pool: String,
}

#[derive(Serialize)]
struct RoleRow {
    arn: String,
    subject: String,
}

/// The README of one environment: summary, layers, diagram, sizing, roles.
pub fn environment_readme(
    env: &crate::resolve::model::Environment,
    names: &crate::plan::naming::Names,
    estimate: &crate::cost::Estimate,
    mermaid: &str,
) -> Result<String, String> {
    let s = &env.settings;
    let node_groups: Vec<NodeGroupRow> = s
        .eks
        .node_groups
        .iter()
        .map(|g| NodeGroupRow {
            name: g.name.clone(),
            instance_types: g.instance_types.join(", "),
            capacity: g.capacity_type.as_str(),
            desired: g.desired_size,
            min: g.min_size,
            max: g.max_size,
            disk: g.disk_size_gib,
        })
        .collect();
    let components: Vec<ComponentRow> = s
        .supabase
        .components
        .iter()
        .into_iter()
        .filter(|(_, c)| c.enabled)
        .map(|(name, c)| ComponentRow {
            name,
            image: format!("{}:{}", c.image.repository, c.image.tag),
            replicas: c.replicas,
            autoscaling: match c.hpa {
                Some(h) if s.supabase.hpa_enabled => format!("{}-{} at {}% CPU", h.min, h.max, h.cpu_target),
                _ => "off".to_string(),
            },
            requests: format!("{} / {}", c.resources.requests.cpu, c.resources.requests.memory),
            limits: format!("{} / {}", c.resources.limits.cpu, c.resources.limits.memory),
            db_pool: c.db_pool.map_or_else(|| "-".to_string(), |n| n.to_string()),
        })
        .collect();
    let roles: Vec<RoleRow> =
        WorkloadRole::ALL.iter().map(|r| RoleRow { arn: names.role_arn(*r), subject: r.service_account().subject() }).collect();
    let r = &s.rds;
    let database = format!(
        "RDS PostgreSQL {} on {}, {}, {}-{} GiB, backups {} days",
        r.engine_version,
        r.instance_class,
        if r.multi_az { "multi-AZ" } else { "single-AZ" },
        r.allocated_storage_gib,
        r.max_allocated_storage_gib,
        r.backup_retention_days
    );
    let budget = crate::plan::connections::budget(s);
    let connections = match (budget.limit.max_connections(), budget.headroom()) {
        (Some(max), Some(headroom)) => format!("at most {} of max_connections {max} (headroom {headroom})", budget.total()),
        _ => format!("at most {}", budget.total()),
    };
    let body = templates()
        .get_template("environment-readme.md")
        .and_then(|t| {
            t.render(context! {
                env_id => env.id.to_string(),
                description => s.description.as_str(),
                tier => env.identity.tier.as_str(),
                region => env.identity.aws_region.as_str(),
                account_id => env.identity.account_id.as_str(),
                api_url => format!("https://{}", crate::plan::applications::api_host(env)),
                cluster => names.cluster.as_str(),
                k8s_version => s.eks.version.as_str(),
                database,
                connections,
                bucket => names.storage_bucket.as_str(),
                secret_prefix => names.secret_prefix.as_str(),
                state_bucket => env.identity.state.bucket.as_str(),
                cost_total => format!("{:.0}", estimate.total),
                cost_max => format!("{:.0}", estimate.total_at_max),
                band_min => estimate.band.min,
                band_max => estimate.band.max,
                zones => env.identity.azs.len(),
                mermaid,
                node_groups => Serde(&node_groups),
                components => Serde(&components),
                switched_off => s.supabase.components.iter().into_iter().filter(|(_, c)| !c.enabled).map(|(name, _)| name).collect::<Vec<_>>(),
                roles => Serde(&roles),
                alarms => Serde(&crate::plan::monitoring::rows(env)),
            })
        })
        .map_err(|err| format!("environment README template: {err:#}"))?;
    Ok(header::markdown(&body))
}
