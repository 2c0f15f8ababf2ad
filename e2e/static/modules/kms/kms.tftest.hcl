# Static test of modules/kms with one environment's values (scripts/static-tests.sh prepends that
# environment's core/terraform.tfvars as the file-level variables block). Offline, mocked provider.

mock_provider "aws" {
  source = "./tests/mocks/aws"
}

run "keys" {
  command = apply

  assert {
    condition     = toset(keys(aws_kms_key.this)) == toset(["eks", "rds", "s3", "secrets", "logs"])
    error_message = "One customer-managed key per purpose: eks, rds, s3, secrets, logs."
  }
  assert {
    condition     = alltrue([for k in values(aws_kms_key.this) : k.enable_key_rotation && k.deletion_window_in_days == var.kms_deletion_window_days])
    error_message = "Every key must rotate, with the configured deletion window."
  }
  assert {
    condition     = alltrue([for k, a in aws_kms_alias.this : a.name == "alias/${var.name}-${k}" && a.target_key_id == aws_kms_key.this[k].key_id])
    error_message = "Every key must have its alias/<name>-<purpose>."
  }
  assert {
    condition = alltrue([for svc in ["rds", "s3", "secretsmanager"] : anytrue([for d in [data.aws_iam_policy_document.key_rds, data.aws_iam_policy_document.key_s3, data.aws_iam_policy_document.key_secrets] :
      anytrue([for s in d.statement : anytrue([for c in s.condition : c.variable == "kms:ViaService" && toset(c.values) == toset(["${svc}.eu-west-1.amazonaws.com"])])])
    ])])
    error_message = "The RDS, S3 and Secrets Manager keys may be used only through their service."
  }
  assert {
    condition = anytrue([for s in data.aws_iam_policy_document.key_logs.statement :
      anytrue([for p in s.principals : p.type == "Service" && toset(p.identifiers) == toset(["logs.eu-west-1.amazonaws.com"])]) &&
      anytrue([for c in s.condition : c.variable == "kms:EncryptionContext:aws:logs:arn" && toset(c.values) == toset([for g in var.log_group_names : "arn:aws:logs:eu-west-1:123456789012:log-group:${g}"])])
    ])
    error_message = "The logs key may be used by CloudWatch Logs only for this environment's log groups."
  }
  assert {
    condition     = output.key_arns == { for k, key in aws_kms_key.this : k => key.arn } && length(output.alias_names) == 5
    error_message = "The module outputs must give each key's ARN and alias."
  }
}
