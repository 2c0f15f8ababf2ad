//! The GitHub Actions workflow of the infrastructure repository
//! (`.github/workflows/supabase-infrastructure.yml`): on a pull request, `generate --all --check`
//! then a plan of each layer `affected` lists; on a schedule, `drift` over every environment. Its
//! drift matrix and the role variables it names come from the model, so adding an environment
//! to the config (and generating) is all it takes to cover it.

use minijinja::syntax::SyntaxConfig;
use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior, context};
use serde::Serialize;

use super::header;
use crate::resolve::model::Environment as Env;
use crate::terraform::TERRAFORM_VERSION;

/// Where the workflow goes, relative to the output tree (the repository root). The generator
/// owns this one file, never the rest of `.github/`.
pub const PATH: &str = ".github/workflows/supabase-infrastructure.yml";

/// The Terraform release CI installs: the newest the offline provider mirror and the emulator
/// stage are tested with. It must satisfy the roots' `required_version` (a unit test checks).
pub const CI_TERRAFORM_VERSION: &str = "1.11.4";

/// The repository variable holding the OIDC role of an account: `AWS_PLAN_ROLE_ARN_<account>`.
pub const ROLE_VARIABLE_PREFIX: &str = "AWS_PLAN_ROLE_ARN_";

/// A third-party action pinned to the commit of a release tag.
#[derive(Serialize)]
struct Action {
    sha: &'static str,
    tag: &'static str,
}

/// Full commit SHAs of release tags, each read from the action's own repository at that tag
/// (`git rev-parse <tag>^{commit}`), e.g. actions/checkout@v7.0.1:action.yml (node24).
#[derive(Serialize)]
struct Actions {
    checkout: Action,
    setup_terraform: Action,
    upload_artifact: Action,
    download_artifact: Action,
    configure_aws_credentials: Action,
}

const ACTIONS: Actions = Actions {
    checkout: Action { sha: "3d3c42e5aac5ba805825da76410c181273ba90b1", tag: "v7.0.1" },
    setup_terraform: Action { sha: "dfe3c3f87815947d99a8997f908cb6525fc44e9e", tag: "v4.0.1" },
    upload_artifact: Action { sha: "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", tag: "v7.0.0" },
    download_artifact: Action { sha: "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c", tag: "v8.0.1" },
    configure_aws_credentials: Action { sha: "e6de054238d6b7531b4efff3b6587d9aade6a06c", tag: "v6.2.3" },
};

#[derive(Serialize)]
struct DriftEntry {
    environment: String,
    account: String,
    region: String,
}

fn template() -> &'static Environment<'static> {
    static TEMPLATE: std::sync::OnceLock<Environment<'static>> = std::sync::OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        // GitHub's own expressions are `${{ ... }}`: ours are `[[ ... ]]`.
        let syntax = SyntaxConfig::builder()
            .variable_delimiters("[[", "]]")
            .keep_trailing_newline(true)
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()
            .expect("delimiters are valid");
        env.set_syntax(syntax);
        env.add_template("workflow", include_str!("../../templates/supabase-infrastructure.yml.j2"))
            .expect("template parses (checked by every test)");
        env
    })
}

/// The workflow for every environment of the config (`config` is the config file's name, relative
/// to the repository root).
///
/// # Errors
/// A template failure (a generator bug).
pub fn render<'a>(environments: impl IntoIterator<Item = &'a Env>, config: &str) -> Result<String, String> {
    let environments: Vec<DriftEntry> = environments
        .into_iter()
        .map(|e| DriftEntry { environment: e.id.to_string(), account: e.identity.account_id.clone(), region: e.identity.aws_region.clone() })
        .collect();
    let mut accounts: Vec<String> = environments.iter().map(|e| e.account.clone()).collect();
    accounts.sort_unstable();
    accounts.dedup();
    let body = template()
        .get_template("workflow")
        .and_then(|t| {
            t.render(context! {
                environments => Serde(&environments),
                accounts,
                config,
                actions => Serde(&ACTIONS),
                rust_version => env!("CARGO_PKG_RUST_VERSION"),
                terraform_version => CI_TERRAFORM_VERSION,
                terraform_constraint => TERRAFORM_VERSION,
            })
        })
        .map_err(|e| format!("workflow template: {e:#}"))?;
    Ok(header::hcl(&body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: &str) -> Vec<u64> {
        v.split('.').map(|n| n.parse().unwrap()).collect()
    }

    #[test]
    fn ci_terraform_satisfies_the_roots_constraint() {
        let version = parse(CI_TERRAFORM_VERSION);
        for part in TERRAFORM_VERSION.split(',') {
            let (op, bound) = part.trim().split_once(' ').unwrap();
            let ok = match op {
                ">=" => version >= parse(bound),
                "<" => version < parse(bound),
                other => panic!("operator {other} not handled"),
            };
            assert!(ok, "CI installs terraform {CI_TERRAFORM_VERSION}, the roots require {TERRAFORM_VERSION}");
        }
    }
}
