//! The database connection budget: the most connections the stack can hold open at once,
//! against the `max_connections` of the RDS instance.
//!
//! Every figure below is what the pinned release opens, read in its source:
//! - PostgREST v14.5: a pool of `db-pool` (`PGRST_DB_POOL`, default 10;
//!   PostgREST/postgrest@v14.5:src/PostgREST/Config.hs) plus one LISTEN connection for schema
//!   reloads outside the pool (`db-channel-enabled` defaults to true; src/PostgREST/Listener.hs).
//! - GoTrue v2.186.0: `GOTRUE_DB_MAX_POOL_SIZE` caps the pool, and 0, the default, means
//!   unlimited (supabase/auth@v2.186.0:internal/conf/configuration.go, internal/storage/dial.go).
//!   Its start-up migrations use their own connection, closed before serving (cmd/root_cmd.go).
//! - Realtime v2.78.15: per node, its `Realtime.Repo` pool of `DB_POOL_SIZE` (default 5,
//!   opened eagerly; supabase/realtime@v2.78.15:config/runtime.exs), plus, at most, 3 more: a pod
//!   first seeds the self-hosted tenant in its own VM (run.sh, `SEED_SELF_HOST=true`:
//!   `Realtime.Release.seeds` starts the application, so the same Repo pool, then
//!   priv/repo/seeds.exs runs the tenant migrations, 2 connections, and the janitor's maintenance
//!   task, 1), and later, serving, holds the janitor's one connection per tenant
//!   (lib/realtime/tenants/janitor.ex, `RUN_JANITOR=true`). Per tenant, once in the cluster (the
//!   tenant's processes are registered cluster-wide through `:syn`, lib/realtime/tenants/connect.ex):
//!   the pools Realtime itself requires before it connects a tenant (`tenant_pool_requirements`,
//!   lib/realtime/database.ex), at the sizes the self-hosted seed leaves at their defaults
//!   (priv/repo/seeds.exs sets neither `db_pool` nor `subcriber_pool_size`): see [`REALTIME_TENANT`].
//! - Storage v1.44.2: one knex pool of `DATABASE_MAX_CONNECTIONS` (default 20) in single-tenant
//!   mode (supabase/storage@v1.44.2:src/config.ts, src/internal/database/pool.ts) plus the
//!   pg-listen PubSub connection (src/internal/database/pubsub.ts, started in src/start/server.ts).
//! - postgres-meta v0.95.2 has no pool-size setting: every request builds a pool of `max: 1`
//!   (supabase/postgres-meta@v0.95.2:src/server/constants.ts `DEFAULT_POOL_CONFIG`, one
//!   `new PostgresMeta(config)` per route), so it holds one connection per in-flight request. Its
//!   `db_pool` is the number of concurrent Studio requests budgeted, not a limit it enforces.
//! - Supavisor 2.7.4 (the pooler, when enabled), per pod: its metadata Repo pool of
//!   `DB_POOL_SIZE` (supabase/supavisor@v2.7.4:config/runtime.exs), and per pooled role and mode
//!   (transaction, session) a pool of up to `pool_size` + 1 connections (poolboy `size: 1,
//!   max_overflow: pool_size`, lib/supavisor/tenant_supervisor.ex). The pods do not form an Erlang
//!   cluster, so each holds its own pools. Two pooled roles keep its secret checker from holding
//!   a connection of its own (lib/supavisor/secret_checker.ex uses one only for a tenant with a
//!   single user or a manager user). A client asking for another database or `search_path` opens
//!   further pools of the same size (at most 20 per pod), which this budget does not count.
//! - Kong (DB-less), Studio (which goes through postgres-meta) and imgproxy open none.
//!
//! Pods: the HPA maximum (or the fixed replica count), plus one more while a rollout runs
//! (`maxSurge: 1` in the chart's `_workload.tpl`).

use crate::resolve::model::{Component, Settings};

/// Connections of the bootstrap Job: one psql session at a time, as the master user.
pub const BOOTSTRAP: u32 = 1;

