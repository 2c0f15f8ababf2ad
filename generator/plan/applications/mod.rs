//! The applications layer: Helm values for the `supabase-custom` chart and the cluster add-ons,
//! plus what the runbook needs. Nothing here is applied by Terraform; an operator runs the
//! commands of the generated runbook with the stock helm.

pub mod addons;
pub mod values;

use crate::resolve::model::{CapacityType, Component as Sizing, EnvId, Environment};

use super::connections::POOLED_ROLES;
use super::naming::{self, DbRole, Names, SecretKind, WorkloadRole};
use values::{
    AccessLogs, Amounts, Autoscaling, Bootstrap, Component, Database, DbPasswords, Global, Functions, Gotrue, Image, Imgproxy, Ingress, Pooler, PoolerSecretNames, Kong, NetworkPolicy,
    Pooled, Resources, SecretNames, Secrets, ServiceAccount, Storage, Studio, Values,
};

/// TLS 1.3 with 1.2 as the floor, the AWS-recommended policy for ALB HTTPS listeners.
pub const SSL_POLICY: &str = "ELBSecurityPolicy-TLS13-1-2-Res-2021-06";

/// Images of the bootstrap Job (pinned like the Supabase images in resolve/defaults.rs).
pub const AWS_CLI_IMAGE: (&str, &str) = ("amazon/aws-cli", "2.32.6");
pub const POSTGRES_IMAGE: (&str, &str) = ("postgres", "17.6-alpine");
/// Deno for the signing keys (WebCrypto: P-256 keys, ES256 signatures): the version the edge
/// runtime embeds, which tests/signing_keys.rs runs the script with.
pub const DENO_IMAGE: (&str, &str) = ("denoland/deno", "distroless-2.1.4");

/// Helm release and namespace of Supabase.
pub const RELEASE: &str = "supabase";

/// Everything the applications layer of one environment writes.
#[derive(Clone, Debug)]
pub struct Applications {
    pub id: EnvId,
    pub values: Values,
    pub addons: Vec<addons::Addon>,
    pub names: Names,
    pub state_bucket: String,
    /// Minor version of the cluster's Kubernetes (for the kubectl advice).
    pub kubernetes_minor: String,
    pub throwaway: bool,
    /// The environment's Route 53 zone, if any (the runbook's DNS steps depend on it).
    pub dns: Option<crate::resolve::model::Dns>,
}

impl Applications {
    /// The layer's output directory.
    pub fn dir(&self) -> String {
        format!("{}/applications", naming::env_dir(&self.id))
    }
}

pub fn plan(env: &Environment, names: Names) -> Applications {
    Applications {
        id: env.id.clone(),
        values: values(env, &names),
        addons: addons::addons(env, &names),
        names,
        state_bucket: env.identity.state.bucket.clone(),
        kubernetes_minor: env.settings.eks.version.trim_start_matches("1.").to_string(),
        throwaway: env.settings.throwaway,
        dns: env.identity.dns.clone(),
    }
}

/// The public host name of the API (Kong behind the ALB).
pub fn api_host(env: &Environment) -> String {
    format!("api.{}", env.identity.domain)
}

