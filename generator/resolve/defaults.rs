//! Built-in defaults: the first layer under every tier.
//!
//! A tier only has to state what it sizes; everything else comes from here. Versions are pinned
//! (never `latest`), checked against the support calendars in `validate/versions.rs`, and dated so
//! a reviewer can tell how fresh they are.

use serde_json::{Value, json};

use super::model::REQUIRED_COMPONENTS;

/// Kubernetes minor version for new clusters: EKS standard support until 2027-03-27.
pub const EKS_VERSION: &str = "1.35";

/// PostgreSQL major version: RDS standard support until 2030-02-28. A major-only pin lets RDS
/// apply the minor releases it mandates (it retires each minor about 18 months after release).
pub const POSTGRES_VERSION: &str = "17";

/// Supabase images, as tested together upstream (supabase/supabase `docker/docker-compose.yml`,
/// February 2026), except Kong: 3.9.1 is the last open-source Kong release, upstream still
/// ships 2.8.1 (2022). Every database client here supports TLS to RDS (Realtime needs >= 2.41.7).
pub const IMAGES: [(&str, &str, &str); 10] = [
    ("kong", "kong", "3.9.1"),
    ("postgrest", "postgrest/postgrest", "v14.5"),
    ("gotrue", "supabase/gotrue", "v2.186.0"),
    ("realtime", "supabase/realtime", "v2.78.15"),
    ("storage", "supabase/storage-api", "v1.44.2"),
    ("meta", "supabase/postgres-meta", "v0.95.2"),
    ("studio", "supabase/studio", "2026.02.16-sha-26c615c"),
    ("imgproxy", "darthsim/imgproxy", "v3.30.1"),
    ("pooler", "supabase/supavisor", "2.7.4"),
    ("functions", "supabase/edge-runtime", "v1.70.3"),
];

/// Database pool per pod of each component that connects (`db_pool`): small enough that the
/// smallest tier fits its instance's connection budget (see `plan/connections.rs`); tiers with
/// bigger databases raise them.
pub const DB_POOLS: [(&str, u32); 6] = [("postgrest", 5), ("gotrue", 5), ("realtime", 3), ("storage", 5), ("meta", 2), ("pooler", 2)];

/// The defaults layer, shaped like a tier.
pub fn builtin() -> Value {
    let components: serde_json::Map<String, Value> = IMAGES
        .iter()
        .map(|(name, repository, tag)| {
            let component = json!({
                // Optional components are off until a tier or environment turns them on.
                "enabled": REQUIRED_COMPONENTS.contains(name),
                "image": { "repository": repository, "tag": tag },
                "replicas": 1,
                "resources": {
                    "requests": { "cpu": "100m", "memory": "256Mi" },
                    "limits": { "cpu": "500m", "memory": "512Mi" },
                },
                "hpa": null,
                "db_pool": DB_POOLS.iter().find(|(n, _)| n == name).map(|(_, pool)| *pool),
            });
            ((*name).to_string(), component)
        })
        .collect();
    json!({
        "use_cases": [],
        "throwaway": false,
        "network": {
            "nat_gateways": "single",
            "interface_endpoints": ["secretsmanager", "sts", "ecr.api", "ecr.dkr", "logs"],
            "flow_log_retention_days": 90,
        },
        "eks": {
            "version": EKS_VERSION,
            "endpoint": {
                "private_access": true,
                "public_access": false,
                "public_access_cidrs": [],
                "allow_public_access_from_anywhere": false,
            },
            "log_retention_days": 90,
            "support_type": "STANDARD",
            "node_ami_release": null,
        },
        "rds": {
            "storage_type": "gp3",
            "engine_version": POSTGRES_VERSION,
            "multi_az": false,
            "backup_retention_days": 7,
            "deletion_protection": true,
            "performance_insights": true,
            "monitoring_interval_seconds": 60,
            "backup_window": "02:00-03:00",
            "maintenance_window": "sun:03:30-sun:04:30",
            "log_retention_days": 30,
            "max_connections": null,
            "max_slot_wal_keep_size_gib": 5,
        },
        "s3": {
            "versioning": true,
            "force_destroy": false,
            "access_logging": false,
            "noncurrent_version_expiration_days": 30,
            "transition_to_ia_days": null,
        },
        "supabase": {
            "hpa_enabled": false,
            "components": components,
            "pooling": { "pool_size": 10, "max_clients": 200 },
            "api_keys": { "signing_key_generation": 1, "publishable_key_generation": 1, "secret_key_generation": 1, "keep_previous_keys": true },
        },
        // Conservative pages, not early warnings: each one means someone should act today.
        "alarms": {
            "db_cpu_percent": 80,
            "db_freeable_memory_percent": 10,
            "db_free_storage_percent": 15,
            "db_connections_percent": 80,
            "db_replication_slot_percent": 50,
            "db_latency_ms": 20,
            "alb_5xx_percent": 5,
            "alb_p99_response_ms": 2000,
            "nodes_at_max_minutes": 30,
        },
        // WAF off unless the tier turns it on (production tiers do). 100 requests per 5 minutes per
        // IP to /auth/v1/ is generous for people signing in, tight for credential stuffing.
        "edge": {
            "waf": { "enabled": false, "auth_rate_limit": 100, "log_retention_days": 90 },
        },
        // Container Insights and pod logs everywhere: without them a failing pod leaves no trace
        // once it is replaced.
        "observability": { "container_insights": true, "log_retention_days": 30 },
    })
}