/// Slots non-superusers can never use on RDS: `superuser_reserved_connections` (3) and
/// `rds.rds_superuser_reserved_connections` (2), both at their defaults (AWS Knowledge Center,
/// "FATAL: remaining connection slots are reserved for non replicate superuser connections":
/// available = max_connections - superuser_reserved_connections -
/// rds.rds_superuser_reserved_connections).
pub const RESERVED: u32 = 3 + 2;

/// Pods a Deployment may run above its maximum during a rolling update (`maxSurge: 1`).
pub const SURGE: u32 = 1;

/// Realtime's connections to its one tenant, held once in the cluster, as counted by
/// `tenant_pool_requirements` (supabase/realtime@v2.78.15:lib/realtime/database.ex) minus the
/// janitor (counted per pod): subscription manager 1, its publisher pool 4
/// (`subcriber_pool_size` default, lib/extensions/postgres_cdc_rls/subscription_manager.ex),
/// subscription checker 1, health check 1, migrations 2, broadcast-changes replication 1,
/// RLS replication poller 1, replication-slot teardown 1, tenant connection 1 (`db_pool`
/// default).
pub const REALTIME_TENANT: u32 = 1 + 4 + 1 + 1 + 2 + 1 + 1 + 1 + 1;

/// RDS's default `max_connections`: `LEAST({DBInstanceClassMemory/9531392}, 5000)` (AWS RDS User
/// Guide, "Quotas and constraints", Maximum number of database connections).
pub const BYTES_PER_CONNECTION: u64 = 9_531_392;
pub const MAX_CONNECTIONS_CAP: u64 = 5000;

/// One component's share of the budget.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Share {
    /// The component's YAML key.
    pub component: &'static str,
    /// Its pool setting (`db_pool`).
    pub pool: u32,
    /// Connections one pod holds beyond its pool, at most (listeners, Realtime's seed).
    pub extra_per_pod: u32,
    /// What those are.
    pub extra_label: &'static str,
    /// Connections held once for the whole cluster (Realtime's tenant).
    pub once: u32,
    /// Most pods at once: maximum replicas plus the rollout surge.
    pub pods: u32,
    /// What to lower when this share is the largest, when it is not the component's `db_pool`
    /// and `hpa.max` (the pooler's client pools).
    pub lever: Option<&'static str>,
}

impl Share {
    pub fn total(&self) -> u32 {
        self.pods * (self.pool + self.extra_per_pod) + self.once
    }

    /// The settings that shrink this share, for the budget error's help.
    pub fn lever(&self) -> String {
        match self.lever {
            Some(lever) => lever.to_string(),
            None => format!("supabase.components.{}.db_pool or its hpa.max (the largest share)", self.component),
        }
    }
}

/// The pooler's lever: its pods hold their own client pools.
const POOLER_LEVER: &str =
    "supabase.pooling.pool_size or supabase.components.pooler.replicas (the pooler is the largest share: its pods hold their own pools)";

/// Where `max_connections` comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Limit {
    /// Set explicitly with `rds.max_connections` (and written to the parameter group).
    Explicit(u32),
    /// The RDS default formula on the class's estimated `DBInstanceClassMemory`.
    Formula {
        instance_class: String,
        memory_gib: u32,
        max_connections: u32,
    },
    /// A class whose memory the generator does not know.
    Unknown { instance_class: String },
}

impl Limit {
    pub fn max_connections(&self) -> Option<u32> {
        match self {
            Self::Explicit(n)
            | Self::Formula {
                max_connections: n, ..
            } => Some(*n),
            Self::Unknown { .. } => None,
        }
    }
}

/// The worst case of one tier or environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Budget {
    pub shares: Vec<Share>,
    pub bootstrap: u32,
    pub reserved: u32,
    pub limit: Limit,
}

impl Budget {
    /// Every connection that may be open at once, the reserved slots included.
    pub fn total(&self) -> u32 {
        self.shares.iter().map(Share::total).sum::<u32>() + self.bootstrap + self.reserved
    }

