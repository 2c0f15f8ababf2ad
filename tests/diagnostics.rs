//! Bad input: each case edits the valid base config, and the test pins both the problem codes
//! and the full rendered report (message, file:line:column, YAML snippet, key path, help).

mod common;

use supabase_aws_gen::validate::Date;
use supabase_aws_gen::{Error, check_text};

/// Applies `(find, replace)` edits to the base config; each `find` must occur exactly once.
fn edited(edits: &[(&str, &str)]) -> String {
    let mut text = common::base_config();
    for (find, replace) in edits {
        assert_eq!(text.matches(find).count(), 1, "edit target `{find}` must occur once");
        text = text.replacen(find, replace, 1);
    }
    text
}

/// Asserts the config is rejected with exactly these error codes, and snapshots the whole report
/// (warnings included).
fn rejected(name: &str, text: String, codes: &[&str]) {
    match check_text("service-tiers.yaml", text, common::TODAY) {
        Err(Error::Invalid(report)) => {
            let got: Vec<&str> = report.items.iter().filter(|d| d.is_error()).map(|d| d.code).collect();
            assert_eq!(got, codes, "{}", report.render(false));
            insta::assert_snapshot!(name, report.render(false));
        }
        Err(other) => panic!("expected invalid config, got {other}"),
        Ok(_) => panic!("expected invalid config, it was accepted"),
    }
}

const TEST_TIER: &str = "      tier: dev\n      account_id: \"000000000001\"\n      domain: test.example.com";

#[test]
fn yaml_syntax() {
    rejected("yaml_syntax", edited(&[("min_size: 1", "min_size: [1")]), &["yaml-syntax"]);
}

#[test]
fn duplicate_yaml_key() {
    rejected("duplicate_yaml_key", edited(&[("    throwaway: true\n", "    throwaway: true\n    throwaway: false\n")]), &["yaml-duplicate-key"]);
}

#[test]
fn unknown_key_with_suggestion() {
    rejected("unknown_key", edited(&[("instance_class:", "instanse_class:")]), &["unknown-key"]);
}

#[test]
fn wrong_type() {
    rejected("wrong_type", edited(&[("min_size: 1", "min_size: one")]), &["wrong-type"]);
}

#[test]
fn unquoted_account_id_loses_its_zeros() {
    rejected("unquoted_account_id", edited(&[(TEST_TIER, "      tier: dev\n      account_id: 000000000001\n      domain: test.example.com")]), &["wrong-type"]);
}

#[test]
fn key_in_the_wrong_layer() {
    rejected("key_in_wrong_layer", edited(&[("    throwaway: true\n", "    throwaway: true\n    account_id: \"000000000001\"\n")]), &["unknown-key"]);
}

#[test]
fn unknown_tier() {
    rejected("unknown_tier", edited(&[(TEST_TIER, "      tier: deve\n      account_id: \"000000000001\"\n      domain: test.example.com")]), &["unknown-tier"]);
}

#[test]
fn unknown_region() {
    rejected("unknown_region", edited(&[("environments:\n  virginia:", "environments:\n  virgina:")]), &["unknown-region"]);
}

#[test]
fn invalid_cidr() {
    rejected("invalid_cidr", edited(&[("cidr: 10.0.0.0/16", "cidr: 10.0.0.0/33")]), &["invalid-cidr"]);
}

#[test]
fn subnet_outside_vpc() {
    rejected("subnet_outside_vpc", edited(&[("[10.0.1.0/24, 10.0.2.0/24]", "[10.0.1.0/24, 10.9.2.0/24]")]), &["subnet-outside-vpc"]);
}

#[test]
fn overlapping_subnets() {
    rejected("overlapping_subnets", edited(&[("[10.0.3.0/24, 10.0.4.0/24]", "[10.0.1.128/25, 10.0.4.0/24]")]), &["subnet-overlap"]);
}

#[test]
fn subnet_count_differs_from_zone_count() {
    rejected("subnet_count", edited(&[("[10.0.16.0/20, 10.0.32.0/20]", "[10.0.16.0/20]")]), &["subnet-count"]);
}

