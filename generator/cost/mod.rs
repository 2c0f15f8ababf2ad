//! Monthly cost estimates from the resolved model: itemised, with the assumptions stated, and
//! checked against the tier's band. Pure functions of the config and the embedded price table.

pub mod prices;
mod render;

use serde::{Deserialize, Serialize};

use crate::plan::naming::SecretKind;
use crate::resolve::model::{CapacityType, CostBand, Environment, NatGateways};
use prices::{Assumptions, HOURS_PER_MONTH, PRICES_AS_OF, RegionPrices};

pub use render::{csv, json, markdown, table};

/// Price overrides and usage assumptions from the config's `pricing:` section.
#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Pricing {
    /// Usage assumptions (any subset; the rest keep their defaults).
    #[serde(default)]
    pub assumptions: AssumptionOverrides,
    /// Prices by AWS region code, replacing the embedded ones field by field.
    #[serde(default)]
    pub regions: std::collections::BTreeMap<String, RegionPrices>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AssumptionOverrides {
    pub nat_data_gb: Option<f64>,
    pub s3_storage_gb: Option<f64>,
    pub alb_lcu: Option<f64>,
    pub log_ingest_gb: Option<f64>,
    pub pod_log_ingest_gb: Option<f64>,
    pub db_daily_change: Option<f64>,
    pub spot_price_share: Option<f64>,
    pub api_million_requests: Option<f64>,
}

impl Pricing {
    fn assumptions(&self) -> Assumptions {
        let d = Assumptions::default();
        let a = &self.assumptions;
        Assumptions {
            nat_data_gb: a.nat_data_gb.unwrap_or(d.nat_data_gb),
            s3_storage_gb: a.s3_storage_gb.unwrap_or(d.s3_storage_gb),
            alb_lcu: a.alb_lcu.unwrap_or(d.alb_lcu),
            log_ingest_gb: a.log_ingest_gb.unwrap_or(d.log_ingest_gb),
            pod_log_ingest_gb: a.pod_log_ingest_gb.unwrap_or(d.pod_log_ingest_gb),
            db_daily_change: a.db_daily_change.unwrap_or(d.db_daily_change),
            spot_price_share: a.spot_price_share.unwrap_or(d.spot_price_share),
            api_million_requests: a.api_million_requests.unwrap_or(d.api_million_requests),
        }
    }

    fn region(&self, code: &str) -> RegionPrices {
        let embedded = prices::region(code).unwrap_or_default();
        match self.regions.get(code) {
            Some(over) => embedded.overridden(over),
            None => embedded,
        }
    }
}

/// One line of an estimate.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Item {
    pub item: String,
    pub quantity: String,
    pub unit_price: String,
    /// At the configured (desired) size.
    pub monthly: f64,
    /// With every node group and storage at its maximum.
    pub monthly_at_max: f64,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Estimate {
    pub environment: String,
    pub tier: String,
    pub region: String,
    pub band: CostBand,
    pub prices_as_of: &'static str,
    pub items: Vec<Item>,
    pub total: f64,
    pub total_at_max: f64,
    pub assumptions: Assumptions,
    /// Items whose price the table lacks (counted as 0): add them under `pricing:`.
    pub unpriced: Vec<String>,
}

impl Estimate {
    pub fn within_band(&self) -> bool {
        (f64::from(self.band.min)..=f64::from(self.band.max)).contains(&self.total.round())
    }

    /// The costliest items, most expensive first.
    pub fn largest(&self, n: usize) -> Vec<&Item> {
        let mut items: Vec<&Item> = self.items.iter().collect();
        items.sort_by(|a, b| b.monthly.total_cmp(&a.monthly).then_with(|| a.item.cmp(&b.item)));
        items.truncate(n);
        items
    }
}

fn money(v: f64) -> String {
    if v < 1.0 { format!("${v:.4}") } else { format!("${v:.2}") }
}

