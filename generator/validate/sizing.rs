//! Checks on what a tier sizes: node groups, autoscaling bounds, storage, endpoint exposure.

use std::collections::BTreeMap;

use ipnet::IpNet;

use super::{Check, p};
use crate::resolve::model::{Arch, CapacityType, Component, REQUIRED_COMPONENTS, Settings, arch};

/// Retention periods CloudWatch Logs accepts.
pub const LOG_RETENTION_DAYS: &[u32] =
    &[1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

pub(crate) fn check(s: &Settings, check: &mut Check<'_>) {
    if s.monthly_cost_usd.min > s.monthly_cost_usd.max {
        check.error(p("monthly_cost_usd"), "invalid-range", format!("cost band min {} is above max {}", s.monthly_cost_usd.min, s.monthly_cost_usd.max), "swap the two values".into());
    }
    node_groups(s, check);
    endpoint(s, check);
    retention(s.eks.log_retention_days, "eks.log_retention_days", check);
    retention(s.network.flow_log_retention_days, "network.flow_log_retention_days", check);
    retention(s.observability.log_retention_days, "observability.log_retention_days", check);
    let mut seen = Vec::new();
    for (i, e) in s.network.interface_endpoints.iter().enumerate() {
        if seen.contains(e) {
            check.error(p("network.interface_endpoints").index(i), "duplicate", format!("`{}` is listed twice", e.service()), "remove the second entry".into());
        }
        seen.push(*e);
    }
    rds(s, check);
    if s.s3.noncurrent_version_expiration_days == 0 {
        check.error(p("s3.noncurrent_version_expiration_days"), "invalid-range", "noncurrent versions would expire immediately".into(), "keep them at least 1 day (30 is common)".into());
    }
    // S3 refuses a transition to STANDARD_IA before an object is 30 days old
    // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html).
    if let Some(days) = s.s3.transition_to_ia_days.filter(|d| *d < 30) {
        check.error(
            p("s3.transition_to_ia_days"),
            "invalid-range",
            format!("S3 moves objects to Standard-IA only once they are at least 30 days old, got {days}"),
            "use 30 or more, or null to keep objects in S3 Standard".into(),
        );
    }
    for (name, component) in s.supabase.components.iter() {
        self::component(name, component, check);
    }
    let keys = &s.supabase.api_keys;
    for (field, generation) in [
        ("signing_key_generation", keys.signing_key_generation),
        ("publishable_key_generation", keys.publishable_key_generation),
        ("secret_key_generation", keys.secret_key_generation),
    ] {
        if generation == 0 {
            check.error(
                p("supabase.api_keys").key(field),
                "invalid-range",
                "key generations start at 1".into(),
                "use the generation the keys are at (1 for keys never rotated); raise it by one to rotate".into(),
            );
        }
    }
}

fn node_groups(s: &Settings, check: &mut Check<'_>) {
    let groups = &s.eks.node_groups;
    if groups.is_empty() {
        check.error(p("eks.node_groups"), "no-node-groups", "the cluster has no node groups".into(), "add at least one ON_DEMAND node group".into());
        return;
    }
    let mut names: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, g) in groups.iter().enumerate() {
        let at = |field: &str| p("eks.node_groups").index(i).key(field);
        if let Some(first) = names.insert(&g.name, i) {
            let first = check.site(&p("eks.node_groups").index(first).key("name"));
            check.error(at("name"), "duplicate-node-group", format!("node group name `{}` is used twice", g.name), format!("rename one of them; the first is at {first}"));
        }
        if !is_dns_label(&g.name, 40) {
            check.error(at("name"), "invalid-name", format!("`{}` is not a valid node group name", g.name), "use lowercase letters, digits and hyphens (at most 40)".into());
        }
        if !(g.min_size <= g.desired_size && g.desired_size <= g.max_size) {
            check.error(
                at("desired_size"),
                "invalid-range",
                format!("node group `{}` needs min_size <= desired_size <= max_size, got {} <= {} <= {}", g.name, g.min_size, g.desired_size, g.max_size),
                "adjust the three sizes so they are in order".into(),
            );
        }
        if g.max_size == 0 {
            check.error(at("max_size"), "invalid-range", format!("node group `{}` can never run a node", g.name), "set max_size to at least 1".into());
        }
        if g.instance_types.is_empty() {
            check.error(at("instance_types"), "missing-value", format!("node group `{}` has no instance types", g.name), "list at least one, e.g. [t3.medium]".into());
        }
        for (j, instance_type) in g.instance_types.iter().enumerate() {
            if let Some((message, help)) = super::catalogue::unknown_instance_type(instance_type) {
                check.error(at("instance_types").index(j), "unknown-instance-type", message, help);
            }
        }
        let arches: Vec<Arch> = g.instance_types.iter().map(|t| arch(t)).collect();
        if arches.windows(2).any(|w| w[0] != w[1]) {
            check.error(at("instance_types"), "mixed-architectures", format!("node group `{}` mixes x86_64 and arm64 instance types", g.name), "a node group runs one AMI: split them into two groups".into());
        }
        if !(20..=16_384).contains(&g.disk_size_gib) {
            check.error(at("disk_size_gib"), "invalid-range", format!("disk of {} GiB is outside 20..16384", g.disk_size_gib), "20 GiB is the minimum for EKS-optimised AMIs".into());
        }
    }
    // Spot groups are tainted; CoreDNS and other system pods need an untainted home.
    if !groups.iter().any(|g| g.capacity_type == CapacityType::OnDemand && g.min_size >= 1) {
        check.error(
            p("eks.node_groups"),
            "no-system-node-group",
            "no ON_DEMAND node group with min_size >= 1: Spot groups are tainted, so CoreDNS and other system pods could not schedule".into(),
            "add an ON_DEMAND group (or change one) with min_size of at least 1".into(),
        );
    }
}

