//! Checks on who and what an environment lets in or talks to: cluster admins, browser origins,
//! and GoTrue's mail relay.

use super::network::{is_account_id, is_domain};
use super::{Check, p};
use crate::resolve::model::Environment;

pub(crate) fn check_environment(env: &Environment, check: &mut Check<'_>) {
    let id = &env.identity;
    if id.cluster_admins.is_empty() {
        check.error(
            p("cluster_admins"),
            "no-cluster-admin",
            "no cluster admin: nobody (not even the deploy pipeline) could run kubectl or helm against the cluster".into(),
            "list the IAM role that runs helm, e.g. cluster_admins: [\"arn:aws:iam::123456789012:role/platform-admin\"]".into(),
        );
    }
    for (i, arn) in id.cluster_admins.iter().enumerate() {
        if !is_principal_arn(arn) {
            check.error(p("cluster_admins").index(i), "invalid-arn", format!("`{arn}` is not an IAM role or user ARN"), "write arn:aws:iam::<12-digit account>:role/<name> (or :user/<name>)".into());
        }
    }
    for (i, origin) in id.cors_allowed_origins.iter().enumerate() {
        if let Err(why) = check_origin(origin) {
            check.error(p("cors_allowed_origins").index(i), "invalid-origin", format!("`{origin}` {why}"), "write a scheme and host only, e.g. https://app.example.com (http only for localhost)".into());
        }
    }
    if let Some(smtp) = &id.smtp {
        if !is_domain(&smtp.host) {
            check.error(p("smtp.host"), "invalid-domain", format!("`{}` is not a host name", smtp.host), "e.g. email-smtp.eu-west-1.amazonaws.com".into());
        }
        if smtp.port == 0 {
            check.error(p("smtp.port"), "invalid-value", "0 is not a valid port".into(), "use 587 (STARTTLS) or 465 (TLS)".into());
        } else if smtp.port == 25 {
            check.warning(p("smtp.port"), "insecure-port", "port 25 is usually unencrypted and blocked on EC2".into(), "use 587 (STARTTLS) or 465 (TLS)".into());
        }
        if !smtp.sender_email.split_once('@').is_some_and(|(user, domain)| !user.is_empty() && is_domain(domain)) {
            check.error(p("smtp.sender_email"), "invalid-value", format!("`{}` is not an email address", smtp.sender_email), "e.g. noreply@example.com".into());
        }
    } else if !env.settings.throwaway {
        check.warning(
            p("smtp"),
            "no-smtp",
            "no SMTP relay: GoTrue cannot send confirmation, magic-link or recovery mail, so email sign-up cannot complete".into(),
            "add smtp: { host: email-smtp.<region>.amazonaws.com, port: 587, sender_email: ..., sender_name: ... } (Amazon SES)".into(),
        );
    }
}

fn is_principal_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    matches!(parts.as_slice(), ["arn", partition, "iam", "", account, resource]
        if partition.starts_with("aws")
            && is_account_id(account)
            && (resource.starts_with("role/") || resource.starts_with("user/"))
            && resource.len() > 5)
}

/// A CORS origin: scheme and host (and port), nothing else; never a wildcard.
fn check_origin(origin: &str) -> Result<(), &'static str> {
    if origin.contains('*') {
        return Err("is a wildcard; with credentials, browsers and Supabase need explicit origins");
    }
    let (scheme, rest) = origin.split_once("://").ok_or("has no scheme")?;
    let host = rest.split(':').next().unwrap_or_default();
    let local = matches!(host, "localhost" | "127.0.0.1");
    match scheme {
        "https" => {}
        "http" if local => {}
        _ => return Err("must use https (http is allowed for localhost only)"),
    }
    if rest.contains('/') || rest.is_empty() {
        return Err("must not have a path (an origin is scheme://host[:port])");
    }
    if !local && !is_domain(host) {
        return Err("does not have a valid host name");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principals_and_origins() {
        assert!(is_principal_arn("arn:aws:iam::123456789012:role/platform-admin"));
        assert!(!is_principal_arn("arn:aws:iam::1234:role/x"));
        assert!(check_origin("https://app.example.com").is_ok());
        assert!(check_origin("http://localhost:3000").is_ok());
        assert!(check_origin("https://*.example.com").is_err());
        assert!(check_origin("http://app.example.com").is_err());
        assert!(check_origin("https://app.example.com/path").is_err());
    }
}
