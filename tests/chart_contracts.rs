//! Chart-level runtime contracts: what each image needs from the pod the chart gives it.
//!
//! The chart is rendered with every environment's committed values
//! (`out/environments/*/*/applications/supabase.values.yaml`) exactly as `scripts/validate-chart.sh`
//! does, the manifests are parsed, and each test checks one fact about the pinned images against
//! the rendered Deployments. The facts come from each component's source at the tag the values pin
//! (cited next to each list); nothing of that source is in this file, only the names it reads.
//!
//! Helm comes from `.cache/npm` (installed by `scripts/validate-chart.sh`) or PATH; without it the
//! tests skip loudly, and fail under `REQUIRE_TOOLS=1`. `SUPABASE_CHART_DIR` renders another copy
//! of the chart (used to show a contract failing against an older chart).

mod common;

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;

use common::chart::{Env, environments};
use serde_json::Value;

// ------------------------------------------------------------------------------ facts per image

/// Environment variables GoTrue reads at supabase/auth@v2.186.0:internal/conf/configuration.go:
/// `envconfig.Process("gotrue", config)` (kelseyhightower/envconfig v1.4.0), so a field's name is
/// GOTRUE_ + the nested struct names + the field (split_words: words joined by `_`); a field
/// with an `envconfig:"X"` tag is also read as plain X when the prefixed name is unset (API_EXTERNAL_URL).
const GOTRUE_READS: &[&str] = &[
    "GOTRUE_API_HOST",
    "GOTRUE_API_PORT",
    "API_EXTERNAL_URL",
    "GOTRUE_SITE_URL",
    "GOTRUE_URI_ALLOW_LIST",
    "GOTRUE_DISABLE_SIGNUP",
    "GOTRUE_DB_DRIVER",
    "GOTRUE_DB_DATABASE_URL",
    "GOTRUE_DB_NAMESPACE",
    "GOTRUE_DB_MAX_POOL_SIZE",
    "GOTRUE_DB_MAX_IDLE_POOL_SIZE",
    "GOTRUE_DB_CONN_MAX_LIFETIME",
    "GOTRUE_DB_CONN_MAX_IDLE_TIME",
    "GOTRUE_DB_HEALTH_CHECK_PERIOD",
    "GOTRUE_DB_CONN_PERCENTAGE",
    "GOTRUE_JWT_SECRET",
    // JWTConfiguration.Keys (JwtKeysDecoder) and .Issuer.
    "GOTRUE_JWT_KEYS",
    "GOTRUE_JWT_ISSUER",
    "GOTRUE_JWT_EXP",
    "GOTRUE_JWT_AUD",
    "GOTRUE_JWT_ADMIN_GROUP_NAME",
    "GOTRUE_JWT_ADMIN_ROLES",
    "GOTRUE_JWT_DEFAULT_GROUP_NAME",
    "GOTRUE_EXTERNAL_EMAIL_ENABLED",
    "GOTRUE_EXTERNAL_PHONE_ENABLED",
    "GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED",
    "GOTRUE_MAILER_AUTOCONFIRM",
    "GOTRUE_MAILER_URLPATHS_INVITE",
    "GOTRUE_MAILER_URLPATHS_CONFIRMATION",
    "GOTRUE_MAILER_URLPATHS_RECOVERY",
    "GOTRUE_MAILER_URLPATHS_EMAIL_CHANGE",
    "GOTRUE_SMTP_HOST",
    "GOTRUE_SMTP_PORT",
    "GOTRUE_SMTP_USER",
    "GOTRUE_SMTP_PASS",
    "GOTRUE_SMTP_ADMIN_EMAIL",
    "GOTRUE_SMTP_SENDER_NAME",
    "GOTRUE_SMS_AUTOCONFIRM",
];

/// PostgREST v14.5 reads every `PGRST_<KEY>` whose key is a configuration option
/// (PostgREST/postgrest@v14.5:src/PostgREST/Config.hs: `"PGRST_" <> toUpper (dashToUnderscore key)`),
/// plus any `PGRST_APP_SETTINGS_*` (turned into the `app.settings.*` settings of each request).
const POSTGREST_READS: &[&str] = &[
    "PGRST_DB_URI",
    "PGRST_DB_SCHEMAS",
    "PGRST_DB_ANON_ROLE",
    "PGRST_DB_EXTRA_SEARCH_PATH",
    "PGRST_DB_MAX_ROWS",
    "PGRST_DB_POOL",
    "PGRST_DB_POOL_ACQUISITION_TIMEOUT",
    "PGRST_DB_POOL_MAX_LIFETIME",
    "PGRST_DB_POOL_MAX_IDLETIME",
    "PGRST_DB_CHANNEL_ENABLED",
    "PGRST_JWT_SECRET",
    "PGRST_JWT_AUD",
    "PGRST_SERVER_HOST",
    "PGRST_SERVER_PORT",
    "PGRST_ADMIN_SERVER_PORT",
    "PGRST_LOG_LEVEL",
];
const POSTGREST_READS_PREFIX: &str = "PGRST_APP_SETTINGS_";

/// Storage v1.44.2 (supabase/storage@v1.44.2:src/config.ts, `getOptionalConfigFromEnv(key, fallback)`:
/// the fallback name is read only when the first is unset), plus what its runtime reads: Node.js
/// (NODE_EXTRA_CA_CERTS, read at process start) and the AWS SDK for JavaScript v3 (AWS_REGION,
/// used by the web-identity credential provider of IRSA).
/// Deliberately absent: POSTGREST_URL (no longer read), PGRST_JWT_SECRET (only the fallback of
/// AUTH_JWT_SECRET, which the chart sets), PGSSLMODE (node-postgres reads it only for a connection
/// without ssl settings; every Storage connection is built from DATABASE_URL, whose sslmode sets
/// them: src/internal/database/pool.ts, src/internal/database/migrations/migrate.ts).
const STORAGE_READS: &[&str] = &[
    "SERVER_PORT",
    "DATABASE_URL",
    "DATABASE_MAX_CONNECTIONS",
    "DATABASE_POOL_URL",
    "DATABASE_SSL_ROOT_CERT",
    "DATABASE_CONNECTION_TIMEOUT",
    "DATABASE_FREE_POOL_AFTER_INACTIVITY",
    "DB_INSTALL_ROLES",
    "AUTH_JWT_SECRET",
    // src/config.ts: getOptionalConfigFromEnv('JWT_JWKS').
    "JWT_JWKS",
    "ANON_KEY",
    "SERVICE_KEY",
    "STORAGE_BACKEND",
    "GLOBAL_S3_BUCKET",
    "REGION",
    "TENANT_ID",
    "FILE_SIZE_LIMIT",
    "REQUEST_ALLOW_X_FORWARDED_PATH",
    "ENABLE_IMAGE_TRANSFORMATION",
    "IMGPROXY_URL",
    "STORAGE_PUBLIC_URL",
    "NODE_EXTRA_CA_CERTS",
    "AWS_REGION",
];

/// imgproxy v3.30.1: imgproxy/imgproxy@v3.30.1:config/config.go (`configurators.*(&X, "IMGPROXY_...")`)
/// and logger/log.go (IMGPROXY_LOG_LEVEL).
const IMGPROXY_READS: &[&str] = &[
    "IMGPROXY_BIND",
    "IMGPROXY_ALLOWED_SOURCES",
    "IMGPROXY_ALLOW_PRIVATE_SOURCE_ADDRESSES",
    "IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES",
    "IMGPROXY_ALLOW_LINK_LOCAL_SOURCE_ADDRESSES",
    "IMGPROXY_MAX_SRC_RESOLUTION",
    "IMGPROXY_MAX_SRC_FILE_SIZE",
    "IMGPROXY_AUTO_WEBP",
    "IMGPROXY_WORKERS",
    "IMGPROXY_REQUESTS_QUEUE_SIZE",
    "IMGPROXY_TIMEOUT",
    "IMGPROXY_DOWNLOAD_TIMEOUT",
    "IMGPROXY_LOG_LEVEL",
];

