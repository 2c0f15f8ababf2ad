//! The monitoring layer: CloudWatch alarms on the database, the load balancer, the NAT gateways
//! and the cluster's capacity, publishing to a KMS-encrypted SNS topic with the environment's
//! subscriptions.
//!
//! It is a root of its own, applied after the Helm installs: the ALB is created by the AWS Load
//! Balancer Controller when it reconciles the Ingress, so only then can `data "aws_lb"` find it
//! by its deterministic name (`alb.ingress.kubernetes.io/load-balancer-name`, the name prefix).
//! The module body is the same for every environment; the thresholds are variables whose values
//! [`Thresholds::for_env`] derives from the tier's sizing.

use crate::plan::applications::RELEASE;
use crate::plan::connections;
use crate::plan::iam::{Statement, document};
use crate::plan::naming::{Layer, Names, SUPABASE_NAMESPACE};
use crate::plan::{common, roots};
use crate::resolve::model::{Environment, NatGateways};
use crate::terraform::{Block, Input, Module, Output, TfFile, TfType, Variable, e, object, s};

pub const MODULE: &str = "alarms";

const GIB: u64 = 1 << 30;
const MIB: u64 = 1 << 20;

/// Alarm floor of `FreeableMemory` when the generator does not know the class's memory.
const FALLBACK_FREEABLE_MEMORY: u64 = 256 * MIB;

/// Requests per 5 minutes below which the 5xx rates are not judged: at a handful of requests
/// one failure is 20%, which says nothing about the service.
pub const MIN_REQUESTS: u32 = 50;

/// Tags the AWS Load Balancer Controller v2.17.0 puts on the target group it creates for the
/// Ingress's Kong backend: `elbv2.k8s.aws/cluster` = cluster name, `ingress.k8s.aws/stack` =
/// `<namespace>/<ingress>` (implicit IngressGroup), `ingress.k8s.aws/resource` =
/// `<namespace>/<ingress>-<service>:<port>` (kubernetes-sigs/aws-load-balancer-controller@v2.17.0:
/// pkg/deploy/tracking/provider.go, pkg/shared_constants/tag_keys.go,
/// pkg/ingress/model_build_target_group.go `buildTargetGroupResourceID`). The chart names the
/// Ingress after the release and its backend `<release>-kong`, port `proxy` (by name).
pub fn target_group_tags(names: &Names) -> Vec<(String, String)> {
    let stack = format!("{SUPABASE_NAMESPACE}/{RELEASE}");
    vec![
        ("elbv2.k8s.aws/cluster".into(), names.cluster.clone()),
        ("ingress.k8s.aws/stack".into(), stack.clone()),
        ("ingress.k8s.aws/resource".into(), format!("{stack}-{RELEASE}-kong:proxy")),
    ]
}

/// Absolute alarm thresholds of one environment, derived from its sizing and `alarms` settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Thresholds {
    pub db_cpu_percent: u32,
    pub db_freeable_memory_bytes: u64,
    pub db_free_storage_bytes: u64,
    /// `DatabaseConnections` above this count.
    pub db_connections: u32,
    pub db_replication_slot_bytes: u64,
    pub db_transaction_logs_bytes: u64,
    pub db_latency_seconds: f64,
    pub alb_5xx_percent: u32,
    pub alb_p99_seconds: f64,
    /// The sum of the node groups' `max_size`.
    pub cluster_max_nodes: u32,
    /// 5-minute periods at the maximum before the alarm fires.
    pub nodes_at_max_periods: u32,
}

impl Thresholds {
    pub fn for_env(env: &Environment) -> Self {
        let s = &env.settings;
        let a = &s.alarms;
        let percent_of = |total: u64, percent: u32| total * u64::from(percent) / 100;
        let memory = connections::memory_gib(&s.rds.instance_class).map(|gib| u64::from(gib) * GIB);
        // The same limit the connection budget checks against (validation rejects an unknown one).
        let max_connections = connections::budget(s).limit.max_connections().unwrap_or(0);
        let slot_limit = u64::from(s.rds.max_slot_wal_keep_size_gib) * GIB;
        Self {
            db_cpu_percent: a.db_cpu_percent,
            db_freeable_memory_bytes: memory.map_or(FALLBACK_FREEABLE_MEMORY, |m| percent_of(m, a.db_freeable_memory_percent)),
            db_free_storage_bytes: percent_of(u64::from(s.rds.allocated_storage_gib) * GIB, a.db_free_storage_percent),
            db_connections: max_connections * a.db_connections_percent / 100,
            db_replication_slot_bytes: percent_of(slot_limit, a.db_replication_slot_percent),
            // WAL on disk beyond what any slot may hold back: an archiving or checkpoint problem,
            // or slots about to be invalidated.
            db_transaction_logs_bytes: slot_limit,
            db_latency_seconds: f64::from(a.db_latency_ms) / 1000.0,
            alb_5xx_percent: a.alb_5xx_percent,
            alb_p99_seconds: f64::from(a.alb_p99_response_ms) / 1000.0,
            cluster_max_nodes: s.eks.node_groups.iter().map(|g| g.max_size).sum(),
            nodes_at_max_periods: a.nodes_at_max_minutes / 5,
        }
    }
}