    /// `max_connections` minus the total (negative when over budget).
    pub fn headroom(&self) -> Option<i64> {
        self.limit
            .max_connections()
            .map(|max| i64::from(max) - i64::from(self.total()))
    }

    /// The largest share, the first place to cut.
    pub fn largest(&self) -> Option<&Share> {
        self.shares.iter().max_by_key(|s| s.total())
    }

    /// A plain-text table for `explain`.
    pub fn render(&self) -> String {
        let mut out =
            String::from("connection budget (worst case: maximum pods, each with a full pool)\n");
        for s in &self.shares {
            let mut how = format!("{} pods x ({} pool", s.pods, s.pool);
            if s.extra_per_pod > 0 {
                how.push_str(&format!(" + {} {}", s.extra_per_pod, s.extra_label));
            }
            how.push(')');
            if s.once > 0 {
                how.push_str(&format!(" + {} for the tenant, once", s.once));
            }
            out.push_str(&format!("  {:<18} {:>5}  {how}\n", s.component, s.total()));
        }
        out.push_str(&format!(
            "  {:<18} {:>5}  one psql session\n",
            "bootstrap job", self.bootstrap
        ));
        out.push_str(&format!("  {:<18} {:>5}  superuser_reserved_connections 3 + rds.rds_superuser_reserved_connections 2\n", "reserved", self.reserved));
        out.push_str(&format!("  {:<18} {:>5}\n", "total", self.total()));
        match &self.limit {
            Limit::Explicit(n) => out.push_str(&format!("  {:<18} {n:>5}  rds.max_connections\n", "max_connections")),
            Limit::Formula { instance_class, memory_gib, max_connections } => out.push_str(&format!(
                "  {:<18} {max_connections:>5}  RDS default for {instance_class} ({memory_gib} GiB, estimated DBInstanceClassMemory)\n",
                "max_connections"
            )),
            Limit::Unknown { instance_class } => {
                out.push_str(&format!("  {:<18} {:>5}  memory of {instance_class} unknown: set rds.max_connections\n", "max_connections", "?"))
            }
        }
        if let (Some(headroom), Some(max)) = (self.headroom(), self.limit.max_connections()) {
            let percent = if max == 0 {
                0
            } else {
                headroom * 100 / i64::from(max)
            };
            out.push_str(&format!(
                "  {:<18} {headroom:>5}  ({percent}% of max_connections)\n",
                "headroom"
            ));
        }
        out
    }
}

/// Components that connect to the database, with the connections one pod holds beyond its pool
/// and those held once per cluster (see the module documentation for the sources).
pub const POOLED: [(&str, u32, &str, u32); 5] = [
    ("postgrest", 1, "schema-reload LISTEN", 0),
    ("gotrue", 0, "", 0),
    ("realtime", 3, "start-up seed", REALTIME_TENANT),
    ("storage", 1, "PubSub LISTEN", 0),
    ("meta", 0, "", 0),
];

/// The roles the pooler's tenant lists (see `plan/applications`): clients log in to the pooler
/// as `<role>.<tenant>` with the role's own password.
pub const POOLED_ROLES: [&str; 2] = ["supabase_admin", "supabase_read_only_user"];

/// Pool modes of each pooled role: transaction (port 6543) and session (port 5432).
pub const POOL_MODES: u32 = 2;

/// Database connections one pooler pod holds for its clients, at most.
pub fn pooler_client_connections(s: &Settings) -> u32 {
    POOLED_ROLES.len() as u32 * POOL_MODES * (s.supabase.pooling.pool_size + 1)
}

/// Whether a component opens database connections (and so needs a `db_pool`).
pub fn connects(component: &str) -> bool {
    component == "pooler" || POOLED.iter().any(|(n, ..)| *n == component)
}

/// Most pods of a component at once.
pub fn pods(c: &Component, hpa_enabled: bool) -> u32 {
    let max = match c.hpa {
        Some(hpa) if hpa_enabled => hpa.max.max(c.replicas),
        _ => c.replicas,
    };
    max + SURGE
}

