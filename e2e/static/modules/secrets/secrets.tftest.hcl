# Static test of modules/secrets with one environment's values (scripts/static-tests.sh prepends
# that environment's core/terraform.tfvars as the file-level variables block); the database
# location gets a stand-in. Offline, mocked AWS provider. Terraform 1.11 cannot mock ephemeral
# resources, so the temp copy under test has its random-password source replaced by a
# placeholder (e2e/static/strip_ephemeral.py); everything else is the generated module.

mock_provider "aws" {
  source = "./tests/mocks/aws"
}

run "secrets" {
  command = apply

  variables {
    kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/secrets"
    database = {
      host              = "db.internal.example"
      port              = 5432
      dbname            = "postgres"
      master_secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-test-AbCdEf"
    }
  }

  assert {
    condition = alltrue([for s in concat(values(aws_secretsmanager_secret.generated), values(aws_secretsmanager_secret.empty), [aws_secretsmanager_secret.connection]) :
      s.kms_key_id == var.kms_key_arn && startswith(s.name, "${var.secret_name_prefix}/") && s.recovery_window_in_days == var.recovery_window_days
    ])
    error_message = "Every secret must be encrypted with the secrets key, named under the environment's prefix, with the tier's recovery window."
  }
  assert {
    condition     = toset(keys(aws_secretsmanager_secret.generated)) == toset(keys(var.generated_secrets)) && toset(keys(aws_secretsmanager_secret.empty)) == toset(keys(var.empty_secrets))
    error_message = "One secret per generated value and per API key slot."
  }
  assert {
    condition     = alltrue([for v in values(aws_secretsmanager_secret_version.generated) : v.secret_string == null && v.secret_string_wo == null && v.secret_string_wo_version >= 1])
    error_message = "Generated values must go through the write-only argument: nothing in state."
  }
  assert {
    condition     = keys(jsondecode(aws_secretsmanager_secret_version.connection.secret_string)) == ["dbname", "host", "master_secret_arn", "port"]
    error_message = "The db-connection secret holds where the database is, never a password."
  }
  assert {
    condition     = toset(keys(output.secret_names)) == toset(concat(keys(var.generated_secrets), keys(var.empty_secrets), ["db-connection"])) && alltrue([for k, n in output.secret_names : n == "${var.secret_name_prefix}/${k}"])
    error_message = "The module output must name every secret <prefix>/<key>."
  }
}