fn values(env: &Environment, names: &Names) -> Values {
    let s = &env.settings;
    let components = &s.supabase.components;
    let component = |sizing: &Sizing| component(sizing, s.supabase.hpa_enabled);
    let account = |role: WorkloadRole| ServiceAccount { name: role.service_account().name.to_string(), role_arn: names.role_arn(role) };
    let origins = &env.identity.cors_allowed_origins;
    let site_url = origins.first().cloned().unwrap_or_else(|| format!("https://{}", env.identity.domain));
    let pooler = components.pooler.enabled;
    Values {
        global: Global {
            environment: env.id.to_string(),
            api_url: format!("https://{}", api_host(env)),
            site_url,
            cors_allowed_origins: origins.clone(),
            aws_region: env.identity.aws_region.clone(),
            tolerate_spot: s.eks.node_groups.iter().any(|g| g.capacity_type == CapacityType::Spot),
            jwt_expiry_seconds: 3600,
        },
        database: Database {
            port: 5432,
            ssl_mode: "verify-full".to_string(),
            ca_bundle: None,
        },
        secrets: Secrets {
            store_name: "aws-secrets-manager".to_string(),
            refresh_interval: "1h".to_string(),
            service_account: account(WorkloadRole::ExternalSecrets),
            names: SecretNames {
                jwt_secret: names.secret_name(SecretKind::JwtSecret),
                anon_key: names.secret_name(SecretKind::AnonKey),
                service_role_key: names.secret_name(SecretKind::ServiceRoleKey),
                signing_keys: names.secret_name(SecretKind::SigningKeys),
                realtime_secret_key_base: names.secret_name(SecretKind::RealtimeSecretKeyBase),
                realtime_db_enc_key: names.secret_name(SecretKind::RealtimeDbEncKey),
                dashboard_password: names.secret_name(SecretKind::DashboardPassword),
                meta_crypto_key: names.secret_name(SecretKind::MetaCryptoKey),
                db_connection: names.secret_name(SecretKind::Connection),
                db_passwords: DbPasswords {
                    authenticator: names.secret_name(SecretKind::DbPassword(DbRole::Authenticator)),
                    supabase_auth_admin: names.secret_name(SecretKind::DbPassword(DbRole::AuthAdmin)),
                    supabase_storage_admin: names.secret_name(SecretKind::DbPassword(DbRole::StorageAdmin)),
                    supabase_admin: names.secret_name(SecretKind::DbPassword(DbRole::SupabaseAdmin)),
                    supavisor: pooler.then(|| names.secret_name(SecretKind::DbPassword(DbRole::Supavisor))),
                },
                smtp_credentials: env.identity.smtp.as_ref().map(|_| names.secret_name(SecretKind::SmtpCredentials)),
                function_secrets: components.functions.enabled.then(|| names.secret_name(SecretKind::FunctionSecrets)),
                pooler: pooler.then(|| PoolerSecretNames {
                    secret_key_base: names.secret_name(SecretKind::PoolerSecretKeyBase),
                    vault_enc_key: names.secret_name(SecretKind::PoolerVaultEncKey),
                    api_jwt_secret: names.secret_name(SecretKind::PoolerApiJwtSecret),
                    metrics_jwt_secret: names.secret_name(SecretKind::PoolerMetricsJwtSecret),
                }),
            },
        },
        kong: Kong { component: component(&components.kong), worker_processes: 2 },
        postgrest: pooled(&components.postgrest, s.supabase.hpa_enabled),
        gotrue: Gotrue {
            component: component(&components.gotrue),
            db_pool: db_pool(&components.gotrue),
            disable_signup: false,
            mailer_autoconfirm: s.throwaway,
            smtp: env.identity.smtp.as_ref().map(|m| values::Smtp {
                host: m.host.clone(),
                port: m.port,
                admin_email: m.sender_email.clone(),
                sender_name: m.sender_name.clone(),
            }),
        },
        realtime: pooled(&components.realtime, s.supabase.hpa_enabled),
        storage: Storage {
            component: component(&components.storage),
            db_pool: db_pool(&components.storage),
            bucket: names.storage_bucket.clone(),
            file_size_limit_bytes: 50 * 1024 * 1024,
            service_account: account(WorkloadRole::Storage),
        },
        meta: component(&components.meta),
        studio: Studio { component: component(&components.studio), default_organization: env.project.clone(), default_project: env.id.to_string() },
        imgproxy: Imgproxy {
            enabled: components.imgproxy.enabled,
            component: component(&components.imgproxy),
            allowed_sources: bucket_urls(&names.storage_bucket, &env.identity.aws_region),
            // supabase/supabase docker/docker-compose.yml sets 16.8 (imgproxy's default before v3.23).
            max_src_resolution_megapixels: 16.8,
        },
        pooler: Pooler {
            enabled: pooler,
            component: component(&components.pooler),
            db_pool: db_pool(&components.pooler),
            tenant_id: names.prefix.clone(),
            pooled_roles: POOLED_ROLES.iter().map(|r| (*r).to_string()).collect(),
            pool_size: s.supabase.pooling.pool_size,
            max_clients: s.supabase.pooling.max_clients,
            client_cidrs: vec![env.identity.vpc.cidr.clone()],
        },
        api_keys: values::ApiKeys {
            signing_key_generation: s.supabase.api_keys.signing_key_generation,
            publishable_key_generation: s.supabase.api_keys.publishable_key_generation,
            secret_key_generation: s.supabase.api_keys.secret_key_generation,
            keep_previous_keys: s.supabase.api_keys.keep_previous_keys,
        },
        functions: Functions {
            enabled: components.functions.enabled,
            component: component(&components.functions),
            verify_jwt: true,
            files: if components.functions.enabled { (*env.functions).clone() } else { Default::default() },
        },
        ingress: Ingress {
            host: api_host(env),
            load_balancer_name: names.prefix.clone(),
            ssl_policy: SSL_POLICY.to_string(),
            certificate_arn: None,
            deletion_protection: !s.throwaway,
            access_logs: AccessLogs { enabled: s.s3.access_logging, bucket: names.access_log_bucket.clone(), prefix: naming::ALB_LOG_PREFIX.to_string() },
            waf_acl_name: s.edge.waf.enabled.then(|| crate::plan::core::edge::web_acl_name(names)),
        },
        network_policy: NetworkPolicy {
            enabled: true,
            load_balancer_cidrs: env.identity.vpc.public_subnets.clone(),
            database_cidrs: env.identity.vpc.rds_subnets.clone(),
        },
        bootstrap: Bootstrap {
            service_account: account(WorkloadRole::Bootstrap),
            aws_cli_image: image(AWS_CLI_IMAGE),
            postgres_image: image(POSTGRES_IMAGE),
            deno_image: image(DENO_IMAGE),
            api_key_lifetime_days: 3650,
        },
    }
}

