//! Prints a config with N environments for the benchmark (`scripts/bench.sh`): the repository's
//! tiers, and environments spread over tiers and regions, each in its own account.
//!
//!     cargo run --release --example bench_config -- 20 > /tmp/bench/service-tiers.yaml

use std::fmt::Write;

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(20);
    let repo = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/service-tiers.yaml")).expect("read service-tiers.yaml");
    let tiers = &repo[repo.find("\ntiers:").expect("tiers section")..repo.find("\nregions:").expect("regions section")];
    // Real zone letters: the generator checks them against its catalogue (Tokyo has no `b`).
    let regions = [("ireland", "eu-west-1", "abc"), ("frankfurt", "eu-central-1", "abc"), ("virginia", "us-east-1", "abc"), ("tokyo", "ap-northeast-1", "acd")];
    let tier_names = ["small", "medium", "large", "minimal", "xlarge"];
    let mut out = String::from("project: bench\n");
    out.push_str(tiers);
    out.push_str("\nregions:\n");
    for (alias, code, zones) in regions {
        let azs: Vec<String> = zones.chars().map(|z| format!("{code}{z}")).collect();
        let _ = writeln!(out, "  {alias}:\n    aws_region: {code}\n    azs: [{}]", azs.join(", "));
    }
    out.push_str("environments:\n");
    for (r, (alias, _, _)) in regions.iter().enumerate() {
        let envs: Vec<usize> = (0..n).filter(|i| i % regions.len() == r).collect();
        if envs.is_empty() {
            continue;
        }
        let _ = writeln!(out, "  {alias}:");
        for i in envs {
            let (a, b) = (i / 250, i % 250);
            let _ = writeln!(
                out,
                "    e{i}:\n      tier: {tier}\n      account_id: \"{account:012}\"\n      domain: e{i}.bench.example.com\n      cluster_admins: [\"arn:aws:iam::{account:012}:role/admin\"]\n      cors_allowed_origins: [https://e{i}.app.example.com]\n      smtp: {{ host: email-smtp.eu-west-1.amazonaws.com, port: 587, sender_email: noreply@e{i}.bench.example.com, sender_name: Bench }}\n      state: {{ bucket: bench-state-{i} }}\n      alerts: {{ email: [oncall@e{i}.bench.example.com] }}\n      vpc:\n        cidr: 10.{b}.0.0/16\n        public_subnets: [10.{b}.1.0/24, 10.{b}.2.0/24, 10.{b}.3.0/24]\n        eks_subnets: [10.{b}.32.0/19, 10.{b}.64.0/19, 10.{b}.96.0/19]\n        rds_subnets: [10.{b}.4.0/24, 10.{b}.5.0/24, 10.{b}.6.0/24]",
                tier = tier_names[i % tier_names.len()],
                account = 100_000_000_000usize + a * 1000 + i,
            );
        }
    }
    print!("{out}");
}