pub fn budget(s: &Settings) -> Budget {
    let components = s.supabase.components.iter();
    let pooler = (s.supabase.components.pooler.enabled)
        .then_some(("pooler", pooler_client_connections(s), "client pools", 0));
    let shares = POOLED
        .iter()
        .copied()
        .chain(pooler)
        .filter_map(|(name, extra_per_pod, extra_label, once)| {
            let (_, c) = components.iter().find(|(n, c)| *n == name && c.enabled)?;
            let pods = pods(c, s.supabase.hpa_enabled);
            Some(Share {
                component: name,
                pool: c.db_pool.unwrap_or(0),
                extra_per_pod,
                extra_label,
                once,
                pods,
                lever: (name == "pooler").then_some(POOLER_LEVER),
            })
        })
        .collect();
    let limit = match s.rds.max_connections {
        Some(n) => Limit::Explicit(n),
        None => match memory_gib(&s.rds.instance_class) {
            Some(gib) => Limit::Formula {
                instance_class: s.rds.instance_class.clone(),
                memory_gib: gib,
                max_connections: default_max_connections(gib),
            },
            None => Limit::Unknown {
                instance_class: s.rds.instance_class.clone(),
            },
        },
    };
    Budget {
        shares,
        bootstrap: BOOTSTRAP,
        reserved: RESERVED,
        limit,
    }
}

/// RDS's default `max_connections` for a class of `gib` GiB nominal memory.
///
/// `DBInstanceClassMemory` is the class's memory minus what RDS reserves for the operating system
/// and its management processes (AWS RDS User Guide, "Maximum number of database connections"),
/// and AWS does not publish it per class. We estimate the reserve as 256 MiB plus 2% of the
/// memory: that never overestimates against `max_connections` measured on real instances
/// (2 GiB: 198, 4 GiB: 413, 8 GiB: 856, 15.25 GiB: 1660) and stays within 4% of them (192, 413,
/// 855, 1655).
pub fn default_max_connections(gib: u32) -> u32 {
    let nominal = u64::from(gib) << 30;
    let reserve = (256 << 20) + nominal / 50;
    let memory = nominal.saturating_sub(reserve);
    (memory / BYTES_PER_CONNECTION).min(MAX_CONNECTIONS_CAP) as u32
}

