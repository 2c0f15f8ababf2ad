//! Deterministic names: every AWS name and ARN the layers share, derived in one place.
//!
//! Because nothing is random, the applications layer knows role ARNs, secret names and the
//! bucket at generate time, and Helm values can be committed for review. The Kubernetes service
//! accounts are here too: the IAM trust policies (core layer) and the chart (applications layer)
//! both read them from this file, so they cannot disagree.

use crate::resolve::model::{EnvId, Environment};

/// Longest name prefix we allow: ALB names are capped at 32 characters, and IAM role names
/// (64) must fit the prefix plus the longest role suffix.
pub const MAX_PREFIX: usize = 32;

/// Namespace of the Supabase workloads.
pub const SUPABASE_NAMESPACE: &str = "supabase";

/// Key prefix of the ALB's access logs in the access-log bucket (the bucket policy grants ELB
/// log delivery exactly there; the Ingress tells the load balancer to write there).
pub const ALB_LOG_PREFIX: &str = "alb";

/// Terraform layers, in apply order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Layer {
    Networking,
    Core,
    /// Alarms on what the other layers and the applications' load balancer created: applied
    /// after the Helm installs (the ALB exists only once the controller has reconciled the Ingress).
    Monitoring,
}

impl Layer {
    pub const ALL: [Self; 3] = [Self::Networking, Self::Core, Self::Monitoring];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Networking => "networking",
            Self::Core => "core",
            Self::Monitoring => "monitoring",
        }
    }
}

/// external-dns's service account: its role lives in the core layer's edge module (it exists only
/// where the environment's Route 53 records are managed), not among the workload roles.
pub const EXTERNAL_DNS: ServiceAccount = ServiceAccount { namespace: "external-dns", name: "external-dns" };

/// A Kubernetes service account that assumes an IAM role (IRSA).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServiceAccount {
    pub namespace: &'static str,
    pub name: &'static str,
}

impl ServiceAccount {
    /// The `sub` claim of its projected token, which the role's trust policy must match.
    pub fn subject(self) -> String {
        format!("system:serviceaccount:{}:{}", self.namespace, self.name)
    }
}

/// Workloads with an IAM role of their own, each trusted by exactly one service account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum WorkloadRole {
    LoadBalancerController,
    ClusterAutoscaler,
    ExternalSecrets,
    Storage,
    Bootstrap,
}

impl WorkloadRole {
    pub const ALL: [Self; 5] =
        [Self::LoadBalancerController, Self::ClusterAutoscaler, Self::ExternalSecrets, Self::Storage, Self::Bootstrap];

    /// Suffix of the role name and key in Terraform maps.
    pub fn key(self) -> &'static str {
        match self {
            Self::LoadBalancerController => "aws-load-balancer-controller",
            Self::ClusterAutoscaler => "cluster-autoscaler",
            Self::ExternalSecrets => "external-secrets",
            Self::Storage => "storage",
            Self::Bootstrap => "bootstrap",
        }
    }

    pub fn service_account(self) -> ServiceAccount {
        let (namespace, name) = match self {
            Self::LoadBalancerController => ("kube-system", "aws-load-balancer-controller"),
            Self::ClusterAutoscaler => ("kube-system", "cluster-autoscaler"),
            // The SecretStore authenticates as this account (not as the operator's own).
            Self::ExternalSecrets => (SUPABASE_NAMESPACE, "supabase-external-secrets"),
            Self::Storage => (SUPABASE_NAMESPACE, "supabase-storage"),
            // The database bootstrap and JWT key Job.
            Self::Bootstrap => (SUPABASE_NAMESPACE, "supabase-bootstrap"),
        };
        ServiceAccount { namespace, name }
    }

    pub fn description(self) -> &'static str {
        match self {
            Self::LoadBalancerController => "AWS Load Balancer Controller: manages the ALB of the Supabase ingress",
            Self::ClusterAutoscaler => "Cluster Autoscaler: resizes this cluster's node groups",
            Self::ExternalSecrets => "External Secrets: reads this environment's secrets",
            Self::Storage => "Supabase Storage: reads and writes the storage bucket",
            Self::Bootstrap => "Bootstrap Job: reads database credentials, writes the anon and service_role keys",
        }
    }
}