fn endpoint(s: &Settings, check: &mut Check<'_>) {
    let e = &s.eks.endpoint;
    if !e.private_access && !e.public_access {
        check.error(p("eks.endpoint"), "unreachable-endpoint", "the cluster API would be reachable from nowhere".into(), "set private_access: true (and public_access with CIDRs for a deploy machine outside the VPC)".into());
    }
    if e.public_access && e.public_access_cidrs.is_empty() {
        check.error(
            p("eks.endpoint.public_access_cidrs"),
            "open-endpoint",
            "public_access without public_access_cidrs: EKS would open the API to 0.0.0.0/0".into(),
            "list the CIDRs of your deploy machines and VPN, e.g. [203.0.113.0/24]".into(),
        );
    }
    if !e.public_access && !e.public_access_cidrs.is_empty() {
        check.warning(p("eks.endpoint.public_access_cidrs"), "ignored-value", "public_access_cidrs has no effect while public_access is false".into(), "remove the list or set public_access: true".into());
    }
    for (i, cidr) in e.public_access_cidrs.iter().enumerate() {
        let path = p("eks.endpoint.public_access_cidrs").index(i);
        match cidr.parse::<IpNet>() {
            Err(_) => check.error(path, "invalid-cidr", format!("`{cidr}` is not a CIDR block"), "write it as address/prefix, e.g. 203.0.113.0/24".into()),
            Ok(net) if net.prefix_len() == 0 && !e.allow_public_access_from_anywhere => check.error(
                path,
                "open-endpoint",
                format!("`{cidr}` opens the Kubernetes API to the whole internet"),
                "list specific CIDRs, or set eks.endpoint.allow_public_access_from_anywhere: true if you really mean it".into(),
            ),
            Ok(net) if net.trunc() != net => check.error(path, "invalid-cidr", format!("`{cidr}` has host bits set"), format!("did you mean {}?", net.trunc())),
            Ok(_) => {}
        }
    }
}

fn retention(days: u32, path: &str, check: &mut Check<'_>) {
    if !LOG_RETENTION_DAYS.contains(&days) {
        let near = LOG_RETENTION_DAYS.iter().min_by_key(|d| d.abs_diff(days)).copied().unwrap_or(30);
        check.error(p(path), "invalid-value", format!("CloudWatch Logs does not accept a retention of {days} days"), format!("use one of its periods, e.g. {near}"));
    }
}

