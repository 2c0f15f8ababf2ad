//! Prints a config with N environments for the benchmark (`scripts/bench.sh`): the repository's
//! tiers, and environments spread over tiers and regions, each in its own account.
//!
//!     cargo run --release --example bench_config -- 20 > /tmp/bench/service-tiers.yaml
//!     cargo run --release --example bench_config -- 5000 /tmp/bench   # split: one file per environment
//!
//! With a directory, writes `service-tiers.yaml` there and each environment to
//! `environments/<region>/<env>.yaml` (the layout for thousands of environments: one file would
//! pass the 1 MiB limit).

use std::fmt::Write;

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20);
    let split = args.next().map(std::path::PathBuf::from);
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
        if split.is_none() {
            let _ = writeln!(out, "  {alias}:");
        }
        for i in envs {
            let (a, b) = (i / 250, i % 250);
            let mut env = String::new();
            let _ = writeln!(
                env,
                "e{i}:\n  tier: {tier}\n  account_id: \"{account:012}\"\n  domain: e{i}.bench.example.com\n  cluster_admins: [\"arn:aws:iam::{account:012}:role/admin\"]\n  cors_allowed_origins: [https://e{i}.app.example.com]\n  smtp: {{ host: email-smtp.eu-west-1.amazonaws.com, port: 587, sender_email: noreply@e{i}.bench.example.com, sender_name: Bench }}\n  state: {{ bucket: bench-state-{i} }}\n  alerts: {{ email: [oncall@e{i}.bench.example.com] }}\n  vpc:\n    cidr: 10.{b}.0.0/16\n    public_subnets: [10.{b}.1.0/24, 10.{b}.2.0/24, 10.{b}.3.0/24]\n    eks_subnets: [10.{b}.32.0/19, 10.{b}.64.0/19, 10.{b}.96.0/19]\n    rds_subnets: [10.{b}.4.0/24, 10.{b}.5.0/24, 10.{b}.6.0/24]",
                tier = tier_names[i % tier_names.len()],
                account = 100_000_000_000usize + a * 1000 + i,
            );
            match &split {
                // The entry without its first line, dedented: the file is the environment itself.
                Some(dir) => {
                    let body: String = env.lines().skip(1).map(|l| format!("{}\n", &l[2..])).collect();
                    let path = dir.join("environments").join(alias).join(format!("e{i}.yaml"));
                    std::fs::create_dir_all(path.parent().expect("has a parent")).expect("create the environments folder");
                    std::fs::write(&path, body).expect("write an environment file");
                }
                None => env.lines().for_each(|l| {
                    let _ = writeln!(out, "    {l}");
                }),
            }
        }
    }
    match &split {
        Some(dir) => std::fs::write(dir.join("service-tiers.yaml"), out).expect("write service-tiers.yaml"),
        None => print!("{out}"),
    }
}