/// Secrets Manager secrets of an environment, all under one prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SecretKind {
    JwtSecret,
    AnonKey,
    ServiceRoleKey,
    /// The new API keys' state: ES256 signing keys, JWKS, publishable and secret keys.
    SigningKeys,
    RealtimeSecretKeyBase,
    RealtimeDbEncKey,
    MetaCryptoKey,
    DashboardPassword,
    DbPassword(DbRole),
    Connection,
    SmtpCredentials,
    PoolerSecretKeyBase,
    PoolerVaultEncKey,
    PoolerApiJwtSecret,
    PoolerMetricsJwtSecret,
    FunctionSecrets,
}

/// Database login roles the Supabase services use, each with its own password secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum DbRole {
    Authenticator,
    AuthAdmin,
    StorageAdmin,
    SupabaseAdmin,
    /// Supavisor's own metadata (schema `_supavisor`); only with the pooler.
    Supavisor,
}

impl DbRole {
    pub const ALL: [Self; 5] = [Self::Authenticator, Self::AuthAdmin, Self::StorageAdmin, Self::SupabaseAdmin, Self::Supavisor];

    pub fn role_name(self) -> &'static str {
        match self {
            Self::Authenticator => "authenticator",
            Self::AuthAdmin => "supabase_auth_admin",
            Self::StorageAdmin => "supabase_storage_admin",
            Self::SupabaseAdmin => "supabase_admin",
            Self::Supavisor => "supavisor",
        }
    }
}

/// How a secret gets its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretSource {
    /// Terraform generates it with an ephemeral random password: never in state.
    Generated { length: u32 },
    /// Created empty; the bootstrap Job writes it (the signed anon and service_role JWTs).
    Slot,
    /// Written by Terraform from non-secret outputs (database address, port, name).
    Terraform,
}

impl SecretKind {
    /// The secrets of an environment: every kind, SMTP credentials only with an SMTP relay, the
    /// pooler's only with the pooler.
    pub fn for_env(env: &Environment) -> Vec<Self> {
        let pooler = env.settings.supabase.components.pooler.enabled;
        Self::all()
            .into_iter()
            .filter(|k| *k != Self::SmtpCredentials || env.identity.smtp.is_some())
            .filter(|k| pooler || !k.is_pooler())
            .filter(|k| *k != Self::FunctionSecrets || env.settings.supabase.components.functions.enabled)
            .collect()
    }

    /// Secrets only the pooler (Supavisor) uses.
    pub fn is_pooler(self) -> bool {
        matches!(
            self,
            Self::PoolerSecretKeyBase | Self::PoolerVaultEncKey | Self::PoolerApiJwtSecret | Self::PoolerMetricsJwtSecret | Self::DbPassword(DbRole::Supavisor)
        )
    }

    pub fn all() -> Vec<Self> {
        let mut all = vec![
            Self::JwtSecret,
            Self::AnonKey,
            Self::ServiceRoleKey,
            Self::SigningKeys,
            Self::RealtimeSecretKeyBase,
            Self::RealtimeDbEncKey,
            Self::MetaCryptoKey,
            Self::DashboardPassword,
        ];
        all.extend(DbRole::ALL.map(Self::DbPassword));
        all.push(Self::Connection);
        all.push(Self::SmtpCredentials);
        all.extend([Self::PoolerSecretKeyBase, Self::PoolerVaultEncKey, Self::PoolerApiJwtSecret, Self::PoolerMetricsJwtSecret]);
        all.push(Self::FunctionSecrets);
        all
    }

    pub fn key(self) -> String {
        match self {
            Self::JwtSecret => "jwt-secret".into(),
            Self::AnonKey => "anon-key".into(),
            Self::ServiceRoleKey => "service-role-key".into(),
            Self::SigningKeys => "signing-keys".into(),
            Self::RealtimeSecretKeyBase => "realtime-secret-key-base".into(),
            Self::RealtimeDbEncKey => "realtime-db-enc-key".into(),
            Self::MetaCryptoKey => "meta-crypto-key".into(),
            Self::DashboardPassword => "dashboard-password".into(),
            Self::DbPassword(role) => format!("db-password-{}", role.role_name().replace('_', "-")),
            Self::Connection => "db-connection".into(),
            Self::SmtpCredentials => "smtp-credentials".into(),
            Self::PoolerSecretKeyBase => "pooler-secret-key-base".into(),
            Self::PoolerVaultEncKey => "pooler-vault-enc-key".into(),
            Self::PoolerApiJwtSecret => "pooler-api-jwt-secret".into(),
            Self::PoolerMetricsJwtSecret => "pooler-metrics-jwt-secret".into(),
            Self::FunctionSecrets => "function-secrets".into(),
        }
    }

