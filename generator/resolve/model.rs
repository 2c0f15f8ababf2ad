//! The resolved, typed configuration of one environment: what every later stage reads.
//!
//! Field names are the YAML keys. No field has a serde default: defaults live in one layer
//! (`defaults.rs`) so `explain` can say "built-in default" for them like for any other source.

use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `<region alias>/<environment name>`, e.g. `ireland/development`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct EnvId {
    pub region: String,
    pub name: String,
}

impl fmt::Display for EnvId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.region, self.name)
    }
}

/// One environment, fully resolved (built-in defaults <- tier <- region <- environment).
#[derive(Clone, Debug, Serialize)]
pub struct Environment {
    #[serde(skip)]
    pub id: EnvId,
    #[serde(skip)]
    pub project: String,
    /// The project's Edge Functions (`functions/` next to the config), shared by its environments.
    #[serde(skip)]
    pub functions: std::sync::Arc<crate::load::functions::Functions>,
    #[serde(flatten)]
    pub identity: Identity,
    #[serde(flatten)]
    pub settings: Settings,
}

/// Where and as whom an environment runs: set by its region and its own entry, never by a tier.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    /// The tier this environment is sized by.
    pub tier: String,
    /// AWS region code, from the region alias (`ireland` -> `eu-west-1`).
    pub aws_region: String,
    /// Availability zones, one subnet of each kind per zone.
    pub azs: Vec<String>,
    /// The 12-digit AWS account the environment is deployed to.
    pub account_id: String,
    /// Public DNS domain of the Supabase API (`api.<domain>` and friends derive from it).
    pub domain: String,
    pub state: StateBackend,
    pub vpc: VpcLayout,
    /// Extra tags on every AWS resource (the generator adds Project, Environment, Tier, ...).
    pub tags: BTreeMap<String, String>,
    /// IAM principals (role or user ARNs) given cluster-admin access entries on EKS. Include the
    /// identity that runs `helm`: nobody else can reach the cluster.
    pub cluster_admins: Vec<String>,
    /// Browser origins allowed to call the API and the storage bucket (CORS), e.g.
    /// `https://app.example.com`. Never `*`.
    pub cors_allowed_origins: Vec<String>,
    /// Where GoTrue sends sign-up, magic-link and recovery mail (e.g. Amazon SES). Without it no
    /// mail is sent; only throwaway tiers confirm addresses automatically.
    pub smtp: Option<Smtp>,
    /// Who the environment's alarms notify (the alarm topic's subscriptions). None by default:
    /// the alarms then change state but nobody is told, and non-throwaway tiers get a warning.
    pub alerts: Alerts,
    /// The Route 53 hosted zone of `domain`. With it the core layer issues the API's ACM
    /// certificate (validated in that zone) and the runbook writes the API's alias record there.
    /// Without it the runbook's manual certificate and DNS steps apply.
    pub dns: Option<Dns>,
}

/// A public Route 53 hosted zone for the environment's `domain` (or a parent of it).
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Dns {
    /// Hosted zone ID, e.g. `Z0123456789ABCDEFGHIJ` (not the zone's name).
    pub route53_zone_id: String,
    /// Let external-dns keep the API host's alias record in the zone (it owns only the records
    /// it created, marked by TXT records); `false` leaves that record to the runbook's command.
    pub manage_records: bool,
}

/// Subscriptions of the alarm topic. Email endpoints must confirm the subscription from the
/// message SNS sends them; HTTPS endpoints must answer SNS's subscription confirmation request.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Alerts {
    /// Email addresses, e.g. `oncall@example.com`.
    pub email: Vec<String>,
    /// HTTPS endpoints (an incident tool's SNS integration URL), `https://` only.
    pub https: Vec<String>,
}

/// An SMTP relay. Its credentials go into the `smtp-credentials` secret (JSON with `username`
/// and `password`), which the operator fills: they never pass through the config.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Smtp {
    pub host: String,
    pub port: u16,
    /// The From address, also GoTrue's admin address.
    pub sender_email: String,
    pub sender_name: String,
}

/// Terraform state: an S3 bucket that already exists (see the README's bootstrap step).
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StateBackend {
    pub bucket: String,
    /// Region of the state bucket; defaults to the environment's region.
    pub region: Option<String>,
}

/// The VPC's address plan: one CIDR per availability zone for each subnet kind.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VpcLayout {
    pub cidr: String,
    pub public_subnets: Vec<String>,
    pub eks_subnets: Vec<String>,
    pub rds_subnets: Vec<String>,
}

