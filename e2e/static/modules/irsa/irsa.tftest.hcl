# Static test of modules/irsa with one environment's values (scripts/static-tests.sh prepends that
# environment's core/terraform.tfvars as the file-level variables block); inputs wired from other
# modules get stand-in values in the run. Offline, mocked AWS provider.

mock_provider "aws" {
  source = "./tests/mocks/aws"
}

run "workload_roles" {
  command = apply

  variables {
    oidc_provider_arn    = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/TEST"
    oidc_issuer          = "oidc.eks.eu-west-1.amazonaws.com/id/TEST"
    cluster_name         = "cluster-under-test"
    storage_bucket_arn   = "arn:aws:s3:::storage-under-test"
    storage_kms_key_arn  = "arn:aws:kms:eu-west-1:123456789012:key/s3"
    secrets_kms_key_arn  = "arn:aws:kms:eu-west-1:123456789012:key/secrets"
    db_master_secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-test-AbCdEf"
  }

  assert {
    condition     = toset(keys(aws_iam_role.this)) == toset(keys(var.service_accounts)) && toset(keys(aws_iam_role_policy.this)) == toset(keys(var.service_accounts))
    error_message = "One role with one inline policy per workload service account."
  }
  assert {
    # The subject is exactly system:serviceaccount:<namespace>:<name> from the tfvars.
    condition = alltrue([for k, sa in var.service_accounts :
      toset(one([for c in data.aws_iam_policy_document.trust[k].statement[0].condition : c.values if c.test == "StringEquals" && c.variable == "${var.oidc_issuer}:sub"])) == toset(["system:serviceaccount:${sa.namespace}:${sa.name}"])
    ])
    error_message = "Each role must trust exactly system:serviceaccount:<namespace>:<name> of its workload."
  }
  assert {
    condition = alltrue([for k, sa in var.service_accounts :
      toset(one([for c in data.aws_iam_policy_document.trust[k].statement[0].condition : c.values if c.variable == "${var.oidc_issuer}:aud"])) == toset(["sts.amazonaws.com"]) &&
      toset(data.aws_iam_policy_document.trust[k].statement[0].actions) == toset(["sts:AssumeRoleWithWebIdentity"]) &&
      one(data.aws_iam_policy_document.trust[k].statement[0].principals).type == "Federated" &&
      toset(one(data.aws_iam_policy_document.trust[k].statement[0].principals).identifiers) == toset([var.oidc_provider_arn]) &&
      length(data.aws_iam_policy_document.trust[k].statement) == 1
    ])
    error_message = "Each trust policy must be one web-identity statement for this cluster's OIDC provider with audience sts.amazonaws.com."
  }
  assert {
    condition     = alltrue([for k, r in aws_iam_role.this : r.assume_role_policy == data.aws_iam_policy_document.trust[k].json && r.name == "${var.name}-${k}"])
    error_message = "Each role must use its own trust document."
  }
  assert {
    condition = (
      alltrue([for s in data.aws_iam_policy_document.external_secrets.statement : alltrue([for r in s.resources : startswith(r, "arn:aws:secretsmanager:eu-west-1:123456789012:secret:${var.secret_name_prefix}/") || r == var.secrets_kms_key_arn])]) &&
      alltrue([for s in data.aws_iam_policy_document.storage.statement : alltrue([for r in s.resources : r == var.storage_bucket_arn || r == "${var.storage_bucket_arn}/*" || r == var.storage_kms_key_arn])])
    )
    error_message = "External Secrets may only read this environment's secrets (and decrypt them); Storage may only use its bucket and key."
  }
  assert {
    condition = alltrue([for s in data.aws_iam_policy_document.bootstrap.statement :
      !contains(s.actions, "secretsmanager:PutSecretValue") || toset(s.resources) == toset([for n in var.api_key_secret_names : "arn:aws:secretsmanager:eu-west-1:123456789012:secret:${n}-??????"])
    ])
    error_message = "The bootstrap Job may write only the two API key secrets."
  }
  assert {
    condition     = output.role_arns == { for k, r in aws_iam_role.this : k => r.arn }
    error_message = "The module output must give each workload's role ARN."
  }
}