/// How a silent metric counts, and why (CloudWatch's `treat_missing_data`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Missing {
    /// No data means nothing to report (no traffic, no replication slot): the alarm stays OK.
    NotBreaching,
    /// No data is itself unusual but not this alarm's subject: INSUFFICIENT_DATA, shown in the
    /// console, no page.
    Missing,
}

impl Missing {
    fn as_str(self) -> &'static str {
        match self {
            Self::NotBreaching => "notBreaching",
            Self::Missing => "missing",
        }
    }
}

/// What an alarm watches.
#[derive(Clone, Copy, Debug)]
pub enum Watch {
    /// One metric and statistic (`p99` style names are extended statistics).
    Metric { namespace: &'static str, metric: &'static str, statistic: &'static str, dimensions: &'static str },
    /// A percentage of the ALB's requests, by metric math: the `errors` count over `total`, an
    /// expression of `errors` and `requests` (RequestCount).
    Rate { errors: &'static str, total: &'static str },
}

/// One alarm of the module: the same for every environment, its threshold a variable.
#[derive(Clone, Copy, Debug)]
pub struct Alarm {
    /// Terraform resource name and alarm name suffix.
    pub key: &'static str,
    /// What it means, in a few words (the runbook's table).
    pub means: &'static str,
    pub watch: Watch,
    pub comparison: &'static str,
    /// HCL expression of the threshold.
    pub threshold: &'static str,
    pub period: u32,
    pub evaluation_periods: &'static str,
    pub missing: Missing,
    pub why_missing: &'static str,
    /// What it means and the first thing to do (the runbook's table repeats it).
    pub description: &'static str,
}

const RDS: &str = "{ DBInstanceIdentifier = var.db_identifier }";
const ALB: &str = "{ LoadBalancer = data.aws_lb.api.arn_suffix }";
const TARGETS: &str = "{ LoadBalancer = data.aws_lb.api.arn_suffix, TargetGroup = data.aws_lb_target_group.kong.arn_suffix }";
const RDS_SILENT: &str = "RDS publishes every minute while the instance runs: silence means it is stopped or being replaced, which RDS events report";
const ALB_SILENT: &str = "the ALB publishes only while requests flow: no data is no traffic";

