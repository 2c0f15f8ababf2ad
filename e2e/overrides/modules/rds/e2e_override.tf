# Emulator-only override of modules/rds (copied next to the module in scripts/e2e.sh's temp dir;
# the committed module is never touched). Only attributes moto does not store faithfully are
# ignored on the re-plan; e2e/check_overrides.py checks them against e2e/allowed-ignores.txt.

resource "aws_db_instance" "this" {
  lifecycle {
    # moto drops the Performance Insights settings: DescribeDBInstances returns
    # PerformanceInsightsEnabled=false, no KMS key and a retention of 0.
    ignore_changes = [
      performance_insights_enabled,
      performance_insights_kms_key_id,
      performance_insights_retention_period,
    ]
  }
}

resource "aws_db_parameter_group" "this" {
  lifecycle {
    # moto does not return user-set parameters from DescribeDBParameters.
    ignore_changes = [parameter]
  }
}

resource "aws_vpc_security_group_ingress_rule" "postgres" {
  lifecycle {
    # moto drops the description of a rule that references another security group.
    ignore_changes = [description]
  }
}