fn rds(s: &Settings, check: &mut Check<'_>) {
    let r = &s.rds;
    if r.max_allocated_storage_gib < r.allocated_storage_gib {
        check.error(
            p("rds.max_allocated_storage_gib"),
            "invalid-range",
            format!("max_allocated_storage_gib {} is below allocated_storage_gib {}", r.max_allocated_storage_gib, r.allocated_storage_gib),
            format!("set it to at least {} (equal turns storage autoscaling off)", r.allocated_storage_gib),
        );
    }
    // RDS for PostgreSQL on gp3: 20 GiB to 64 TiB (Amazon RDS User Guide, "Amazon RDS DB instance storage").
    // (Below 20, max_allocated_storage_gib is also below allocated_storage_gib: reported above.)
    for (key, gib) in [("rds.allocated_storage_gib", r.allocated_storage_gib), ("rds.max_allocated_storage_gib", r.max_allocated_storage_gib.max(20))] {
        if !(20..=65_536).contains(&gib) {
            let help = if gib < 20 { "use at least 20" } else { "RDS gp3 storage is at most 65536 GiB (64 TiB): use 65536 or less" };
            check.error(p(key), "invalid-range", format!("{gib} GiB is outside what RDS PostgreSQL allows (20..65536)"), help.into());
        }
    }
    if r.max_slot_wal_keep_size_gib == 0 || r.max_slot_wal_keep_size_gib.saturating_mul(2) > r.allocated_storage_gib {
        check.error(
            p("rds.max_slot_wal_keep_size_gib"),
            "invalid-range",
            format!("a replication slot may hold back {} GiB of WAL on a {} GiB disk", r.max_slot_wal_keep_size_gib, r.allocated_storage_gib),
            format!("use 1 to {} (half of allocated_storage_gib), so a stuck slot can never fill the disk", (r.allocated_storage_gib / 2).max(1)),
        );
    }
    if !r.instance_class.starts_with("db.") {
        check.error(p("rds.instance_class"), "invalid-value", format!("`{}` is not an RDS instance class", r.instance_class), "RDS classes start with `db.`, e.g. db.t4g.small".into());
    } else if let Some((message, help)) = super::catalogue::unknown_rds_class(&r.instance_class) {
        check.error(p("rds.instance_class"), "unknown-instance-class", message, help);
    }
    if r.backup_retention_days > 35 {
        check.error(p("rds.backup_retention_days"), "invalid-range", format!("{} days exceeds the RDS maximum of 35", r.backup_retention_days), "use 1 to 35".into());
    }
    if !s.throwaway && r.backup_retention_days == 0 {
        check.error(p("rds.backup_retention_days"), "invalid-value", "automated backups are off on a tier that is not throwaway".into(), "keep at least 1 day, or mark the tier `throwaway: true`".into());
    }
    if ![0, 1, 5, 10, 15, 30, 60].contains(&r.monitoring_interval_seconds) {
        check.error(p("rds.monitoring_interval_seconds"), "invalid-value", format!("RDS enhanced monitoring does not offer {} s", r.monitoring_interval_seconds), "use 0 (off), 1, 5, 10, 15, 30 or 60".into());
    }
    retention(r.log_retention_days, "rds.log_retention_days", check);
    if !is_window(&r.backup_window, false) {
        check.error(p("rds.backup_window"), "invalid-window", format!("`{}` is not a daily window", r.backup_window), "write hh:mm-hh:mm in UTC, e.g. 02:00-03:00 (at least 30 minutes)".into());
    }
    if !is_window(&r.maintenance_window, true) {
        check.error(p("rds.maintenance_window"), "invalid-window", format!("`{}` is not a weekly window", r.maintenance_window), "write ddd:hh:mm-ddd:hh:mm in UTC, e.g. sun:03:30-sun:04:30".into());
    }
    if s.throwaway && r.deletion_protection {
        check.warning(p("rds.deletion_protection"), "blocks-destroy", "deletion protection on a throwaway tier makes `terraform destroy` fail".into(), "set rds.deletion_protection: false for throwaway tiers".into());
    }
    if !s.throwaway && !r.deletion_protection {
        check.warning(p("rds.deletion_protection"), "unprotected-database", "the database of a tier that is not throwaway has no deletion protection".into(), "set rds.deletion_protection: true".into());
    }
}

fn component(name: &str, c: &Component, check: &mut Check<'_>) {
    let at = |field: &str| p("supabase.components").key(name).key(field);
    if !c.enabled && REQUIRED_COMPONENTS.contains(&name) {
        check.error(
            at("enabled"),
            "required-component",
            format!("{name} is part of every stack and cannot be switched off"),
            format!("remove `enabled: false`; the components that can be switched off: {}", optional_components().join(", ")),
        );
    }
    let tag = c.image.tag.as_str();
    if tag.is_empty() || ["latest", "stable", "main", "master", "edge"].contains(&tag) {
        check.error(
            at("image").key("tag"),
            "unpinned-image",
            format!("{name} image tag `{tag}` is not a pinned version"),
            "pin an exact release, e.g. v2.186.0; moving tags make deploys unrepeatable".into(),
        );
    }
    for (kind, amounts) in [("requests", &c.resources.requests), ("limits", &c.resources.limits)] {
        let path = at("resources").key(kind);
        if millicores(&amounts.cpu).is_none() {
            check.error(path.key("cpu"), "invalid-quantity", format!("`{}` is not a CPU quantity", amounts.cpu), "write millicores (\"250m\") or cores (\"1\")".into());
        }
        if bytes(&amounts.memory).is_none() {
            check.error(path.key("memory"), "invalid-quantity", format!("`{}` is not a memory quantity", amounts.memory), "write e.g. \"256Mi\" or \"1Gi\"".into());
        }
    }
    let (req, lim) = (&c.resources.requests, &c.resources.limits);
    if let (Some(r), Some(l)) = (millicores(&req.cpu), millicores(&lim.cpu)) {
        if r > l {
            check.error(at("resources").key("requests").key("cpu"), "invalid-range", format!("{name} requests more CPU ({}) than its limit ({})", req.cpu, lim.cpu), "raise the limit or lower the request".into());
        }
    }
    if let (Some(r), Some(l)) = (bytes(&req.memory), bytes(&lim.memory)) {
        if r > l {
            check.error(at("resources").key("requests").key("memory"), "invalid-range", format!("{name} requests more memory ({}) than its limit ({})", req.memory, lim.memory), "raise the limit or lower the request".into());
        }
    }
    if c.replicas == 0 {
        check.error(at("replicas"), "invalid-range", format!("{name} would run no pods"), "set replicas to at least 1".into());
    }
    if let Some(hpa) = c.hpa {
        if hpa.min == 0 || hpa.min > hpa.max {
            check.error(at("hpa"), "invalid-range", format!("{name} HPA bounds {}-{} are not 1 <= min <= max", hpa.min, hpa.max), "set min to at least 1 and no higher than max".into());
        } else if !(hpa.min..=hpa.max).contains(&c.replicas) {
            check.error(
                at("replicas"),
                "replicas-outside-hpa",
                format!("{name} replicas {} is outside its HPA bounds {}-{}", c.replicas, hpa.min, hpa.max),
                format!("set replicas between {} and {}", hpa.min, hpa.max),
            );
        }
        if !(1..=100).contains(&hpa.cpu_target) {
            check.error(at("hpa").key("cpu_target"), "invalid-range", format!("CPU target {}% is outside 1-100", hpa.cpu_target), "70 is a common choice".into());
        }
    }
}