/// What a tier sizes. Regions and environments may override any of it.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub description: String,
    pub use_cases: Vec<String>,
    /// The monthly cost the tier is meant to stay within, in US dollars.
    pub monthly_cost_usd: CostBand,
    /// A throwaway tier can be destroyed and redeployed at will: no deletion protection, no
    /// final snapshot, no secret recovery window.
    pub throwaway: bool,
    pub network: NetworkSettings,
    pub eks: EksSettings,
    pub rds: RdsSettings,
    pub s3: S3Settings,
    pub supabase: SupabaseSettings,
    pub alarms: AlarmSettings,
    pub edge: EdgeSettings,
    pub observability: ObservabilitySettings,
}

/// The keys of [`Settings`]: what a tier may set and a region or environment may override.
pub const SETTINGS_KEYS: &[&str] =
    &["description", "use_cases", "monthly_cost_usd", "throwaway", "network", "eks", "rds", "s3", "supabase", "alarms", "edge", "observability"];

/// Thresholds of the environment's CloudWatch alarms (the `monitoring` layer). Each is a
/// percentage or a duration; the absolute numbers derive from the tier's sizing.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlarmSettings {
    /// RDS `CPUUtilization` above this percentage for 15 minutes.
    pub db_cpu_percent: u32,
    /// RDS `FreeableMemory` below this percentage of the instance class's memory.
    pub db_freeable_memory_percent: u32,
    /// RDS `FreeStorageSpace` below this percentage of `rds.allocated_storage_gib`.
    pub db_free_storage_percent: u32,
    /// RDS `DatabaseConnections` above this percentage of the effective `max_connections` (the
    /// connection budget's limit).
    pub db_connections_percent: u32,
    /// `ReplicationSlotDiskUsage` and `OldestReplicationSlotLag` above this percentage of
    /// `rds.max_slot_wal_keep_size_gib` (the point where PostgreSQL invalidates the slot).
    pub db_replication_slot_percent: u32,
    /// RDS `ReadLatency` or `WriteLatency` above this many milliseconds for 15 minutes.
    pub db_latency_ms: u32,
    /// ALB 5xx responses (its own, and the targets') above this percentage of requests.
    pub alb_5xx_percent: u32,
    /// ALB `TargetResponseTime` p99 above this many milliseconds for 15 minutes.
    pub alb_p99_response_ms: u32,
    /// Minutes the cluster may run at the sum of its node groups' `max_size` before paging.
    pub nodes_at_max_minutes: u32,
}

/// Container Insights and application logs: the `amazon-cloudwatch-observability` EKS add-on
/// (CloudWatch agent and Fluent Bit) writing to log groups this stack creates, KMS-encrypted.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ObservabilitySettings {
    /// Install the add-on: node, pod and container metrics, and every pod's logs in CloudWatch.
    pub container_insights: bool,
    /// Days the Container Insights log groups (application, dataplane, host, performance) keep
    /// their records.
    pub log_retention_days: u32,
}

/// What sits in front of the load balancer.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EdgeSettings {
    pub waf: WafSettings,
}

/// An AWS WAFv2 web ACL on the load balancer: AWS managed rules (common, known bad inputs, IP
/// reputation) and a per-IP rate limit on the auth endpoints.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WafSettings {
    pub enabled: bool,
    /// Requests per 5 minutes one IP address may send to `/auth/v1/` before WAF blocks it
    /// (WAF's minimum is 10).
    pub auth_rate_limit: u32,
    /// Days the WAF log group keeps its records.
    pub log_retention_days: u32,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CostBand {
    pub min: u32,
    pub max: u32,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkSettings {
    pub nat_gateways: NatGateways,
    /// Interface VPC endpoints to create (each costs about $7/month per AZ).
    pub interface_endpoints: Vec<InterfaceEndpoint>,
    pub flow_log_retention_days: u32,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NatGateways {
    /// One NAT gateway for the whole VPC: cheaper, but egress fails if its zone fails.
    Single,
    /// One NAT gateway per availability zone.
    PerAz,
}

impl NatGateways {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Single => "single",
            Self::PerAz => "per_az",
        }
    }
}

/// AWS services reachable through an interface endpoint (the suffix of the service name).
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, PartialOrd, Ord, JsonSchema)]
pub enum InterfaceEndpoint {
    #[serde(rename = "secretsmanager")]
    SecretsManager,
    #[serde(rename = "sts")]
    Sts,
    #[serde(rename = "ecr.api")]
    EcrApi,
    #[serde(rename = "ecr.dkr")]
    EcrDkr,
    #[serde(rename = "logs")]
    Logs,
}

impl InterfaceEndpoint {
    pub const ALL: [Self; 5] = [Self::SecretsManager, Self::Sts, Self::EcrApi, Self::EcrDkr, Self::Logs];

