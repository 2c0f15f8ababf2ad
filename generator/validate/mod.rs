//! Stage 3, validate: every semantic problem at once, each pointing at the YAML key to edit.
//!
//! Settings checks run on each tier by itself (so an unused tier is still checked) and again on
//! each environment (whose overrides may break them); duplicates collapse in the report.

mod access;
mod alerts;
pub mod catalogue;
mod connections;
mod cost;
mod edge;
mod names;
mod network;
mod sizing;
mod state;
pub mod upgrade;
pub mod versions;

use crate::diagnostics::Diagnostic;
use crate::load::path::KeyPath;
use crate::resolve::decode::Locate;
use crate::resolve::{Locator, Model};

pub use versions::Date;

/// Runs every check; returns errors and warnings together.
pub fn validate(model: &Model, today: Date) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for tier in model.tiers.values() {
        let mut check = Check::new(model.locator(&tier.layered, KeyPath::root().key("tiers").key(&tier.name)), &mut out);
        sizing::check(&tier.settings, &mut check);
        connections::check(&tier.settings, &mut check);
        versions::check(&tier.settings, today, &mut check);
        alerts::check(&tier.settings, &mut check);
        edge::check(&tier.settings, &mut check);
    }
    for resolved in &model.environments {
        let env = &resolved.env;
        let fallback = KeyPath::root().key("environments").key(&env.id.region).key(&env.id.name);
        let mut check = Check::new(model.locator(&resolved.layered, fallback), &mut out);
        sizing::check(&env.settings, &mut check);
        connections::check(&env.settings, &mut check);
        versions::check(&env.settings, today, &mut check);
        network::check_environment(env, &mut check);
        access::check_environment(env, &mut check);
        alerts::check(&env.settings, &mut check);
        alerts::check_environment(env, &mut check);
        edge::check(&env.settings, &mut check);
        edge::check_environment(env, &mut check);
        names::check_environment(env, &mut check);
        cost::check(env, &model.pricing, &mut check);
    }
    for resolved in &model.partial {
        let fallback = KeyPath::root().key("environments").key(&resolved.env.id.region).key(&resolved.env.id.name);
        network::check_environment(&resolved.env, &mut Check::new(model.locator(&resolved.layered, fallback), &mut out));
    }
    names::check_document(model, &mut out);
    network::check_vpc_overlaps(model, &mut out);
    state::check_state_buckets(model, &mut out);
    out
}

/// Collects diagnostics for paths inside one layered tree.
pub(crate) struct Check<'a> {
    locator: Locator<'a>,
    out: &'a mut Vec<Diagnostic>,
}

impl<'a> Check<'a> {
    fn new(locator: Locator<'a>, out: &'a mut Vec<Diagnostic>) -> Self {
        Self { locator, out }
    }

    /// Reports an error at `path` (a path into the resolved tree, e.g. `rds.multi_az`).
    pub fn error(&mut self, path: KeyPath, code: &'static str, message: String, help: String) {
        let (key, pos) = self.locator.locate(&path);
        self.out.push(Diagnostic::error(code, message).at(key, pos).help(help));
    }

    pub fn warning(&mut self, path: KeyPath, code: &'static str, message: String, help: String) {
        let (key, pos) = self.locator.locate(&path);
        self.out.push(Diagnostic::warning(code, message).at(key, pos).help(help));
    }

    /// Where a path's value was set, for messages that name two places.
    pub fn site(&self, path: &KeyPath) -> String {
        let (key, pos) = self.locator.locate(path);
        match pos {
            Some(pos) => format!("{key} (line {})", pos.line),
            None => key.to_string(),
        }
    }
}

/// Shorthand for building paths in checks: `p("eks.node_groups").index(0)`.
pub(crate) fn p(path: &str) -> KeyPath {
    KeyPath::parse(path).expect("checks use well-formed paths")
}