/// Supavisor 2.7.4: every name supabase/supavisor@v2.7.4:config/runtime.exs reads
/// (System.get_env / fetch_env!), rel/env.sh.eex (NODE_IP), limits.sh (RLIMIT_NOFILE), the
/// Elixir release scripts (RELEASE_TMP) and the Erlang runtime (ERL_AFLAGS, ERL_CRASH_DUMP).
const SUPAVISOR_READS: &[&str] = &[
    "ADDR_TYPE",
    "API_JWT_SECRET",
    "API_TOKEN_BLOCKLIST",
    "AVAILABILITY_ZONE",
    "CLUSTER_NODES",
    "CLUSTER_POSTGRES",
    "DATABASE_URL",
    "DB_POOL_SIZE",
    "DNS_POLL",
    "GLOBAL_DOWNSTREAM_CERT_PATH",
    "GLOBAL_DOWNSTREAM_KEY_PATH",
    "GLOBAL_UPSTREAM_CA_PATH",
    "JWT_CLAIM_VALIDATORS",
    "MAX_CONNECTIONS",
    "METRICS_JWT_SECRET",
    "METRICS_TOKEN_BLOCKLIST",
    "NODE_IP",
    "NODE_NAME",
    "NUM_ACCEPTORS",
    "PORT",
    "PROXY_PORT",
    "PROXY_PORT_SESSION",
    "PROXY_PORT_TRANSACTION",
    "REGION",
    "SECRET_KEY_BASE",
    "VAULT_ENC_KEY",
    "RLIMIT_NOFILE",
    "RELEASE_TMP",
    "ERL_AFLAGS",
    "ERL_CRASH_DUMP",
];

/// The edge runtime v1.70.3 with this chart's main service: what files/functions-main/router.ts
/// reads (`env.X` of `Deno.env.toObject()`), and what the runtime itself reads for its module
/// cache and temporary files (DENO_DIR, HOME: supabase/edge-runtime@v1.70.3, Deno's cache dir).
const FUNCTIONS_READS: &[&str] = &[
    "FUNCTIONS_DIR",
    "FUNCTION_SECRETS_DIR",
    "FUNCTION_MEMORY_MB",
    "FUNCTION_TIMEOUT_MS",
    "FUNCTION_CPU_SOFT_MS",
    "FUNCTION_CPU_HARD_MS",
    "VERIFY_JWT",
    "JWT_SECRET",
    "JWT_JWKS",
    "SUPABASE_URL",
    "SUPABASE_PUBLIC_URL",
    "SUPABASE_ANON_KEY",
    "SUPABASE_SERVICE_ROLE_KEY",
    "DENO_DIR",
    "HOME",
];

/// postgres-meta v0.95.2 (supabase/postgres-meta@v0.95.2:src/server/constants.ts; CRYPTO_KEY and
/// PG_META_DB_PASSWORD through src/lib/secrets.ts), Node.js (NODE_EXTRA_CA_CERTS) and
/// node-postgres (PGSSLMODE: the connections Studio sends carry no sslmode, so the driver reads it).
const META_READS: &[&str] = &[
    "PG_META_HOST",
    "PG_META_PORT",
    "PG_META_DB_HOST",
    "PG_META_DB_PORT",
    "PG_META_DB_NAME",
    "PG_META_DB_USER",
    "PG_META_DB_PASSWORD",
    "PG_META_DB_SSL_MODE",
    "PG_META_DB_SSL_ROOT_CERT",
    "PG_META_MAX_RESULT_SIZE_MB",
    "PG_CONN_TIMEOUT_SECS",
    "PG_QUERY_TIMEOUT_SECS",
    "CRYPTO_KEY",
    "PGSSLMODE",
    "NODE_EXTRA_CA_CERTS",
];

/// Studio 2026.02.16-sha-26c615c: what upstream's own deployment of that image sets
/// (supabase/supabase@00069a4c6fe35a6db32b91015dad24f2fe161302:docker/docker-compose.yml, service
/// studio; apps/studio/lib/constants reads them), plus the Next.js standalone server's HOSTNAME and
/// PORT and NEXT_TELEMETRY_DISABLED.
const STUDIO_READS: &[&str] = &[
    "HOSTNAME",
    "PORT",
    "STUDIO_PG_META_URL",
    "POSTGRES_HOST",
    "POSTGRES_PORT",
    "POSTGRES_DB",
    "POSTGRES_PASSWORD",
    // Not in upstream's compose (it relies on the defaults): read by
    // apps/studio/lib/api/self-hosted/constants.ts (supabase/supabase#39041, #39946).
    "POSTGRES_USER_READ_WRITE",
    "POSTGRES_USER_READ_ONLY",
    "PG_META_CRYPTO_KEY",
    "PGRST_DB_SCHEMAS",
    "PGRST_DB_MAX_ROWS",
    "PGRST_DB_EXTRA_SEARCH_PATH",
    "DEFAULT_ORGANIZATION_NAME",
    "DEFAULT_PROJECT_NAME",
    "SUPABASE_URL",
    "SUPABASE_PUBLIC_URL",
    "SUPABASE_ANON_KEY",
    "SUPABASE_SERVICE_KEY",
    "AUTH_JWT_SECRET",
    "NEXT_PUBLIC_ENABLE_LOGS",
    "NEXT_TELEMETRY_DISABLED",
];

