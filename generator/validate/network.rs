//! Checks on an environment's place in AWS: account, region, zones, and the VPC address plan.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use super::{Check, catalogue, p};
use crate::diagnostics::Diagnostic;
use crate::load::path::KeyPath;
use crate::resolve::Model;
use crate::resolve::model::Environment;

pub(crate) fn check_environment(env: &Environment, check: &mut Check<'_>) {
    let id = &env.identity;
    if !is_account_id(&id.account_id) {
        check.error(p("account_id"), "invalid-account", format!("`{}` is not a 12-digit AWS account id", id.account_id), "quote it so leading zeros survive: account_id: \"012345678901\"".into());
    }
    if let Some((message, help)) = catalogue::unknown_region(&id.aws_region) {
        check.error(p("aws_region"), "invalid-region", message, help);
    }
    if id.azs.len() < 2 {
        check.error(p("azs"), "too-few-zones", format!("{} availability zone(s); EKS and RDS subnet groups need at least 2", id.azs.len()), "list two or three zones of the region".into());
    }
    for (i, az) in id.azs.iter().enumerate() {
        if let Some((message, help)) = catalogue::unknown_zone(az, &id.aws_region) {
            check.error(p("azs").index(i), "invalid-zone", message, help);
        }
        if id.azs[..i].contains(az) {
            check.error(p("azs").index(i), "duplicate", format!("zone `{az}` is listed twice"), "list each zone once".into());
        }
    }
    if let Some(region) = &id.state.region {
        if let Some((message, help)) = catalogue::unknown_region(region) {
            check.error(p("state.region"), "invalid-region", message, format!("{help}; or drop it to use the environment's region"));
        }
    }
    if !is_bucket_name(&id.state.bucket) {
        check.error(p("state.bucket"), "invalid-bucket", format!("`{}` is not a valid S3 bucket name", id.state.bucket), "use 3-63 lowercase letters, digits, dots and hyphens".into());
    }
    if !is_domain(&id.domain) {
        check.error(p("domain"), "invalid-domain", format!("`{}` is not a DNS domain", id.domain), "write a domain such as dev.example.com (no scheme, no path)".into());
    }
    subnets(env, check);
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
        // With no zones at all, too-few-zones already says what to fix.
        if list.len() != zones && zones > 0 {
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
    let used: Vec<Ipv4Net> = vpcs.iter().map(|v| v.1).collect();
    // A free range per prefix length, found once however many overlaps there are.
    let mut free = std::collections::BTreeMap::new();
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
                        .help(match *free.entry(net_a.prefix_len()).or_insert_with(|| free_range(&used, net_a.prefix_len())) {
                            Some(free) => format!("give each environment of an account and region its own range: {free} is not used by any environment (move the subnets into it too)"),
                            None => "give each environment of an account and region its own range".to_string(),
                        }),
                );
            }
        }
    }
}

/// The first block of `prefix` length in the private ranges that overlaps none of `used`.
fn free_range(used: &[Ipv4Net], prefix: u8) -> Option<Ipv4Net> {
    let pools = [Ipv4Net::new(Ipv4Addr::new(10, 0, 0, 0), 8), Ipv4Net::new(Ipv4Addr::new(172, 16, 0, 0), 12), Ipv4Net::new(Ipv4Addr::new(192, 168, 0, 0), 16)];
    pools
        .into_iter()
        .filter_map(Result::ok)
        .filter_map(|pool| pool.subnets(prefix.max(pool.prefix_len())).ok())
        .flatten()
        .take(1 << 16)
        .find(|candidate| used.iter().all(|u| !overlaps(*u, *candidate)))
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

fn is_bucket_name(s: &str) -> bool {
    (3..=63).contains(&s.len())
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric())
        && !s.contains("..")
        && s.parse::<Ipv4Addr>().is_err()
}

pub(super) fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.chars().all(|c| c.is_ascii_digit())
}

pub(super) fn is_domain(s: &str) -> bool {
    s.len() <= 253
        && s.contains('.')
        && s.split('.').all(|label| super::sizing::is_dns_label(label, 63))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_bucket_name("acme-terraform-state"));
        assert!(!is_bucket_name("Acme_State"));
        assert!(is_domain("dev.supabase.example.com"));
        assert!(!is_domain("https://example.com"));
    }
}
