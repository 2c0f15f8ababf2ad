//! The edge in front of the load balancer: the API's ACM certificate (validated in the
//! environment's Route 53 zone, when it has one) and the WAFv2 web ACL (when the tier enables it).
//!
//! Nothing here passes an ARN to the applications layer. The load balancer controller (v2.17.0)
//! finds both by themselves:
//! - the certificate by host discovery: with no `certificate-arn` annotation it lists the
//!   account's ISSUED certificates and picks the one whose domain matches the Ingress host
//!   (kubernetes-sigs/aws-load-balancer-controller@v2.17.0:pkg/certs/cert_discovery.go,
//!   `loadAllCertificateARNs` filters on `CertificateStatusIssued`; called from
//!   pkg/ingress/model_build_listener.go `computeIngressInferredTLSCertARNs`). So the certificate
//!   must be issued before the Ingress is created, which `aws_acm_certificate_validation` ensures
//!   (it waits for issuance) and the runbook's order keeps (core before applications);
//! - the web ACL by name: the `alb.ingress.kubernetes.io/wafv2-acl-name` annotation is resolved
//!   with `wafv2:ListWebACLs` (scope REGIONAL) to its ARN
//!   (kubernetes-sigs/aws-load-balancer-controller@v2.17.0:pkg/ingress/model_builder.go
//!   `getArnByName`; pkg/annotations/constants.go `IngressSuffixWAFv2ACLName`).

use crate::plan::common;
use crate::plan::iam::{Statement, document, role};
use crate::plan::naming::{EXTERNAL_DNS, Names};
use crate::resolve::model::Environment;
use crate::terraform::{Block, Input, Module, Output, TfFile, TfType, Variable, e, s};

pub const MODULE: &str = "edge";

/// The path prefix of GoTrue behind Kong: sign-in, sign-up, token refresh, password recovery.
pub const AUTH_PATH_PREFIX: &str = "/auth/v1/";

/// AWS managed rule groups of the web ACL, by priority. None of the three costs extra beyond the
/// per-rule fee (https://aws.amazon.com/waf/pricing/: only Bot Control, Fraud Control and
/// anti-DDoS groups have their own fees).
pub const MANAGED_RULE_GROUPS: [(&str, u32, &str); 3] = [
    ("AWSManagedRulesAmazonIpReputationList", 10, "aws-ip-reputation"),
    ("AWSManagedRulesKnownBadInputsRuleSet", 20, "aws-known-bad-inputs"),
    ("AWSManagedRulesCommonRuleSet", 30, "aws-common"),
];

/// The web ACL's name (the chart's `wafv2-acl-name` annotation names it too).
pub fn web_acl_name(names: &Names) -> String {
    names.prefix.clone()
}

/// The WAF log group: WAF only delivers to log groups whose name starts with `aws-waf-logs-`
/// (https://docs.aws.amazon.com/waf/latest/developerguide/logging-cw-logs.html).
pub fn waf_log_group(names: &Names) -> String {
    format!("aws-waf-logs-{}", names.prefix)
}

