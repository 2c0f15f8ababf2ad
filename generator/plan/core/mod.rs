//! The core layer: KMS, EKS, RDS, the storage bucket, secrets and workload IAM roles, wired
//! together in one root that reads the networking layer's outputs from its remote state.

pub mod addon_versions;
pub mod edge;
pub mod eks;
pub mod irsa;
pub mod kms;
pub mod load_balancer_controller;
pub mod rds;
pub mod secrets;
pub mod storage;

use crate::resolve::model::Environment;
use crate::terraform::{Block, Input, Module, ModuleCall, Output, TfFile, e, s};

use super::naming::{Layer, Names};
use super::roots;

/// The modules of the layer, in the order the root calls them.
pub fn calls(env: &Environment, names: &Names) -> Vec<(ModuleCall, fn(&[Input]) -> Module)> {
    let throwaway = env.settings.throwaway;
    let mut log_groups = vec![names.cluster_log_group(), format!("{}/*", names.db_log_group_prefix()), edge::waf_log_group(names)];
    log_groups.extend(eks::CONTAINER_INSIGHTS_LOG_GROUPS.iter().map(|g| format!("/aws/containerinsights/{}/{g}", names.cluster)));
    let call = |module: &'static str, inputs: Vec<Input>| ModuleCall { label: module, module, inputs };
    vec![
        (call(kms::MODULE, kms::inputs(&names.prefix, throwaway, log_groups)), kms::module as fn(&[Input]) -> Module),
        (call(eks::MODULE, eks::inputs(env, names)), eks::module),
        (call(rds::MODULE, rds::inputs(env, names)), rds::module),
        (call(storage::MODULE, storage::inputs(env, names)), storage::module),
        (call(secrets::MODULE, secrets::inputs(names, &super::naming::SecretKind::for_env(env), throwaway)), secrets::module),
        (call(irsa::MODULE, irsa::inputs(names)), irsa::module),
        (call(edge::MODULE, edge::inputs(env, names)), edge::module),
    ]
}

/// The networking layer's state, read through the same backend.
pub fn remote_state(env: &Environment) -> Block {
    let backend = roots::backend(env, Layer::Networking);
    Block::data("terraform_remote_state", "networking")
        .attr("backend", s("s3"))
        .attr(
            "config",
            crate::terraform::object([("bucket", s(&backend.bucket)), ("key", s(&backend.key)), ("region", s(&backend.region))]),
        )
}

/// What the applications layer and operators need from this layer.
pub fn outputs() -> Vec<Output> {
    let o = |name, description, value: &str| Output { name, description, value: e(value) };
    vec![
        o("cluster_name", "Name of the EKS cluster.", "module.eks.cluster_name"),
        o("cluster_endpoint", "Endpoint of the Kubernetes API.", "module.eks.cluster_endpoint"),
        o("cluster_certificate_authority_data", "Base64 CA certificate of the API.", "module.eks.cluster_certificate_authority_data"),
        o("cluster_version", "Kubernetes version of the control plane.", "module.eks.cluster_version"),
        o("oidc_provider_arn", "ARN of the cluster's IAM OIDC provider.", "module.eks.oidc_provider_arn"),
        o("workload_role_arns", "IAM role of each workload service account, by role key.", "module.irsa.role_arns"),
        o("storage_bucket_name", "The Supabase Storage bucket.", "module.storage.bucket_name"),
        o("db_identifier", "Identifier of the RDS instance (the DBInstanceIdentifier of its metrics).", "module.rds.identifier"),
        o("db_address", "Host name of the database.", "module.rds.address"),
        o("db_port", "Port of the database.", "module.rds.port"),
        o("db_master_user_secret_arn", "Secret holding the RDS-managed master password.", "module.rds.master_user_secret_arn"),
        o("secret_names", "Secrets Manager names, by key.", "module.secrets.secret_names"),
        o("kms_key_arns", "KMS keys, by purpose.", "module.kms.key_arns"),
        o("certificate_arn", "The API's ACM certificate (null without a Route 53 zone: issued by hand, see the runbook).", "module.edge.certificate_arn"),
        o("web_acl_name", "The WAFv2 web ACL the Ingress names (null when the tier has no WAF).", "module.edge.web_acl_name"),
        o("web_acl_arn", "ARN of the WAFv2 web ACL (null when the tier has no WAF).", "module.edge.web_acl_arn"),
    ]
}

pub fn files(env: &Environment) -> Vec<TfFile> {
    vec![TfFile { name: "providers.tf", blocks: vec![roots::provider()] }, TfFile { name: "remote_state.tf", blocks: vec![remote_state(env)] }]
}
