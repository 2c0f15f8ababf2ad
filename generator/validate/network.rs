//! Checks on an environment's place in AWS: account, region, zones, and the VPC address plan.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use super::{Check, p};
use crate::diagnostics::Diagnostic;
use crate::load::path::KeyPath;
use crate::resolve::Model;
use crate::resolve::model::Environment;

pub(crate) fn check_environment(env: &Environment, check: &mut Check<'_>) {
    let id = &env.identity;
    if !(id.account_id.len() == 12 && id.account_id.chars().all(|c| c.is_ascii_digit())) {
        check.error(p("account_id"), "invalid-account", format!("`{}` is not a 12-digit AWS account id", id.account_id), "quote it so leading zeros survive: account_id: \"012345678901\"".into());
    }
    if !is_region_code(&id.aws_region) {
        check.error(p("aws_region"), "invalid-region", format!("`{}` is not an AWS region code", id.aws_region), "use a code such as eu-west-1".into());
    }
    if id.azs.len() < 2 {
        check.error(p("azs"), "too-few-zones", format!("{} availability zone(s); EKS and RDS subnet groups need at least 2", id.azs.len()), "list two or three zones of the region".into());
    }
    for (i, az) in id.azs.iter().enumerate() {
        let suffix = az.strip_prefix(id.aws_region.as_str());
        if !suffix.is_some_and(|s| s.len() == 1 && s.chars().all(|c| c.is_ascii_lowercase())) {
            check.error(p("azs").index(i), "invalid-zone", format!("`{az}` is not a zone of {}", id.aws_region), format!("zones of {0} are named {0}a, {0}b, ...", id.aws_region));
        }
        if id.azs[..i].contains(az) {
            check.error(p("azs").index(i), "duplicate", format!("zone `{az}` is listed twice"), "list each zone once".into());
        }
    }
    if let Some(region) = &id.state.region {
        if !is_region_code(region) {
            check.error(p("state.region"), "invalid-region", format!("`{region}` is not an AWS region code"), "use a code such as eu-west-1, or drop it to use the environment's region".into());
        }
    }
    if !is_bucket_name(&id.state.bucket) {
        check.error(p("state.bucket"), "invalid-bucket", format!("`{}` is not a valid S3 bucket name", id.state.bucket), "use 3-63 lowercase letters, digits, dots and hyphens".into());
    }
    if !is_domain(&id.domain) {
        check.error(p("domain"), "invalid-domain", format!("`{}` is not a DNS domain", id.domain), "write a domain such as dev.example.com (no scheme, no path)".into());
    }
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
    subnets(env, check);
}

fn is_principal_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    matches!(parts.as_slice(), ["arn", partition, "iam", "", account, resource]
        if partition.starts_with("aws")
            && account.len() == 12 && account.chars().all(|c| c.is_ascii_digit())
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
    match scheme {
        "https" => {}
        "http" if host == "localhost" || host == "127.0.0.1" => {}
        _ => return Err("must use https (http is allowed for localhost only)"),
    }
    if rest.contains('/') || rest.is_empty() {
        return Err("must not have a path (an origin is scheme://host[:port])");
    }
    if host != "localhost" && host != "127.0.0.1" && !is_domain(host) {
        return Err("does not have a valid host name");
    }
    Ok(())
}

fn subnets(env: &Environment, check: &mut Check<'_>) {
    let vpc = &env.identity.vpc;
    let Some(vpc_net) = parse_cidr(&vpc.cidr, p("vpc.cidr"), check) else { return };
    if !(16..=28).contains(&vpc_net.prefix_len()) {
        check.error(p("vpc.cidr"), "invalid-cidr", format!("a VPC must be between /16 and /28, got /{}", vpc_net.prefix_len()), "use e.g. 10.0.0.0/16".into());
    }
    if !is_private(vpc_net) {
        check.warning(p("vpc.cidr"), "public-range", format!("{vpc_net} is not a private (RFC 1918) range"), "use a range inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16".into());
    }
    let zones = env.identity.azs.len();
    let mut seen: Vec<(Ipv4Net, KeyPath)> = Vec::new();
    for (kind, list) in [("public_subnets", &vpc.public_subnets), ("eks_subnets", &vpc.eks_subnets), ("rds_subnets", &vpc.rds_subnets)] {
        let list_path = p("vpc").key(kind);
        if list.len() != zones {
            check.error(
                list_path.clone(),
                "subnet-count",
                format!("{} {kind} for {zones} availability zones", list.len()),
                format!("give exactly one CIDR per zone ({})", env.identity.azs.join(", ")),
            );
        }
        for (i, cidr) in list.iter().enumerate() {
            let path = list_path.index(i);
            let Some(net) = parse_cidr(cidr, path.clone(), check) else { continue };
            if !vpc_net.contains(&net) {
                check.error(path.clone(), "subnet-outside-vpc", format!("{net} is outside the VPC {vpc_net}"), format!("pick a range inside {vpc_net}"));
                continue;
            }
            if net.prefix_len() > 28 {
                check.error(path.clone(), "invalid-cidr", format!("{net} is smaller than /28, the smallest subnet AWS allows"), "use a /24 or larger".into());
            }
            if let Some((other, other_path)) = seen.iter().find(|(other, _)| overlaps(*other, net)) {
                check.error(path.clone(), "subnet-overlap", format!("{net} overlaps {other}"), format!("subnets must not overlap; {other} is set at {}", check.site(other_path)));
            }
            seen.push((net, path));
        }
    }
}

