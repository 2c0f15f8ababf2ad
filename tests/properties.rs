//! Random valid configurations: output re-parses as HCL, carries the config's values, follows
//! the output rules (header, LF, one trailing newline, no trailing spaces), and is identical
//! from one run to the next.

mod common;

use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Group {
    spot: bool,
    min: u32,
    desired: u32,
    max: u32,
    disk: u32,
    instance: &'static str,
}

#[derive(Debug, Clone)]
struct Case {
    project: &'static str,
    zones: usize,
    envs: usize,
    per_az: bool,
    endpoints: Vec<bool>,
    retention: u32,
    groups: Vec<Group>,
    storage: (u32, u32),
    multi_az: bool,
    tags: Vec<(&'static str, String)>,
}

fn group(spot: bool) -> impl Strategy<Value = Group> {
    (if spot { 0u32..2 } else { 1u32..3 }, 0u32..3, 1u32..4, 20u32..200, prop::sample::select(vec!["t3.medium", "m6i.large", "c6i.xlarge"]))
        .prop_map(move |(min, more, most, disk, instance)| Group { spot, min, desired: min + more, max: min + more + most, disk, instance })
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::sample::select(vec!["acme", "corp", "x1"]),
        2usize..=3,
        1usize..=3,
        any::<bool>(),
        prop::collection::vec(any::<bool>(), 5),
        prop::sample::select(vec![1u32, 7, 30, 90, 365, 3653]),
        (group(false), prop::option::of(group(true))),
        (20u32..500, 0u32..1000),
        any::<bool>(),
        prop::collection::vec((prop::sample::select(vec!["Team", "Owner", "cost-center"]), "[a-z][a-z0-9-]{0,12}"), 0..3),
    )
        .prop_map(|(project, zones, envs, per_az, endpoints, retention, (g1, g2), (alloc, extra), multi_az, tags)| Case {
            project,
            zones,
            envs,
            per_az,
            endpoints,
            retention,
            groups: std::iter::once(g1).chain(g2).collect(),
            storage: (alloc, alloc + extra),
            multi_az,
            tags,
        })
}

const SERVICES: [&str; 5] = ["secretsmanager", "sts", "ecr.api", "ecr.dkr", "logs"];

fn yaml(c: &Case) -> String {
    let letters = ["a", "b", "c"];
    let azs: Vec<String> = letters[..c.zones].iter().map(|l| format!("eu-north-1{l}")).collect();
    let endpoints: Vec<&str> = SERVICES.iter().zip(&c.endpoints).filter(|(_, on)| **on).map(|(s, _)| *s).collect();
    let mut groups = String::new();
    for (i, g) in c.groups.iter().enumerate() {
        groups.push_str(&format!(
            "        - {{ name: g{i}, instance_types: [{}], capacity_type: {}, min_size: {}, desired_size: {}, max_size: {}, disk_size_gib: {} }}\n",
            g.instance,
            if g.spot { "SPOT" } else { "ON_DEMAND" },
            g.min,
            g.desired,
            g.max,
            g.disk
        ));
    }
    let mut tags: Vec<(&str, &str)> = c.tags.iter().map(|(k, v)| (*k, v.as_str())).collect();
    tags.sort();
    tags.dedup_by_key(|(k, _)| *k);
    // Quoted: unquoted, YAML reads values such as `n`, `no` or `null` as booleans or null.
    let tags: Vec<String> = tags.iter().map(|(k, v)| format!("{k}: \"{v}\"")).collect();
    let mut envs = String::new();
    for e in 0..c.envs {
        let subnets = |base: usize| -> String {
            (0..c.zones).map(|z| format!("10.{e}.{}.0/24", base + z)).collect::<Vec<_>>().join(", ")
        };
        envs.push_str(&format!(
            "    env{e}:\n      tier: t\n      account_id: \"00000000000{e}\"\n      domain: env{e}.example.org\n      cluster_admins: [\"arn:aws:iam::00000000000{e}:role/admin\"]\n      state: {{ bucket: state-{e} }}\n      vpc:\n        cidr: 10.{e}.0.0/16\n        public_subnets: [{}]\n        eks_subnets: [{}]\n        rds_subnets: [{}]\n      tags: {{ {} }}\n",
            subnets(0),
            subnets(10),
            subnets(20),
            tags.join(", ")
        ));
    }
    format!(
        "project: {}\ntiers:\n  t:\n    description: random\n    monthly_cost_usd: {{ min: 1, max: 2 }}\n    throwaway: true\n    network:\n      nat_gateways: {}\n      interface_endpoints: [{}]\n      flow_log_retention_days: {}\n    eks:\n      node_groups:\n{groups}    rds:\n      instance_class: db.t4g.small\n      allocated_storage_gib: {}\n      max_allocated_storage_gib: {}\n      multi_az: {}\n      deletion_protection: false\nregions:\n  north:\n    aws_region: eu-north-1\n    azs: [{}]\nenvironments:\n  north:\n{envs}",
        c.project,
        if c.per_az { "per_az" } else { "single" },
        endpoints.join(", "),
        c.retention,
        c.storage.0,
        c.storage.1,
        c.multi_az,
        azs.join(", "),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_configs_produce_canonical_parseable_stable_output(c in case()) {
        let text = yaml(&c);
        let first = common::generate_all(&text);
        let second = common::generate_all(&text);
        prop_assert_eq!(&first, &second, "output differs between two runs");
        for (path, contents) in &first {
            prop_assert!(supabase_aws_gen::emit::header::is_generated(contents), "{} has no header", path);
            prop_assert!(contents.ends_with('\n') && !contents.ends_with("\n\n"), "{} must end with exactly one newline", path);
            prop_assert!(!contents.contains('\r'), "{} has CR line endings", path);
            prop_assert!(contents.lines().all(|l| l == l.trim_end()), "{} has trailing whitespace", path);
            if path.as_str().ends_with(".tf") || path.as_str().ends_with(".tfvars") {
                if let Err(err) = hcl::parse(contents) {
                    return Err(TestCaseError::fail(format!("{path} does not parse: {err}\n{contents}")));
                }
            }
        }
        if common::tool("terraform") {
            let dir = common::TempDir::new("fmt");
            for (path, contents) in first.iter().filter(|(p, _)| !p.as_str().ends_with(".md")) {
                dir.write(path.as_str(), contents);
            }
            let fmt = std::process::Command::new("terraform")
                .args(["fmt", "-check", "-recursive", "-diff", "-no-color"])
                .current_dir(dir.path())
                .output()
                .unwrap();
            prop_assert!(fmt.status.success(), "terraform fmt would change:\n{}", String::from_utf8_lossy(&fmt.stdout));
        }
        for e in 0..c.envs {
            let tfvars = &first[format!("out/environments/north/env{e}/networking/terraform.tfvars").as_str()];
            let vars: serde_json::Value = hcl::from_str(tfvars).unwrap();
            prop_assert_eq!(&vars["vpc_cidr"], &serde_json::json!(format!("10.{e}.0.0/16")));
            prop_assert_eq!(vars["azs"].as_array().unwrap().len(), c.zones);
            prop_assert_eq!(&vars["nat_gateway_mode"], &serde_json::json!(if c.per_az { "per_az" } else { "single" }));
            prop_assert_eq!(&vars["flow_log_retention_days"], &serde_json::json!(c.retention));
            prop_assert_eq!(&vars["name"], &serde_json::json!(format!("{}-north-env{e}", c.project)));
            for (k, _) in &c.tags {
                prop_assert!(vars["default_tags"].get(*k).is_some(), "tag {} missing", k);
            }
        }
    }
}