#[test]
fn vpcs_overlap_within_an_account_and_region() {
    let demo = "        cidr: 10.1.0.0/16\n        public_subnets: [10.1.1.0/24, 10.1.2.0/24]\n        eks_subnets: [10.1.16.0/20, 10.1.32.0/20]\n        rds_subnets: [10.1.3.0/24, 10.1.4.0/24]";
    let same = "        cidr: 10.0.0.0/16\n        public_subnets: [10.0.1.0/24, 10.0.2.0/24]\n        eks_subnets: [10.0.16.0/20, 10.0.32.0/20]\n        rds_subnets: [10.0.3.0/24, 10.0.4.0/24]";
    rejected("vpc_overlap", edited(&[(demo, same)]), &["vpc-overlap"]);
}

const DEMO_STATE: &str = "      state:\n        bucket: acme-tfstate\n      vpc:\n        cidr: 10.1.0.0/16";

/// One bootstrap root per account and region creates one state bucket: a second bucket name in
/// the same account and region would have no root to create it.
#[test]
fn one_state_bucket_per_account_and_region() {
    let other = "      state:\n        bucket: acme-tfstate-demo\n      vpc:\n        cidr: 10.1.0.0/16";
    rejected("state_bucket_per_home", edited(&[(DEMO_STATE, other)]), &["state-bucket-conflict"]);
}

/// S3 bucket names are global: the same state bucket cannot be created in two regions.
#[test]
fn state_bucket_names_are_global() {
    let elsewhere = "      state:\n        bucket: acme-tfstate\n        region: us-west-2\n      vpc:\n        cidr: 10.1.0.0/16";
    rejected("state_bucket_global", edited(&[(DEMO_STATE, elsewhere)]), &["state-bucket-conflict"]);
}

#[test]
fn node_group_sizes_out_of_order() {
    rejected("node_group_sizes", edited(&[("desired_size: 1", "desired_size: 3")]), &["invalid-range"]);
}

#[test]
fn duplicate_node_group_names() {
    let second = "          disk_size_gib: 20\n        - name: system\n          instance_types: [t3.large]\n          capacity_type: ON_DEMAND\n          min_size: 1\n          desired_size: 1\n          max_size: 2\n          disk_size_gib: 20\n";
    rejected("duplicate_node_group", edited(&[("          disk_size_gib: 20\n", second)]), &["duplicate-node-group"]);
}

#[test]
fn spot_only_cluster_cannot_run_coredns() {
    rejected("spot_only", edited(&[("capacity_type: ON_DEMAND", "capacity_type: SPOT")]), &["no-system-node-group"]);
}

#[test]
fn hpa_min_above_max() {
    rejected("hpa_min_above_max", edited(&[("hpa: { min: 2, max: 4", "hpa: { min: 5, max: 4")]), &["invalid-range"]);
}

#[test]
fn replicas_outside_hpa_bounds() {
    rejected("replicas_outside_hpa", edited(&[("replicas: 2", "replicas: 6")]), &["replicas-outside-hpa"]);
}

#[test]
fn required_component_cannot_be_switched_off() {
    rejected(
        "required_component_off",
        edited(&[("          hpa: { min: 2, max: 4, cpu_target: 70 }\n", "          hpa: { min: 2, max: 4, cpu_target: 70 }\n          enabled: false\n")]),
        &["required-component"],
    );
}

#[test]
fn max_storage_below_allocated() {
    rejected("max_storage", edited(&[("max_allocated_storage_gib: 40", "max_allocated_storage_gib: 10")]), &["invalid-range"]);
}

#[test]
fn public_endpoint_open_to_the_world() {
    rejected("open_endpoint", edited(&[("[203.0.113.0/24]", "[0.0.0.0/0]")]), &["open-endpoint"]);
}

#[test]
fn public_endpoint_open_to_the_world_with_opt_in_is_accepted() {
    let text = edited(&[("[203.0.113.0/24]", "[0.0.0.0/0]\n        allow_public_access_from_anywhere: true")]);
    common::checked(&text);
}