/// Realtime v2.78.15: every name config/runtime.exs reads (System.get_env / System.fetch_env! /
/// Env.get_*) at supabase/realtime@v2.78.15, plus rel/env.sh.eex (POD_IP, NODE_NAME,
/// AWS_EXECUTION_ENV), run.sh (RLIMIT_NOFILE, SEED_SELF_HOST, ENABLE_ERL_CRASH_DUMP,
/// GENERATE_CLUSTER_CERTS), priv/repo/seeds.exs (SELF_HOST_TENANT_NAME), the Elixir release
/// scripts (RELEASE_COOKIE, RELEASE_TMP) and the Erlang runtime (ERL_AFLAGS). DB_SSL_ENFORCED is
/// read by none of them.
const REALTIME_READS: &[&str] = &[
    "API_JWT_SECRET",
    "API_TOKEN_BLOCKLIST",
    "APP_NAME",
    "AWS_EXECUTION_ENV",
    "BROADCAST_POOL_SIZE",
    "CLIENT_PRESENCE_MAX_CALLS",
    "CLIENT_PRESENCE_WINDOW_MS",
    "CLUSTER_STRATEGIES",
    "CONNECT_PARTITION_SLOTS",
    "DASHBOARD_AUTH",
    "DASHBOARD_PASSWORD",
    "DASHBOARD_USER",
    "DB_AFTER_CONNECT_QUERY",
    "DB_ENC_KEY",
    "DB_HOST",
    "DB_HOST_REPLICA_FRA",
    "DB_HOST_REPLICA_IAD",
    "DB_HOST_REPLICA_SIN",
    "DB_HOST_REPLICA_SJC",
    "DB_IP_VERSION",
    "DB_MASTER_REGION",
    "DB_NAME",
    "DB_PASSWORD",
    "DB_POOL_SIZE",
    "DB_PORT",
    "DB_QUEUE_INTERVAL",
    "DB_QUEUE_TARGET",
    "DB_REPLICA_HOST",
    "DB_REPLICA_POOL_SIZE",
    "DB_SSL",
    "DB_SSL_CA_CERT",
    "DB_USER",
    "DISABLE_HEALTHCHECK_LOGGING",
    "DNS_NODES",
    "ENABLE_ERL_CRASH_DUMP",
    "ERL_AFLAGS",
    "GENERATE_CLUSTER_CERTS",
    "GEN_RPC_CACERTFILE",
    "GEN_RPC_CERTFILE",
    "GEN_RPC_COMPRESS",
    "GEN_RPC_COMPRESSION_THRESHOLD_IN_BYTES",
    "GEN_RPC_CONNECT_TIMEOUT_IN_MS",
    "GEN_RPC_IPV6_ONLY",
    "GEN_RPC_KEYFILE",
    "GEN_RPC_MAX_BATCH_SIZE",
    "GEN_RPC_SEND_TIMEOUT_IN_MS",
    "GEN_RPC_SOCKET_IP",
    "GEN_RPC_SSL_CLIENT_PORT",
    "GEN_RPC_SSL_SERVER_PORT",
    "GEN_RPC_TCP_CLIENT_PORT",
    "GEN_RPC_TCP_SERVER_PORT",
    "JANITOR_CHILDREN_TIMEOUT",
    "JANITOR_CHUNK_SIZE",
    "JANITOR_MAX_CHILDREN",
    "JANITOR_RUN_AFTER_IN_MS",
    "JANITOR_SCHEDULE_RANDOMIZE",
    "JANITOR_SCHEDULE_TIMER_IN_MS",
    "JWT_CLAIM_VALIDATORS",
    "LOGFLARE_API_KEY",
    "LOGFLARE_LOGGER_BACKEND_URL",
    "LOGFLARE_SOURCE_ID",
    "LOGS_ENGINE",
    "LOG_LEVEL",
    "MAX_CONNECTIONS",
    "MAX_GEN_RPC_CLIENTS",
    "MAX_HEADER_LENGTH",
    "MEASURE_TRAFFIC_INTERVAL_IN_MS",
    "METRICS_CLEANER_SCHEDULE_TIMER_IN_MS",
    "METRICS_JWT_SECRET",
    "METRICS_PUSHER_AUTH",
    "METRICS_PUSHER_COMPRESS",
    "METRICS_PUSHER_ENABLED",
    "METRICS_PUSHER_INTERVAL_MS",
    "METRICS_PUSHER_TIMEOUT_MS",
    "METRICS_PUSHER_URL",
    "METRICS_PUSHER_USER",
    "METRICS_RPC_TIMEOUT_IN_MS",
    "METRICS_SEPARATION_ENABLED",
    "METRICS_TOKEN_BLOCKLIST",
    "MIGRATION_PARTITION_SLOTS",
    "NODE_BALANCE_UPTIME_THRESHOLD_IN_MS",
    "NODE_NAME",
    "NO_CHANNEL_TIMEOUT_IN_MS",
    "NUM_ACCEPTORS",
    "POD_IP",
    "PORT",
    "POSTGRES_CDC_SCOPE_SHARDS",
    "PRESENCE_BROADCAST_PERIOD_IN_MS",
    "PRESENCE_PERMDOWN_PERIOD_IN_MS",
    "PRESENCE_POOL_SIZE",
    "PROM_POLL_RATE",
    "PUBSUB_ADAPTER",
    "REBALANCE_CHECK_INTERVAL_IN_MS",
    "REGION",
    "REGIONAL_BROADCASTING",
    "REGION_MAPPING",
    "RELEASE_COOKIE",
    "RELEASE_TMP",
    "REQUEST_ID_BAGGAGE_KEY",
    "RLIMIT_NOFILE",
    "RPC_TIMEOUT",
    "RUN_JANITOR",
    "SECRET_KEY_BASE",
    "SEED_SELF_HOST",
    "SELF_HOST_TENANT_NAME",
    // priv/repo/seeds.exs: the tenant's jwt_jwks.
    "API_JWT_JWKS",
    "SLOT_NAME_SUFFIX",
    "TENANT_CACHE_EXPIRATION_IN_MS",
    "TENANT_MAX_BYTES_PER_SECOND",
    "TENANT_MAX_CHANNELS_PER_CLIENT",
    "TENANT_MAX_CONCURRENT_USERS",
    "TENANT_MAX_EVENTS_PER_SECOND",
    "TENANT_MAX_JOINS_PER_SECOND",
    "USERS_SCOPE_SHARDS",
    "WEBSOCKET_MAX_HEAP_SIZE",
];

/// The kong.conf options the chart sets through KONG_<OPTION> (Kong reads every KONG_* variable as
/// the option of that name), each checked against Kong/kong@3.9.1:kong/templates/kong_defaults.lua.
const KONG_CONF_KEYS: &[&str] = &[
    "database",
    "declarative_config",
    "prefix",
    "proxy_listen",
    "admin_listen",
    "status_listen",
    "nginx_worker_processes",
    "plugins",
    "dns_order",
    "trusted_ips",
    "real_ip_header",
    "real_ip_recursive",
    "headers",
    "anonymous_reports",
    "proxy_access_log",
    "proxy_error_log",
];
/// Injected nginx directives (Kong/kong@3.9.1:kong/conf_loader/constants.lua, DYNAMIC_KEY_NAMESPACES:
/// `nginx_proxy_*` goes into the proxy server block).
const KONG_DYNAMIC_PREFIXES: &[&str] = &["nginx_proxy_"];

/// HTTP routes that exist at the pinned tags, per component: (path, the env var naming the port
/// that serves it).
fn http_routes(component: &str) -> &'static [(&'static str, &'static str)] {
    match component {
        // supabase/auth@v2.186.0:internal/api/api.go: r.Get("/health", api.HealthCheck)
        "gotrue" => &[("/health", "GOTRUE_API_PORT")],
        // PostgREST/postgrest@v14.5:src/PostgREST/Admin.hs: ["live"], ["ready"] on the admin server
        "postgrest" => &[
            ("/live", "PGRST_ADMIN_SERVER_PORT"),
            ("/ready", "PGRST_ADMIN_SERVER_PORT"),
        ],
        // supabase/storage@v1.44.2:src/app.ts: app.get('/status', ...)
        "storage" => &[("/status", "SERVER_PORT")],
        // supabase/postgres-meta@v0.95.2:src/server/app.ts: app.get('/health', ...)
        "meta" => &[("/health", "PG_META_PORT")],
        // imgproxy/imgproxy@v3.30.1:router/router.go and server.go: GET /health (200 while libvips
        // is healthy), on IMGPROXY_BIND.
        "imgproxy" => &[("/health", "IMGPROXY_BIND")],
        // supabase/supavisor@v2.7.4:lib/supavisor_web/router.ex: get("/health") in scope "/api",
        // without authentication, on PORT.
        "pooler" => &[("/api/health", "PORT")],
        // Kong/kong@3.9.1:kong/api/routes/health.lua ("/status") and kong/status/ready.lua
        // ("/status/ready"), served by the status listener.
        "kong" => &[
            ("/status", "KONG_STATUS_LISTEN"),
            ("/status/ready", "KONG_STATUS_LISTEN"),
        ],
        _ => &[],
    }
}

// ------------------------------------------------------------------------------ rendering

/// Runs `check` on every environment (none without helm: skipped loudly by `common::chart`).
fn for_each_env(check: impl Fn(&Env)) {
    for env in environments().unwrap_or_default() {
        check(env);
    }
}

/// Runs `check` on every environment that deploys the (optional) component.
fn for_each_env_deploying(component: &str, check: impl Fn(&Env)) {
    for_each_env(|env| {
        if env.find_deployment(component).is_some() {
            check(env);
        }
    });
}

fn env_list(container: &Value) -> &[Value] {
    container["env"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// The literal value of an env var (None when absent or from a Secret).
fn env_value<'a>(container: &'a Value, name: &str) -> Option<&'a str> {
    env_list(container)
        .iter()
        .find(|e| e["name"] == name)
        .and_then(|e| e["value"].as_str())
}

fn env_names(container: &Value) -> Vec<String> {
    env_list(container)
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect()
}

/// Names used only to build another variable of the same container (`$(NAME)`, expanded by the
/// kubelet): consumed by Kubernetes, so allowed even when the program does not read them.
fn composition_only(container: &Value) -> BTreeSet<String> {
    let values: Vec<&str> = env_list(container)
        .iter()
        .filter_map(|e| e["value"].as_str())
        .collect();
    env_names(container)
        .into_iter()
        .filter(|n| values.iter().any(|v| v.contains(&format!("$({n})"))))
        .collect()
}

/// Asserts that every env var the chart sets on the component's container is read.
fn assert_env_read(component: &str, read: impl Fn(&str) -> bool) {
    for_each_env_deploying(component, |env| {
        let container = env.container(component);
        let helpers = composition_only(container);
        let unread: Vec<String> = env_names(container)
            .into_iter()
            .filter(|n| !read(n) && !helpers.contains(n))
            .collect();
        assert!(
            unread.is_empty(),
            "{}: {component} sets env vars its pinned image does not read: {unread:?}",
            env.name
        );
    });
}

// ------------------------------------------------------------------------------ env vars are read

#[test]
fn gotrue_reads_every_env_var_the_chart_sets() {
    assert_env_read("gotrue", |n| GOTRUE_READS.contains(&n));
}

