# Static test of modules/edge with one environment's values (scripts/static-tests.sh prepends that
# environment's core/terraform.tfvars), then both paths forced whatever the tier says: with a hosted
# zone and WAF, and without either (the manual path). Offline, mocked AWS provider.
#
# The mocked provider knows nothing of ACM's validation options, so the certificate's are given,
# shaped like ACM's for the host under test.

mock_provider "aws" {
  source = "./tests/mocks/aws"
}

override_resource {
  target = aws_acm_certificate.api
  values = {
    domain_validation_options = [{
      domain_name           = "api.edge.example.com"
      resource_record_name  = "_0123456789abcdef.api.edge.example.com."
      resource_record_type  = "CNAME"
      resource_record_value = "_fedcba9876543210.xlfgrmvvlj.acm-validations.aws."
    }]
  }
}

override_resource {
  target = aws_wafv2_web_acl.this
  values = { arn = "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/test/00000000-0000-0000-0000-000000000000" }
}

override_resource {
  target = aws_cloudwatch_log_group.waf
  values = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:aws-waf-logs-test" }
}

run "zone_and_waf" {
  command = apply

  variables {
    api_host          = "api.edge.example.com"
    route53_zone_id   = "Z0123456789EDGETEST"
    waf_enabled       = true
    logs_kms_key_arn  = "arn:aws:kms:eu-west-1:123456789012:key/logs"
    manage_records    = true
    oidc_provider_arn = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EDGETEST"
    oidc_issuer       = "oidc.eks.eu-west-1.amazonaws.com/id/EDGETEST"
  }

  # external-dns may change records in this zone and no other (kubernetes-sigs/external-dns@v0.21.0:
  # docs/tutorials/aws.md lists the actions), assumed only by its own service account.
  assert {
    condition = (length(aws_iam_role.external_dns) == 1 && aws_iam_role.external_dns[0].name == "${var.name}-external-dns" &&
      alltrue([for st in data.aws_iam_policy_document.external_dns[0].statement :
        contains(st.actions, "route53:ChangeResourceRecordSets") ? st.resources == toset(["arn:aws:route53:::hostedzone/${var.route53_zone_id}"]) : st.actions == toset(["route53:ListHostedZones"])
      ]) &&
    anytrue([for st in data.aws_iam_policy_document.external_dns[0].statement : contains(st.actions, "route53:ChangeResourceRecordSets")]))
    error_message = "external-dns's role must be able to change records in the environment's zone only."
  }
  assert {
    condition = one([for c in data.aws_iam_policy_document.external_dns_trust[0].statement[0].condition :
    c.values if c.variable == "${var.oidc_issuer}:sub"]) == tolist(["system:serviceaccount:external-dns:external-dns"])
    error_message = "Only the external-dns service account may assume its role."
  }

  assert {
    condition     = aws_acm_certificate.api[0].domain_name == var.api_host && aws_acm_certificate.api[0].validation_method == "DNS"
    error_message = "The certificate must be for the API host, validated by DNS."
  }
  assert {
    condition     = keys(aws_route53_record.validation) == [var.api_host] && alltrue([for r in values(aws_route53_record.validation) : r.zone_id == var.route53_zone_id && r.type == "CNAME" && r.name == "_0123456789abcdef.api.edge.example.com." && r.records == toset(["_fedcba9876543210.xlfgrmvvlj.acm-validations.aws."])])
    error_message = "The API host's validation record must be written into the environment's hosted zone."
  }
  assert {
    condition     = aws_acm_certificate_validation.api[0].certificate_arn == aws_acm_certificate.api[0].arn && length(aws_acm_certificate_validation.api[0].validation_record_fqdns) == 1
    error_message = "Terraform must wait for the certificate's issuance through its validation record (the controller only discovers ISSUED certificates)."
  }
  assert {
    condition = (alltrue([for r in aws_wafv2_web_acl.this[0].rule : r.statement[0].rate_based_statement[0].limit == var.auth_rate_limit &&
      r.statement[0].rate_based_statement[0].aggregate_key_type == "IP" &&
      r.statement[0].rate_based_statement[0].scope_down_statement[0].byte_match_statement[0].search_string == "/auth/v1/" &&
      r.statement[0].rate_based_statement[0].scope_down_statement[0].byte_match_statement[0].positional_constraint == "STARTS_WITH" &&
      length(r.statement[0].rate_based_statement[0].scope_down_statement[0].byte_match_statement[0].field_to_match[0].uri_path) == 1 &&
      length(r.action[0].block) == 1
    if length(r.statement[0].rate_based_statement) > 0]) && length([for r in aws_wafv2_web_acl.this[0].rule : r if length(r.statement[0].rate_based_statement) > 0]) == 1)
    error_message = "Exactly one rate-based rule, blocking per IP at the tier's limit, scoped down to URI paths starting with /auth/v1/."
  }
  assert {
    condition = (toset([for r in aws_wafv2_web_acl.this[0].rule : r.statement[0].managed_rule_group_statement[0].name if length(r.statement[0].managed_rule_group_statement) > 0]) == toset([
      "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesAmazonIpReputationList",
    ]) && aws_wafv2_web_acl.this[0].scope == "REGIONAL")
    error_message = "The regional web ACL must run the AWS common, known bad inputs and IP reputation rule groups."
  }
  assert {
    condition = (startswith(aws_cloudwatch_log_group.waf[0].name, "aws-waf-logs-") && aws_cloudwatch_log_group.waf[0].kms_key_id == var.logs_kms_key_arn &&
      aws_cloudwatch_log_group.waf[0].retention_in_days == var.waf_log_retention_days &&
    aws_wafv2_web_acl_logging_configuration.this[0].log_destination_configs == toset([aws_cloudwatch_log_group.waf[0].arn]))
    error_message = "The web ACL must log to a KMS-encrypted aws-waf-logs- group with the tier's retention."
  }
  assert {
    condition     = toset(flatten([for f in aws_wafv2_web_acl_logging_configuration.this[0].redacted_fields : [for h in f.single_header : h.name]])) == toset(["authorization", "apikey", "cookie"]) && length([for f in aws_wafv2_web_acl_logging_configuration.this[0].redacted_fields : f if length(f.query_string) > 0]) == 1
    error_message = "WAF logs must not carry the JWT, the API key (header or Realtime's query string) or cookies."
  }
  assert {
    condition     = output.web_acl_name == var.web_acl_name && output.certificate_arn == aws_acm_certificate.api[0].arn
    error_message = "The module must output the web ACL's name (the Ingress annotation) and the certificate."
  }
}

run "manual_path" {
  command = apply

  variables {
    route53_zone_id   = ""
    waf_enabled       = false
    logs_kms_key_arn  = "arn:aws:kms:eu-west-1:123456789012:key/logs"
    manage_records    = true
    oidc_provider_arn = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EDGETEST"
    oidc_issuer       = "oidc.eks.eu-west-1.amazonaws.com/id/EDGETEST"
  }

  assert {
    condition     = length(aws_acm_certificate.api) == 0 && length(aws_route53_record.validation) == 0 && length(aws_wafv2_web_acl.this) == 0 && length(aws_cloudwatch_log_group.waf) == 0
    error_message = "Without a zone and without WAF the module creates nothing (the runbook's manual path)."
  }
  assert {
    condition     = length(aws_iam_role.external_dns) == 0
    error_message = "Without a zone there is no record for external-dns to manage, so no role."
  }
  assert {
    condition     = output.certificate_arn == null && output.web_acl_name == null
    error_message = "Outputs are null on the manual path."
  }
}
