# Static test of an environment's core root (run in a temp copy of
# out/environments/<region>/<env>/core, whose terraform.tfvars Terraform loads). Offline, mocked
# AWS provider; the networking layer's remote state is replaced by stand-in outputs. The temp
# copy of modules/secrets has its ephemeral password source replaced by a placeholder
# (e2e/static/strip_ephemeral.py): Terraform 1.11 cannot mock ephemeral resources.

mock_provider "aws" {
  source = "./tests/mocks/aws"
}

override_data {
  target = data.terraform_remote_state.networking
  values = {
    outputs = {
      vpc_id               = "vpc-0test0000000000"
      vpc_cidr_block       = "10.0.0.0/16"
      eks_subnet_ids       = ["subnet-0a000000000000", "subnet-0b000000000000", "subnet-0c000000000000"]
      rds_subnet_ids       = ["subnet-0d000000000000", "subnet-0e000000000000", "subnet-0f000000000000"]
      db_subnet_group_name = "networking-db-subnet-group"
    }
  }
}

# The mock knows nothing of ACM's validation options: one per committed environment with a `dns`
# zone (mock values cannot read var.api_host). A new environment with `dns` adds its API host here.
override_resource {
  target = module.edge.aws_acm_certificate.api
  values = {
    domain_validation_options = [for host in ["api.supabase.example.com", "api.eu-central.supabase.example.com"] : {
      domain_name           = host
      resource_record_name  = "_0123456789abcdef.${host}."
      resource_record_type  = "CNAME"
      resource_record_value = "_fedcba9876543210.xlfgrmvvlj.acm-validations.aws."
    }]
  }
}

# ARN-shaped values where the WAF logging configuration validates them.
override_resource {
  target = module.edge.aws_wafv2_web_acl.this
  values = { arn = "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/test/00000000-0000-0000-0000-000000000000" }
}

override_resource {
  target = module.edge.aws_cloudwatch_log_group.waf
  values = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:aws-waf-logs-test" }
}

run "outputs" {
  command = apply

  assert {
    condition = alltrue([for v in [output.cluster_name, output.cluster_endpoint, output.cluster_certificate_authority_data, output.cluster_version, output.oidc_provider_arn, output.storage_bucket_name, output.db_address, output.db_master_user_secret_arn] :
      v != null && v != ""
    ]) && output.db_port == 5432
    error_message = "The core layer must output the cluster, its OIDC provider, the bucket and the database."
  }
  assert {
    condition     = output.cluster_name == var.name && output.cluster_version == var.cluster_version && output.storage_bucket_name == var.bucket_name
    error_message = "Cluster name, version and bucket must be the environment's."
  }
  assert {
    condition     = toset(keys(output.kms_key_arns)) == toset(["eks", "rds", "s3", "secrets", "logs", "alarms", "ebs"])
    error_message = "One KMS key ARN per purpose."
  }
  assert {
    condition     = toset(keys(output.workload_role_arns)) == toset(keys(var.service_accounts))
    error_message = "One workload role per service account."
  }
  assert {
    condition     = toset(keys(output.secret_names)) == toset(concat(keys(var.generated_secrets), keys(var.empty_secrets), ["db-connection"])) && alltrue([for n in values(output.secret_names) : startswith(n, "${var.secret_name_prefix}/")])
    error_message = "Every secret must be named under the environment's prefix."
  }
  assert {
    condition     = contains(var.api_key_secret_names, output.secret_names["anon-key"]) && contains(var.api_key_secret_names, output.secret_names["service-role-key"])
    error_message = "The API key secrets the bootstrap role may write must be the secrets the module creates."
  }

  # Environments tagged production must be built to keep data: a reviewer's first question.
  assert {
    condition = var.default_tags["Environment"] != "production" || (var.multi_az && var.deletion_protection && !var.skip_final_snapshot &&
    var.backup_retention_days >= 7 && var.versioning && !var.force_destroy && var.access_logging && var.recovery_window_days > 0)
    error_message = "A production environment must be multi-AZ, deletion-protected, keep a final snapshot and 7+ days of backups, version its bucket, log bucket access and keep deleted secrets recoverable."
  }
}
