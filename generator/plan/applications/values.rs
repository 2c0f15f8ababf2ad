//! Values of the `supabase-custom` chart, as Rust types. Each environment's values file is
//! serialized from them, and the chart's `values.schema.json` is generated from them, so the
//! chart rejects any value the generator would never write.
//!
//! Everything here is known at generate time. Values that exist only after apply (the database
//! address, passwords, keys) are Secrets Manager names here; External Secrets brings the values
//! into the cluster at runtime.

use schemars::JsonSchema;
use serde::Serialize;

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Values {
    pub global: Global,
    pub database: Database,
    pub secrets: Secrets,
    pub kong: Kong,
    pub postgrest: Pooled,
    pub gotrue: Gotrue,
    pub realtime: Pooled,
    pub storage: Storage,
    pub meta: Component,
    pub studio: Studio,
    pub imgproxy: Imgproxy,
    pub pooler: Pooler,
    pub functions: Functions,
    pub api_keys: ApiKeys,
    pub ingress: Ingress,
    pub network_policy: NetworkPolicy,
    pub bootstrap: Bootstrap,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Global {
    /// `<region>/<environment>`, for labels and messages.
    pub environment: String,
    /// Public URL of the Supabase API (the ingress host), e.g. https://api.dev.example.com.
    #[schemars(regex(pattern = r"^https://"))]
    pub api_url: String,
    /// Where users land after signing in (GoTrue SITE_URL).
    pub site_url: String,
    /// Browser origins allowed by CORS (Kong) and as auth redirect targets (GoTrue). Never `*`.
    pub cors_allowed_origins: Vec<String>,
    pub aws_region: String,
    /// Whether the stateless Supabase pods tolerate the `spot=true:NoSchedule` taint of Spot
    /// node groups (true when the tier has any).
    pub tolerate_spot: bool,
    /// Lifetime of user access tokens, in seconds.
    #[schemars(range(min = 300, max = 604800))]
    pub jwt_expiry_seconds: u32,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Database {
    #[schemars(range(min = 1, max = 65535))]
    pub port: u16,
    /// libpq sslmode for every connection; RDS enforces TLS (rds.force_ssl=1).
    #[schemars(regex(pattern = "^(verify-full|verify-ca|require)$"))]
    pub ssl_mode: String,
    /// The RDS CA bundle (PEM). Not in generated files: pass it at install with
    /// `--set-file database.caBundle=global-bundle.pem` (the runbook downloads it).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = "-----BEGIN CERTIFICATE-----"))]
    pub ca_bundle: Option<String>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceAccount {
    pub name: String,
    /// IAM role the account assumes (IRSA); its trust policy names exactly this account.
    #[schemars(regex(pattern = r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/"))]
    pub role_arn: String,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Secrets {
    /// Name of the SecretStore (AWS Secrets Manager) the ExternalSecrets read through.
    pub store_name: String,
    /// How often External Secrets re-reads Secrets Manager (a Go duration, e.g. 1h).
    #[schemars(regex(pattern = r"^[0-9]+(s|m|h)$"))]
    pub refresh_interval: String,
    /// The account the SecretStore authenticates as.
    pub service_account: ServiceAccount,
    /// Secrets Manager names, created by the core layer.
    pub names: SecretNames,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecretNames {
    pub jwt_secret: String,
    pub anon_key: String,
    pub service_role_key: String,
    /// JSON the bootstrap Job writes: the ES256 signing keys and their JWKS, the publishable and
    /// secret keys and the JWTs Kong forwards for them (files/mint-signing-keys.ts).
    pub signing_keys: String,
    pub realtime_secret_key_base: String,
    pub realtime_db_enc_key: String,
    /// Basic-auth password of Realtime's dashboard (`/admin`), a secret of its own.
    pub dashboard_password: String,
    pub meta_crypto_key: String,
    /// JSON: host, port, dbname, master_secret_arn.
    pub db_connection: String,
    pub db_passwords: DbPasswords,
    /// JSON: username, password (filled by the operator). Present with `gotrue.smtp`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_credentials: Option<String>,
    /// JSON, one key per environment variable of the Edge Functions (filled by the operator).
    /// Present with `functions.enabled`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function_secrets: Option<String>,
    /// Supavisor's own secrets. Present with `pooler.enabled`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pooler: Option<PoolerSecretNames>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PoolerSecretNames {
    pub secret_key_base: String,
    /// Encrypts the pooled roles' passwords in Supavisor's metadata: keep it for the life of the
    /// metadata (a new key makes the stored passwords unreadable until the tenant is rewritten).
    pub vault_enc_key: String,
    pub api_jwt_secret: String,
    pub metrics_jwt_secret: String,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DbPasswords {
    pub authenticator: String,
    pub supabase_auth_admin: String,
    pub supabase_storage_admin: String,
    pub supabase_admin: String,
    /// Supavisor's metadata role. Present with `pooler.enabled`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supavisor: Option<String>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Image {
    pub repository: String,
    /// A pinned tag (the generator rejects `latest` and other moving tags).
    #[schemars(regex(pattern = r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$"))]
    pub tag: String,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Amounts {
    #[schemars(regex(pattern = r"^[0-9]+(\.[0-9]+)?m?$"))]
    pub cpu: String,
    #[schemars(regex(pattern = r"^[0-9]+(Ki|Mi|Gi|Ti|k|M|G|T)?$"))]
    pub memory: String,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Resources {
    pub requests: Amounts,
    pub limits: Amounts,
}

/// HorizontalPodAutoscaler (autoscaling/v2) of a component.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Autoscaling {
    pub enabled: bool,
    #[schemars(range(min = 1))]
    pub min_replicas: u32,
    #[schemars(range(min = 1))]
    pub max_replicas: u32,
    #[schemars(range(min = 1, max = 100))]
    pub target_cpu_utilization_percentage: u32,
}

/// What every Supabase component has: image, size, and scaling.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Component {
    pub image: Image,
    /// Replicas when autoscaling is off; the HPA's starting point otherwise. A
    /// PodDisruptionBudget is created when more than one replica runs.
    #[schemars(range(min = 1))]
    pub replicas: u32,
    pub resources: Resources,
    pub autoscaling: Autoscaling,
}

/// A component with a database pool: its pool-size setting, per pod (the generator checks that
/// every pool at the maximum pods fits the instance's max_connections).
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Pooled {
    #[serde(flatten)]
    pub component: Component,
    /// Database connections one pod's pool may open.
    #[schemars(range(min = 1))]
    pub db_pool: u32,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Kong {
    #[serde(flatten)]
    pub component: Component,
    /// Nginx worker processes (Kong otherwise starts one per host core and balloons in memory).
    #[schemars(range(min = 1, max = 16))]
    pub worker_processes: u32,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Gotrue {
    #[serde(flatten)]
    pub component: Component,
    /// Database connections one pod's pool may open (GoTrue's own default is unlimited).
    #[schemars(range(min = 1))]
    pub db_pool: u32,
    pub disable_signup: bool,
    /// Confirm email addresses without sending mail (throwaway tiers only).
    pub mailer_autoconfirm: bool,
    /// The mail relay; absent, GoTrue sends no mail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp: Option<Smtp>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Smtp {
    pub host: String,
    #[schemars(range(min = 1, max = 65535))]
    pub port: u16,
    /// The From address, also GoTrue's admin address.
    pub admin_email: String,
    pub sender_name: String,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Storage {
    #[serde(flatten)]
    pub component: Component,
    /// Database connections one pod's pool may open.
    #[schemars(range(min = 1))]
    pub db_pool: u32,
    /// The S3 bucket (the pod reaches it with its IAM role: no static keys).
    pub bucket: String,
    /// Largest upload, in bytes.
    #[schemars(range(min = 1))]
    pub file_size_limit_bytes: u64,
    pub service_account: ServiceAccount,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Studio {
    #[serde(flatten)]
    pub component: Component,
    pub default_organization: String,
    pub default_project: String,
}

/// imgproxy, Storage's image renderer. Storage hands it a presigned S3 link per request
/// (supabase/storage@v1.44.2:src/storage/renderer/image.ts), so it needs no AWS role of its own.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Imgproxy {
    /// Deploys it and turns on Storage's `/render/image` routes.
    pub enabled: bool,
    #[serde(flatten)]
    pub component: Component,
    /// URL prefixes imgproxy may fetch from (`IMGPROXY_ALLOWED_SOURCES`): the addresses of the
    /// storage bucket that the AWS SDK presigns. imgproxy checks no signature (Storage cannot
    /// sign its requests), so this list and the NetworkPolicy are what keep it from fetching
    /// anything else.
    #[schemars(length(min = 1))]
    pub allowed_sources: Vec<String>,
    /// Largest source image, in megapixels (upstream's self-hosted setting).
    pub max_src_resolution_megapixels: f64,
}

/// Supavisor, the connection pooler for clients outside the stack (the Supabase services connect
/// directly, as upstream's own deployment does). Its metadata lives in schema `_supavisor` of the
/// Supabase database; its one tenant is this stack.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Pooler {
    pub enabled: bool,
    #[serde(flatten)]
    pub component: Component,
    /// Connections of its metadata pool, per pod (`DB_POOL_SIZE`).
    #[schemars(range(min = 1))]
    pub db_pool: u32,
    /// The tenant: clients log in as `<role>.<tenantId>`. No dots (Supavisor splits the user name
    /// at the last one).
    #[schemars(regex(pattern = r"^[a-z0-9-]{1,63}$"))]
    pub tenant_id: String,
    /// The roles clients may log in as, each with its own database password.
    #[schemars(length(min = 1))]
    pub pooled_roles: Vec<String>,
    /// Connections of one pool (one role, one mode, one pod), beyond the first.
    #[schemars(range(min = 1))]
    pub pool_size: u32,
    /// Clients one transaction-mode pool admits at once.
    #[schemars(range(min = 1))]
    pub max_clients: u32,
    /// Where clients may connect from (the tenant's allow list and the NetworkPolicy): the VPC.
    #[schemars(length(min = 1))]
    pub client_cidrs: Vec<String>,
}

/// The edge runtime and the project's Edge Functions, served at `/functions/v1/<name>`.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Functions {
    pub enabled: bool,
    #[serde(flatten)]
    pub component: Component,
    /// Requests must carry a JWT signed with the project's JWT secret (the anon key is one).
    pub verify_jwt: bool,
    /// The functions' files, `<function>/<file>` -> contents (from `functions/` next to the
    /// config; the generator checks names and the total size).
    pub files: std::collections::BTreeMap<String, String>,
}

/// The new API keys. Each generation is what the bootstrap Job holds the keys at: one more than the
/// stored generation rotates that kind once, with overlap (files/mint-signing-keys.ts).
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApiKeys {
    #[schemars(range(min = 1))]
    pub signing_key_generation: u32,
    #[schemars(range(min = 1))]
    pub publishable_key_generation: u32,
    #[schemars(range(min = 1))]
    pub secret_key_generation: u32,
    /// Whether a rotated key keeps working for its overlap (false: a hard cut, for a leaked key).
    pub keep_previous_keys: bool,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccessLogs {
    pub enabled: bool,
    pub bucket: String,
    pub prefix: String,
}

/// The public entry point: an internet-facing ALB (AWS Load Balancer Controller) in front of
/// Kong. Studio is not exposed through it.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Ingress {
    pub host: String,
    /// At most 32 characters (an AWS limit).
    #[schemars(length(min = 1, max = 32))]
    pub load_balancer_name: String,
    /// TLS policy of the HTTPS listener (TLS 1.3 and 1.2 only).
    pub ssl_policy: String,
    /// ACM certificate; when absent the controller discovers one for the host.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_arn: Option<String>,
    pub deletion_protection: bool,
    pub access_logs: AccessLogs,
    /// Name of the WAFv2 web ACL the core layer creates when the tier enables WAF; the
    /// controller resolves it to the ACL's ARN (`wafv2-acl-name`), so no ARN crosses layers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waf_acl_name: Option<String>,
}

/// Default-deny NetworkPolicies plus the flows the stack needs.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NetworkPolicy {
    pub enabled: bool,
    /// Where the ALB connects from (target type ip): the public subnets.
    pub load_balancer_cidrs: Vec<String>,
    /// Where the database is: the RDS subnets (port 5432).
    pub database_cidrs: Vec<String>,
}

/// The Helm-hook Job that prepares the database and signs the API keys.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Bootstrap {
    pub service_account: ServiceAccount,
    /// Reads and writes Secrets Manager.
    pub aws_cli_image: Image,
    /// psql of the database's major version.
    pub postgres_image: Image,
    /// Deno: mints the signing keys and the publishable and secret keys.
    pub deno_image: Image,
    /// Lifetime of the API keys it signs, in days.
    #[schemars(range(min = 1))]
    pub api_key_lifetime_days: u32,
}

/// The chart's `values.schema.json`: JSON Schema draft-07 (what Helm 3 validates with),
/// subschemas inlined, unknown keys rejected at every level.
pub fn schema() -> serde_json::Value {
    let mut settings = schemars::generate::SchemaSettings::draft07();
    settings.inline_subschemas = true;
    let schema = settings.into_generator().into_root_schema_for::<Values>();
    let mut value = serde_json::to_value(schema).expect("a schema serializes");
    forbid_unknown_keys(&mut value);
    value
}

/// `#[serde(flatten)]` hides `deny_unknown_fields` from schemars: close every object schema.
fn forbid_unknown_keys(schema: &mut serde_json::Value) {
    if let serde_json::Value::Object(map) = schema {
        if map.get("type").and_then(serde_json::Value::as_str) == Some("object") && map.contains_key("properties") {
            map.insert("additionalProperties".into(), serde_json::Value::Bool(false));
        }
        for child in map.values_mut() {
            forbid_unknown_keys(child);
        }
    } else if let serde_json::Value::Array(items) = schema {
        items.iter_mut().for_each(forbid_unknown_keys);
    }
}