#[test]
fn postgrest_reads_every_env_var_the_chart_sets() {
    assert_env_read("postgrest", |n| {
        POSTGREST_READS.contains(&n) || n.starts_with(POSTGREST_READS_PREFIX)
    });
}

#[test]
fn storage_reads_every_env_var_the_chart_sets() {
    assert_env_read("storage", |n| STORAGE_READS.contains(&n));
}

#[test]
fn meta_reads_every_env_var_the_chart_sets() {
    assert_env_read("meta", |n| META_READS.contains(&n));
}

#[test]
fn studio_reads_every_env_var_the_chart_sets() {
    assert_env_read("studio", |n| STUDIO_READS.contains(&n));
}

#[test]
fn realtime_reads_every_env_var_the_chart_sets() {
    assert_env_read("realtime", |n| REALTIME_READS.contains(&n));
}

#[test]
fn supavisor_reads_every_env_var_the_chart_sets() {
    assert_env_read("pooler", |n| SUPAVISOR_READS.contains(&n));
}

#[test]
fn the_functions_main_service_reads_every_env_var_the_chart_sets() {
    let router = std::fs::read_to_string(common::repo().join("helm-charts/supabase-custom/files/functions-main/router.ts")).unwrap();
    // The list above must stay what the router really reads.
    for name in FUNCTIONS_READS.iter().filter(|n| !["DENO_DIR", "HOME"].contains(n)) {
        assert!(router.contains(&format!("env.{name}")) || router.contains(&format!("\"{name}\"")), "router.ts does not read {name}");
    }
    assert_env_read("functions", |n| FUNCTIONS_READS.contains(&n));
}

#[test]
fn imgproxy_reads_every_env_var_the_chart_sets() {
    assert_env_read("imgproxy", |n| IMGPROXY_READS.contains(&n));
}

#[test]
fn kong_env_vars_are_kong_conf_options() {
    assert_env_read("kong", |n| {
        n.strip_prefix("KONG_")
            .map(str::to_ascii_lowercase)
            .is_some_and(|key| {
                KONG_CONF_KEYS.contains(&key.as_str())
                    || KONG_DYNAMIC_PREFIXES.iter().any(|p| key.starts_with(p))
            })
    });
}

// ------------------------------------------------------------------------------ probes and ports

/// The port number a container port name (or number) stands for.
fn port_number(container: &Value, port: &Value) -> u64 {
    if let Some(n) = port.as_u64() {
        return n;
    }
    let name = port.as_str().unwrap();
    container["ports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .and_then(|p| p["containerPort"].as_u64())
        .unwrap_or_else(|| panic!("no container port named {name}"))
}

/// The port an env var makes the process listen on ("3001", "0.0.0.0:8100").
fn listen_port(container: &Value, var: &str) -> u64 {
    let value = env_value(container, var).unwrap_or_else(|| panic!("{var} is not set literally"));
    value
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("{var}={value}: no port"))
}

#[test]
fn every_http_probe_path_exists_at_the_pinned_tag_on_the_port_that_serves_it() {
    for_each_env(|env| {
        let mut probed = 0;
        for component in [
            "kong",
            "postgrest",
            "gotrue",
            "realtime",
            "storage",
            "meta",
            "studio",
            "imgproxy",
            "pooler",
        ] {
            if env.find_deployment(component).is_none() {
                continue;
            }
            let container = env.container(component);
            for probe in ["readinessProbe", "livenessProbe", "startupProbe"] {
                let http = &container[probe]["httpGet"];
                if http.is_null() {
                    continue;
                }
                let path = http["path"].as_str().unwrap();
                let port = port_number(container, &http["port"]);
                let route = http_routes(component).iter().find(|(p, _)| *p == path);
                let Some((_, var)) = route else {
                    panic!(
                        "{}: {component} {probe} GETs {path}, which the pinned image does not serve",
                        env.name
                    )
                };
                assert_eq!(
                    port,
                    listen_port(container, var),
                    "{}: {component} {probe} GETs {path} on port {port}, but {var} makes it listen elsewhere",
                    env.name
                );
                probed += 1;
            }
        }
        assert!(probed >= 8, "{}: only {probed} HTTP probes found", env.name);
    });
}

#[test]
fn container_ports_are_the_ports_the_processes_listen_on() {
    // (component, container port name, env var that sets the listening port), each read by the
    // pinned image (lists above): the process listens where the Service and probes send traffic.
    let listeners = [
        ("kong", "proxy", "KONG_PROXY_LISTEN"),
        ("kong", "status", "KONG_STATUS_LISTEN"),
        ("postgrest", "http", "PGRST_SERVER_PORT"),
        ("postgrest", "admin", "PGRST_ADMIN_SERVER_PORT"),
        ("gotrue", "http", "GOTRUE_API_PORT"),
        ("realtime", "http", "PORT"),
        ("storage", "http", "SERVER_PORT"),
        ("meta", "http", "PG_META_PORT"),
        ("studio", "http", "PORT"),
        ("imgproxy", "http", "IMGPROXY_BIND"),
        ("pooler", "http", "PORT"),
        ("pooler", "transaction", "PROXY_PORT_TRANSACTION"),
        ("pooler", "session", "PROXY_PORT_SESSION"),
    ];
    for_each_env(|env| {
        for (component, port_name, var) in listeners {
            if env.find_deployment(component).is_none() {
                continue;
            }
            let container = env.container(component);
            assert_eq!(
                port_number(container, &Value::from(port_name)),
                listen_port(container, var),
                "{}: {component} port {port_name} differs from {var}",
                env.name
            );
        }
    });
}

// ------------------------------------------------------------------------------ writable paths

/// Directories each process writes to, which must be writable mounts under the read-only root.
fn written_paths(component: &str, container: &Value) -> Vec<String> {
    match component {
        // Kong/docker-kong@3.9.1:docker-entrypoint.sh: `kong prepare -p "$PREFIX"` writes nginx.conf,
        // pids and the log links into KONG_PREFIX; this chart's start command writes its hash to /tmp.
        "kong" => vec![
            env_value(container, "KONG_PREFIX")
                .unwrap_or("/usr/local/kong")
                .to_string(),
            "/tmp".into(),
        ],
        // supabase/realtime@v2.78.15:run.sh sets ERL_CRASH_DUMP=/tmp/erl_crash.dump; the Elixir
        // release scripts write to RELEASE_TMP (default: the release root's tmp, /app/tmp).
        "realtime" => vec![
            "/tmp".into(),
            env_value(container, "RELEASE_TMP")
                .unwrap_or("/app/tmp")
                .to_string(),
        ],
        // Next.js writes its image and fetch caches to .next/cache of the app (/app/apps/studio).
        "studio" => vec!["/app/apps/studio/.next/cache".into()],
        // libvips/glib temporary files and fontconfig's cache (imgproxy/imgproxy@v3.30.1:
        // docker/Dockerfile creates /var/cache/fontconfig writable for the runtime user).
        "imgproxy" => vec!["/tmp".into(), "/var/cache/fontconfig".into()],
        // The release's temporary files and the VM's crash dump, where the chart points them.
        // Deno's module cache and the workers' temporary directories, where the chart points them.
        "functions" => vec![env_value(container, "DENO_DIR").unwrap_or("/root/.cache/deno").to_string(), "/tmp".into()],
        "pooler" => vec![
            env_value(container, "RELEASE_TMP").unwrap_or("/app/tmp").to_string(),
            env_value(container, "ERL_CRASH_DUMP").map_or("/app".to_string(), |p| p.rsplit_once('/').map_or(p, |(dir, _)| dir).to_string()),
        ],
        _ => vec![],
    }
}

#[test]
fn read_only_root_filesystems_have_writable_mounts_where_the_processes_write() {
    for_each_env(|env| {
        for component in ["kong", "realtime", "studio", "imgproxy", "pooler", "functions"] {
            if env.find_deployment(component).is_none() {
                continue;
            }
            let container = env.container(component);
            assert_eq!(container["securityContext"]["readOnlyRootFilesystem"], true);
            let writable: Vec<&str> = container["volumeMounts"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|m| m["readOnly"] != true)
                .map(|m| m["mountPath"].as_str().unwrap())
                .collect();
            for path in written_paths(component, container) {
                assert!(
                    writable.iter().any(|m| path == *m
                        || path.starts_with(&format!("{}/", m.trim_end_matches('/')))),
                    "{}: {component} writes {path}, which is on the read-only root filesystem (writable mounts: {writable:?})",
                    env.name
                );
            }
        }
    });
}