/// The components a tier or environment may switch off, by YAML key.
fn optional_components() -> Vec<&'static str> {
    crate::resolve::defaults::IMAGES.iter().map(|(name, ..)| *name).filter(|n| !REQUIRED_COMPONENTS.contains(n)).collect()
}

/// `hh:mm-hh:mm`, or with `weekly` `ddd:hh:mm-ddd:hh:mm`.
fn is_window(text: &str, weekly: bool) -> bool {
    let part = |p: &str| -> bool {
        let mut fields: Vec<&str> = p.split(':').collect();
        if weekly {
            let day = fields.remove(0);
            if !["mon", "tue", "wed", "thu", "fri", "sat", "sun"].contains(&day) {
                return false;
            }
        }
        matches!(fields.as_slice(), [h, m] if h.len() == 2 && m.len() == 2
            && h.parse::<u32>().is_ok_and(|h| h < 24) && m.parse::<u32>().is_ok_and(|m| m < 60))
    };
    matches!(text.split_once('-'), Some((a, b)) if part(a) && part(b))
}

/// Kubernetes CPU quantity in millicores.
pub fn millicores(q: &str) -> Option<u64> {
    if let Some(m) = q.strip_suffix('m') {
        return m.parse().ok();
    }
    let cores: f64 = q.parse().ok()?;
    (cores.is_finite() && cores >= 0.0).then(|| (cores * 1000.0).round() as u64)
}

/// Kubernetes memory quantity in bytes (binary and decimal suffixes).
pub fn bytes(q: &str) -> Option<u64> {
    const UNITS: [(&str, u64); 8] = [
        ("Ki", 1 << 10), ("Mi", 1 << 20), ("Gi", 1 << 30), ("Ti", 1 << 40),
        ("k", 1_000), ("M", 1_000_000), ("G", 1_000_000_000), ("T", 1_000_000_000_000),
    ];
    let (digits, unit) = UNITS.iter().find_map(|(s, m)| q.strip_suffix(s).map(|d| (d, *m))).unwrap_or((q, 1));
    digits.parse::<u64>().ok().map(|n| n * unit)
}

/// A DNS label: lowercase letters, digits, hyphens; starts with a letter or digit.
pub fn is_dns_label(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn architectures_and_windows() {
        assert_eq!(arch("m7g.large"), Arch::Arm64);
        assert_eq!(arch("c6gn.xlarge"), Arch::Arm64);
        assert_eq!(arch("t4g.small"), Arch::Arm64);
        assert_eq!(arch("m6i.large"), Arch::X86_64);
        assert_eq!(arch("t3.medium"), Arch::X86_64);
        assert!(is_window("02:00-03:00", false));
        assert!(is_window("sun:03:30-sun:04:30", true));
        assert!(!is_window("2:00-3:00", false));
        assert!(!is_window("sunday:03:30-sun:04:30", true));
    }

    #[test]
    fn quantities() {
        assert_eq!(millicores("250m"), Some(250));
        assert_eq!(millicores("1.5"), Some(1500));
        assert_eq!(millicores("abc"), None);
        assert_eq!(bytes("256Mi"), Some(256 << 20));
        assert_eq!(bytes("1G"), Some(1_000_000_000));
        assert_eq!(bytes("12Mb"), None);
    }
}