/// Nominal memory of an RDS instance class, in GiB, for the families whose sizes follow a fixed
/// ratio (AWS RDS User Guide, "Hardware specifications for DB instance classes"): burstable t3
/// and t4g, general-purpose m5 and later (4 GiB per vCPU), memory-optimised r5 and later (8 GiB
/// per vCPU). `None` for any other class: the budget then needs an explicit `rds.max_connections`.
pub fn memory_gib(instance_class: &str) -> Option<u32> {
    let rest = instance_class.strip_prefix("db.")?;
    let (family, size) = rest.split_once('.')?;
    let kind = family.chars().next()?;
    let generation: u32 = family[1..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .ok()?;
    if kind == 't' && (generation == 3 || generation == 4) {
        return match size {
            "micro" => Some(1),
            "small" => Some(2),
            "medium" => Some(4),
            "large" => Some(8),
            "xlarge" => Some(16),
            "2xlarge" => Some(32),
            _ => None,
        };
    }
    let per_vcpu = match kind {
        'm' if generation >= 5 => 4,
        'r' if generation >= 5 => 8,
        _ => return None,
    };
    let vcpus = match size {
        "large" => 2,
        "xlarge" => 4,
        _ => 4 * size.strip_suffix("xlarge")?.parse::<u32>().ok()?,
    };
    Some(per_vcpu * vcpus)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_formula_against_measured_figures() {
        // `show max_connections` on default parameter groups as measured and published for 2, 4, 8
        // and 15.25 GiB classes (gist.github.com/guizmaii/1cacffef793c2ba9645083c3e18b3d8c:
        // db.t2.small, db.t2.medium, db.t2.large and db.m4.large, db.r4.large).
        for (mib, measured) in [(2048u64, 198u64), (4096, 413), (8192, 856), (15_616, 1660)] {
            let nominal = mib << 20;
            let estimate = (nominal - (256 << 20) - nominal / 50) / BYTES_PER_CONNECTION;
            assert!(
                estimate <= measured,
                "{mib} MiB: estimate {estimate} above measured {measured}"
            );
            assert!(
                estimate * 100 >= measured * 96,
                "{mib} MiB: estimate {estimate} more than 4% below {measured}"
            );
        }
        // db.t3.small: about 190, as issue 10 says.
        assert_eq!(
            default_max_connections(memory_gib("db.t3.small").unwrap()),
            192
        );
        assert_eq!(default_max_connections(1), 82);
        assert_eq!(default_max_connections(8), 855);
        assert_eq!(default_max_connections(32), 3504);
        // The cap.
        assert_eq!(default_max_connections(64), 5000);
    }

    #[test]
    fn class_memory() {
        assert_eq!(memory_gib("db.t4g.micro"), Some(1));
        assert_eq!(memory_gib("db.t3.small"), Some(2));
        assert_eq!(memory_gib("db.m6g.large"), Some(8));
        assert_eq!(memory_gib("db.m5.4xlarge"), Some(64));
        assert_eq!(memory_gib("db.r6g.xlarge"), Some(32));
        assert_eq!(memory_gib("db.r6g.2xlarge"), Some(64));
        assert_eq!(memory_gib("db.r7i.16xlarge"), Some(512));
        assert_eq!(
            memory_gib("db.r4.large"),
            None,
            "15.25 GiB: not the r5+ ratio"
        );
        assert_eq!(memory_gib("db.x2g.large"), None);
        assert_eq!(memory_gib("db.t2.small"), None);
        assert_eq!(memory_gib("t3.small"), None);
    }

    /// Each pool reaches its service through the variable the pinned release reads (the sources
    /// are cited in the templates); postgres-meta v0.95.2 reads none.
    #[test]
    fn chart_passes_each_pool_to_the_variable_its_release_reads() {
        let templates = [
            (
                "postgrest",
                "PGRST_DB_POOL",
                include_str!(
                    "../../helm-charts/supabase-custom/templates/postgrest/deployment.yaml"
                ),
            ),
            (
                "gotrue",
                "GOTRUE_DB_MAX_POOL_SIZE",
                include_str!("../../helm-charts/supabase-custom/templates/gotrue/deployment.yaml"),
            ),
            (
                "realtime",
                "DB_POOL_SIZE",
                include_str!(
                    "../../helm-charts/supabase-custom/templates/realtime/deployment.yaml"
                ),
            ),
            (
                "storage",
                "DATABASE_MAX_CONNECTIONS",
                include_str!("../../helm-charts/supabase-custom/templates/storage/deployment.yaml"),
            ),
        ];
        for (component, variable, template) in templates {
            let entry = format!(
                "- name: {variable}\n              value: {{{{ .Values.{component}.dbPool | quote }}}}\n"
            );
            assert_eq!(
                template.matches(&entry).count(),
                1,
                "{component}: the chart must set {variable} from {component}.dbPool once"
            );
            assert_eq!(
                template.matches(".dbPool").count(),
                1,
                "{component}: dbPool feeds exactly one variable"
            );
        }
        let meta = include_str!("../../helm-charts/supabase-custom/templates/meta/deployment.yaml");
        assert!(
            !meta.contains("dbPool"),
            "postgres-meta v0.95.2 reads no pool size"
        );
    }

    #[test]
    fn shares_add_up() {
        let share = Share {
            component: "realtime",
            pool: 3,
            extra_per_pod: 1,
            extra_label: "janitor",
            once: REALTIME_TENANT,
            pods: 6,
            lever: None,
        };
        assert_eq!(REALTIME_TENANT, 13);
        assert_eq!(share.total(), 6 * 4 + 13);
        let budget = Budget {
            shares: vec![share],
            bootstrap: BOOTSTRAP,
            reserved: RESERVED,
            limit: Limit::Explicit(40),
        };
        assert_eq!(budget.total(), 37 + 1 + 5);
        assert_eq!(budget.headroom(), Some(-3));
    }
}
