//! Checks on the edge: the Route 53 zone (`dns`) and the tier's web ACL (`edge.waf`).

use super::sizing::LOG_RETENTION_DAYS;
use super::{Check, p};
use crate::resolve::model::{Environment, Settings};

/// The web ACL's rate limit within what WAF accepts and its log retention a CloudWatch period.
pub(crate) fn check(s: &Settings, check: &mut Check<'_>) {
    let waf = &s.edge.waf;
    // Rate-based rules accept limits from 10 to 2,000,000,000 requests per evaluation window
    // (https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-high-level-settings.html).
    if !(10..=2_000_000_000).contains(&waf.auth_rate_limit) {
        check.error(
            p("edge.waf.auth_rate_limit"),
            "invalid-range",
            format!("edge.waf.auth_rate_limit is {}: WAF rate-based rules accept 10 to 2,000,000,000 requests per 5 minutes", waf.auth_rate_limit),
            "use e.g. 100 (requests per 5 minutes per IP to /auth/v1/)".into(),
        );
    }
    if !LOG_RETENTION_DAYS.contains(&waf.log_retention_days) {
        let near = LOG_RETENTION_DAYS.iter().min_by_key(|d| d.abs_diff(waf.log_retention_days)).copied().unwrap_or(90);
        check.error(
            p("edge.waf.log_retention_days"),
            "invalid-value",
            format!("CloudWatch Logs does not accept a retention of {} days", waf.log_retention_days),
            format!("use one of its periods, e.g. {near}"),
        );
    }
}

/// The hosted zone ID's shape: `Z` and upper-case letters or digits, as Route 53 prints it.
pub(crate) fn check_environment(env: &Environment, check: &mut Check<'_>) {
    let Some(dns) = &env.identity.dns else { return };
    let id = &dns.route53_zone_id;
    if !is_zone_id(id) {
        let hint = match id.strip_prefix("/hostedzone/") {
            Some(bare) => format!("drop the `/hostedzone/` prefix: route53_zone_id: {bare}"),
            None => "write the zone's ID from `aws route53 list-hosted-zones-by-name --dns-name <domain>`, e.g. Z0123456789ABCDEFGHIJ (not the zone's name)".into(),
        };
        check.error(p("dns.route53_zone_id"), "invalid-value", format!("`{id}` is not a Route 53 hosted zone ID"), hint);
    }
}

/// Route 53 zone IDs: `Z` followed by upper-case letters and digits, at most 32 characters.
pub(crate) fn is_zone_id(id: &str) -> bool {
    id.len() >= 2 && id.len() <= 32 && id.starts_with('Z') && id.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}
