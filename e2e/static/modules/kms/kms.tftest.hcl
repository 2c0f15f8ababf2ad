# Static test of modules/kms with one environment's values (scripts/static-tests.sh prepends that
# environment's core/terraform.tfvars as the file-level variables block). Offline, mocked provider.

mock_provider "aws" {
  source = "./tests/mocks/aws"
}

run "keys" {
  command = apply

  assert {
    condition     = toset(keys(aws_kms_key.this)) == toset(["eks", "rds", "s3", "secrets", "logs", "alarms", "ebs"])
    error_message = "One customer-managed key per purpose: eks, rds, s3, secrets, logs, alarms, ebs."
  }
  assert {
    condition = (
      anytrue([for s in data.aws_iam_policy_document.key_ebs.statement : anytrue([for c in s.condition : c.variable == "kms:ViaService" && toset(c.values) == toset(["ec2.eu-west-1.amazonaws.com"])])]) &&
      anytrue([for s in data.aws_iam_policy_document.key_ebs.statement :
        toset(s.actions) == toset(["kms:CreateGrant"]) &&
        anytrue([for c in s.condition : c.variable == "aws:PrincipalArn" && toset(c.values) == toset(["arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"])]) &&
        anytrue([for c in s.condition : c.test == "Bool" && c.variable == "kms:GrantIsForAWSResource" && toset(c.values) == toset(["true"])])
      ]) &&
      anytrue([for s in data.aws_iam_policy_document.key_ebs.statement :
        contains(s.actions, "kms:GenerateDataKey*") && contains(s.actions, "kms:Decrypt") &&
        anytrue([for c in s.condition : c.variable == "aws:PrincipalArn" && anytrue([for v in c.values : endswith(v, ":role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling")])])
      ])
    )
    error_message = "The EBS key must be usable through EC2, and by the Auto Scaling service-linked role (grants only for AWS resources), or node groups cannot launch."
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
    condition = anytrue([for s in data.aws_iam_policy_document.key_alarms.statement :
      toset(s.actions) == toset(["kms:GenerateDataKey*", "kms:Decrypt"]) &&
      anytrue([for p in s.principals : p.type == "Service" && toset(p.identifiers) == toset(["cloudwatch.amazonaws.com"])]) &&
      anytrue([for c in s.condition : c.variable == "aws:SourceAccount" && toset(c.values) == toset(["123456789012"])])
    ])
    error_message = "The alarms key may be used by CloudWatch, for this account only, to publish to the encrypted alarm topic."
  }
  assert {
    condition     = output.key_arns == { for k, key in aws_kms_key.this : k => key.arn } && length(output.alias_names) == length(aws_kms_key.this)
    error_message = "The module outputs must give each key's ARN and alias."
  }
}