/// The functions a request can name (`/functions/v1/<name>`), in order.
pub fn function_names(functions: &Functions) -> Vec<String> {
    let mut names: Vec<String> = functions
        .files
        .keys()
        .filter_map(|path| path.split_once('/').map(|(dir, _)| dir))
        .filter(|dir| crate::load::functions::routable(dir))
        .map(str::to_string)
        .collect();
    names.dedup();
    names
}

/// The address a presigned GetObject link of the bucket starts with. Storage builds its S3
/// client with neither an endpoint nor path style (supabase/storage@v1.44.2:
/// src/storage/backend/s3/adapter.ts `createS3Client`), so the AWS SDK for JavaScript v3 presigns
/// the virtual-hosted regional address, us-east-1 included; tests/chart_contracts.rs presigns with
/// that SDK and checks imgproxy admits the link. The trailing slash keeps look-alike hosts out.
pub fn bucket_urls(bucket: &str, region: &str) -> Vec<String> {
    vec![format!("https://{bucket}.s3.{region}.amazonaws.com/")]
}

fn image((repository, tag): (&str, &str)) -> Image {
    Image { repository: repository.to_string(), tag: tag.to_string() }
}

/// A component's pool (validation guarantees every connecting component has one).
fn db_pool(sizing: &Sizing) -> u32 {
    sizing.db_pool.unwrap_or(1)
}

fn pooled(sizing: &Sizing, hpa_enabled: bool) -> Pooled {
    Pooled { component: component(sizing, hpa_enabled), db_pool: db_pool(sizing) }
}

fn component(sizing: &Sizing, hpa_enabled: bool) -> Component {
    let amounts = |a: &crate::resolve::model::Amounts| Amounts { cpu: a.cpu.clone(), memory: a.memory.clone() };
    let autoscaling = match sizing.hpa {
        Some(hpa) => Autoscaling {
            enabled: hpa_enabled,
            min_replicas: hpa.min,
            max_replicas: hpa.max,
            target_cpu_utilization_percentage: hpa.cpu_target,
        },
        None => Autoscaling { enabled: false, min_replicas: sizing.replicas, max_replicas: sizing.replicas, target_cpu_utilization_percentage: 70 },
    };
    Component {
        image: Image { repository: sizing.image.repository.clone(), tag: sizing.image.tag.clone() },
        replicas: sizing.replicas,
        resources: Resources { requests: amounts(&sizing.resources.requests), limits: amounts(&sizing.resources.limits) },
        autoscaling,
    }
}

/// The namespace every Supabase workload runs in (shared with the IRSA trust policies).
pub fn namespace() -> &'static str {
    naming::SUPABASE_NAMESPACE
}
