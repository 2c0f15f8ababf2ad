//! `list`: tiers, regions and environments at a glance.

use std::fmt::Write;

use crate::resolve::Model;

pub fn list(model: &Model) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Tiers:");
    for tier in model.tiers.values() {
        let s = &tier.settings;
        let nodes: u32 = s.eks.node_groups.iter().map(|g| g.desired_size).sum();
        let _ = writeln!(
            out,
            "  {:<9} ${}-{}/month  EKS {}, {} node(s), {}{}  {}",
            tier.name,
            s.monthly_cost_usd.min,
            s.monthly_cost_usd.max,
            s.eks.version,
            nodes,
            s.rds.instance_class,
            if s.rds.multi_az { " multi-AZ" } else { "" },
            s.description,
        );
    }
    let _ = writeln!(out, "\nRegions:");
    for region in model.regions.values() {
        let _ = writeln!(out, "  {:<9} {} ({})", region.alias, region.aws_region, region.azs.join(", "));
    }
    let _ = writeln!(out, "\nEnvironments:");
    for r in &model.environments {
        let id = &r.env.identity;
        let _ = writeln!(out, "  {:<22} tier {:<7} account {}  VPC {}  {}", r.env.id.to_string(), id.tier, id.account_id, id.vpc.cidr, id.domain);
    }
    out
}