// ------------------------------------------------------------------------------ Realtime's entrypoint

// supabase/realtime@v2.78.15:Dockerfile: ENTRYPOINT tini -- /app/run.sh, and run.sh runs
// `sudo -E -u nobody /app/bin/migrate` (and the seed) under `set -euo pipefail`: with
// allowPrivilegeEscalation false sudo cannot elevate, so the image's entrypoint must be replaced.
#[test]
fn realtime_starts_without_sudo() {
    for_each_env(|env| {
        let container = env.container("realtime");
        let command = container["command"].as_array();
        assert!(
            command.is_some_and(|c| !c.is_empty()),
            "{}: realtime keeps the image entrypoint (/app/run.sh runs sudo)",
            env.name
        );
        let all = format!("{} {}", container["command"], container["args"]);
        assert!(
            !all.contains("sudo"),
            "{}: realtime's command runs sudo: {all}",
            env.name
        );
        assert!(
            !all.contains("run.sh"),
            "{}: realtime's command runs the image's run.sh (sudo): {all}",
            env.name
        );
    });
}

#[test]
fn realtime_cannot_escalate_privileges() {
    for_each_env(|env| {
        let sc = &env.container("realtime")["securityContext"];
        assert_eq!(
            sc["allowPrivilegeEscalation"], false,
            "{}: realtime allowPrivilegeEscalation",
            env.name
        );
    });
}

// supabase/realtime@v2.78.15:rel/env.sh.eex names the node <APP_NAME>@$POD_IP (127.0.0.1 without
// it), so DNS clustering needs the pod's own IP.
#[test]
fn realtime_gets_pod_ip_from_the_downward_api() {
    for_each_env(|env| {
        let container = env.container("realtime");
        let pod_ip = env_list(container).iter().find(|e| e["name"] == "POD_IP");
        let field = pod_ip.map(|e| &e["valueFrom"]["fieldRef"]["fieldPath"]);
        assert_eq!(
            field.and_then(Value::as_str),
            Some("status.podIP"),
            "{}: realtime POD_IP",
            env.name
        );
    });
}

// supabase/realtime@v2.78.15:run.sh raises the soft open-files limit to RLIMIT_NOFILE (upstream
// compose: 10000); every WebSocket is a file descriptor.
#[test]
fn realtime_sets_rlimit_nofile() {
    for_each_env(|env| {
        let value = env_value(env.container("realtime"), "RLIMIT_NOFILE");
        assert!(
            value
                .and_then(|v| v.parse::<u64>().ok())
                .is_some_and(|n| n >= 10000),
            "{}: realtime RLIMIT_NOFILE is {value:?}, expected a number >= 10000",
            env.name
        );
    });
}

// ------------------------------------------------------------------------------ Kong key changes

/// The Kong start script and liveness script as rendered.
fn kong_scripts(env: &Env) -> (String, String) {
    let container = env.container("kong");
    let command: Vec<&str> = container["command"]
        .as_array()
        .map(|c| c.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    assert_eq!(
        command,
        ["/bin/bash", "-c"],
        "{}: Kong has no start script that records the hash of kong.yml (a changed API key would not restart it)",
        env.name
    );
    let start = container["args"][0]
        .as_str()
        .expect("kong args[0]")
        .to_string();
    let probe: Vec<&str> = container["livenessProbe"]["exec"]["command"]
        .as_array()
        .unwrap_or_else(|| {
            panic!(
                "{}: Kong's liveness probe does not check kong.yml",
                env.name
            )
        })
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(probe[..2], ["/bin/bash", "-c"]);
    (start, probe[2].to_string())
}

// Kong (DB-less) reads kong.yml, which embeds both API keys, only at start. The keys change in
// Secrets Manager (bootstrap Job) and reach the mounted Secret through External Secrets, out of
// Helm's sight; the chart makes the kubelet restart Kong when the mounted file changes.
#[test]
fn kong_mounts_its_config_so_that_key_changes_reach_the_running_pod() {
    for_each_env(|env| {
        let pod = &env.deployment("kong")["spec"]["template"]["spec"];
        let container = env.container("kong");
        let config =
            env_value(container, "KONG_DECLARATIVE_CONFIG").expect("KONG_DECLARATIVE_CONFIG");
        let mount = container["volumeMounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| config.starts_with(m["mountPath"].as_str().unwrap()))
            .unwrap_or_else(|| panic!("{}: {config} is not on a mount", env.name));
        // A subPath mount is never updated by the kubelet.
        assert!(
            mount["subPath"].is_null(),
            "{}: kong.yml is mounted with subPath",
            env.name
        );
        let volume = pod["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == mount["name"])
            .unwrap();
        assert_eq!(
            volume["secret"]["secretName"], "supabase-kong-config",
            "{}",
            env.name
        );
        let (start, probe) = kong_scripts(env);
        assert!(
            start.contains("sha256sum \"$KONG_DECLARATIVE_CONFIG\""),
            "{}: {start}",
            env.name
        );
        // The image's own start (Kong/docker-kong@3.9.1:Dockerfile.deb ENTRYPOINT and CMD).
        assert!(
            start
                .trim_end()
                .ends_with("exec /docker-entrypoint.sh kong docker-start"),
            "{}: {start}",
            env.name
        );
        assert!(
            probe.contains("/dev/tcp/127.0.0.1/8100") && probe.contains("GET /status "),
            "{}: {probe}",
            env.name
        );
    });
}

/// A one-connection-at-a-time HTTP server answering every request with `status`.
fn status_server(status: &'static str) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            // Read the whole request first: closing with unread input would reset the connection.
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let _ = write!(stream, "HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n");
        }
    });
    port
}

/// Writes kong.yml the way the kubelet updates a Secret volume: a new timestamped directory, then
/// an atomic swap of the `..data` link (the file itself is a link through `..data`).
fn kubelet_write(dir: &Path, generation: u32, content: &str) {
    let data = dir.join(format!("..{generation}"));
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("kong.yml"), content).unwrap();
    let tmp = dir.join("..data_tmp");
    let _ = std::fs::remove_file(&tmp);
    std::os::unix::fs::symlink(format!("..{generation}"), &tmp).unwrap();
    std::fs::rename(&tmp, dir.join("..data")).unwrap();
    if !dir.join("kong.yml").exists() {
        std::os::unix::fs::symlink("..data/kong.yml", dir.join("kong.yml")).unwrap();
    }
}

#[test]
fn kong_restarts_when_an_api_key_in_its_config_changes() {
    if !common::tool("bash") {
        return;
    }
    let Some(env) = environments().and_then(|e| e.first()) else {
        return;
    };
    let (start, probe) = kong_scripts(env);
    let tmp = common::TempDir::new("kong-restart");
    let mount = tmp.path().join("kong-declarative");
    std::fs::create_dir_all(&mount).unwrap();
    let hash_file = tmp.path().join("kong-declarative.sha256");
    // The scripts as rendered, pointed at the temporary directory and a local status server; the
    // image's entrypoint is replaced by "exit 0" (Kong itself cannot run here).
    let localize = |script: &str, status_port: u16| {
        assert!(script.contains("/tmp/kong-declarative.sha256"));
        script
            .replace("/tmp/kong-declarative.sha256", hash_file.as_str())
            .replace("exec /docker-entrypoint.sh kong docker-start", "exit 0")
            .replace(
                "/dev/tcp/127.0.0.1/8100",
                &format!("/dev/tcp/127.0.0.1/{status_port}"),
            )
    };
    let run = |script: &str| {
        Command::new("bash")
            .arg("-c")
            .arg(script)
            .env("KONG_DECLARATIVE_CONFIG", mount.join("kong.yml"))
            .output()
            .expect("run bash")
    };
    let ok = status_server("200 OK");
    let key_a = "consumers: [{username: anon, keyauth_credentials: [{key: \"eyJ.anon.a\"}]}]\n";
    let key_b = "consumers: [{username: anon, keyauth_credentials: [{key: \"eyJ.anon.b\"}]}]\n";

    kubelet_write(mount.as_std_path(), 1, key_a);
    assert!(
        run(&localize(&start, ok)).status.success(),
        "start script failed"
    );
    let live = run(&localize(&probe, ok));
    assert!(
        live.status.success(),
        "liveness fails right after start: {}",
        common::stderr(&live)
    );

    // External Secrets rewrote the Secret with a new key; the kubelet swapped the mounted file.
    kubelet_write(mount.as_std_path(), 2, key_b);
    let live = run(&localize(&probe, ok));
    assert!(
        !live.status.success(),
        "liveness still passes after kong.yml changed: Kong would keep the old key"
    );
    assert!(
        common::stderr(&live).contains("kong.yml changed"),
        "{}",
        common::stderr(&live)
    );

    // After the restart (the start script runs again) Kong has the new file: live again.
    assert!(run(&localize(&start, ok)).status.success());
    assert!(
        run(&localize(&probe, ok)).status.success(),
        "liveness fails after the restart"
    );

    // Rewriting the same content (a periodic sync) restarts nothing.
    kubelet_write(mount.as_std_path(), 3, key_b);
    assert!(
        run(&localize(&probe, ok)).status.success(),
        "an unchanged kong.yml restarts Kong"
    );

    // The probe still checks that Kong answers /status.
    let failing = status_server("503 Service Unavailable");
    assert!(
        !run(&localize(&probe, failing)).status.success(),
        "liveness passes while /status answers 503"
    );
}