/// Metric names, units and dimensions: RDS https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-metrics.html
/// (FreeableMemory, FreeStorageSpace, ReplicationSlotDiskUsage, OldestReplicationSlotLag and
/// TransactionLogsDiskUsage in bytes, ReadLatency/WriteLatency in seconds); ALB
/// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html
/// (RequestCount counts only requests for which a target was chosen, so the ALB's own 5xx are
/// added to the denominator); NAT https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway-cloudwatch.html;
/// Container Insights https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Container-Insights-metrics-EKS.html.
pub const ALARMS: &[Alarm] = &[
    Alarm {
        key: "db_cpu",
        means: "database CPU high",
        watch: Watch::Metric { namespace: "AWS/RDS", metric: "CPUUtilization", statistic: "Average", dimensions: RDS },
        comparison: "GreaterThanThreshold",
        threshold: "var.db_cpu_percent",
        period: 300,
        evaluation_periods: "3",
        missing: Missing::Missing,
        why_missing: RDS_SILENT,
        description: "Database CPU above ${var.db_cpu_percent}% for 15 minutes: queries slow down for every service. First: Performance Insights (RDS console, Top SQL) for the query driving it; then scale rds.instance_class.",
    },
    Alarm {
        key: "db_freeable_memory",
        means: "database memory low",
        watch: Watch::Metric { namespace: "AWS/RDS", metric: "FreeableMemory", statistic: "Average", dimensions: RDS },
        comparison: "LessThanThreshold",
        threshold: "var.db_freeable_memory_bytes",
        period: 300,
        evaluation_periods: "3",
        missing: Missing::Missing,
        why_missing: RDS_SILENT,
        description: "Database freeable memory below ${floor(var.db_freeable_memory_bytes / 1048576)} MiB for 15 minutes: the instance is swapping or about to. First: check DatabaseConnections (each holds memory) and Performance Insights; then lower pools or scale rds.instance_class.",
    },
    Alarm {
        key: "db_free_storage",
        means: "database disk filling",
        watch: Watch::Metric { namespace: "AWS/RDS", metric: "FreeStorageSpace", statistic: "Minimum", dimensions: RDS },
        comparison: "LessThanThreshold",
        threshold: "var.db_free_storage_bytes",
        period: 300,
        evaluation_periods: "2",
        missing: Missing::Missing,
        why_missing: RDS_SILENT,
        description: "Database free storage below ${floor(var.db_free_storage_bytes / 1073741824)} GiB: a full disk stops all writes. First: check the replication-slot and transaction-log alarms (WAL held back is the usual cause); then raise rds.max_allocated_storage_gib (autoscaling) or allocated_storage_gib.",
    },
    Alarm {
        key: "db_connections",
        means: "database connections near max_connections",
        watch: Watch::Metric { namespace: "AWS/RDS", metric: "DatabaseConnections", statistic: "Maximum", dimensions: RDS },
        comparison: "GreaterThanThreshold",
        threshold: "var.db_connections_max",
        period: 300,
        evaluation_periods: "3",
        missing: Missing::Missing,
        why_missing: RDS_SILENT,
        description: "Database connections above ${var.db_connections_max}, the tier's share of max_connections, for 15 minutes: new connections will soon be refused. First: `explain` the environment's connection budget and compare pg_stat_activity by application_name; then lower db_pool or scale the instance.",
    },
    Alarm {
        key: "db_replication_slot_disk",
        means: "a replication slot (Realtime) holds WAL back",
        watch: Watch::Metric { namespace: "AWS/RDS", metric: "ReplicationSlotDiskUsage", statistic: "Maximum", dimensions: RDS },
        comparison: "GreaterThanThreshold",
        threshold: "var.db_replication_slot_bytes",
        period: 300,
        evaluation_periods: "2",
        missing: Missing::NotBreaching,
        why_missing: "published only while a replication slot exists: no slot holds WAL back",
        description: "A replication slot holds back more than ${floor(var.db_replication_slot_bytes / 1073741824)} GiB of WAL: its consumer is connected but not keeping up (a stopped Realtime holds no slot: its postgres_changes slot is temporary). Past max_slot_wal_keep_size the next checkpoint ends the session holding the slot and frees the WAL; Realtime's poller then creates a fresh slot, and database changes in between are never delivered to subscribers. First: check the Realtime pods (kubectl -n supabase get pods) and pg_replication_slots.",
    },
    Alarm {
        key: "db_oldest_replication_slot_lag",
        means: "Realtime's replication slot lags",
        watch: Watch::Metric { namespace: "AWS/RDS", metric: "OldestReplicationSlotLag", statistic: "Maximum", dimensions: RDS },
        comparison: "GreaterThanThreshold",
        threshold: "var.db_replication_slot_bytes",
        period: 300,
        evaluation_periods: "2",
        missing: Missing::NotBreaching,
        why_missing: "published only while a replication slot exists: no slot, no lag",
        description: "The most lagging replication slot is more than ${floor(var.db_replication_slot_bytes / 1073741824)} GiB of WAL behind: Realtime is not consuming changes. First: check the Realtime pods and their logs, and pg_replication_slots (active, wal_status).",
    },
    Alarm {
        key: "db_transaction_logs_disk",
        means: "WAL filling the database disk",
        watch: Watch::Metric { namespace: "AWS/RDS", metric: "TransactionLogsDiskUsage", statistic: "Maximum", dimensions: RDS },
        comparison: "GreaterThanThreshold",
        threshold: "var.db_transaction_logs_bytes",
        period: 300,
        evaluation_periods: "2",
        missing: Missing::Missing,
        why_missing: RDS_SILENT,
        description: "WAL on disk above ${floor(var.db_transaction_logs_bytes / 1073741824)} GiB, more than any replication slot may hold back: storage is filling with transaction logs. First: check pg_replication_slots and the replication-slot alarms, then the RDS events for archiving problems.",
    },
    Alarm {
        key: "db_read_latency",
        means: "database disk reads slow",
        watch: Watch::Metric { namespace: "AWS/RDS", metric: "ReadLatency", statistic: "Average", dimensions: RDS },
        comparison: "GreaterThanThreshold",
        threshold: "var.db_latency_seconds",
        period: 300,
        evaluation_periods: "3",
        missing: Missing::Missing,
        why_missing: RDS_SILENT,
        description: "Database disk read latency above ${var.db_latency_seconds * 1000} ms for 15 minutes: the storage is saturated. First: compare ReadIOPS and ReadThroughput with the volume's provisioned IOPS and throughput; then Performance Insights for the reading queries.",
    },
    Alarm {
        key: "db_write_latency",
        means: "database disk writes slow",
        watch: Watch::Metric { namespace: "AWS/RDS", metric: "WriteLatency", statistic: "Average", dimensions: RDS },
        comparison: "GreaterThanThreshold",
        threshold: "var.db_latency_seconds",
        period: 300,
        evaluation_periods: "3",
        missing: Missing::Missing,
        why_missing: RDS_SILENT,
        description: "Database disk write latency above ${var.db_latency_seconds * 1000} ms for 15 minutes: commits slow down. First: compare WriteIOPS and WriteThroughput with the volume's provisioned IOPS and throughput; then Performance Insights for the writing queries.",
    },
    Alarm {
        key: "alb_5xx",
        means: "the load balancer answers 5xx (no healthy Kong)",
        watch: Watch::Rate { errors: "HTTPCode_ELB_5XX_Count", total: "FILL(requests, 0) + FILL(errors, 0)" },
        comparison: "GreaterThanThreshold",
        threshold: "var.alb_5xx_percent",
        period: 300,
        evaluation_periods: "2",
        missing: Missing::NotBreaching,
        why_missing: ALB_SILENT,
        description: "The load balancer itself answered 5xx to more than ${var.alb_5xx_percent}% of API requests for 10 minutes (502/503/504: no healthy Kong, or Kong too slow). First: kubectl -n supabase get pods, then the unhealthy-targets alarm and Kong's logs.",
    },
    Alarm {
        key: "target_5xx",
        means: "Kong or a service behind it answers 5xx",
        watch: Watch::Rate { errors: "HTTPCode_Target_5XX_Count", total: "FILL(requests, 0)" },
        comparison: "GreaterThanThreshold",
        threshold: "var.alb_5xx_percent",
        period: 300,
        evaluation_periods: "2",
        missing: Missing::NotBreaching,
        why_missing: ALB_SILENT,
        description: "Kong answered 5xx to more than ${var.alb_5xx_percent}% of API requests for 10 minutes: a Supabase service behind it is failing. First: kubectl -n supabase logs deploy/supabase-kong for the failing paths, then the logs of the service behind them, then the database alarms.",
    },
    Alarm {
        key: "target_response_time_p99",
        means: "API responses slow (p99)",
        watch: Watch::Metric { namespace: "AWS/ApplicationELB", metric: "TargetResponseTime", statistic: "p99", dimensions: ALB },
        comparison: "GreaterThanThreshold",
        threshold: "var.alb_p99_seconds",
        period: 300,
        evaluation_periods: "3",
        missing: Missing::NotBreaching,
        why_missing: ALB_SILENT,
        description: "The slowest 1% of API responses took more than ${var.alb_p99_seconds} s for 15 minutes. First: the database alarms (CPU, latency, connections), then pod CPU against limits (kubectl top pods -n supabase).",
    },
    Alarm {
        key: "unhealthy_targets",
        means: "a Kong pod fails its health check",
        watch: Watch::Metric { namespace: "AWS/ApplicationELB", metric: "UnHealthyHostCount", statistic: "Minimum", dimensions: TARGETS },
        comparison: "GreaterThanThreshold",
        threshold: "0",
        period: 300,
        evaluation_periods: "2",
        missing: Missing::NotBreaching,
        why_missing: "published only while targets are registered; a rollout's short-lived unhealthy pods never keep the minimum above 0 for 10 minutes",
        description: "A Kong pod has failed the ALB's health check (:8100/status) for 10 minutes. First: kubectl -n supabase describe pods -l app.kubernetes.io/component=kong, and its logs.",
    },
    Alarm {
        key: "nat_port_allocation",
        means: "outbound connections fail at the NAT gateway",
        watch: Watch::Metric { namespace: "AWS/NATGateway", metric: "ErrorPortAllocation", statistic: "Sum", dimensions: "{ NatGatewayId = each.value }" },
        comparison: "GreaterThanThreshold",
        threshold: "0",
        period: 300,
        evaluation_periods: "1",
        missing: Missing::NotBreaching,
        why_missing: "the NAT gateway publishes only while it carries traffic: no traffic, no errors",
        description: "The NAT gateway could not allocate a source port: outbound connections from the cluster (SMTP, image pulls, external APIs) are failing. First: find the pods opening many connections to one destination (VPC flow logs); spread them over destinations or add NAT gateways (network.nat_gateways: per_az).",
    },
    Alarm {
        key: "cluster_at_max_nodes",
        means: "the cluster cannot grow further",
        watch: Watch::Metric {
            namespace: "ContainerInsights",
            metric: "cluster_node_count",
            statistic: "Minimum",
            dimensions: "{ ClusterName = var.cluster_name }",
        },
        comparison: "GreaterThanOrEqualToThreshold",
        threshold: "var.cluster_max_nodes",
        period: 300,
        evaluation_periods: "var.nodes_at_max_periods",
        missing: Missing::Missing,
        why_missing: "needs Container Insights (the amazon-cloudwatch-observability add-on); without it the alarm shows INSUFFICIENT_DATA instead of paging about the agent",
        description: "The cluster has run at its node groups' maximum (${var.cluster_max_nodes} nodes) for ${var.nodes_at_max_periods * 5} minutes: pending pods cannot be scheduled. Needs Container Insights. First: kubectl get pods -A --field-selector=status.phase=Pending; then raise eks.node_groups[].max_size.",
    },
];

