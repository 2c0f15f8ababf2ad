//! The embedded on-demand price table (USD, Linux, no discounts), dated. Per-region scalars
//! (NAT, endpoints, ALB, storage, logs) are that region's list prices; EC2 and RDS hourly prices
//! are us-east-1 list prices times one factor per region (the region's typical premium for
//! general-purpose classes), which keeps the table small and is accurate to a few percent.
//! Update the table and `PRICES_AS_OF` together; anything can be overridden per region in
//! `service-tiers.yaml` under `pricing:`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// When the table below was last checked against the AWS price lists.
pub const PRICES_AS_OF: &str = "2026-11-26";

/// Hours in the average month, as AWS bills them.
pub const HOURS_PER_MONTH: f64 = 730.0;

/// Prices of one region. Every field can be overridden from the config.
#[derive(Clone, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegionPrices {
    /// EKS control plane, per cluster-hour (standard support).
    pub eks_cluster_hour: Option<f64>,
    /// EKS control plane in extended support, per cluster-hour.
    pub eks_extended_cluster_hour: Option<f64>,
    /// EC2 on-demand, per instance-hour, by instance type.
    #[serde(default)]
    pub ec2_hour: BTreeMap<String, f64>,
    /// RDS for PostgreSQL single-AZ, per instance-hour, by class (multi-AZ costs twice).
    #[serde(default)]
    pub rds_postgres_hour: BTreeMap<String, f64>,
    /// EBS gp3 (node root volumes), per GB-month.
    pub ebs_gp3_gb_month: Option<f64>,
    /// RDS storage, per GB-month (single-AZ; multi-AZ costs twice), gp2/gp3.
    pub rds_storage_gb_month: Option<f64>,
    /// RDS backup storage beyond the free allowance, per GB-month.
    pub rds_backup_gb_month: Option<f64>,
    pub nat_gateway_hour: Option<f64>,
    pub nat_gateway_gb: Option<f64>,
    /// Interface VPC endpoint, per endpoint-AZ-hour.
    pub interface_endpoint_hour: Option<f64>,
    pub alb_hour: Option<f64>,
    pub alb_lcu_hour: Option<f64>,
    /// Public IPv4 address, per address-hour.
    pub public_ipv4_hour: Option<f64>,
    pub s3_standard_gb_month: Option<f64>,
    pub cloudwatch_logs_ingest_gb: Option<f64>,
    pub cloudwatch_logs_store_gb_month: Option<f64>,
    pub kms_key_month: Option<f64>,
    pub secret_month: Option<f64>,
    /// CloudWatch alarm, standard resolution, per alarm metric-month (a metric math alarm counts
    /// each metric it reads).
    pub cloudwatch_alarm_metric_month: Option<f64>,
    /// WAFv2 web ACL, per month.
    pub waf_web_acl_month: Option<f64>,
    /// WAFv2 rule or managed rule group (without its own fee) in a web ACL, per month.
    pub waf_rule_month: Option<f64>,
    /// WAFv2 requests inspected, per million.
    pub waf_million_requests: Option<f64>,
}

impl RegionPrices {
    /// `self` with every price `over` sets replaced.
    #[must_use]
    pub fn overridden(mut self, over: &RegionPrices) -> Self {
        macro_rules! take {
            ($($field:ident),*) => { $( if over.$field.is_some() { self.$field = over.$field; } )* };
        }
        take!(
            eks_cluster_hour, eks_extended_cluster_hour, ebs_gp3_gb_month, rds_storage_gb_month, rds_backup_gb_month,
            nat_gateway_hour, nat_gateway_gb, interface_endpoint_hour, alb_hour, alb_lcu_hour, public_ipv4_hour,
            s3_standard_gb_month, cloudwatch_logs_ingest_gb, cloudwatch_logs_store_gb_month, kms_key_month, secret_month,
            cloudwatch_alarm_metric_month, waf_web_acl_month, waf_rule_month, waf_million_requests
        );
        self.ec2_hour.extend(over.ec2_hour.iter().map(|(k, v)| (k.clone(), *v)));
        self.rds_postgres_hour.extend(over.rds_postgres_hour.iter().map(|(k, v)| (k.clone(), *v)));
        self
    }
}

/// Usage the estimate cannot know from the config; stated in every estimate, overridable.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Assumptions {
    /// Data through the NAT gateways per month, GB.
    pub nat_data_gb: f64,
    /// Objects kept in the storage bucket, GB.
    pub s3_storage_gb: f64,
    /// Load balancer capacity units used on average.
    pub alb_lcu: f64,
    /// Logs ingested per month (control plane, flow logs, database), GB.
    pub log_ingest_gb: f64,
    /// Pod logs Fluent Bit ships to Container Insights per month (all Supabase services), GB.
    pub pod_log_ingest_gb: f64,
    /// Daily change rate of the database, as a share of allocated storage (drives backup size).
    pub db_daily_change: f64,
    /// Spot price as a share of on-demand.
    pub spot_price_share: f64,
    /// Requests to the API per month, millions (what WAF inspects, where the tier enables it).
    pub api_million_requests: f64,
}

