//! The connection budget: the worst case of every pool at its maximum pods must fit the
//! instance's `max_connections` (see `plan/connections.rs` for what is counted and why).

use super::{Check, p};
use crate::plan::connections::{self, Limit, Share};
use crate::resolve::model::Settings;

pub(crate) fn check(s: &Settings, check: &mut Check<'_>) {
    for (name, component) in s.supabase.components.iter() {
        let at = p("supabase.components").key(name).key("db_pool");
        let pooled = connections::connects(name);
        match (pooled, component.db_pool) {
            (true, None | Some(0)) => check.error(
                at,
                "missing-value",
                format!("{name} connects to the database but has no db_pool"),
                "set db_pool to the connections one pod may open, e.g. 5".into(),
            ),
            (false, Some(_)) => check.error(
                at,
                "ignored-value",
                format!("{name} does not connect to the database"),
                "remove db_pool (or set it to null)".into(),
            ),
            _ => {}
        }
    }
    let budget = connections::budget(s);
    if let Some(0) = s.rds.max_connections {
        check.error(
            p("rds.max_connections"),
            "invalid-range",
            "max_connections 0 admits no connection".into(),
            "remove it to keep the RDS default, or set a positive number".into(),
        );
        return;
    }
    let max = match &budget.limit {
        Limit::Unknown { instance_class } => {
            check.error(
                p("rds.instance_class"),
                "unknown-max-connections",
                format!("the generator does not know the memory of `{instance_class}`, so not its default max_connections"),
                "set rds.max_connections explicitly (it is then written to the parameter group), or use a t3, t4g, m5+ or r5+ class".into(),
            );
            return;
        }
        limit => limit.max_connections().unwrap_or(0),
    };
    let total = budget.total();
    if total > max {
        let breakdown: Vec<String> = budget
            .shares
            .iter()
            .map(|s| format!("{} {}", s.component, s.total()))
            .collect();
        let lever = budget.largest().map_or_else(|| "supabase.components.storage.db_pool or its hpa.max (the largest share)".to_string(), Share::lever);
        let (at, source, raise) = match budget.limit {
            Limit::Explicit(_) => (
                p("rds.max_connections"),
                "rds.max_connections".to_string(),
                "raise rds.max_connections if the instance has the memory for it",
            ),
            _ => (
                p("rds.instance_class"),
                format!("the RDS default for {}", s.rds.instance_class),
                "choose a larger rds.instance_class, or set rds.max_connections if the instance has the memory for it",
            ),
        };
        check.error(
            at,
            "connection-budget",
            format!(
                "worst case {total} database connections exceed max_connections {max} ({source}): {}, bootstrap {}, reserved {}",
                breakdown.join(", "),
                budget.bootstrap,
                budget.reserved
            ),
            format!("lower {lever}, or {raise}; `explain <env>` shows the budget"),
        );
    }
}
