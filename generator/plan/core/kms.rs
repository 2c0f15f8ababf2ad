//! Customer-managed KMS keys, one per purpose, each with rotation and an explicit key policy:
//! administration by the account, use only through the service the key is for.

use crate::plan::common;
use crate::plan::iam::{ACCOUNT_ROOT, Statement, document, key_policy_skips};
use crate::terraform::{Block, Input, Module, Output, TfFile, TfType, Variable, e};

pub const MODULE: &str = "kms";

/// Who may use a key for cryptography (the account administers every key).
#[derive(Clone, Copy)]
enum KeyUse {
    /// Roles of this account whose IAM policies grant it: EKS calls KMS with the cluster role.
    Roles,
    /// Principals of this account, only through this AWS service (`kms:ViaService`).
    Service(&'static str),
    /// CloudWatch Logs, only for this environment's log groups.
    Logs,
    /// CloudWatch alarms of this account publishing to the SNS topic the key encrypts.
    Alarms,
    /// EBS volumes: through EC2, and the Auto Scaling service-linked role that launches the
    /// managed node groups' instances.
    Ebs,
}

/// Purposes, who uses the key, and a description.
const KEYS: &[(&str, KeyUse, &str)] = &[
    ("eks", KeyUse::Roles, "Envelope encryption of Kubernetes secrets"),
    ("rds", KeyUse::Service("rds"), "RDS storage, snapshots and Performance Insights"),
    ("s3", KeyUse::Service("s3"), "Supabase Storage bucket (SSE-KMS)"),
    ("secrets", KeyUse::Service("secretsmanager"), "Secrets Manager secrets, including the RDS master password"),
    ("logs", KeyUse::Logs, "CloudWatch Logs of the cluster and the database"),
    ("alarms", KeyUse::Alarms, "SNS topic the CloudWatch alarms publish to"),
    ("ebs", KeyUse::Ebs, "EBS volumes: node root volumes and persistent volumes"),
];

/// How many keys the module creates.
pub const KEY_COUNT: usize = KEYS.len();

pub fn inputs(name: &str, throwaway: bool, log_groups: Vec<String>) -> Vec<Input> {
    vec![
        common::name_input(name),
        common::kms_deletion_window_input(throwaway),
        Input::tfvar(
            Variable::new("log_group_names", TfType::list(TfType::String), "CloudWatch log groups (names, `*` allowed) the logs key may encrypt."),
            hcl::Value::from(log_groups),
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
    for &(purpose, key_use, _) in KEYS {
        blocks.push(policy(purpose, key_use));
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
                  Secrets Manager, CloudWatch Logs, the alarm topic and EBS volumes. Each key policy lets the account administer the key \
                  and allows cryptographic use only through the service the key is for (the logs key: only \
                  CloudWatch Logs, for this environment's log groups).",
        variables: inputs.iter().map(|i| i.var.clone()).collect(),
        files: vec![TfFile { name: "main.tf", blocks }],
        outputs: vec![
            Output::new("key_arns", "ARN of each key, by purpose (eks, rds, s3, secrets, logs, alarms, ebs).", "{ for k, key in aws_kms_key.this : k => key.arn }"),
            Output::new("alias_names", "Alias of each key, by purpose.", "{ for k, alias in aws_kms_alias.this : k => alias.name }"),
        ],
    }
}

pub(crate) const ADMIN_ACTIONS: &[&str] = &[
    "kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*",
    "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource",
    "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion", "kms:RotateKeyOnDemand",
];
pub(crate) const USE_ACTIONS: &[&str] = &["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"];

/// The key policy of one purpose (`data.aws_iam_policy_document.key_<purpose>`).
fn policy(purpose: &str, key_use: KeyUse) -> Block {
    let admin = Statement::allow(ADMIN_ACTIONS).sid("KeyAdministration").on(r#"["*"]"#).principal("AWS", ACCOUNT_ROOT);
    let grant = |sid: &str| {
        Statement::allow(&[USE_ACTIONS, &["kms:CreateGrant", "kms:ListGrants"]].concat()).sid(sid).on(r#"["*"]"#).principal("AWS", ACCOUNT_ROOT)
    };
    let usage = match key_use {
        KeyUse::Logs => Statement::allow(USE_ACTIONS)
            .sid("CloudWatchLogsOfThisEnvironment")
            .on(r#"["*"]"#)
            .principal("Service", r#"["logs.${data.aws_region.current.name}.amazonaws.com"]"#)
            .when(
                "ArnLike",
                "kms:EncryptionContext:aws:logs:arn",
                r#"[for group in var.log_group_names : "arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:log-group:${group}"]"#,
            ),
        KeyUse::Service(service) => grant("UseThroughService")
            .when("StringEquals", "kms:ViaService", &format!(r#"["{service}.${{data.aws_region.current.name}}.amazonaws.com"]"#))
            .when("StringEquals", "kms:CallerAccount", "[data.aws_caller_identity.current.account_id]"),
        KeyUse::Roles => grant("UseByRolesOfThisAccount"),
        // CloudWatch encrypts what it publishes to an SSE-KMS topic with this key: the topic
        // (monitoring layer) needs GenerateDataKey* and Decrypt for the CloudWatch service
        // principal (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html,
        // "Enable compatibility between event sources from AWS services and encrypted topics").
        KeyUse::Alarms => Statement::allow(&["kms:GenerateDataKey*", "kms:Decrypt"])
            .sid("CloudWatchAlarmsOfThisAccount")
            .on(r#"["*"]"#)
            .principal("Service", r#"["cloudwatch.amazonaws.com"]"#)
            .when("StringEquals", "aws:SourceAccount", "[data.aws_caller_identity.current.account_id]"),
        KeyUse::Ebs => grant("UseThroughEc2")
            .when("StringEquals", "kms:ViaService", r#"["ec2.${data.aws_region.current.name}.amazonaws.com"]"#)
            .when("StringEquals", "kms:CallerAccount", "[data.aws_caller_identity.current.account_id]"),
    };
    let mut statements = vec![admin, usage];
    if let KeyUse::Ebs = key_use {
        statements.extend(autoscaling_statements());
    }
    key_policy_skips(document(&format!("key_{purpose}"), statements))
}

/// The two statements Amazon EC2 Auto Scaling needs to launch instances whose launch template
/// encrypts EBS volumes with a customer managed key: use of the key, and grants only for AWS
/// resources (https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html,
/// "Example 1"). The role is named in an `aws:PrincipalArn` condition rather than as the
/// principal: KMS rejects a policy naming a role that does not exist yet, and the account's
/// AWSServiceRoleForAutoScaling only appears when its first Auto Scaling group is created.
fn autoscaling_statements() -> [Statement; 2] {
    const ROLE: &str = r#"["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"]"#;
    [
        Statement::allow(USE_ACTIONS)
            .sid("AutoScalingServiceLinkedRoleUse")
            .on(r#"["*"]"#)
            .principal("AWS", r#"["*"]"#)
            .when("ArnEquals", "aws:PrincipalArn", ROLE)
            .when("StringEquals", "kms:CallerAccount", "[data.aws_caller_identity.current.account_id]"),
        Statement::allow(&["kms:CreateGrant"])
            .sid("AutoScalingServiceLinkedRoleGrants")
            .on(r#"["*"]"#)
            .principal("AWS", r#"["*"]"#)
            .when("ArnEquals", "aws:PrincipalArn", ROLE)
            .when("StringEquals", "kms:CallerAccount", "[data.aws_caller_identity.current.account_id]")
            .when("Bool", "kms:GrantIsForAWSResource", r#"["true"]"#),
    ]
}