impl Default for Assumptions {
    fn default() -> Self {
        Self { nat_data_gb: 100.0, s3_storage_gb: 100.0, alb_lcu: 1.0, log_ingest_gb: 30.0, pod_log_ingest_gb: 10.0, db_daily_change: 0.05, spot_price_share: 0.35, api_million_requests: 10.0 }
    }
}

fn table(pairs: &[(&str, f64)]) -> BTreeMap<String, f64> {
    pairs.iter().map(|(k, v)| ((*k).to_string(), *v)).collect()
}

/// The embedded prices for a region code, if the table has it.
pub fn region(code: &str) -> Option<RegionPrices> {
    // (ec2 multiplier over us-east-1, rds multiplier, then per-region scalars)
    let (ec2_factor, rds_factor, ebs, rds_storage, nat, endpoint, alb, s3, logs) = match code {
        "us-east-1" => (1.0, 1.0, 0.08, 0.115, 0.045, 0.01, 0.0225, 0.023, 0.50),
        "eu-west-1" => (1.0, 1.11, 0.088, 0.127, 0.048, 0.011, 0.0252, 0.023, 0.57),
        "eu-central-1" => (1.15, 1.19, 0.0952, 0.137, 0.052, 0.012, 0.027, 0.0245, 0.63),
        "ap-northeast-1" => (1.28, 1.22, 0.096, 0.138, 0.062, 0.014, 0.0243, 0.025, 0.76),
        _ => return None,
    };
    let round = |v: f64| (v * 10_000.0).round() / 10_000.0;
    let ec2: BTreeMap<String, f64> = table(&[
        ("t3.small", 0.0208), ("t3.medium", 0.0416), ("t3.large", 0.0832), ("t3a.medium", 0.0376), ("t3a.large", 0.0752),
        ("t4g.medium", 0.0336), ("m5.large", 0.096), ("m5.xlarge", 0.192), ("m5.2xlarge", 0.384),
        ("m6i.large", 0.096), ("m6i.xlarge", 0.192), ("m6i.2xlarge", 0.384), ("m6a.large", 0.0864), ("m6a.xlarge", 0.1728),
        ("m6a.2xlarge", 0.3456), ("m7i.large", 0.1008), ("m7i.xlarge", 0.2016), ("m6g.large", 0.077), ("m7g.large", 0.0816),
        ("c6i.large", 0.085), ("c6i.xlarge", 0.17), ("r6i.large", 0.126), ("r6i.xlarge", 0.252),
    ])
    .into_iter()
    .map(|(k, v)| (k, round(v * ec2_factor)))
    .collect();
    let rds: BTreeMap<String, f64> = table(&[
        ("db.t3.micro", 0.018), ("db.t3.small", 0.036), ("db.t3.medium", 0.072), ("db.t4g.micro", 0.016), ("db.t4g.small", 0.032),
        ("db.t4g.medium", 0.065), ("db.m6g.large", 0.159), ("db.m6g.xlarge", 0.318), ("db.m6i.large", 0.178), ("db.m7g.large", 0.168),
        ("db.r6g.large", 0.225), ("db.r6g.xlarge", 0.45), ("db.r6g.2xlarge", 0.899), ("db.r6i.xlarge", 0.5), ("db.r7g.xlarge", 0.478),
    ])
    .into_iter()
    .map(|(k, v)| (k, round(v * rds_factor)))
    .collect();
    Some(RegionPrices {
        eks_cluster_hour: Some(0.10),
        eks_extended_cluster_hour: Some(0.60),
        ec2_hour: ec2,
        rds_postgres_hour: rds,
        ebs_gp3_gb_month: Some(ebs),
        rds_storage_gb_month: Some(rds_storage),
        rds_backup_gb_month: Some(0.095),
        nat_gateway_hour: Some(nat),
        nat_gateway_gb: Some(nat),
        interface_endpoint_hour: Some(endpoint),
        alb_hour: Some(alb),
        alb_lcu_hour: Some(0.008),
        public_ipv4_hour: Some(0.005),
        s3_standard_gb_month: Some(s3),
        cloudwatch_logs_ingest_gb: Some(logs),
        cloudwatch_logs_store_gb_month: Some(0.03),
        kms_key_month: Some(1.0),
        secret_month: Some(0.40),
        // https://aws.amazon.com/cloudwatch/pricing/ (Alarms: standard resolution, $0.10 per alarm metric).
        cloudwatch_alarm_metric_month: Some(0.10),
        // https://aws.amazon.com/waf/pricing/: $5 per web ACL-month, $1 per rule-month (a managed
        // rule group without its own fee counts as one rule), $0.60 per million requests.
        waf_web_acl_month: Some(5.0),
        waf_rule_month: Some(1.0),
        waf_million_requests: Some(0.60),
    })
}