pub fn inputs(env: &Environment, names: &Names) -> Vec<Input> {
    let waf = &env.settings.edge.waf;
    vec![
        common::name_input(&names.prefix),
        Input::tfvar(Variable::new("api_host", TfType::String, "Public host name of the API: the certificate's domain."), super::super::applications::api_host(env).as_str()),
        Input::tfvar(
            Variable::new("route53_zone_id", TfType::String, "Route 53 hosted zone that validates the certificate (empty: no certificate, the runbook's manual path).")
                .default("")
                .validate(r#"var.route53_zone_id == "" || can(regex("^Z[A-Z0-9]{1,31}$", var.route53_zone_id))"#, "A hosted zone ID looks like Z0123456789ABCDEFGHIJ."),
            env.identity.dns.as_ref().map(|d| d.route53_zone_id.clone()).unwrap_or_default(),
        ),
        Input::tfvar(Variable::new("waf_enabled", TfType::Bool, "Create the WAFv2 web ACL (the tier's edge.waf.enabled).").default(false), waf.enabled),
        Input::tfvar(Variable::new("web_acl_name", TfType::String, "Name of the web ACL (the Ingress names it in its wafv2-acl-name annotation)."), web_acl_name(names).as_str()),
        Input::tfvar(
            Variable::new("auth_rate_limit", TfType::Number, "Requests per 5 minutes one IP may send to /auth/v1/ before it is blocked.")
                .validate("var.auth_rate_limit >= 10", "WAF's minimum rate limit is 10."),
            waf.auth_rate_limit,
        ),
        Input::tfvar(Variable::new("waf_log_retention_days", TfType::Number, "Days the WAF log group keeps records."), waf.log_retention_days),
        Input::tfvar(Variable::new("waf_log_group_name", TfType::String, "WAF log group (WAF requires the aws-waf-logs- prefix)."), waf_log_group(names).as_str()),
        Input::wire(Variable::new("logs_kms_key_arn", TfType::String, "KMS key of the WAF log group."), r#"module.kms.key_arns["logs"]"#),
        Input::tfvar(
            Variable::new("manage_records", TfType::Bool, "Create the IAM role external-dns uses to keep the API's record in the zone (needs route53_zone_id).").default(false),
            env.identity.dns.as_ref().is_some_and(|d| d.manage_records),
        ),
        Input::wire(Variable::new("oidc_provider_arn", TfType::String, "ARN of the cluster's IAM OIDC provider (external-dns's role trusts it)."), "module.eks.oidc_provider_arn"),
        Input::wire(Variable::new("oidc_issuer", TfType::String, "OIDC issuer host and path (no scheme)."), "module.eks.oidc_issuer"),
        common::tags_input(MODULE),
    ]
}

fn visibility(metric: &str) -> impl FnOnce(Block) -> Block {
    let metric = metric.to_string();
    move |b| b.attr("cloudwatch_metrics_enabled", true).attr("metric_name", e(&metric)).attr("sampled_requests_enabled", true)
}

pub fn module(inputs: &[Input]) -> Module {
    let mut acl = Block::resource("aws_wafv2_web_acl", "this")
        .attr("count", e("var.waf_enabled ? 1 : 0"))
        .attr("name", e("var.web_acl_name"))
        .attr("description", s("Supabase API: AWS managed rules and a per-IP rate limit on the auth endpoints."))
        .attr("scope", s("REGIONAL"))
        .child("default_action", |b| b.child("allow", |b| b));
    for (group, priority, rule) in MANAGED_RULE_GROUPS {
        acl = acl.child("rule", |b| {
            let b = b.attr("name", s(rule)).attr("priority", priority).child("override_action", |b| b.child("none", |b| b));
            let b = b.child("statement", |b| {
                b.child("managed_rule_group_statement", |b| {
                    let b = b.attr("name", s(group)).attr("vendor_name", s("AWS"));
                    if group == "AWSManagedRulesCommonRuleSet" {
                        // SizeRestrictions_BODY blocks bodies over 8 KB: Storage uploads and large
                        // PostgREST writes go through this ALB. Counted (visible in the logs), not blocked.
                        b.child("rule_action_override", |b| b.attr("name", s("SizeRestrictions_BODY")).child("action_to_use", |b| b.child("count", |b| b)))
                    } else {
                        b
                    }
                })
            });
            b.child("visibility_config", visibility(&format!(r#""${{var.web_acl_name}}-{rule}""#)))
        });
    }
    acl = acl
        .child("rule", |b| {
            b.attr("name", s("auth-rate-limit"))
                .attr("priority", 40)
                .child("action", |b| b.child("block", |b| b))
                .child("statement", |b| {
                    b.child("rate_based_statement", |b| {
                        b.attr("limit", e("var.auth_rate_limit")).attr("aggregate_key_type", s("IP")).child("scope_down_statement", |b| {
                            b.child("byte_match_statement", |b| {
                                b.attr("search_string", s(AUTH_PATH_PREFIX))
                                    .attr("positional_constraint", s("STARTS_WITH"))
                                    .child("field_to_match", |b| b.child("uri_path", |b| b))
                                    .child("text_transformation", |b| b.attr("priority", 0).attr("type", s("NONE")))
                            })
                        })
                    })
                })
                .child("visibility_config", visibility(r#""${var.web_acl_name}-auth-rate-limit""#))
        })
        .child("visibility_config", visibility("var.web_acl_name"))
        .attr("tags", e("var.tags"));

    let dns_role = r#"var.manage_records && var.route53_zone_id != "" ? 1 : 0"#;
    let zone_arn = r#"["arn:${data.aws_partition.current.partition}:route53:::hostedzone/${var.route53_zone_id}"]"#;
    let blocks = vec![
        Block::data("aws_partition", "current"),
        Block::resource("aws_acm_certificate", "api")
            .comment("Only with a hosted zone: DNS validation needs records in it. Without one the runbook's manual steps apply.")
            .attr("count", e(r#"var.route53_zone_id == "" ? 0 : 1"#))
            .attr("domain_name", e("var.api_host"))
            .attr("validation_method", s("DNS"))
            .child("options", |b| b.attr("certificate_transparency_logging_preference", s("ENABLED")))
            .child("lifecycle", |b| b.attr("create_before_destroy", true))
            .attr("tags", e("var.tags")),
        Block::resource("aws_route53_record", "validation")
            .comment("Keyed by the host (known at plan time), not by the certificate's validation options (known after it is requested).")
            .attr("for_each", e(r#"var.route53_zone_id == "" ? toset([]) : toset([var.api_host])"#))
            .attr("zone_id", e("var.route53_zone_id"))
            .attr("name", e("one([for o in aws_acm_certificate.api[0].domain_validation_options : o.resource_record_name if o.domain_name == each.key])"))
            .attr("type", e("one([for o in aws_acm_certificate.api[0].domain_validation_options : o.resource_record_type if o.domain_name == each.key])"))
            .attr("records", e("[for o in aws_acm_certificate.api[0].domain_validation_options : o.resource_record_value if o.domain_name == each.key]"))
            .attr("ttl", 300)
            .comment("A re-issued certificate keeps the same validation record: overwrite instead of failing.")
            .attr("allow_overwrite", true),
        Block::resource("aws_acm_certificate_validation", "api")
            .comment("Waits until ACM has issued the certificate: the load balancer controller only discovers ISSUED certificates.")
            .attr("count", e(r#"var.route53_zone_id == "" ? 0 : 1"#))
            .attr("certificate_arn", e("aws_acm_certificate.api[0].arn"))
            .attr("validation_record_fqdns", e("[for r in aws_route53_record.validation : r.fqdn]")),
        acl,
        Block::resource("aws_cloudwatch_log_group", "waf")
            .skip_check("CKV_AWS_338", "retention is sized per tier (edge.waf.log_retention_days)")
            .attr("count", e("var.waf_enabled ? 1 : 0"))
            .attr("name", e("var.waf_log_group_name"))
            .attr("retention_in_days", e("var.waf_log_retention_days"))
            .attr("kms_key_id", e("var.logs_kms_key_arn"))
            .attr("tags", e("var.tags")),
        Block::resource("aws_wafv2_web_acl_logging_configuration", "this")
            .attr("count", e("var.waf_enabled ? 1 : 0"))
            .attr("resource_arn", e("aws_wafv2_web_acl.this[0].arn"))
            .attr("log_destination_configs", e("[aws_cloudwatch_log_group.waf[0].arn]"))
            .comment("Supabase clients send their API key and JWT in these headers and Realtime's websocket in the query string: never log them.")
            .child("redacted_fields", |b| b.child("single_header", |b| b.attr("name", s("authorization"))))
            .child("redacted_fields", |b| b.child("single_header", |b| b.attr("name", s("apikey"))))
            .child("redacted_fields", |b| b.child("single_header", |b| b.attr("name", s("cookie"))))
            .child("redacted_fields", |b| b.child("query_string", |b| b)),
        // external-dns (applications layer) keeps the API host's alias record pointing at the
        // load balancer, as one service account trusted through the cluster's OIDC provider,
        // allowed to read and change records in this zone only. Its actions are those of
        // kubernetes-sigs/external-dns@v0.21.0:docs/tutorials/aws.md (IAM Policy), narrowed from
        // every zone to this one; ListHostedZones has no resource to narrow to.
        document(
            "external_dns_trust",
            vec![Statement::assumed_by_service_account("[var.oidc_provider_arn]", "${var.oidc_issuer}", &EXTERNAL_DNS.subject())],
        )
        .leading("count", e(dns_role)),
        role("external_dns", "external-dns", "external-dns: the API host's records in the environment's Route 53 zone", "external_dns_trust[0]")
            .leading("count", e(dns_role)),
        document(
            "external_dns",
            vec![
                Statement::allow(&["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets", "route53:ListTagsForResources"])
                    .sid("ThisZoneOnly")
                    .on(zone_arn),
                Statement::allow(&["route53:ListHostedZones"]).sid("FindTheZone").on(r#"["*"]"#),
            ],
        )
        .leading("count", e(dns_role)),
        Block::resource("aws_iam_role_policy", "external_dns")
            .attr("count", e(dns_role))
            .attr("name", s("route53-zone"))
            .attr("role", e("aws_iam_role.external_dns[0].id"))
            .attr("policy", e("data.aws_iam_policy_document.external_dns[0].json")),
    ];
    Module {
        name: MODULE,
        summary: "The edge in front of the load balancer. With a Route 53 hosted zone: an ACM certificate for the API host, \
                  its DNS validation records in the zone, and a wait until it is issued (the load balancer controller then \
                  discovers it by host). When the tier enables WAF: a REGIONAL WAFv2 web ACL with the AWS managed IP reputation, \
                  known bad inputs and common rule sets (bodies over 8 KB counted, not blocked, for uploads) and a per-IP \
                  rate limit on /auth/v1/, logged to a KMS-encrypted aws-waf-logs- group with credentials redacted; the \
                  Ingress attaches it by name. With managed records: the IAM role external-dns assumes (IRSA), allowed to \
                  change records in that zone only.",
        variables: inputs.iter().map(|i| i.var.clone()).collect(),
        files: vec![TfFile { name: "main.tf", blocks }],
        outputs: vec![
            Output::new("certificate_arn", "ARN of the issued API certificate (null without a hosted zone).", "one(aws_acm_certificate_validation.api[*].certificate_arn)"),
            Output::new("web_acl_name", "Name of the web ACL (null when the tier has no WAF).", "one(aws_wafv2_web_acl.this[*].name)"),
            Output::new("web_acl_arn", "ARN of the web ACL (null when the tier has no WAF).", "one(aws_wafv2_web_acl.this[*].arn)"),
            Output::new("external_dns_role_arn", "IAM role of external-dns (null unless the zone's records are managed).", "one(aws_iam_role.external_dns[*].arn)"),
        ],
    }
}
