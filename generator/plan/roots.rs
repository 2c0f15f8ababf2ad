//! What every layer root shares: the S3 backend, the provider, and the generated tags.

use std::collections::BTreeMap;

use crate::resolve::model::Environment;
use crate::terraform::{Backend, Block, Input, TfType, Variable, e};

use super::naming::{self, Layer};

/// Tags on every resource through the provider's `default_tags`: generated ones plus the
/// config's own (validation forbids the config from redefining generated keys).
pub fn default_tags(env: &Environment) -> BTreeMap<String, String> {
    let mut tags = env.identity.tags.clone();
    tags.insert("Project".into(), env.project.clone());
    tags.insert("Environment".into(), env.id.name.clone());
    tags.insert("Region".into(), env.id.region.clone());
    tags.insert("Tier".into(), env.identity.tier.clone());
    tags.insert("ManagedBy".into(), "supabase-aws-gen".into());
    tags
}

pub fn backend(env: &Environment, layer: Layer) -> Backend {
    let id = &env.identity;
    let region = state_region(env);
    Backend {
        bucket: id.state.bucket.clone(),
        key: naming::state_key(&env.id, layer),
        kms_key_id: naming::state_kms_alias_arn(&env.project, &id.account_id, &region),
        region,
    }
}

/// Region of the environment's state bucket: `state.region`, else the environment's own.
pub fn state_region(env: &Environment) -> String {
    env.identity.state.region.clone().unwrap_or_else(|| env.identity.aws_region.clone())
}

/// The root's own variables: what the provider needs.
pub fn provider_inputs(env: &Environment) -> Vec<Input> {
    provider_inputs_for("AWS region of this environment.", &env.identity.aws_region, &env.identity.account_id, default_tags(env))
}

/// The provider's variables for any root: region, account and default tags.
pub fn provider_inputs_for(region_description: &'static str, aws_region: &str, account_id: &str, tags: BTreeMap<String, String>) -> Vec<Input> {
    let tags: hcl::Map<String, hcl::Value> = tags.into_iter().map(|(k, v)| (k, hcl::Value::from(v))).collect();
    vec![
        Input::tfvar(Variable::new("aws_region", TfType::String, region_description), aws_region),
        Input::tfvar(
            Variable::new("account_id", TfType::String, "The only AWS account this root may be applied to.")
                .validate(r#"can(regex("^[0-9]{12}$", var.account_id))"#, "account_id must be 12 digits."),
            account_id,
        ),
        Input::tfvar(
            Variable::new("default_tags", TfType::map(TfType::String), "Tags the provider adds to every resource."),
            hcl::Value::Object(tags),
        ),
    ]
}

pub fn provider() -> Block {
    Block::new("provider", &["aws"])
        .attr("region", e("var.aws_region"))
        .comment("Refuses to run against any other account: credentials for the wrong account fail fast.")
        .attr("allowed_account_ids", e("[var.account_id]"))
        .child("default_tags", |b| b.attr("tags", e("var.default_tags")))
}