    pub fn service(self) -> &'static str {
        match self {
            Self::SecretsManager => "secretsmanager",
            Self::Sts => "sts",
            Self::EcrApi => "ecr.api",
            Self::EcrDkr => "ecr.dkr",
            Self::Logs => "logs",
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EksSettings {
    /// Kubernetes minor version, e.g. "1.35".
    pub version: String,
    pub endpoint: EksEndpoint,
    pub node_groups: Vec<NodeGroup>,
    pub log_retention_days: u32,
    /// What happens when the version leaves standard support: `STANDARD` (the default) has EKS
    /// upgrade the control plane automatically at the end of standard support; `EXTENDED` keeps
    /// it for up to 12 more months at an extra hourly charge.
    pub support_type: SupportType,
    /// Amazon EKS optimized AMI release for every node group, e.g. "1.35.0-20260120"; `null`
    /// (the default) takes the latest release for the cluster version when a group is created
    /// or its version changes.
    #[serde(default)]
    pub node_ami_release: Option<String>,
}

/// EKS `upgrade_policy.support_type`.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, JsonSchema)]
pub enum SupportType {
    #[serde(rename = "STANDARD")]
    Standard,
    #[serde(rename = "EXTENDED")]
    Extended,
}

impl SupportType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Standard => "STANDARD",
            Self::Extended => "EXTENDED",
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EksEndpoint {
    pub private_access: bool,
    pub public_access: bool,
    /// CIDRs allowed to reach the public endpoint.
    pub public_access_cidrs: Vec<String>,
    /// The only way to allow 0.0.0.0/0 on the public endpoint: say so explicitly.
    pub allow_public_access_from_anywhere: bool,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NodeGroup {
    pub name: String,
    pub instance_types: Vec<String>,
    pub capacity_type: CapacityType,
    pub min_size: u32,
    pub desired_size: u32,
    pub max_size: u32,
    pub disk_size_gib: u32,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

/// CPU architecture of an EC2 instance type: Graviton families carry a `g` after the generation
/// digit (`m7g`, `c6gn`, `t4g`, `r8gd`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arch {
    X86_64,
    Arm64,
}

pub fn arch(instance_type: &str) -> Arch {
    let family = instance_type.split('.').next().unwrap_or_default();
    let after_digit = family.trim_start_matches(|c: char| c.is_ascii_alphabetic()).trim_start_matches(|c: char| c.is_ascii_digit());
    if after_digit.starts_with('g') { Arch::Arm64 } else { Arch::X86_64 }
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, JsonSchema)]
pub enum CapacityType {
    #[serde(rename = "ON_DEMAND")]
    OnDemand,
    #[serde(rename = "SPOT")]
    Spot,
}

impl CapacityType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OnDemand => "ON_DEMAND",
            Self::Spot => "SPOT",
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RdsSettings {
    pub instance_class: String,
    pub allocated_storage_gib: u32,
    /// Storage autoscaling ceiling; equal to `allocated_storage_gib` turns autoscaling off.
    pub max_allocated_storage_gib: u32,
    pub storage_type: StorageType,
    /// PostgreSQL version: a major ("17", recommended: RDS applies minor upgrades) or a
    /// major.minor ("17.7", pinned: automatic minor upgrades are then off).
    pub engine_version: String,
    pub multi_az: bool,
    pub backup_retention_days: u32,
    pub deletion_protection: bool,
    pub performance_insights: bool,
    pub monitoring_interval_seconds: u32,
    /// Daily backup window, UTC (`hh:mm-hh:mm`).
    pub backup_window: String,
    /// Weekly maintenance window, UTC (`ddd:hh:mm-ddd:hh:mm`).
    pub maintenance_window: String,
    /// Days to keep the exported PostgreSQL logs.
    pub log_retention_days: u32,
    /// `max_connections` in the parameter group; `null` keeps the RDS default
    /// (`LEAST({DBInstanceClassMemory/9531392}, 5000)`), which the connection budget estimates
    /// from the instance class.
    pub max_connections: Option<u32>,
    /// The most write-ahead log a replication slot may hold back (`max_slot_wal_keep_size`), in
    /// GiB. A slot that falls further behind is invalidated instead of filling the disk; at most
    /// half of `allocated_storage_gib`.
    pub max_slot_wal_keep_size_gib: u32,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum StorageType {
    Gp2,
    Gp3,
    Io1,
    Io2,
}

impl StorageType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Gp2 => "gp2",
            Self::Gp3 => "gp3",
            Self::Io1 => "io1",
            Self::Io2 => "io2",
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct S3Settings {
    pub versioning: bool,
    pub force_destroy: bool,
    pub access_logging: bool,
    /// Days before an overwritten or deleted object version is removed (with versioning).
    pub noncurrent_version_expiration_days: u32,
    /// Days after creation before a live object moves to S3 Standard-IA (same millisecond
    /// reads, cheaper storage, a per-GB retrieval fee and a 30-day minimum); null keeps
    /// everything in S3 Standard. S3 accepts 30 or more.
    pub transition_to_ia_days: Option<u32>,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SupabaseSettings {
    /// Create HorizontalPodAutoscalers for components that define `hpa`.
    pub hpa_enabled: bool,
    pub components: Components,
    /// How the pooler (`components.pooler`) pools clients' connections.
    pub pooling: Pooling,
    /// The new API keys (ES256 signing keys, publishable and secret keys) and their rotation.
    pub api_keys: ApiKeys,
}

/// Rotation of the new API keys, minted in the cluster by the bootstrap Job. Raise a generation by
/// one and deploy to rotate that kind once; the previous key keeps working for an overlap (the
/// signing key until no token it signed can be valid; a publishable or secret key until its next
/// rotation), unless `keep_previous_keys` is false.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiKeys {
    /// Generation of the ES256 key GoTrue signs sessions with (and Kong's internal JWTs).
    pub signing_key_generation: u32,
    /// Generation of the publishable key (`sb_publishable_...`, the anon role).
    pub publishable_key_generation: u32,
    /// Generation of the secret key (`sb_secret_...`, the service_role role).
    pub secret_key_generation: u32,
    /// Keep the previous keys during the overlap; false drops them at the next deploy (a leaked
    /// key: sessions signed with the previous signing key end at once).
    pub keep_previous_keys: bool,
}

/// The connection pooler's pools. Each pooled role gets a transaction-mode pool (port 6543) and
/// a session-mode pool (port 5432) per pooler pod, each of up to `pool_size` + 1 database
/// connections (supabase/supavisor@v2.7.4:lib/supavisor/tenant_supervisor.ex: poolboy
/// `size: 1, max_overflow: pool_size`); the connection budget counts them.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Pooling {
    /// Database connections of one pool (one role, one mode, one pooler pod), beyond the first.
    pub pool_size: u32,
    /// Clients one transaction-mode pool admits at once (session mode admits one per connection).
    pub max_clients: u32,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Components {
    pub kong: Component,
    pub postgrest: Component,
    pub gotrue: Component,
    pub realtime: Component,
    pub storage: Component,
    pub meta: Component,
    pub studio: Component,
    /// imgproxy: Storage's image transformations (`/storage/v1/render/image/...`).
    pub imgproxy: Component,
    /// Supavisor: a connection pooler for clients outside the stack (`db_pool` is its own
    /// metadata pool; the client pools are `supabase.pooling`).
    pub pooler: Component,
    /// The edge runtime: Edge Functions from `functions/` next to the config, at
    /// `/functions/v1/<name>`.
    pub functions: Component,
}

/// Components a stack cannot run without; the others are switched with `enabled`.
pub const REQUIRED_COMPONENTS: [&str; 7] = ["kong", "postgrest", "gotrue", "realtime", "storage", "meta", "studio"];

impl Components {
    /// Each component with its YAML key, in a fixed order.
    pub fn iter(&self) -> [(&'static str, &Component); 10] {
        [
            ("kong", &self.kong),
            ("postgrest", &self.postgrest),
            ("gotrue", &self.gotrue),
            ("realtime", &self.realtime),
            ("storage", &self.storage),
            ("meta", &self.meta),
            ("studio", &self.studio),
            ("imgproxy", &self.imgproxy),
            ("pooler", &self.pooler),
            ("functions", &self.functions),
        ]
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Component {
    /// Whether the stack runs it. Only optional components (imgproxy, pooler, functions) may be
    /// switched off.
    pub enabled: bool,
    pub image: Image,
    pub replicas: u32,
    pub resources: Resources,
    /// Autoscaling bounds; `null` keeps the replica count fixed.
    pub hpa: Option<Hpa>,
    /// Database connections one pod may open (the component's pool-size setting); `null` for
    /// components without a database connection (kong, studio). For meta, which has no such
    /// setting, the concurrent Studio requests budgeted (one connection each).
    pub db_pool: Option<u32>,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Image {
    pub repository: String,
    pub tag: String,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    pub requests: Amounts,
    pub limits: Amounts,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Amounts {
    pub cpu: String,
    pub memory: String,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Hpa {
    pub min: u32,
    pub max: u32,
    /// Target average CPU utilisation, percent of requests.
    pub cpu_target: u32,
}