    pub fn source(self) -> SecretSource {
        match self {
            // HS256 signing key: 64 characters, well above the 32 Supabase requires.
            Self::JwtSecret => SecretSource::Generated { length: 64 },
            Self::AnonKey | Self::ServiceRoleKey | Self::SigningKeys | Self::SmtpCredentials | Self::FunctionSecrets => SecretSource::Slot,
            // Phoenix needs at least 64 bytes.
            Self::RealtimeSecretKeyBase => SecretSource::Generated { length: 64 },
            // Realtime's AES key: exactly 16 characters.
            Self::RealtimeDbEncKey => SecretSource::Generated { length: 16 },
            Self::MetaCryptoKey => SecretSource::Generated { length: 32 },
            // HTTP basic auth of Realtime's dashboard: letters and digits only, so never a colon.
            Self::DashboardPassword => SecretSource::Generated { length: 32 },
            Self::DbPassword(_) => SecretSource::Generated { length: 40 },
            Self::Connection => SecretSource::Terraform,
            // supabase/supavisor@v2.7.4:config/runtime.exs: Phoenix's SECRET_KEY_BASE (64 bytes or
            // more); VAULT_ENC_KEY is Cloak's AES-256-GCM key, used as is, so exactly 32 bytes; the
            // API and metrics JWT secrets are HS256 keys of their own (never the Supabase JWT
            // secret, which would make every anon key a pooler admin token).
            Self::PoolerSecretKeyBase => SecretSource::Generated { length: 64 },
            Self::PoolerVaultEncKey => SecretSource::Generated { length: 32 },
            Self::PoolerApiJwtSecret | Self::PoolerMetricsJwtSecret => SecretSource::Generated { length: 64 },
        }
    }