/// One alarm as the environment's README lists it: metric, evaluation and this environment's
/// threshold in words.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Row {
    pub name: String,
    pub metric: String,
    pub evaluation: String,
    pub threshold: String,
    pub missing: &'static str,
}

pub fn rows(env: &Environment) -> Vec<Row> {
    let t = Thresholds::for_env(env);
    let gib = |b: u64| format!("{:.1} GiB", b as f64 / GIB as f64);
    ALARMS
        .iter()
        .map(|a| {
            let (metric, statistic) = match a.watch {
                Watch::Metric { namespace, metric, statistic, .. } => (format!("{namespace} {metric}"), statistic.to_string()),
                Watch::Rate { errors, .. } => (format!("AWS/ApplicationELB {errors} / RequestCount"), "Sum, as %".to_string()),
            };
            let periods =
                if a.evaluation_periods == "var.nodes_at_max_periods" { t.nodes_at_max_periods.to_string() } else { a.evaluation_periods.to_string() };
            let op = if a.comparison.starts_with("Less") {
                "<"
            } else if a.comparison.contains("OrEqual") {
                ">="
            } else {
                ">"
            };
            let value = match a.threshold {
                "var.db_cpu_percent" => format!("{}%", t.db_cpu_percent),
                "var.db_freeable_memory_bytes" => format!("{} MiB", t.db_freeable_memory_bytes / MIB),
                "var.db_free_storage_bytes" => gib(t.db_free_storage_bytes),
                "var.db_connections_max" => t.db_connections.to_string(),
                "var.db_replication_slot_bytes" => gib(t.db_replication_slot_bytes),
                "var.db_transaction_logs_bytes" => gib(t.db_transaction_logs_bytes),
                "var.db_latency_seconds" => format!("{} ms", (t.db_latency_seconds * 1000.0).round()),
                "var.alb_5xx_percent" => format!("{}% (at {MIN_REQUESTS}+ requests)", t.alb_5xx_percent),
                "var.alb_p99_seconds" => format!("{} s", t.alb_p99_seconds),
                "var.cluster_max_nodes" => format!("{} nodes", t.cluster_max_nodes),
                other => other.to_string(),
            };
            let name = if a.key == "nat_port_allocation" { format!("{}-<nat id> (x{})", a.name(), nat_gateways(env)) } else { a.name() };
            Row {
                name,
                metric,
                evaluation: format!("{statistic}, {} s, {periods} of {periods}", a.period),
                threshold: format!("{op} {value}"),
                missing: a.missing.as_str(),
            }
        })
        .collect()
}