// ------------------------------------------------------------------------------ edge

/// One `name = value` line of an environment's generated core tfvars, unquoted.
fn core_tfvar(env: &Env, name: &str) -> Option<String> {
    let path = common::repo().join("out/environments").join(&env.name).join("core/terraform.tfvars");
    std::fs::read_to_string(&path).unwrap().lines().find_map(|line| {
        let (key, value) = line.split_once('=')?;
        (key.trim() == name).then(|| value.trim().trim_matches('"').to_string())
    })
}

/// The Ingress names the core layer's web ACL exactly when the tier enables WAF, by name
/// (`wafv2-acl-name`, resolved by the controller with wafv2:ListWebACLs at
/// kubernetes-sigs/aws-load-balancer-controller@v2.17.0:pkg/ingress/model_builder.go), so no
/// ARN has to pass from the core layer's outputs into the values.
#[test]
fn ingress_names_the_web_acl_exactly_when_the_tier_enables_waf() {
    let seen = std::cell::RefCell::new(BTreeSet::new());
    for_each_env(|env| {
        let ingress = env.docs.iter().find(|d| d["kind"] == "Ingress").unwrap_or_else(|| panic!("{}: no Ingress", env.name));
        let annotations = &ingress["metadata"]["annotations"];
        let enabled = core_tfvar(env, "waf_enabled").unwrap_or_else(|| panic!("{}: core tfvars lack waf_enabled", env.name)) == "true";
        let acl = core_tfvar(env, "web_acl_name").unwrap_or_else(|| panic!("{}: core tfvars lack web_acl_name", env.name));
        let named = annotations["alb.ingress.kubernetes.io/wafv2-acl-name"].as_str();
        if enabled {
            assert_eq!(named, Some(acl.as_str()), "{}: the tier enables WAF, the Ingress must name the core layer's web ACL", env.name);
        } else {
            assert_eq!(named, None, "{}: the tier has no WAF, the Ingress must not name a web ACL (the controller would fail to find it)", env.name);
        }
        assert!(annotations.get("alb.ingress.kubernetes.io/wafv2-acl-arn").is_none(), "{}: by name, not by ARN", env.name);
        seen.borrow_mut().insert(enabled);
    });
    let seen = seen.into_inner();
    assert!(seen.is_empty() || seen.len() == 2, "the committed environments must cover both a tier with WAF and one without: {seen:?}");
}

// ------------------------------------------------------------------------------ imgproxy

/// Storage registers its `/render/image/*` routes only when image transformation is on
/// (supabase/storage@v1.44.2:src/http/routes/render/index.ts returns early otherwise), and then
/// sends every render to `IMGPROXY_URL` (src/storage/renderer/image.ts). So the switch must follow
/// the imgproxy Deployment exactly, and the URL must reach the port imgproxy listens on.
#[test]
fn storage_renders_images_exactly_when_imgproxy_runs_and_reaches_it() {
    let seen = std::cell::RefCell::new(BTreeSet::new());
    for_each_env(|env| {
        let storage = env.container("storage");
        let deployed = env.find_deployment("imgproxy").is_some();
        assert_eq!(
            env_value(storage, "ENABLE_IMAGE_TRANSFORMATION"),
            Some(if deployed { "true" } else { "false" }),
            "{}: Storage's image transformation must be on exactly when imgproxy is deployed",
            env.name
        );
        seen.borrow_mut().insert(deployed);
        if !deployed {
            assert_eq!(env_value(storage, "IMGPROXY_URL"), None, "{}: IMGPROXY_URL without imgproxy", env.name);
            return;
        }
        let url = env_value(storage, "IMGPROXY_URL").unwrap_or_else(|| panic!("{}: Storage has no IMGPROXY_URL", env.name));
        let rest = url.strip_prefix("http://").unwrap_or_else(|| panic!("{}: IMGPROXY_URL {url} is not plain http (Storage's keep-alive agent is http only)", env.name));
        let (host, port) = rest.trim_end_matches('/').split_once(':').unwrap_or_else(|| panic!("{}: IMGPROXY_URL {url} names no port", env.name));
        let service = env.find("Service", host).unwrap_or_else(|| panic!("{}: IMGPROXY_URL names {host}, which is no Service", env.name));
        let service_port = service["spec"]["ports"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["port"].as_u64() == port.parse().ok())
            .unwrap_or_else(|| panic!("{}: Service {host} has no port {port}", env.name));
        assert_eq!(service["spec"]["selector"]["app.kubernetes.io/component"], "imgproxy", "{}: {host} does not select imgproxy", env.name);
        let imgproxy = env.container("imgproxy");
        assert_eq!(
            port_number(imgproxy, &service_port["targetPort"]),
            listen_port(imgproxy, "IMGPROXY_BIND"),
            "{}: the Service sends Storage's renders to a port imgproxy does not listen on",
            env.name
        );
    });
    let seen = seen.into_inner();
    assert!(seen.is_empty() || seen.len() == 2, "the committed environments must cover imgproxy on and off: {seen:?}");
}

