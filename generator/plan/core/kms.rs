//! Customer-managed KMS keys, one per purpose, each with rotation and an explicit key policy:
//! administration by the account, use only through the service the key is for.

use crate::terraform::{Block, Input, Module, Output, TfFile, TfType, Variable, e};

use super::super::iam::{ACCOUNT_ROOT, Statement, document, key_policy_skips};
use super::common;

pub const MODULE: &str = "kms";

/// Purposes, the AWS service that uses the key on the caller's behalf, and a description.
pub const KEYS: [(&str, Option<&str>, &str); 5] = [
    ("eks", None, "Envelope encryption of Kubernetes secrets"),
    ("rds", Some("rds"), "RDS storage, snapshots and Performance Insights"),
    ("s3", Some("s3"), "Supabase Storage bucket (SSE-KMS)"),
    ("secrets", Some("secretsmanager"), "Secrets Manager secrets, including the RDS master password"),
    ("logs", None, "CloudWatch Logs of the cluster and the database"),
];

pub fn inputs(name: &str, deletion_window: u32, log_groups: Vec<String>) -> Vec<Input> {
    let groups = hcl::Value::from(log_groups.into_iter().map(hcl::Value::from).collect::<Vec<_>>());
    vec![
        common::name_input(name),
        Input::tfvar(
            Variable::new("kms_deletion_window_days", TfType::Number, "Waiting period before a deleted KMS key is destroyed.")
                .default(30)
                .validate("var.kms_deletion_window_days >= 7 && var.kms_deletion_window_days <= 30", "AWS allows 7 to 30 days."),
            deletion_window,
        ),
        Input::tfvar(
            Variable::new("log_group_names", TfType::list(TfType::String), "CloudWatch log groups (names, `*` allowed) the logs key may encrypt."),
            groups,
        ),
        common::tags_input(MODULE),
    ]
}

pub fn module(inputs: &[Input]) -> Module {
    let mut blocks = vec![
        Block::data("aws_partition", "current"),
        Block::data("aws_caller_identity", "current"),
        Block::data("aws_region", "current"),
        Block::new("locals", &[]).attr(
            "keys",
            e(&format!(
                "{{ {} }}",
                KEYS.iter().map(|(k, _, d)| format!("{k} = \"{d}\"")).collect::<Vec<_>>().join(", ")
            )),
        ),
    ];
    for (purpose, service, _) in KEYS {
        blocks.push(policy(purpose, service));
    }
    blocks.push(Block::new("locals", &[]).attr(
        "key_policies",
        e(&format!(
            "{{ {} }}",
            KEYS.iter().map(|(k, _, _)| format!("{k} = data.aws_iam_policy_document.key_{k}.json")).collect::<Vec<_>>().join(", ")
        )),
    ));
    blocks.push(
        Block::resource("aws_kms_key", "this")
            .attr("for_each", e("local.keys"))
            .attr("description", e(r#""${var.name}: ${each.value}""#))
            .attr("enable_key_rotation", true)
            .attr("deletion_window_in_days", e("var.kms_deletion_window_days"))
            .attr("policy", e("local.key_policies[each.key]"))
            .attr("tags", e(r#"merge(var.tags, { Name = "${var.name}-${each.key}" })"#)),
    );
    blocks.push(
        Block::resource("aws_kms_alias", "this")
            .attr("for_each", e("local.keys"))
            .attr("name", e(r#""alias/${var.name}-${each.key}""#))
            .attr("target_key_id", e("aws_kms_key.this[each.key].key_id")),
    );
    Module {
        name: MODULE,
        summary: "Customer-managed KMS keys with yearly rotation for EKS secrets, RDS, the storage bucket, \
                  Secrets Manager and CloudWatch Logs. Each key policy lets the account administer the key \
                  and allows cryptographic use only through the service the key is for (the logs key: only \
                  CloudWatch Logs, for this environment's log groups).",
        variables: inputs.iter().map(|i| i.var.clone()).collect(),
        files: vec![TfFile { name: "main.tf", blocks }],
        outputs: vec![
            Output::new("key_arns", "ARN of each key, by purpose (eks, rds, s3, secrets, logs).", "{ for k, key in aws_kms_key.this : k => key.arn }"),
            Output::new("alias_names", "Alias of each key, by purpose.", "{ for k, alias in aws_kms_alias.this : k => alias.name }"),
        ],
    }
}

const ADMIN_ACTIONS: &[&str] = &[
    "kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*",
    "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource",
    "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion", "kms:RotateKeyOnDemand",
];
const USE_ACTIONS: &[&str] = &["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"];

/// The key policy of one purpose (`data.aws_iam_policy_document.key_<purpose>`).
fn policy(purpose: &str, service: Option<&str>) -> Block {
    let mut statements = vec![Statement::allow(ADMIN_ACTIONS).sid("KeyAdministration").on(r#"["*"]"#).principal("AWS", ACCOUNT_ROOT)];
    match (purpose, service) {
        ("logs", _) => statements.push(
            Statement::allow(USE_ACTIONS)
                .sid("CloudWatchLogsOfThisEnvironment")
                .on(r#"["*"]"#)
                .principal("Service", r#"["logs.${data.aws_region.current.name}.amazonaws.com"]"#)
                .when(
                    "ArnLike",
                    "kms:EncryptionContext:aws:logs:arn",
                    r#"[for group in var.log_group_names : "arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:log-group:${group}"]"#,
                ),
        ),
        (_, Some(service)) => statements.push(
            Statement::allow(&[USE_ACTIONS, &["kms:CreateGrant", "kms:ListGrants"]].concat())
                .sid("UseThroughService")
                .on(r#"["*"]"#)
                .principal("AWS", ACCOUNT_ROOT)
                .when("StringEquals", "kms:ViaService", &format!(r#"["{service}.${{data.aws_region.current.name}}.amazonaws.com"]"#))
                .when("StringEquals", "kms:CallerAccount", "[data.aws_caller_identity.current.account_id]"),
        ),
        // EKS calls KMS with the cluster role; the role's IAM policy grants it use of this key.
        _ => statements.push(
            Statement::allow(&[USE_ACTIONS, &["kms:CreateGrant", "kms:ListGrants"]].concat())
                .sid("UseByRolesOfThisAccount")
                .on(r#"["*"]"#)
                .principal("AWS", ACCOUNT_ROOT),
        ),
    }
    key_policy_skips(document(&format!("key_{purpose}"), statements))
}