#[test]
fn reserved_tag_and_long_names() {
    let text = edited(&[
        ("    demo:\n", "    demonstration-environment:\n"),
        ("domain: demo.example.com\n", "domain: demo.example.com\n      tags: { Project: other }\n"),
    ]);
    rejected("reserved_tag_long_name", text, &["invalid-name", "name-too-long", "reserved-tag"]);
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = edited(&[
        ("desired_size: 1", "desired_size: 3"),
        ("replicas: 2", "replicas: 6"),
        ("[10.0.16.0/20, 10.0.32.0/20]", "[10.0.16.0/20]"),
        ("cidr: 10.1.0.0/16", "cidr: 10.1.0.0/33"),
    ]);
    rejected("many_problems", text, &["invalid-range", "replicas-outside-hpa", "subnet-count", "invalid-cidr"]);
}

#[test]
fn yaml_bomb_is_rejected() {
    let mut text = common::base_config();
    text.push_str("lol0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let p = i - 1;
        text.push_str(&format!("lol{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
    }
    rejected("yaml_bomb", text, &["yaml-limit"]);
}

#[test]
fn deep_nesting_is_rejected() {
    let mut text = common::base_config();
    text.push_str(&format!("deep: {}{}\n", "[".repeat(200), "]".repeat(200)));
    rejected("deep_nesting", text, &["yaml-limit"]);
}

#[test]
fn outdated_versions_are_warnings_not_errors() {
    // 1.33 left standard support on 2026-07-29 (extended support until 2027-07-29).
    let text = edited(&[("version: \"1.35\"", "version: \"1.33\""), ("      deletion_protection: false\n", "      deletion_protection: false\n      engine_version: \"15.8\"\n")]);
    let checked = common::checked(&text);
    let codes: Vec<&str> = checked.warnings.items.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["version-extended-support", "version-unsupported"]);
    insta::assert_snapshot!("outdated_versions", checked.warnings.render(false));
}

#[test]
fn kubernetes_minor_without_pinned_addon_versions() {
    rejected("no_addon_versions", edited(&[("version: \"1.35\"", "version: \"1.30\"")]), &["no-addon-versions"]);
}

#[test]
fn node_ami_release_of_another_minor() {
    let text = edited(&[("      endpoint:\n", "      node_ami_release: \"1.34.2-20260110\"\n      endpoint:\n")]);
    rejected("bad_node_ami_release", text, &["invalid-version"]);
}

#[test]
fn standard_support_ending_within_90_days_warns() {
    // 1.35 leaves standard support on 2027-03-27: 91 days before, nothing; 90 days before, a warning.
    let warnings = |today| match check_text("service-tiers.yaml", common::base_config(), today) {
        Ok(checked) => checked.warnings,
        Err(e) => panic!("{e}"),
    };
    let codes = |today| warnings(today).items.iter().map(|d| d.code).filter(|c| c.starts_with("version")).collect::<Vec<_>>();
    assert!(codes(Date::new(2026, 12, 26)).is_empty());
    assert_eq!(codes(Date::new(2026, 12, 27)), ["version-standard-support-ending"]);
    insta::assert_snapshot!("standard_support_ending", warnings(Date::new(2027, 1, 10)).render(false));
}

#[test]
fn kubernetes_version_skip_against_the_committed_output_is_refused() {
    let checked = common::checked(&common::base_config());
    let envs = supabase_aws_gen::select(&checked.model, &["virginia/test".to_string()], false).unwrap();
    let root = common::TempDir::new("upgrade-skip");
    root.write("out/environments/virginia/test/core/terraform.tfvars", "name            = \"acme-virginia-test\"\ncluster_version = \"1.33\"\n");
    match supabase_aws_gen::refuse_unsafe_upgrades(&checked.model, &envs, root.path()) {
        Err(Error::Invalid(report)) => {
            assert_eq!(report.items.iter().map(|d| d.code).collect::<Vec<_>>(), ["kubernetes-version-skip"]);
            insta::assert_snapshot!("kubernetes_version_skip", report.render(false));
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    root.write("out/environments/virginia/test/core/terraform.tfvars", "cluster_version = \"1.34\"\n");
    assert!(supabase_aws_gen::refuse_unsafe_upgrades(&checked.model, &envs, root.path()).is_ok(), "one minor up is an upgrade EKS does");
}

#[test]
fn bad_smtp_relay() {
    let text = edited(&[(
        "domain: demo.example.com\n",
        "domain: demo.example.com\n      smtp: { host: \"smtp example\", port: 0, sender_email: noreply, sender_name: Demo }\n",
    )]);
    rejected("bad_smtp", text, &["invalid-domain", "invalid-value", "invalid-value"]);
}

#[test]
fn no_smtp_relay_warns_outside_throwaway_tiers() {
    let text = edited(&[("    throwaway: true\n", "    throwaway: false\n")]);
    let checked = common::checked(&text);
    let codes: Vec<&str> = checked.warnings.items.iter().map(|d| d.code).filter(|c| *c == "no-smtp").collect();
    // Both environments of the base config lack a relay; with it, the warning goes away.
    assert_eq!(codes, ["no-smtp", "no-smtp"], "{}", checked.warnings.render(false));
    let smtp = "      smtp: { host: email-smtp.us-east-1.amazonaws.com, port: 587, sender_email: noreply@example.com, sender_name: Test }\n";
    let with_relay = text.replace("      tier: dev\n", &format!("      tier: dev\n{smtp}"));
    assert!(common::checked(&with_relay).warnings.items.iter().all(|d| d.code != "no-smtp"));
}

const STORAGE_AT_SCALE: &str = "          hpa: { min: 2, max: 4, cpu_target: 70 }\n        storage:\n          replicas: 2\n          db_pool: 20\n          hpa: { min: 2, max: 10, cpu_target: 70 }\n";

#[test]
fn connection_budget_over_the_instance_default() {
    // Storage alone: 11 pods x (20 + 1) = 231 connections; db.t4g.micro allows about 82.
    rejected("connection_budget", edited(&[("          hpa: { min: 2, max: 4, cpu_target: 70 }\n", STORAGE_AT_SCALE)]), &["connection-budget"]);
}

/// The pooler's pods hold their own pools (2 roles x 2 modes x (pool_size + 1) each): a pool size
/// the instance cannot take is refused, naming the pooler as the largest share.
#[test]
fn connection_budget_counts_the_pooler_pools_per_pod() {
    let pooler = "          hpa: { min: 2, max: 4, cpu_target: 70 }\n        pooler: { enabled: true, replicas: 2, db_pool: 2 }\n      pooling: { pool_size: 20, max_clients: 100 }\n";
    rejected("connection_budget_pooler", edited(&[("          hpa: { min: 2, max: 4, cpu_target: 70 }\n", pooler)]), &["connection-budget"]);
}

#[test]
fn connection_budget_over_an_explicit_max_connections() {
    rejected(
        "connection_budget_explicit",
        edited(&[("      deletion_protection: false\n", "      deletion_protection: false\n      max_connections: 60\n")]),
        &["connection-budget"],
    );
}

#[test]
fn connection_budget_fits_a_raised_max_connections() {
    let text = edited(&[
        ("          hpa: { min: 2, max: 4, cpu_target: 70 }\n", STORAGE_AT_SCALE),
        ("      deletion_protection: false\n", "      deletion_protection: false\n      max_connections: 400\n"),
    ]);
    check_text("service-tiers.yaml", text, common::TODAY).expect("a max_connections that covers the worst case is accepted");
}

#[test]
fn connection_budget_needs_known_class_memory_and_pools() {
    rejected(
        "connection_budget_unknown",
        edited(&[
            ("instance_class: db.t4g.micro", "instance_class: db.x2g.large"),
            ("          replicas: 2\n", "          replicas: 2\n          db_pool: 5\n"),
        ]),
        &["unknown-max-connections", "ignored-value"],
    );
}

#[test]
fn bad_alert_subscriptions() {
    let text = edited(&[(
        "domain: demo.example.com\n",
        "domain: demo.example.com\n      alerts: { email: [oncall@example.com, oncall], https: [\"http://events.example.com/sns\"] }\n",
    )]);
    rejected("bad_alert_subscriptions", text, &["invalid-value", "invalid-value"]);
}

#[test]
fn alarm_minutes_must_be_whole_periods() {
    let text = edited(&[("    throwaway: true\n", "    throwaway: true\n    alarms: { nodes_at_max_minutes: 7, db_cpu_percent: 100 }\n")]);
    match check_text("service-tiers.yaml", text, common::TODAY) {
        Err(Error::Invalid(report)) => {
            let got: Vec<&str> = report.items.iter().filter(|d| d.is_error()).map(|d| d.code).collect();
            assert_eq!(got, ["invalid-range", "invalid-range"], "{}", report.render(false));
            let rendered = report.render(false);
            assert!(rendered.contains("alarms.nodes_at_max_minutes") && rendered.contains("alarms.db_cpu_percent"), "{rendered}");
        }
        _ => panic!("expected the thresholds to be rejected"),
    }
}

#[test]
fn no_alert_subscription_warns_outside_throwaway_tiers() {
    let text = edited(&[("    throwaway: true\n", "    throwaway: false\n")]);
    let checked = common::checked(&text);
    let codes: Vec<&str> = checked.warnings.items.iter().map(|d| d.code).filter(|c| *c == "no-alert-subscription").collect();
    // Neither environment of the base config subscribes anyone; one address silences the warning.
    assert_eq!(codes, ["no-alert-subscription", "no-alert-subscription"], "{}", checked.warnings.render(false));
    let with_alerts = text.replace("      tier: dev\n", "      tier: dev\n      alerts: { email: [oncall@example.com] }\n");
    assert!(common::checked(&with_alerts).warnings.items.iter().all(|d| d.code != "no-alert-subscription"));
    // Throwaway tiers stay quiet.
    assert!(common::checked(&common::base_config()).warnings.items.iter().all(|d| d.code != "no-alert-subscription"));
}

#[test]
fn bad_route53_zone_id() {
    let text = edited(&[("domain: demo.example.com\n", "domain: demo.example.com\n      dns: { route53_zone_id: /hostedzone/Z0123456789ABCDEFGHIJ, manage_records: false }\n")]);
    rejected("bad_route53_zone_id", text, &["invalid-value"]);
}

#[test]
fn waf_rate_limit_below_the_minimum() {
    let text = edited(&[("    throwaway: true\n", "    throwaway: true\n    edge: { waf: { enabled: true, auth_rate_limit: 5, log_retention_days: 8 } }\n")]);
    match check_text("service-tiers.yaml", text, common::TODAY) {
        Err(Error::Invalid(report)) => {
            let rendered = report.render(false);
            let got: Vec<&str> = report.items.iter().filter(|d| d.is_error()).map(|d| d.code).collect();
            assert_eq!(got, ["invalid-range", "invalid-value"], "{rendered}");
            assert!(rendered.contains("edge.waf.auth_rate_limit") && rendered.contains("edge.waf.log_retention_days"), "{rendered}");
        }
        _ => panic!("expected the WAF settings to be rejected"),
    }
}

#[test]
fn standard_ia_transition_before_30_days() {
    let text = edited(&[("    throwaway: true\n", "    throwaway: true\n    s3: { transition_to_ia_days: 14 }\n")]);
    rejected("standard_ia_transition_before_30_days", text, &["invalid-range"]);
}

// Issue 15: names AWS does not have, versions outside the calendar, tags, every problem at once
// and messages that said the wrong thing.

#[test]
fn region_not_in_the_catalogue() {
    rejected("unknown_aws_region", edited(&[("aws_region: us-east-1", "aws_region: us-esat-1")]), &["invalid-region"]);
}

#[test]
fn zones_and_instance_names_not_in_the_catalogue() {
    let text = edited(&[
        ("[us-east-1a, us-east-1b]", "[us-east-1a, us-east-1g]"),
        ("instance_class: db.t4g.micro", "instance_class: db.t4g.mirco"),
        ("[t3.medium]", "[t9.gigantic]"),
    ]);
    rejected("unknown_aws_names", text, &["unknown-instance-type", "unknown-instance-class", "unknown-max-connections", "invalid-zone"]);
}

#[test]
fn versions_outside_the_calendar_are_errors() {
    let text = edited(&[("version: \"1.35\"", "version: \"1.99\""), ("      deletion_protection: false\n", "      deletion_protection: false\n      engine_version: \"9.6\"\n")]);
    rejected("versions_outside_calendar", text, &["version-unknown", "version-unsupported"]);
}

#[test]
fn unknown_yaml_tag() {
    rejected("unknown_yaml_tag", edited(&[(TEST_TIER, "      tier: !Ref dev\n      account_id: \"000000000001\"\n      domain: test.example.com")]), &["yaml-tag"]);
}

#[test]
fn three_type_errors_and_a_bad_cidr_in_one_run() {
    let text = edited(&[("min_size: 1", "min_size: one"), ("max_size: 2", "max_size: many"), ("disk_size_gib: 20", "disk_size_gib: big"), ("cidr: 10.1.0.0/16", "cidr: 10.1.0.0/33")]);
    rejected("type_errors_at_once", text, &["wrong-type", "wrong-type", "wrong-type", "invalid-cidr"]);
}

#[test]
fn storage_above_the_rds_maximum() {
    rejected("storage_above_maximum", edited(&[("allocated_storage_gib: 20", "allocated_storage_gib: 70000"), ("max_allocated_storage_gib: 40", "max_allocated_storage_gib: 70000")]), &["invalid-range", "invalid-range"]);
}

#[test]
fn no_zones_at_all() {
    rejected("no_zones", edited(&[("[us-east-1a, us-east-1b]", "[]")]), &["too-few-zones"]);
}

#[test]
fn zones_not_a_list() {
    // One error, at the key: no second "region needs aws_region and azs".
    rejected("zones_not_a_list", edited(&[("[us-east-1a, us-east-1b]", "3")]), &["wrong-type"]);
}

#[test]
fn port_out_of_range() {
    let text = edited(&[(
        "domain: demo.example.com\n",
        "domain: demo.example.com\n      smtp: { host: email-smtp.us-east-1.amazonaws.com, port: 70000, sender_email: noreply@example.com, sender_name: Demo }\n",
    )]);
    rejected("port_out_of_range", text, &["invalid-value"]);
}

#[test]
fn alias_limit_help_names_the_limit() {
    let mut text = edited(&[("description: Test tier", "description: &d Test tier")]);
    text.push_str(&format!("x-aliases: [{}]\n", vec!["*d"; 70].join(", ")));
    rejected("alias_limit", text, &["yaml-limit"]);
}

#[test]
fn vpc_overlap_suggests_a_range_nobody_uses() {
    let test = "        cidr: 10.0.0.0/16\n        public_subnets: [10.0.1.0/24, 10.0.2.0/24]\n        eks_subnets: [10.0.16.0/20, 10.0.32.0/20]\n        rds_subnets: [10.0.3.0/24, 10.0.4.0/24]";
    let same = "        cidr: 10.1.0.0/16\n        public_subnets: [10.1.5.0/24, 10.1.6.0/24]\n        eks_subnets: [10.1.48.0/20, 10.1.64.0/20]\n        rds_subnets: [10.1.7.0/24, 10.1.8.0/24]";
    match check_text("service-tiers.yaml", edited(&[(test, same)]), common::TODAY) {
        Err(Error::Invalid(report)) => {
            let help = report.items.iter().find(|d| d.code == "vpc-overlap").and_then(|d| d.help.clone()).unwrap_or_default();
            assert!(help.contains("10.0.0.0/16 is not used by any environment"), "{help}");
        }
        _ => panic!("expected the overlap to be rejected"),
    }
}

#[test]
fn api_key_generations_start_at_one() {
    rejected(
        "api_key_generation_zero",
        edited(&[("    supabase:\n      hpa_enabled: true\n", "    supabase:\n      hpa_enabled: true\n      api_keys: { signing_key_generation: 0 }\n")]),
        &["invalid-range"],
    );
}
