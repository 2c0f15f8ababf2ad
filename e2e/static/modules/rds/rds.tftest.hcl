# Static test of modules/rds with one environment's values (scripts/static-tests.sh prepends that
# environment's core/terraform.tfvars as the file-level variables block); inputs wired from other
# modules get stand-in values in the run. Offline, mocked AWS provider.

mock_provider "aws" {
  source = "./tests/mocks/aws"
}

# Apply-time IDs the module reads back, for every run.
override_resource {
  target = aws_security_group.this
  values = { id = "sg-0rds00000000000" }
}
override_resource {
  target = aws_iam_role.monitoring
  values = { arn = "arn:aws:iam::123456789012:role/rds-monitoring" }
}

run "database" {
  command = apply

  variables {
    vpc_id                    = "vpc-0test0000000000"
    db_subnet_group_name      = "test-isolated-db-subnets"
    storage_kms_key_arn       = "arn:aws:kms:eu-west-1:123456789012:key/rds-storage"
    master_secret_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/secrets"
    logs_kms_key_arn          = "arn:aws:kms:eu-west-1:123456789012:key/logs"
    # The clients (cluster and node security groups), keyed by names known at plan time.
    client_security_groups = { cluster = "sg-0cluster00000000", nodes = "sg-0nodes0000000000" }
  }

  # --- private -------------------------------------------------------------------------------
  assert {
    condition     = aws_db_instance.this.publicly_accessible == false
    error_message = "The database must not be publicly accessible."
  }
  assert {
    condition     = aws_db_instance.this.db_subnet_group_name == var.db_subnet_group_name && aws_security_group.this.vpc_id == var.vpc_id
    error_message = "The database must live in the isolated DB subnet group of the networking layer (whose subnets have no route out)."
  }
  assert {
    condition     = toset(aws_db_instance.this.vpc_security_group_ids) == toset([aws_security_group.this.id])
    error_message = "The database must use only its own security group."
  }
  assert {
    condition = length(aws_vpc_security_group_ingress_rule.postgres) == 2 && alltrue([for r in values(aws_vpc_security_group_ingress_rule.postgres) :
      r.security_group_id == aws_security_group.this.id && r.ip_protocol == "tcp" && r.from_port == 5432 && r.to_port == 5432 &&
      r.cidr_ipv4 == null && r.cidr_ipv6 == null && contains(["sg-0cluster00000000", "sg-0nodes0000000000"], r.referenced_security_group_id)
    ])
    error_message = "PostgreSQL (5432) must be open only to the cluster and node security groups, never to a CIDR."
  }

  # --- encryption and credentials ------------------------------------------------------------
  assert {
    condition     = aws_db_instance.this.storage_encrypted && aws_db_instance.this.kms_key_id == var.storage_kms_key_arn
    error_message = "Storage must be encrypted with the environment's RDS key."
  }
  assert {
    condition     = aws_db_instance.this.manage_master_user_password && aws_db_instance.this.master_user_secret_kms_key_id == var.master_secret_kms_key_arn && aws_db_instance.this.password == null
    error_message = "RDS must manage the master password in Secrets Manager under the secrets key (no password in the configuration)."
  }
  assert {
    condition     = aws_db_instance.this.iam_database_authentication_enabled && aws_db_instance.this.ca_cert_identifier == "rds-ca-rsa2048-g1"
    error_message = "IAM authentication on, CA rds-ca-rsa2048-g1."
  }
  assert {
    condition     = !var.performance_insights_enabled || (aws_db_instance.this.performance_insights_kms_key_id == var.storage_kms_key_arn)
    error_message = "Performance Insights must be encrypted with the RDS key."
  }
  assert {
    condition = (length(aws_cloudwatch_log_group.this) == 2 && alltrue([for g in values(aws_cloudwatch_log_group.this) :
      g.kms_key_id == var.logs_kms_key_arn && g.retention_in_days == var.db_log_retention_days && startswith(g.name, "/aws/rds/instance/${var.name}/")
    ]) && toset(aws_db_instance.this.enabled_cloudwatch_logs_exports) == toset(keys(aws_cloudwatch_log_group.this)))
    error_message = "Every exported log must land in a KMS-encrypted log group created beforehand, with the configured retention."
  }

  # --- parameters: TLS only, no statement logging --------------------------------------------
  assert {
    condition     = aws_db_parameter_group.this.family == "postgres${split(".", var.engine_version)[0]}" && aws_db_instance.this.parameter_group_name == aws_db_parameter_group.this.name
    error_message = "The parameter group family must follow the engine's major version."
  }
  assert {
    condition     = one([for p in aws_db_parameter_group.this.parameter : p.value if p.name == "rds.force_ssl"]) == "1"
    error_message = "rds.force_ssl must be 1."
  }
  assert {
    condition     = alltrue([for p in aws_db_parameter_group.this.parameter : !(p.name == "log_statement" && p.value == "all")])
    error_message = "log_statement=all would write passwords to the logs."
  }
  assert {
    condition = (var.max_connections == 0
      ? length([for p in aws_db_parameter_group.this.parameter : p if p.name == "max_connections"]) == 0
    : one([for p in aws_db_parameter_group.this.parameter : p.value if p.name == "max_connections"]) == tostring(var.max_connections))
    error_message = "max_connections must be in the parameter group exactly when the config sets it (the connection budget is checked against it)."
  }
  assert {
    condition = (one([for p in aws_db_parameter_group.this.parameter :
      "${p.value}/${p.apply_method}" if p.name == "max_slot_wal_keep_size"]) == "${var.max_slot_wal_keep_size_mib}/immediate"
    && var.max_slot_wal_keep_size_mib * 2 <= var.allocated_storage_gib * 1024)
    error_message = "max_slot_wal_keep_size must bound every replication slot at the tier's value, at most half the disk, so a stuck slot cannot fill it."
  }

  # --- tier settings from the tfvars ---------------------------------------------------------
  assert {
    condition = (aws_db_instance.this.multi_az == var.multi_az && aws_db_instance.this.deletion_protection == var.deletion_protection &&
      aws_db_instance.this.skip_final_snapshot == var.skip_final_snapshot && aws_db_instance.this.instance_class == var.instance_class &&
      aws_db_instance.this.backup_retention_period == var.backup_retention_days && var.backup_retention_days > 0 &&
    aws_db_instance.this.final_snapshot_identifier == (var.skip_final_snapshot ? null : "${var.name}-final"))
    error_message = "Multi-AZ, deletion protection, final snapshot, class and backups must follow the tier."
  }
  assert {
    condition     = var.monitoring_interval_seconds == 0 || aws_db_instance.this.monitoring_role_arn == aws_iam_role.monitoring[0].arn
    error_message = "Enhanced monitoring must use its own role."
  }

  assert {
    condition     = output.address == aws_db_instance.this.address && output.port == 5432 && output.master_user_secret_arn == aws_db_instance.this.master_user_secret[0].secret_arn && output.security_group_id == aws_security_group.this.id
    error_message = "The module outputs must expose the address (no port), the port and the managed master secret."
  }
}

# The connection budget's explicit ceiling (rds.max_connections): written to the parameter group,
# applied at the next reboot (a static parameter).
run "explicit_max_connections" {
  command = apply

  variables {
    vpc_id                    = "vpc-0test0000000000"
    db_subnet_group_name      = "test-isolated-db-subnets"
    storage_kms_key_arn       = "arn:aws:kms:eu-west-1:123456789012:key/rds-storage"
    master_secret_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/secrets"
    logs_kms_key_arn          = "arn:aws:kms:eu-west-1:123456789012:key/logs"
    client_security_groups    = { cluster = "sg-0cluster00000000", nodes = "sg-0nodes0000000000" }
    max_connections           = 500
  }

  assert {
    condition = one([for p in aws_db_parameter_group.this.parameter :
    "${p.value}/${p.apply_method}" if p.name == "max_connections"]) == "500/pending-reboot"
    error_message = "An explicit max_connections must be in the parameter group, applied at the next reboot."
  }
}