    pub fn description(self) -> String {
        match self {
            Self::JwtSecret => "HS256 secret that signs and verifies Supabase JWTs".into(),
            Self::AnonKey => "The anon API key: a JWT signed with the JWT secret (written by the bootstrap Job)".into(),
            Self::ServiceRoleKey => "The service_role API key: a JWT signed with the JWT secret (written by the bootstrap Job)".into(),
            Self::SigningKeys => "The ES256 JWT signing keys, their JWKS, and the publishable and secret API keys, as JSON (written by the bootstrap Job)".into(),
            Self::RealtimeSecretKeyBase => "Realtime SECRET_KEY_BASE (Phoenix)".into(),
            Self::RealtimeDbEncKey => "Realtime DB_ENC_KEY (16 characters)".into(),
            Self::MetaCryptoKey => "postgres-meta CRYPTO_KEY".into(),
            Self::DashboardPassword => "Password of the Realtime dashboard (/admin, basic auth as user admin)".into(),
            Self::DbPassword(role) => format!("Password of the database login role {}", role.role_name()),
            Self::Connection => "Database address, port and name, and the ARN of the RDS-managed master secret".into(),
            Self::SmtpCredentials => "SMTP username and password of GoTrue's mail relay, as JSON (filled by the operator)".into(),
            Self::PoolerSecretKeyBase => "Supavisor SECRET_KEY_BASE (Phoenix)".into(),
            Self::PoolerVaultEncKey => "Supavisor VAULT_ENC_KEY: encrypts the pooled roles' passwords in its metadata (32 characters)".into(),
            Self::PoolerApiJwtSecret => "Supavisor API_JWT_SECRET (its management API, never exposed)".into(),
            Self::PoolerMetricsJwtSecret => "Supavisor METRICS_JWT_SECRET (its /metrics endpoint)".into(),
            Self::FunctionSecrets => "Edge Functions' secrets as JSON, one key per environment variable (filled by the operator)".into(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Names {
    /// `<project>-<region alias>-<environment>`: unique per account, prefix of every name.
    pub prefix: String,
    pub cluster: String,
    pub db_identifier: String,
    pub storage_bucket: String,
    pub access_log_bucket: String,
    /// Secrets Manager names are `<secret_prefix>/<key>`.
    pub secret_prefix: String,
    account_id: String,
}

impl Names {
    pub fn new(project: &str, id: &EnvId, account_id: &str) -> Self {
        let prefix = format!("{project}-{}-{}", id.region, id.name);
        Self {
            cluster: prefix.clone(),
            db_identifier: prefix.clone(),
            storage_bucket: format!("{prefix}-storage-{account_id}"),
            access_log_bucket: format!("{prefix}-access-logs-{account_id}"),
            secret_prefix: format!("{project}/{}/{}", id.region, id.name),
            account_id: account_id.to_string(),
            prefix,
        }
    }

    pub fn for_env(env: &Environment) -> Self {
        Self::new(&env.project, &env.id, &env.identity.account_id)
    }

    pub fn role_name(&self, role: WorkloadRole) -> String {
        format!("{}-{}", self.prefix, role.key())
    }

    /// The role's ARN, known before anything is applied.
    pub fn role_arn(&self, role: WorkloadRole) -> String {
        format!("arn:aws:iam::{}:role/{}", self.account_id, self.role_name(role))
    }

    /// The edge module's role for external-dns (`<prefix>-external-dns`).
    pub fn external_dns_role_arn(&self) -> String {
        format!("arn:aws:iam::{}:role/{}-external-dns", self.account_id, self.prefix)
    }

    pub fn secret_name(&self, secret: SecretKind) -> String {
        format!("{}/{}", self.secret_prefix, secret.key())
    }

    /// The log group EKS writes control-plane logs to (EKS fixes the name).
    pub fn cluster_log_group(&self) -> String {
        format!("/aws/eks/{}/cluster", self.cluster)
    }

    /// The log groups RDS exports PostgreSQL logs to (RDS fixes the names).
    pub fn db_log_group_prefix(&self) -> String {
        format!("/aws/rds/instance/{}", self.db_identifier)
    }

    pub fn account_id(&self) -> &str {
        &self.account_id
    }
}

/// Output directory of an environment, relative to the output tree.
pub fn env_dir(id: &EnvId) -> String {
    format!("out/environments/{}/{}", id.region, id.name)
}

/// Output directory of a layer root, relative to the output tree.
pub fn root_dir(id: &EnvId, layer: Layer) -> String {
    format!("{}/{}", env_dir(id), layer.as_str())
}

/// The state object key of a layer: one per region, environment and layer.
pub fn state_key(id: &EnvId, layer: Layer) -> String {
    format!("{}/{}/{}/terraform.tfstate", id.region, id.name, layer.as_str())
}

/// Output directory of the bootstrap root that creates the state bucket of one account and
/// region (see `plan::bootstrap`): state belongs to an account and region, not to an environment.
pub fn bootstrap_dir(account_id: &str, region: &str) -> String {
    format!("out/bootstrap/{account_id}-{region}")
}

/// The bootstrap root's own state object, in the bucket it creates (after `-migrate-state`).
pub const BOOTSTRAP_STATE_KEY: &str = "bootstrap/terraform.tfstate";

/// Alias of the state bucket's KMS key (one per account and region).
pub fn state_kms_alias(project: &str) -> String {
    format!("alias/{project}-tfstate")
}

/// ARN of that alias, known at generate time: every backend names it as its `kms_key_id`.
pub fn state_kms_alias_arn(project: &str, account_id: &str, region: &str) -> String {
    let partition = if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    };
    format!("arn:{partition}:kms:{region}:{account_id}:{}", state_kms_alias(project))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_keys_are_unique_and_dns_safe() {
        let keys: Vec<String> = SecretKind::all().into_iter().map(SecretKind::key).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), keys.len());
        assert!(keys.iter().all(|k| k.chars().all(|c| c.is_ascii_lowercase() || c == '-')));
    }

    #[test]
    fn each_role_trusts_a_distinct_service_account() {
        let subjects: Vec<String> = WorkloadRole::ALL.iter().map(|r| r.service_account().subject()).collect();
        for (i, s) in subjects.iter().enumerate() {
            assert!(!subjects[..i].contains(s), "{s} is trusted by two roles");
        }
    }
}
