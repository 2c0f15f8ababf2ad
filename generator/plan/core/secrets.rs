//! Secrets Manager: every secret the Supabase pods read, under one prefix, encrypted with the
//! environment's key. Generated material comes from an ephemeral random password written
//! through a write-only argument, so no secret value is ever in Terraform state or in a file.

use crate::plan::common;
use crate::plan::naming::{Names, SecretKind, SecretSource};
use crate::terraform::{Block, Input, Module, Output, TfFile, TfType, Variable, e, s};

pub const MODULE: &str = "secrets";

pub fn inputs(names: &Names, kinds: &[SecretKind], throwaway: bool) -> Vec<Input> {
    let mut generated = hcl::Map::new();
    let mut empty = hcl::Map::new();
    for &kind in kinds {
        match kind.source() {
            SecretSource::Generated { length } => {
                let entry: hcl::Map<String, hcl::Value> =
                    [("length".to_string(), hcl::Value::from(length)), ("description".to_string(), hcl::Value::from(kind.description()))]
                        .into_iter()
                        .collect();
                generated.insert(kind.key(), hcl::Value::Object(entry));
            }
            SecretSource::Slot => {
                empty.insert(kind.key(), hcl::Value::from(kind.description()));
            }
            SecretSource::Terraform => {}
        }
    }
    vec![
        Input::tfvar(
            Variable::new("secret_name_prefix", TfType::String, "Prefix of every secret name (without trailing slash)."),
            names.secret_prefix.as_str(),
        ),
        Input::tfvar(
            Variable::new(
                "generated_secrets",
                TfType::map(TfType::Object(vec![("length", TfType::Number, false), ("description", TfType::String, false)])),
                "Secrets Terraform generates (letters and digits only, so they are safe in URLs), by name.",
            )
            .validate("alltrue([for s in values(var.generated_secrets) : s.length >= 16])", "Generated secrets are at least 16 characters."),
            hcl::Value::Object(generated),
        ),
        Input::tfvar(
            Variable::new(
                "empty_secrets",
                TfType::map(TfType::String),
                "Secrets created empty, by name (value: description): the API keys the bootstrap Job signs, and SMTP credentials the operator fills.",
            ),
            hcl::Value::Object(empty),
        ),
        Input::wire(
            Variable::new(
                "database",
                TfType::Object(vec![
                    ("host", TfType::String, false),
                    ("port", TfType::Number, false),
                    ("dbname", TfType::String, false),
                    ("master_secret_arn", TfType::String, false),
                ]),
                "Where the database is; written to the db-connection secret (no password in it).",
            ),
            "{ host = module.rds.address, port = module.rds.port, dbname = module.rds.database_name, master_secret_arn = module.rds.master_user_secret_arn }",
        ),
        Input::tfvar(
            Variable::new("recovery_window_days", TfType::Number, "Days a deleted secret can be restored (0: delete at once, for throwaway tiers).")
                .default(30)
                .validate("var.recovery_window_days == 0 || (var.recovery_window_days >= 7 && var.recovery_window_days <= 30)", "Use 0, or 7 to 30."),
            if throwaway { 0 } else { 30 },
        ),
        Input::wire(Variable::new("kms_key_arn", TfType::String, "KMS key of the secrets."), r#"module.kms.key_arns["secrets"]"#),
        common::tags_input(MODULE),
    ]
}

pub fn module(inputs: &[Input]) -> Module {
    let rotation_skip = "values are generated at apply and rotated by bumping secret_string_wo_version (see the runbook); the RDS master password rotates in RDS";
    let blocks = vec![
        Block::new("ephemeral", &["aws_secretsmanager_random_password", "generated"])
            .comment("Ephemeral: the value exists only during apply and goes straight into a write-only argument.")
            .attr("for_each", e("var.generated_secrets"))
            .attr("password_length", e("each.value.length"))
            .attr("exclude_punctuation", true),
        Block::resource("aws_secretsmanager_secret", "generated")
            .skip_check("CKV2_AWS_57", rotation_skip)
            .attr("for_each", e("var.generated_secrets"))
            .attr("name", e(r#""${var.secret_name_prefix}/${each.key}""#))
            .attr("description", e("each.value.description"))
            .attr("kms_key_id", e("var.kms_key_arn"))
            .attr("recovery_window_in_days", e("var.recovery_window_days"))
            .attr("tags", e("var.tags")),
        Block::resource("aws_secretsmanager_secret_version", "generated")
            .attr("for_each", e("var.generated_secrets"))
            .attr("secret_id", e("aws_secretsmanager_secret.generated[each.key].id"))
            .comment("Write-only: sent to AWS, never stored in state. Bump the version to rotate.")
            .attr("secret_string_wo", e("ephemeral.aws_secretsmanager_random_password.generated[each.key].random_password"))
            .attr("secret_string_wo_version", 1),
        Block::resource("aws_secretsmanager_secret", "empty")
            .skip_check("CKV2_AWS_57", "filled from outside Terraform: the bootstrap Job re-signs the API keys whenever the JWT secret changes; the operator rotates SMTP credentials at the mail provider")
            .attr("for_each", e("var.empty_secrets"))
            .attr("name", e(r#""${var.secret_name_prefix}/${each.key}""#))
            .attr("description", e("each.value"))
            .attr("kms_key_id", e("var.kms_key_arn"))
            .attr("recovery_window_in_days", e("var.recovery_window_days"))
            .attr("tags", e("var.tags")),
        Block::resource("aws_secretsmanager_secret", "connection")
            .skip_check("CKV2_AWS_57", "holds no credential, only where the database is")
            .attr("name", e(&format!(r#""${{var.secret_name_prefix}}/{}""#, SecretKind::Connection.key())))
            .attr("description", s(&SecretKind::Connection.description()))
            .attr("kms_key_id", e("var.kms_key_arn"))
            .attr("recovery_window_in_days", e("var.recovery_window_days"))
            .attr("tags", e("var.tags")),
        Block::resource("aws_secretsmanager_secret_version", "connection")
            .attr("secret_id", e("aws_secretsmanager_secret.connection.id"))
            .attr("secret_string", e("jsonencode(var.database)")),
    ];
    Module {
        name: MODULE,
        summary: "Secrets Manager secrets under one prefix, encrypted with the environment's KMS key: generated ones \
                  (JWT secret, Realtime SECRET_KEY_BASE and DB_ENC_KEY, postgres-meta crypto key, Realtime dashboard password, \
                  one password per database login role) written from ephemeral random passwords through write-only \
                  arguments, so no value reaches state; empty slots for the anon and service_role keys the bootstrap \
                  Job signs (and the SMTP credentials the operator fills); and db-connection with the database's \
                  address, port, name and master secret ARN. \
                  Recovery window per tier (0 for throwaway tiers, so destroy and redeploy works).",
        variables: inputs.iter().map(|i| i.var.clone()).collect(),
        files: vec![TfFile { name: "main.tf", blocks }],
        outputs: vec![
            Output::new("secret_arns", "ARN of every secret, by name.", &every_secret("arn")),
            Output::new("secret_names", "Name of every secret, by key.", &every_secret("name")),
        ],
    }
}

/// An attribute of every secret of the module, by key (the connection's key is an identifier, so
/// it goes unquoted, as terraform fmt leaves it).
fn every_secret(attribute: &str) -> String {
    format!(
        "merge({{ for k, s in aws_secretsmanager_secret.generated : k => s.{attribute} }}, {{ for k, s in aws_secretsmanager_secret.empty : k => s.{attribute} }}, {{ {} = aws_secretsmanager_secret.connection.{attribute} }})",
        SecretKind::Connection.key()
    )
}