/// NAT gateways the networking layer creates.
pub fn nat_gateways(env: &Environment) -> usize {
    match env.settings.network.nat_gateways {
        NatGateways::Single => 1,
        NatGateways::PerAz => env.identity.azs.len(),
    }
}

/// Metrics the alarms read, what CloudWatch bills: one per single-metric alarm (the NAT alarm
/// once per gateway), two per rate alarm.
pub fn alarm_metrics(env: &Environment) -> usize {
    ALARMS
        .iter()
        .map(|a| match a.watch {
            Watch::Rate { .. } => 2,
            Watch::Metric { .. } if a.key == "nat_port_allocation" => nat_gateways(env),
            Watch::Metric { .. } => 1,
        })
        .sum()
}

fn num(name: &'static str, description: &'static str, value: impl Into<hcl::Value>) -> Input {
    Input::tfvar(Variable::new(name, TfType::Number, description), value)
}

pub fn inputs(env: &Environment, names: &Names) -> Vec<Input> {
    let t = Thresholds::for_env(env);
    let alerts = &env.identity.alerts;
    let tg_tags: hcl::Map<String, hcl::Value> = target_group_tags(names).into_iter().map(|(k, v)| (k, hcl::Value::from(v))).collect();
    vec![
        common::name_input(&names.prefix),
        Input::wire(
            Variable::new("kms_key_arn", TfType::String, "KMS key encrypting the alarm topic (the core layer's alarms key)."),
            r#"data.terraform_remote_state.core.outputs.kms_key_arns["alarms"]"#,
        ),
        Input::tfvar(
            Variable::new("alert_emails", TfType::list(TfType::String), "Email addresses subscribed to the alarm topic."),
            hcl::Value::from(alerts.email.clone()),
        ),
        Input::tfvar(
            Variable::new("alert_https_endpoints", TfType::list(TfType::String), "HTTPS endpoints subscribed to the alarm topic.")
                .validate(r#"alltrue([for url in var.alert_https_endpoints : startswith(url, "https://")])"#, "alert_https_endpoints must be https:// URLs."),
            hcl::Value::from(alerts.https.clone()),
        ),
        Input::wire(
            Variable::new("db_identifier", TfType::String, "Identifier of the RDS instance."),
            "data.terraform_remote_state.core.outputs.db_identifier",
        ),
        Input::wire(Variable::new("cluster_name", TfType::String, "Name of the EKS cluster."), "data.terraform_remote_state.core.outputs.cluster_name"),
        Input::wire(
            Variable::new("nat_gateway_ids", TfType::list(TfType::String), "IDs of the NAT gateways."),
            "data.terraform_remote_state.networking.outputs.nat_gateway_ids",
        ),
        Input::tfvar(
            Variable::new("load_balancer_name", TfType::String, "Name of the ALB the load balancer controller creates for the Supabase Ingress."),
            names.prefix.as_str(),
        ),
        Input::tfvar(
            Variable::new("target_group_tags", TfType::map(TfType::String), "Tags that identify the Kong target group the controller creates."),
            hcl::Value::Object(tg_tags),
        ),
        num("db_cpu_percent", "RDS CPUUtilization above this percentage pages.", t.db_cpu_percent),
        num("db_freeable_memory_bytes", "RDS FreeableMemory below this many bytes pages.", t.db_freeable_memory_bytes),
        num("db_free_storage_bytes", "RDS FreeStorageSpace below this many bytes pages.", t.db_free_storage_bytes),
        num("db_connections_max", "RDS DatabaseConnections above this count pages (a share of the effective max_connections).", t.db_connections),
        num("db_replication_slot_bytes", "ReplicationSlotDiskUsage or OldestReplicationSlotLag above this many bytes pages.", t.db_replication_slot_bytes),
        num("db_transaction_logs_bytes", "TransactionLogsDiskUsage above this many bytes pages.", t.db_transaction_logs_bytes),
        num("db_latency_seconds", "RDS ReadLatency or WriteLatency above this many seconds pages.", t.db_latency_seconds),
        num("alb_5xx_percent", "ALB or target 5xx responses above this percentage of requests page.", t.alb_5xx_percent),
        num("alb_p99_seconds", "ALB TargetResponseTime p99 above this many seconds pages.", t.alb_p99_seconds),
        num("cluster_max_nodes", "Sum of the node groups' max_size.", t.cluster_max_nodes),
        Input::tfvar(
            Variable::new("nodes_at_max_periods", TfType::Number, "5-minute periods at the maximum node count before paging.")
                .validate("var.nodes_at_max_periods >= 1 && var.nodes_at_max_periods <= 288", "1 to 288 periods (a day)."),
            t.nodes_at_max_periods,
        ),
        common::tags_input(MODULE),
    ]
}

impl Alarm {
    /// The alarm's name without the environment prefix (`<prefix>-<name>`; the NAT alarm adds the
    /// gateway's ID).
    pub fn name(&self) -> String {
        self.key.replace('_', "-")
    }

    /// The first thing to do, from the description.
    pub fn first_step(&self) -> &'static str {
        self.description.split_once("First: ").map_or("", |(_, first)| first)
    }
}