/// The monthly estimate of one environment.
pub fn estimate(env: &Environment, pricing: &Pricing) -> Estimate {
    let s = &env.settings;
    let region = env.identity.aws_region.as_str();
    let p = pricing.region(region);
    let a = pricing.assumptions();
    let zones = env.identity.azs.len() as f64;
    let mut items = Vec::new();
    let mut unpriced = Vec::new();
    let mut price = |what: &str, value: Option<f64>| -> f64 {
        value.unwrap_or_else(|| {
            unpriced.push(what.to_string());
            0.0
        })
    };
    let hourly = |rate: f64| rate * HOURS_PER_MONTH;

    let eks = price("eks_cluster_hour", p.eks_cluster_hour);
    items.push(Item { item: "EKS control plane".into(), quantity: "1 cluster".into(), unit_price: format!("{}/h", money(eks)), monthly: hourly(eks), monthly_at_max: hourly(eks) });

    let (mut disk_desired, mut disk_max) = (0.0, 0.0);
    for g in &s.eks.node_groups {
        let instance = g.instance_types.first().map(String::as_str).unwrap_or_default();
        let mut rate = price(&format!("ec2_hour.{instance}"), p.ec2_hour.get(instance).copied());
        let spot = g.capacity_type == CapacityType::Spot;
        if spot {
            rate *= a.spot_price_share;
        }
        items.push(Item {
            item: format!("Nodes `{}` ({instance}, {})", g.name, if spot { "Spot, estimated" } else { "on-demand" }),
            quantity: format!("{} (max {})", g.desired_size, g.max_size),
            unit_price: format!("{}/h", money(rate)),
            monthly: hourly(rate) * f64::from(g.desired_size),
            monthly_at_max: hourly(rate) * f64::from(g.max_size),
        });
        disk_desired += f64::from(g.desired_size * g.disk_size_gib);
        disk_max += f64::from(g.max_size * g.disk_size_gib);
    }
    let ebs = price("ebs_gp3_gb_month", p.ebs_gp3_gb_month);
    items.push(Item { item: "Node root volumes (gp3)".into(), quantity: format!("{disk_desired} GiB (max {disk_max})"), unit_price: format!("{}/GB-month", money(ebs)), monthly: ebs * disk_desired, monthly_at_max: ebs * disk_max });

    let nats = match s.network.nat_gateways {
        NatGateways::PerAz => zones,
        NatGateways::Single => 1.0,
    };
    let nat = price("nat_gateway_hour", p.nat_gateway_hour);
    let nat_gb = price("nat_gateway_gb", p.nat_gateway_gb);
    let nat_cost = hourly(nat) * nats + nat_gb * a.nat_data_gb;
    items.push(Item {
        item: format!("NAT gateways ({}) incl. {} GB processed", s.network.nat_gateways.as_str(), a.nat_data_gb),
        quantity: format!("{nats}"),
        unit_price: format!("{}/h + {}/GB", money(nat), money(nat_gb)),
        monthly: nat_cost,
        monthly_at_max: nat_cost,
    });
    let ipv4 = price("public_ipv4_hour", p.public_ipv4_hour);
    let addresses = nats + zones; // NAT EIPs + one ALB node per zone
    items.push(Item { item: "Public IPv4 addresses (NAT, ALB)".into(), quantity: format!("{addresses}"), unit_price: format!("{}/h", money(ipv4)), monthly: hourly(ipv4) * addresses, monthly_at_max: hourly(ipv4) * addresses });
    let endpoints = s.network.interface_endpoints.len() as f64;
    if endpoints > 0.0 {
        let ep = price("interface_endpoint_hour", p.interface_endpoint_hour);
        items.push(Item { item: "Interface VPC endpoints".into(), quantity: format!("{endpoints} x {zones} zones"), unit_price: format!("{}/h", money(ep)), monthly: hourly(ep) * endpoints * zones, monthly_at_max: hourly(ep) * endpoints * zones });
    }

    let r = &s.rds;
    let az_factor = if r.multi_az { 2.0 } else { 1.0 };
    let db = price(&format!("rds_postgres_hour.{}", r.instance_class), p.rds_postgres_hour.get(&r.instance_class).copied());
    items.push(Item {
        item: format!("RDS PostgreSQL {} ({})", r.instance_class, if r.multi_az { "multi-AZ" } else { "single-AZ" }),
        quantity: "1".into(),
        unit_price: format!("{}/h", money(db * az_factor)),
        monthly: hourly(db) * az_factor,
        monthly_at_max: hourly(db) * az_factor,
    });
    let storage = price("rds_storage_gb_month", p.rds_storage_gb_month);
    items.push(Item {
        item: "RDS storage".into(),
        quantity: format!("{} GiB (max {})", r.allocated_storage_gib, r.max_allocated_storage_gib),
        unit_price: format!("{}/GB-month", money(storage * az_factor)),
        monthly: storage * az_factor * f64::from(r.allocated_storage_gib),
        monthly_at_max: storage * az_factor * f64::from(r.max_allocated_storage_gib),
    });
    // One full copy (free up to the allocated size) plus each retained day's changes.
    let billable_backup = f64::from(r.allocated_storage_gib) * a.db_daily_change * f64::from(r.backup_retention_days.saturating_sub(1));
    let backup = price("rds_backup_gb_month", p.rds_backup_gb_month);
    items.push(Item {
        item: format!("RDS backups beyond the free allowance ({} days)", r.backup_retention_days),
        quantity: format!("{billable_backup:.0} GB"),
        unit_price: format!("{}/GB-month", money(backup)),
        monthly: backup * billable_backup,
        monthly_at_max: backup * billable_backup,
    });
    if r.performance_insights {
        items.push(Item { item: "Performance Insights (7 days)".into(), quantity: "1".into(), unit_price: "free tier".into(), monthly: 0.0, monthly_at_max: 0.0 });
    }

    let alb = price("alb_hour", p.alb_hour);
    let lcu = price("alb_lcu_hour", p.alb_lcu_hour);
    let alb_cost = hourly(alb) + hourly(lcu) * a.alb_lcu;
    items.push(Item { item: format!("Application Load Balancer ({} LCU)", a.alb_lcu), quantity: "1".into(), unit_price: format!("{}/h + {}/LCU-h", money(alb), money(lcu)), monthly: alb_cost, monthly_at_max: alb_cost });
    let s3 = price("s3_standard_gb_month", p.s3_standard_gb_month);
    items.push(Item { item: format!("S3 storage bucket ({} GB)", a.s3_storage_gb), quantity: format!("{} GB", a.s3_storage_gb), unit_price: format!("{}/GB-month", money(s3)), monthly: s3 * a.s3_storage_gb, monthly_at_max: s3 * a.s3_storage_gb });
    let ingest = price("cloudwatch_logs_ingest_gb", p.cloudwatch_logs_ingest_gb);
    let store = price("cloudwatch_logs_store_gb_month", p.cloudwatch_logs_store_gb_month);
    let kept_months = f64::from(s.eks.log_retention_days.min(365)) / 30.0;
    let logs = ingest * a.log_ingest_gb + store * a.log_ingest_gb * kept_months;
    items.push(Item {
        item: format!("CloudWatch Logs ({} GB/month, kept {} days)", a.log_ingest_gb, s.eks.log_retention_days),
        quantity: format!("{} GB", a.log_ingest_gb),
        unit_price: format!("{}/GB + {}/GB-month", money(ingest), money(store)),
        monthly: logs,
        monthly_at_max: logs,
    });
    // Container Insights pod logs (Fluent Bit): standard ingestion and storage at the tier's
    // retention (https://aws.amazon.com/cloudwatch/pricing/). The add-on's metrics are billed per
    // observation and are not estimated here.
    let o = &s.observability;
    if o.container_insights {
        let kept = f64::from(o.log_retention_days.min(365)) / 30.0;
        let pod_logs = ingest * a.pod_log_ingest_gb + store * a.pod_log_ingest_gb * kept;
        items.push(Item {
            item: format!("Container Insights pod logs ({} GB/month, kept {} days)", a.pod_log_ingest_gb, o.log_retention_days),
            quantity: format!("{} GB", a.pod_log_ingest_gb),
            unit_price: format!("{}/GB + {}/GB-month", money(ingest), money(store)),
            monthly: pod_logs,
            monthly_at_max: pod_logs,
        });
    }
    let kms = price("kms_key_month", p.kms_key_month);
    let keys = (crate::plan::core::kms::KEY_COUNT + 1) as f64; // the core layer's, and the flow logs key
    items.push(Item { item: "KMS customer-managed keys".into(), quantity: format!("{keys}"), unit_price: format!("{}/month", money(kms)), monthly: kms * keys, monthly_at_max: kms * keys });
    let alarm = price("cloudwatch_alarm_metric_month", p.cloudwatch_alarm_metric_month);
    let alarm_metrics = crate::plan::monitoring::alarm_metrics(env) as f64;
    // SNS: the first 1,000 email and 100,000 HTTPS deliveries a month are free
    // (https://aws.amazon.com/sns/pricing/), far above what the alarms send.
    items.push(Item { item: "CloudWatch alarms (metrics; SNS deliveries within the free tier)".into(), quantity: format!("{alarm_metrics}"), unit_price: format!("{}/alarm metric-month", money(alarm)), monthly: alarm * alarm_metrics, monthly_at_max: alarm * alarm_metrics });
    if s.edge.waf.enabled {
        let (acl, rule, requests) =
            (price("waf_web_acl_month", p.waf_web_acl_month), price("waf_rule_month", p.waf_rule_month), price("waf_million_requests", p.waf_million_requests));
        // The three AWS managed rule groups plus the auth rate rule; none of the groups has a fee of its own.
        let rules = (crate::plan::core::edge::MANAGED_RULE_GROUPS.len() + 1) as f64;
        let monthly = acl + rule * rules + requests * a.api_million_requests;
        items.push(Item {
            item: format!("WAF web ACL ({} M requests)", a.api_million_requests),
            quantity: format!("1 ACL, {rules} rules"),
            unit_price: format!("{}/ACL + {}/rule + {}/M requests", money(acl), money(rule), money(requests)),
            monthly,
            monthly_at_max: monthly,
        });
    }
    // ACM public certificates are free; the hosted zone is the operator's (not created here).
    let secret = price("secret_month", p.secret_month);
    let secrets = (SecretKind::for_env(env).len() + 1) as f64; // + the RDS-managed master secret
    items.push(Item { item: "Secrets Manager secrets".into(), quantity: format!("{secrets}"), unit_price: format!("{}/month", money(secret)), monthly: secret * secrets, monthly_at_max: secret * secrets });

    let total = items.iter().map(|i| i.monthly).sum();
    let total_at_max = items.iter().map(|i| i.monthly_at_max).sum();
    Estimate {
        environment: env.id.to_string(),
        tier: env.identity.tier.clone(),
        region: region.to_string(),
        band: s.monthly_cost_usd,
        prices_as_of: PRICES_AS_OF,
        items,
        total,
        total_at_max,
        assumptions: a,
        unpriced,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::Date;

    const CONFIG: &str = include_str!("../../tests/fixtures/base.yaml");

    fn estimate_of(config: &str, env: usize) -> Estimate {
        let checked = crate::check_text("t.yaml", config.to_string(), Date::new(2026, 11, 26)).expect("valid config");
        estimate(&checked.model.environments[env].env, &checked.model.pricing)
    }

    fn item<'a>(e: &'a Estimate, prefix: &str) -> &'a Item {
        e.items.iter().find(|i| i.item.starts_with(prefix)).unwrap_or_else(|| panic!("no item {prefix}"))
    }

    #[test]
    fn items_follow_from_the_sizes_and_the_price_table() {
        let e = estimate_of(CONFIG, 0);
        assert_eq!(e.region, "us-east-1");
        assert!((item(&e, "EKS control plane").monthly - 73.0).abs() < 1e-9);
        // One t3.medium at $0.0416/h, max two.
        let nodes = item(&e, "Nodes `system`");
        assert!((nodes.monthly - 0.0416 * 730.0).abs() < 1e-6, "{nodes:?}");
        assert!((nodes.monthly_at_max - 2.0 * 0.0416 * 730.0).abs() < 1e-6);
        // Two zones, five interface endpoints (built-in default) at $0.01/h.
        assert!((item(&e, "Interface VPC endpoints").monthly - 5.0 * 2.0 * 0.01 * 730.0).abs() < 1e-6);
        let total: f64 = e.items.iter().map(|i| i.monthly).sum();
        assert!((e.total - total).abs() < 1e-9);
        assert!(e.unpriced.is_empty(), "{:?}", e.unpriced);
    }

    #[test]
    fn multi_az_doubles_the_database_and_spot_is_discounted() {
        let multi = CONFIG.replacen("      deletion_protection: false\n", "      deletion_protection: false\n      multi_az: true\n", 1);
        let single = estimate_of(CONFIG, 0);
        let double = estimate_of(&multi, 0);
        let db = |e: &Estimate| e.items.iter().find(|i| i.item.starts_with("RDS PostgreSQL")).map(|i| i.monthly).unwrap();
        assert!((db(&double) - 2.0 * db(&single)).abs() < 1e-9);

        let spot = CONFIG.replacen(
            "          disk_size_gib: 20\n",
            "          disk_size_gib: 20\n        - name: burst\n          instance_types: [t3.medium]\n          capacity_type: SPOT\n          min_size: 0\n          desired_size: 1\n          max_size: 2\n          disk_size_gib: 20\n",
            1,
        );
        let e = estimate_of(&spot, 0);
        let burst = item(&e, "Nodes `burst`");
        assert!((burst.monthly - 0.35 * 0.0416 * 730.0).abs() < 1e-6, "{burst:?}");
    }

    #[test]
    fn config_overrides_prices_and_assumptions() {
        let config = format!(
            "{CONFIG}pricing:\n  assumptions: {{ nat_data_gb: 0 }}\n  regions:\n    us-east-1:\n      ec2_hour: {{ t3.medium: 1.0 }}\n      eks_cluster_hour: 0.6\n"
        );
        let e = estimate_of(&config, 0);
        assert!((item(&e, "Nodes `system`").monthly - 730.0).abs() < 1e-9);
        assert!((item(&e, "EKS control plane").monthly - 0.6 * 730.0).abs() < 1e-9);
        assert!((item(&e, "NAT gateways").monthly - 0.045 * 730.0).abs() < 1e-9, "no data processed");
    }

    #[test]
    fn regions_without_prices_are_reported_not_guessed() {
        let config = CONFIG.replace("us-east-1", "sa-east-1");
        let e = estimate_of(&config, 0);
        assert!(e.unpriced.contains(&"eks_cluster_hour".to_string()), "{:?}", e.unpriced);
        assert!((e.total).abs() < 1e-9);
    }

    #[test]
    fn formats_carry_the_same_numbers() {
        let e = estimate_of(CONFIG, 0);
        let json: serde_json::Value = serde_json::from_str(&json(std::slice::from_ref(&e))).unwrap();
        assert!((json[0]["total"].as_f64().unwrap() - e.total).abs() < 1e-9);
        let csv = csv(std::slice::from_ref(&e));
        assert_eq!(csv.lines().count(), 1 + e.items.len() + 1);
        assert!(csv.lines().last().unwrap().ends_with(&format!("{:.2},{:.2}", e.total, e.total_at_max)));
        assert!(table(&e).contains(&format!("${:.2}", e.total)));
    }
}
