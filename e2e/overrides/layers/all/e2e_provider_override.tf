# Emulator-only override (scripts/e2e.sh copies it next to each generated root in a temp dir;
# the committed output is never touched). Points the AWS provider at the local moto server and
# keeps state in a local file. @MOTO_ENDPOINT@ is replaced with http://127.0.0.1:<port> at copy
# time. Region, allowed_account_ids and default_tags stay exactly as generated: moto runs with
# MOTO_ACCOUNT_ID set to the environment's account, so the account guard is exercised too.
# scripts/e2e.sh rejects (check_overrides.py) any other provider argument here.

terraform {
  backend "local" {}
}

provider "aws" {
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  s3_use_path_style           = true
  # Not skip_requesting_account_id: that makes every ARN the provider builds differ (perpetual diff).

  # Every AWS service the modules call (check_overrides.py verifies each resource type in
  # modules/ maps to one of these).
  endpoints {
    acm            = "@MOTO_ENDPOINT@"
    cloudwatch     = "@MOTO_ENDPOINT@"
    ec2            = "@MOTO_ENDPOINT@"
    eks            = "@MOTO_ENDPOINT@"
    elbv2          = "@MOTO_ENDPOINT@"
    iam            = "@MOTO_ENDPOINT@"
    kms            = "@MOTO_ENDPOINT@"
    logs           = "@MOTO_ENDPOINT@"
    rds            = "@MOTO_ENDPOINT@"
    route53        = "@MOTO_ENDPOINT@"
    s3             = "@MOTO_ENDPOINT@"
    secretsmanager = "@MOTO_ENDPOINT@"
    sns            = "@MOTO_ENDPOINT@"
    sts            = "@MOTO_ENDPOINT@"
    wafv2          = "@MOTO_ENDPOINT@"
  }
}