/// VPCs of environments in the same account and region must not overlap: peering, transit
/// gateways and VPNs between them would be impossible.
pub fn check_vpc_overlaps(model: &Model, out: &mut Vec<Diagnostic>) {
    let vpcs: Vec<(&crate::resolve::Resolved, Ipv4Net)> = model
        .environments
        .iter()
        .filter_map(|r| r.env.identity.vpc.cidr.parse::<Ipv4Net>().ok().map(|n| (r, n.trunc())))
        .collect();
    for (i, (a, net_a)) in vpcs.iter().enumerate() {
        for (b, net_b) in &vpcs[..i] {
            let (ia, ib) = (&a.env.identity, &b.env.identity);
            if ia.account_id == ib.account_id && ia.aws_region == ib.aws_region && overlaps(*net_a, *net_b) {
                let yaml = KeyPath::root().key("environments").key(&a.env.id.region).key(&a.env.id.name);
                let locator = model.locator(&a.layered, yaml);
                let (key, pos) = crate::resolve::decode::Locate::locate(&locator, &p("vpc.cidr"));
                out.push(
                    Diagnostic::error("vpc-overlap", format!("VPC {net_a} of {} overlaps VPC {net_b} of {} (same account and region)", a.env.id, b.env.id))
                        .at(key, pos)
                        .help("give each environment of an account and region its own range, e.g. 10.1.0.0/16"),
                );
            }
        }
    }
}

fn parse_cidr(text: &str, path: KeyPath, check: &mut Check<'_>) -> Option<Ipv4Net> {
    match text.parse::<Ipv4Net>() {
        Err(_) => {
            check.error(path, "invalid-cidr", format!("`{text}` is not an IPv4 CIDR block"), "write it as address/prefix, e.g. 10.0.1.0/24".into());
            None
        }
        Ok(net) if net.trunc() != net => {
            check.error(path, "invalid-cidr", format!("`{text}` has host bits set"), format!("did you mean {}?", net.trunc()));
            None
        }
        Ok(net) => Some(net),
    }
}

fn overlaps(a: Ipv4Net, b: Ipv4Net) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

fn is_private(net: Ipv4Net) -> bool {
    let ranges = [(Ipv4Addr::new(10, 0, 0, 0), 8), (Ipv4Addr::new(172, 16, 0, 0), 12), (Ipv4Addr::new(192, 168, 0, 0), 16), (Ipv4Addr::new(100, 64, 0, 0), 10)];
    ranges.iter().any(|(addr, len)| Ipv4Net::new(*addr, *len).is_ok_and(|r| r.contains(&net)))
}

pub fn is_region_code(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts.iter().take(parts.len() - 1).all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts.last().is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

fn is_bucket_name(s: &str) -> bool {
    (3..=63).contains(&s.len())
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric())
        && !s.contains("..")
        && s.parse::<Ipv4Addr>().is_err()
}

fn is_domain(s: &str) -> bool {
    s.len() <= 253
        && s.contains('.')
        && s.split('.').all(|label| super::sizing::is_dns_label(label, 63))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_region_code("eu-west-1"));
        assert!(is_region_code("us-gov-west-1"));
        assert!(!is_region_code("ireland"));
        assert!(is_bucket_name("acme-terraform-state"));
        assert!(!is_bucket_name("Acme_State"));
        assert!(is_domain("dev.supabase.example.com"));
        assert!(!is_domain("https://example.com"));
        assert!(is_principal_arn("arn:aws:iam::123456789012:role/platform-admin"));
        assert!(!is_principal_arn("arn:aws:iam::1234:role/x"));
        assert!(check_origin("https://app.example.com").is_ok());
        assert!(check_origin("http://localhost:3000").is_ok());
        assert!(check_origin("https://*.example.com").is_err());
        assert!(check_origin("http://app.example.com").is_err());
        assert!(check_origin("https://app.example.com/path").is_err());
    }
}
