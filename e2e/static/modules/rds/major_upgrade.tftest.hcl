# PostgreSQL major upgrade, 16 then 17, in one state (its own file: the runs of rds.tftest.hcl
# keep theirs). scripts/static-tests.sh prepends an environment's core/terraform.tfvars as the
# file-level variables block; these runs set the engine version. Offline, mocked AWS provider:
# the assertions are on planned values, the order of operations is Terraform's (see main.tf).

mock_provider "aws" {
  source = "./tests/mocks/aws"
}

override_resource {
  target = aws_security_group.this
  values = { id = "sg-0rds00000000000" }
}
override_resource {
  target = aws_iam_role.monitoring
  values = { arn = "arn:aws:iam::123456789012:role/rds-monitoring" }
}

run "on_16" {
  command = apply

  variables {
    vpc_id                    = "vpc-0test0000000000"
    db_subnet_group_name      = "test-isolated-db-subnets"
    storage_kms_key_arn       = "arn:aws:kms:eu-west-1:123456789012:key/rds-storage"
    master_secret_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/secrets"
    logs_kms_key_arn          = "arn:aws:kms:eu-west-1:123456789012:key/logs"
    client_security_groups    = { cluster = "sg-0cluster00000000", nodes = "sg-0nodes0000000000" }
    engine_version            = "16"
  }

  assert {
    condition     = aws_db_parameter_group.this.family == "postgres16" && aws_db_parameter_group.this.name == "${var.name}-postgres16" && aws_db_instance.this.parameter_group_name == aws_db_parameter_group.this.name
    error_message = "PostgreSQL 16 runs on a postgres16 parameter group named after its major."
  }
  assert {
    condition     = aws_db_instance.this.auto_minor_version_upgrade && aws_db_instance.this.apply_immediately == false
    error_message = "Minor versions stay RDS-managed (major-only engine_version, auto minor upgrades), changes wait for the maintenance window."
  }
}

# The runbook's one apply of the upgrade: engine_version "17" and -var apply_immediately=true.
run "to_17" {
  command = plan

  variables {
    vpc_id                    = "vpc-0test0000000000"
    db_subnet_group_name      = "test-isolated-db-subnets"
    storage_kms_key_arn       = "arn:aws:kms:eu-west-1:123456789012:key/rds-storage"
    master_secret_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/secrets"
    logs_kms_key_arn          = "arn:aws:kms:eu-west-1:123456789012:key/logs"
    client_security_groups    = { cluster = "sg-0cluster00000000", nodes = "sg-0nodes0000000000" }
    engine_version            = "17"
    apply_immediately         = true
  }

  assert {
    condition     = aws_db_instance.this.engine_version == "17" && aws_db_instance.this.allow_major_version_upgrade
    error_message = "A new major in engine_version must reach the instance with allow_major_version_upgrade, or RDS refuses the modification."
  }
  assert {
    condition     = aws_db_parameter_group.this.family == "postgres17" && aws_db_parameter_group.this.name == "${var.name}-postgres17"
    error_message = "The new major needs a parameter group of its family under a new name, so it can exist beside the old one (create_before_destroy)."
  }
  assert {
    condition     = aws_db_instance.this.parameter_group_name == "${var.name}-postgres17" && aws_db_instance.this.apply_immediately
    error_message = "The instance must switch to the new group in the same modification, applied now, so the old group is detached before Terraform deletes it."
  }
  assert {
    condition     = one([for p in aws_db_parameter_group.this.parameter : p.value if p.name == "rds.force_ssl"]) == "1" && one([for p in aws_db_parameter_group.this.parameter : p.value if p.name == "rds.logical_replication"]) == "1"
    error_message = "The new group must carry the same settings (TLS only, logical replication) as the old one."
  }
}