/// Every alarm publishes to the topic when it fires and when it clears.
fn alarm_block(alarm: &Alarm) -> Block {
    let mut b = Block::resource("aws_cloudwatch_metric_alarm", alarm.key);
    let name = alarm.name();
    if alarm.key == "nat_port_allocation" {
        b = b.attr("for_each", e("toset(var.nat_gateway_ids)")).attr("alarm_name", e(&format!(r#""${{var.name}}-{name}-${{each.value}}""#)));
    } else {
        b = b.attr("alarm_name", e(&format!(r#""${{var.name}}-{name}""#)));
    }
    b = b.attr("alarm_description", e(&format!("\"{}\"", alarm.description)));
    b = match alarm.watch {
        Watch::Metric { namespace, metric, statistic, dimensions } => {
            let b = b.attr("namespace", s(namespace)).attr("metric_name", s(metric));
            let b = if statistic.starts_with('p') { b.attr("extended_statistic", s(statistic)) } else { b.attr("statistic", s(statistic)) };
            b.attr("dimensions", e(dimensions)).attr("period", alarm.period)
        }
        Watch::Rate { errors, total } => b
            .child("metric_query", |q| {
                q.attr("id", s("rate"))
                    .attr("label", s(format!("{errors} as % of requests")))
                    .attr("expression", s(format!("IF({total} >= {MIN_REQUESTS}, 100 * FILL(errors, 0) / ({total}), 0)")))
                    .attr("return_data", true)
            })
            .child("metric_query", |q| metric_query(q, "errors", errors, alarm.period))
            .child("metric_query", |q| metric_query(q, "requests", "RequestCount", alarm.period)),
    };
    b.attr("comparison_operator", s(alarm.comparison))
        .attr("threshold", e(alarm.threshold))
        .attr("evaluation_periods", e(alarm.evaluation_periods))
        .attr("datapoints_to_alarm", e(alarm.evaluation_periods))
        .comment(&format!("No data: {} ({}).", alarm.missing.as_str(), alarm.why_missing))
        .attr("treat_missing_data", s(alarm.missing.as_str()))
        .attr("alarm_actions", e("[aws_sns_topic.alarms.arn]"))
        .attr("ok_actions", e("[aws_sns_topic.alarms.arn]"))
        .attr("tags", e("var.tags"))
}

/// A count of the ALB, summed per period, missing data as 0 (counts are published only when
/// non-zero).
fn metric_query(q: Block, id: &str, metric: &str, period: u32) -> Block {
    q.attr("id", s(id)).attr("return_data", false).child("metric", |m| {
        m.attr("namespace", s("AWS/ApplicationELB")).attr("metric_name", s(metric)).attr("dimensions", e(ALB)).attr("stat", s("Sum")).attr("period", period)
    })
}

pub fn module(inputs: &[Input]) -> Module {
    let mut blocks = vec![
        Block::data("aws_partition", "current"),
        Block::data("aws_caller_identity", "current"),
        Block::data("aws_region", "current"),
        Block::data("aws_lb", "api")
            .comment("Created by the AWS Load Balancer Controller from the Supabase Ingress: apply this layer after the Helm installs.")
            .attr("name", e("var.load_balancer_name")),
        Block::data("aws_lb_target_group", "kong").comment("The Ingress's only target group (Kong), found by the tags the controller puts on it.").attr("tags", e("var.target_group_tags")),
        Block::resource("aws_sns_topic", "alarms")
            .attr("name", e(r#""${var.name}-alarms""#))
            .attr("display_name", e(r#""${var.name} alarms""#))
            .attr("kms_master_key_id", e("var.kms_key_arn"))
            .attr("tags", e("var.tags")),
        document(
            "topic",
            vec![
                Statement::allow(&["sns:Publish"])
                    .sid("CloudWatchAlarmsOfThisAccount")
                    .on("[aws_sns_topic.alarms.arn]")
                    .principal("Service", r#"["cloudwatch.amazonaws.com"]"#)
                    .when("StringEquals", "aws:SourceAccount", "[data.aws_caller_identity.current.account_id]")
                    .when(
                        "ArnLike",
                        "aws:SourceArn",
                        r#"["arn:${data.aws_partition.current.partition}:cloudwatch:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:alarm:*"]"#,
                    ),
                Statement::deny(&["sns:Publish"])
                    .sid("DenyInsecureTransport")
                    .on("[aws_sns_topic.alarms.arn]")
                    .principal("AWS", r#"["*"]"#)
                    .when("Bool", "aws:SecureTransport", r#"["false"]"#),
            ],
        ),
        Block::resource("aws_sns_topic_policy", "alarms").attr("arn", e("aws_sns_topic.alarms.arn")).attr("policy", e("data.aws_iam_policy_document.topic.json")),
        Block::resource("aws_sns_topic_subscription", "email")
            .comment("Pending until the address confirms from the mail SNS sends it.")
            .attr("for_each", e("toset(var.alert_emails)"))
            .attr("topic_arn", e("aws_sns_topic.alarms.arn"))
            .attr("protocol", s("email"))
            .attr("endpoint", e("each.value")),
        Block::resource("aws_sns_topic_subscription", "https")
            .comment("The endpoint must confirm the subscription (SNS posts a SubscriptionConfirmation).")
            .attr("for_each", e("toset(var.alert_https_endpoints)"))
            .attr("topic_arn", e("aws_sns_topic.alarms.arn"))
            .attr("protocol", s("https"))
            .attr("endpoint", e("each.value")),
    ];
    blocks.extend(ALARMS.iter().map(alarm_block));
    let alarm_names = ALARMS
        .iter()
        .map(|a| {
            if a.key == "nat_port_allocation" {
                format!("[for a in aws_cloudwatch_metric_alarm.{} : a.alarm_name]", a.key)
            } else {
                format!("[aws_cloudwatch_metric_alarm.{}.alarm_name]", a.key)
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    Module {
        name: MODULE,
        summary: "CloudWatch alarms on the database (CPU, memory, storage, connections against the connection \
                  budget, replication slots, WAL, latency), the ALB the load balancer controller created \
                  (5xx rates, p99 response time, unhealthy targets), the NAT gateways (port allocation) and \
                  the cluster's capacity (Container Insights), each publishing to a KMS-encrypted SNS topic \
                  when it fires and when it clears. Only CloudWatch alarms of this account may publish.",
        variables: inputs.iter().map(|i| i.var.clone()).collect(),
        files: vec![TfFile { name: "main.tf", blocks }],
        outputs: vec![
            Output::new("topic_arn", "ARN of the alarm topic.", "aws_sns_topic.alarms.arn"),
            Output::new("alarm_names", "Names of every alarm.", &format!("concat({alarm_names})")),
        ],
    }
}

/// The networking and core layers' states, read through the same backend.
pub fn files(env: &Environment) -> Vec<TfFile> {
    let state = |layer: Layer| {
        let backend = roots::backend(env, layer);
        Block::data("terraform_remote_state", layer.as_str())
            .attr("backend", s("s3"))
            .attr("config", object([("bucket", s(&backend.bucket)), ("key", s(&backend.key)), ("region", s(&backend.region))]))
    };
    vec![
        TfFile { name: "providers.tf", blocks: vec![roots::provider()] },
        TfFile { name: "remote_state.tf", blocks: vec![state(Layer::Networking), state(Layer::Core)] },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_alarm_has_a_unique_key_and_a_reasoned_missing_data_choice() {
        let mut keys: Vec<&str> = ALARMS.iter().map(|a| a.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), ALARMS.len());
        for a in ALARMS {
            assert!(!a.why_missing.is_empty() && a.description.contains("First:"), "{}: say why and what to do", a.key);
            assert!(a.description.len() <= 1024, "{}: CloudWatch caps descriptions at 1024 characters", a.key);
        }
    }
}