/// imgproxy checks no signature (Storage cannot sign its requests), so it fetches any source its
/// caller names: only Storage may reach it, and it may reach only HTTPS.
#[test]
fn only_storage_reaches_imgproxy_and_imgproxy_reaches_only_https() {
    for_each_env_deploying("imgproxy", |env| {
        let policy = env.network_policy("imgproxy").unwrap_or_else(|| panic!("{}: imgproxy has no NetworkPolicy", env.name));
        let ingress = policy["spec"]["ingress"].as_array().unwrap();
        let from: Vec<&Value> = ingress.iter().flat_map(|rule| rule["from"].as_array().unwrap()).collect();
        assert_eq!(from.len(), 1, "{}: imgproxy admits more than one peer: {from:?}", env.name);
        assert_eq!(from[0]["podSelector"]["matchLabels"]["app.kubernetes.io/component"], "storage", "{}", env.name);
        for rule in policy["spec"]["egress"].as_array().unwrap() {
            let ports: Vec<u64> = rule["ports"].as_array().unwrap().iter().filter_map(|p| p["port"].as_u64()).collect();
            assert_eq!(ports, [443], "{}: imgproxy egress beyond HTTPS: {rule}", env.name);
        }
        // Storage's own policy lets it reach imgproxy.
        let storage = env.network_policy("storage").unwrap();
        assert!(
            storage["spec"]["egress"].as_array().unwrap().iter().any(|rule| rule["to"]
                .as_array()
                .is_some_and(|to| to.iter().any(|peer| peer["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "imgproxy"))),
            "{}: Storage's NetworkPolicy does not let it reach imgproxy",
            env.name
        );
    });
}

/// Whether imgproxy admits a source URL: imgproxy/imgproxy@v3.30.1:security/source.go matches
/// the URL against each IMGPROXY_ALLOWED_SOURCES entry turned into `^` + the entry with `*`
/// matching within a path segment (config/configurators/configurators.go, RegexpFromPattern).
fn imgproxy_admits(allowed: &str, url: &str) -> bool {
    allowed.split(',').map(str::trim).any(|pattern| {
        let literals: Vec<String> = pattern.split('*').map(regex::escape).collect();
        regex::Regex::new(&format!("^{}", literals.join("([^/]*)"))).unwrap().is_match(url)
    })
}

/// Presigns a GetObject link exactly as Storage does for imgproxy: the AWS SDK for JavaScript v3
/// at the versions supabase/storage@v1.44.2 locks, a client with only a region (no endpoint, no
/// path style: src/storage/backend/s3/adapter.ts `createS3Client`), `getSignedUrl(client,
/// GetObjectCommand, { expiresIn: 600 })` (`privateAssetUrl`). Credentials are dummies: signing is
/// local. None without node or the SDK (`scripts/install-aws-sdk-s3.sh`).
fn presign(bucket: &str, region: &str, key: &str) -> Option<String> {
    let sdk = common::repo().join(".cache/aws-sdk-s3/node_modules");
    if !sdk.join("@aws-sdk/s3-request-presigner").is_dir() {
        common::missing("the AWS SDK for JavaScript v3", ".cache/aws-sdk-s3 (scripts/install-aws-sdk-s3.sh installs it)");
        return None;
    }
    let script = r#"
const { S3Client, GetObjectCommand } = require('@aws-sdk/client-s3');
const { getSignedUrl } = require('@aws-sdk/s3-request-presigner');
const [bucket, region, key] = process.argv.slice(1);
const client = new S3Client({ region, credentials: { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token' } });
getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: 600 })
  .then((url) => process.stdout.write(url), (err) => { console.error(err); process.exit(1); });
"#;
    let out = Command::new("node")
        .args(["-e", script, bucket, region, key])
        .env("NODE_PATH", &sdk)
        .output()
        .expect("run node");
    assert!(out.status.success(), "presigning failed: {}", String::from_utf8_lossy(&out.stderr));
    Some(String::from_utf8(out.stdout).unwrap())
}

/// IMGPROXY_ALLOWED_SOURCES admits the link Storage sends for an object of its bucket, and not a
/// link to another bucket, a look-alike host, or the instance metadata service.
#[test]
fn imgproxy_admits_the_links_storage_presigns_and_nothing_else() {
    for_each_env_deploying("imgproxy", |env| {
        let storage = env.container("storage");
        let bucket = env_value(storage, "GLOBAL_S3_BUCKET").expect("GLOBAL_S3_BUCKET");
        let region = env_value(storage, "REGION").expect("REGION");
        let allowed = env_value(env.container("imgproxy"), "IMGPROXY_ALLOWED_SOURCES").expect("IMGPROXY_ALLOWED_SOURCES");
        // Object keys in the global bucket are <tenant>/<bucket>/<name> (src/storage/locator.ts).
        let Some(link) = presign(bucket, region, "stub/avatars/folder/a photo.png") else { return };
        assert!(imgproxy_admits(allowed, &link), "{}: imgproxy ({allowed}) refuses the link Storage sends: {link}", env.name);
        for foreign in [
            link.replacen(bucket, "someone-elses-bucket", 1),
            link.replacen(".amazonaws.com/", ".amazonaws.com.evil.example/", 1),
            "http://169.254.169.254/latest/meta-data/".to_string(),
            format!("http://{bucket}.s3.{region}.amazonaws.com/stub/x.png"),
        ] {
            assert!(!imgproxy_admits(allowed, &foreign), "{}: imgproxy ({allowed}) admits {foreign}", env.name);
        }
    });
}

/// Kong's declarative config as it runs: the template the ExternalSecret writes to kong.yml,
/// rendered as External Secrets renders it (Go text/template) with a value for every key.
fn kong_config(env: &Env) -> Value {
    let helm = common::chart::helm().expect("helm rendered the environments");
    let text = common::chart::eso_render(&helm, common::chart::kong_template(env), common::chart::KONG_KEYS);
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: kong.yml does not parse: {e}\n{text}", env.name))
}

/// Where Kong sends a request path: the service and route of the longest matching prefix path,
/// and the path the upstream receives (the prefix removed with `strip_path`; Kong/kong@3.9.1,
/// prefix paths).
struct KongHop {
    service: Value,
    route: Value,
    path: String,
}

fn kong_route(env: &Env, request: &str) -> KongHop {
    let config = kong_config(env);
    config["services"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["routes"].as_array().unwrap().iter().map(move |r| (s, r)))
        .flat_map(|(s, r)| r["paths"].as_array().unwrap().iter().map(move |p| (s, r, p.as_str().unwrap())))
        .filter(|(_, _, p)| request.starts_with(p))
        .max_by_key(|(_, _, p)| p.len())
        .map(|(s, r, p)| {
            let rest = if r["strip_path"] == true { &request[p.len()..] } else { request };
            KongHop { service: s.clone(), route: r.clone(), path: format!("/{}", rest.trim_start_matches('/')) }
        })
        .unwrap_or_else(|| panic!("{}: no Kong route matches {request}", env.name))
}

/// Kong routes /storage/v1/render/image/... to Storage with the path Storage serves: Kong picks
/// the longest matching prefix path and, with strip_path, forwards the rest after the service's
/// path (Kong/kong@3.9.1: prefix paths, `strip_path`).
#[test]
fn kong_routes_image_renders_to_storage() {
    for_each_env(|env| {
        let request = "/storage/v1/render/image/public/avatars/a.png";
        let hop = kong_route(env, request);
        let service = hop.service["url"].as_str().unwrap();
        assert!(service.starts_with("http://supabase-storage:"), "{}: {request} goes to {service}", env.name);
        // supabase/storage@v1.44.2:src/app.ts registers the render routes under /render/image.
        assert_eq!(hop.path, "/render/image/public/avatars/a.png", "{}", env.name);
    });
}

// ------------------------------------------------------------------------------ pooler

/// The environment's committed values (what the chart was rendered with).
fn committed_values(env: &Env) -> Value {
    serde_saphyr::from_str(&std::fs::read_to_string(env.values_file()).unwrap()).unwrap()
}

fn init_container<'a>(env: &'a Env, component: &str, name: &str) -> &'a Value {
    env.deployment(component)["spec"]["template"]["spec"]["initContainers"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["name"] == name))
        .unwrap_or_else(|| panic!("{}: {component} has no init container {name}", env.name))
}

/// The tenant step gets exactly the settings files/pooler-tenant.exs reads (`env.("POOLER_...")`):
/// one it lacks fails the pod at start, one it ignores is a setting that silently does nothing.
#[test]
fn the_tenant_step_sets_exactly_what_the_tenant_script_reads() {
    let script = std::fs::read_to_string(common::repo().join("helm-charts/supabase-custom/files/pooler-tenant.exs")).unwrap();
    let read: BTreeSet<String> = script
        .split("(\"")
        .skip(1)
        .filter_map(|rest| rest.split_once('"').map(|(name, _)| name))
        .filter(|name| name.starts_with("POOLER_"))
        .map(str::to_string)
        .collect();
    assert!(read.len() >= 10, "found only {read:?} in the script");
    for_each_env_deploying("pooler", |env| {
        let tenant = init_container(env, "pooler", "tenant");
        let set: BTreeSet<String> = env_names(tenant).into_iter().filter(|n| n.starts_with("POOLER_")).collect();
        assert_eq!(set, read, "{}: the tenant step's POOLER_* settings differ from what the script reads", env.name);
        // Migrations first, then the script: the tenant table must exist.
        let command = tenant["command"][2].as_str().unwrap_or_default();
        assert!(command.starts_with("/app/bin/migrate && "), "{}: {command}", env.name);
        // The certificate the upstream-ca step writes is the one the tenant step reads.
        let ca = env_value(tenant, "POOLER_UPSTREAM_CA").unwrap();
        let picker = init_container(env, "pooler", "upstream-ca");
        assert_eq!(picker["command"][3].as_str(), Some(ca), "{}: the tenant step reads another file than upstream-ca writes", env.name);
    });
}

/// The pooler admits clients from the VPC on its two client ports only, and reaches nothing but
/// the database; Supavisor's HTTP API (tenants, metrics) is never reachable from other pods.
#[test]
fn the_pooler_takes_clients_on_its_client_ports_only_and_reaches_only_the_database() {
    for_each_env_deploying("pooler", |env| {
        let policy = env.network_policy("pooler").unwrap_or_else(|| panic!("{}: the pooler has no NetworkPolicy", env.name));
        let container = env.container("pooler");
        let client_ports: BTreeSet<u64> =
            ["transaction", "session"].iter().map(|p| port_number(container, &Value::from(*p))).collect();
        for rule in policy["spec"]["ingress"].as_array().unwrap() {
            let ports: BTreeSet<u64> = rule["ports"].as_array().unwrap().iter().filter_map(|p| p["port"].as_u64()).collect();
            assert_eq!(ports, client_ports, "{}: pooler ingress {rule}", env.name);
        }
        let values = committed_values(env);
        let vpc = &values["pooler"]["clientCidrs"];
        let from: Vec<&Value> = policy["spec"]["ingress"][0]["from"].as_array().unwrap().iter().map(|f| &f["ipBlock"]["cidr"]).collect();
        assert_eq!(from, vpc.as_array().unwrap().iter().collect::<Vec<_>>(), "{}", env.name);
        for rule in policy["spec"]["egress"].as_array().unwrap() {
            let ports: Vec<u64> = rule["ports"].as_array().unwrap().iter().filter_map(|p| p["port"].as_u64()).collect();
            assert_eq!(ports, [values["database"]["port"].as_u64().unwrap()], "{}: pooler egress {rule}", env.name);
        }
        let service = env.find("Service", "supabase-pooler").unwrap();
        let exposed: BTreeSet<u64> = service["spec"]["ports"].as_array().unwrap().iter().filter_map(|p| p["port"].as_u64()).collect();
        assert_eq!(exposed, client_ports, "{}: the pooler Service exposes more than the client ports", env.name);
    });
}

// ------------------------------------------------------------------------------ Edge Functions

/// Every file of `functions.files` is where the main service looks for it
/// (`<FUNCTIONS_DIR>/<function>/<file>`), the main service is where `--main-service` points, the
/// runtime listens where the Service and probes send traffic, and Kong routes
/// /functions/v1/<name>/... there with the function's name first in the path.
#[test]
fn functions_are_mounted_where_the_main_service_looks_and_reached_through_kong() {
    for_each_env(|env| {
        let Some(deployment) = env.find_deployment("functions") else { return };
        let pod = &deployment["spec"]["template"]["spec"];
        let container = env.container("functions");
        let values = committed_values(env);
        let files = values["functions"]["files"].as_object().unwrap();
        assert!(files.contains_key("hello/index.ts"), "{}: the example function is not deployed", env.name);

        let mount = |volume: &str| {
            container["volumeMounts"].as_array().unwrap().iter().find(|m| m["name"] == volume).and_then(|m| m["mountPath"].as_str()).unwrap().to_string()
        };
        let volume = |name: &str| pod["volumes"].as_array().unwrap().iter().find(|v| v["name"] == name).unwrap().clone();
        assert_eq!(env_value(container, "FUNCTIONS_DIR"), Some(mount("code").as_str()), "{}", env.name);
        let code = env.find("ConfigMap", volume("code")["configMap"]["name"].as_str().unwrap()).unwrap();
        let mut mounted = std::collections::BTreeMap::new();
        for item in volume("code")["configMap"]["items"].as_array().unwrap() {
            let content = code["data"][item["key"].as_str().unwrap()].as_str().unwrap();
            mounted.insert(item["path"].as_str().unwrap().to_string(), content.to_string());
        }
        let expected: std::collections::BTreeMap<String, String> = files.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string())).collect();
        assert_eq!(mounted, expected, "{}: the mounted functions differ from functions.files", env.name);

        let args: Vec<&str> = container["args"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
        let flag = |name: &str| args.iter().position(|a| *a == name).map(|i| args[i + 1]).unwrap_or_else(|| panic!("no {name} in {args:?}"));
        assert_eq!(args[0], "start");
        assert_eq!(flag("--main-service"), mount("main"));
        let main = env.find("ConfigMap", volume("main")["configMap"]["name"].as_str().unwrap()).unwrap();
        assert!(main["data"]["index.ts"].as_str().unwrap().contains("./router.ts") && main["data"]["router.ts"].is_string());
        assert_eq!(flag("--port").parse::<u64>().unwrap(), port_number(container, &Value::from("http")));
        for probe in ["readinessProbe", "livenessProbe"] {
            // router.ts answers /_health itself (tests/functions.rs).
            assert_eq!(container[probe]["httpGet"]["path"], "/_health", "{}", env.name);
        }

        let KongHop { service, route, .. } = kong_route(env, "/functions/v1/hello/greet");
        assert!(service["url"].as_str().unwrap().starts_with("http://supabase-functions:9000"), "{}: {service}", env.name);
        assert_eq!(route["strip_path"], true, "{}: the main service expects /<name>/... (prefix stripped)", env.name);
        // The main service checks JWTs: Kong demands no apikey, it only turns an sb_ key in
        // Authorization into its role's JWT (tests/kong_keys.rs).
        let plugins: Vec<&str> = service["plugins"].as_array().into_iter().chain(route["plugins"].as_array()).flatten().map(|p| p["name"].as_str().unwrap()).collect();
        assert_eq!(plugins, ["request-transformer"], "{}: Kong must not demand an apikey for functions", env.name);
    });
}

/// The bootstrap Job runs files/mint-signing-keys.ts exactly as tests/signing_keys.rs does (same
/// flags, every variable it reads set, nothing else allowed), between the step that fetches its
/// inputs and the one that stores its output.
#[test]
fn the_bootstrap_job_mints_signing_keys_as_the_tests_run_it() {
    for_each_env(|env| {
        let job = env.docs.iter().find(|d| d["kind"] == "Job").unwrap_or_else(|| panic!("{}: no Job", env.name));
        let steps: Vec<&Value> = job["spec"]["template"]["spec"]["initContainers"].as_array().unwrap().iter().chain(job["spec"]["template"]["spec"]["containers"].as_array().unwrap()).collect();
        let names: Vec<&str> = steps.iter().map(|c| c["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["fetch-secrets", "run-sql", "mint-signing-keys", "store-api-keys"], "{}", env.name);
        let script = |i: usize| steps[i]["args"][0].as_str().unwrap_or_default().to_string();
        assert!(script(0).contains(r#"fetch_if_set "$SIGNING_KEYS_SECRET_ID" current-signing-keys"#) && script(0).contains(r#"fetch "$JWT_SECRET_ID" jwt-secret"#), "{}: inputs not fetched", env.name);
        assert!(!script(1).contains(" jwt-secret "), "{}: run-sql removes jwt-secret before the minter reads it", env.name);
        assert!(script(3).contains("signing-keys-changed") && script(3).contains("file:///work/signing-keys"), "{}: the output is not stored", env.name);
        let mint = steps[2];
        let args: Vec<&str> = mint["args"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
        let allow_env = "SIGNING_KEY_GENERATION,PUBLISHABLE_KEY_GENERATION,SECRET_KEY_GENERATION,KEEP_PREVIOUS_KEYS,JWT_EXPIRY_SECONDS,API_KEY_LIFETIME_DAYS";
        assert_eq!(
            args,
            ["run", "--no-prompt", "--no-remote", "--no-npm", "--no-config", "--allow-read=/work", "--allow-write=/work", &format!("--allow-env={allow_env}"), "/sql/mint-signing-keys.ts", "/work"],
            "{}",
            env.name
        );
        let set: Vec<&str> = mint["env"].as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap()).filter(|n| !["DENO_DIR", "NO_COLOR"].contains(n)).collect();
        assert_eq!(set, allow_env.split(',').collect::<Vec<_>>(), "{}: the minter's variables", env.name);
        let sql = env.find("ConfigMap", "supabase-bootstrap-sql").unwrap();
        let shipped = std::fs::read_to_string(common::repo().join("helm-charts/supabase-custom/files/mint-signing-keys.ts")).unwrap();
        assert_eq!(sql["data"]["mint-signing-keys.ts"].as_str().unwrap().trim_end(), shipped.trim_end(), "{}", env.name);
    });
}
