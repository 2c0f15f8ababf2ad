//! Checks on names: they become AWS resource names, so they must be short and DNS-safe.

use super::sizing::is_dns_label;
use super::{Check, p};
use crate::diagnostics::Diagnostic;
use crate::load::path::KeyPath;
use crate::plan::naming::{MAX_PREFIX, Names};
use crate::resolve::Model;
use crate::resolve::model::Environment;

/// Tags the generator sets itself on every resource.
pub const GENERATED_TAGS: &[&str] = &["Project", "Environment", "Region", "Tier", "ManagedBy"];

pub fn check_document(model: &Model, out: &mut Vec<Diagnostic>) {
    let mut name = |path: KeyPath, what: &str, value: &str, max: usize| {
        if !is_dns_label(value, max) || !value.starts_with(|c: char| c.is_ascii_lowercase()) {
            let pos = model.loaded.map().exact(&path).map(|e| e.anchor());
            out.push(
                Diagnostic::error("invalid-name", format!("{what} `{value}` is not usable in AWS resource names"))
                    .at(path, pos)
                    .help(format!("use lowercase letters, digits and hyphens, starting with a letter (at most {max})")),
            );
        }
    };
    name(KeyPath::root().key("project"), "project", &model.project, 16);
    for tier in model.tiers.keys() {
        name(KeyPath::root().key("tiers").key(tier), "tier", tier, 24);
    }
    for alias in model.regions.keys() {
        name(KeyPath::root().key("regions").key(alias), "region alias", alias, 16);
    }
    for r in &model.environments {
        let path = KeyPath::root().key("environments").key(&r.env.id.region).key(&r.env.id.name);
        name(path, "environment", &r.env.id.name, 16);
    }
}

pub(crate) fn check_environment(env: &Environment, check: &mut Check<'_>) {
    let names = Names::for_env(env);
    if names.prefix.len() > MAX_PREFIX {
        check.error(
            p("tier").parent().unwrap_or_default(),
            "name-too-long",
            format!("the name prefix `{}` is {} characters; AWS limits (load balancer names) allow {MAX_PREFIX}", names.prefix, names.prefix.len()),
            "shorten the project, region alias or environment name".into(),
        );
    }
    for (key, value) in &env.identity.tags {
        let path = p("tags").key(key.clone());
        if GENERATED_TAGS.contains(&key.as_str()) {
            check.error(path, "reserved-tag", format!("tag `{key}` is set by the generator"), "remove it; the generated value comes from the environment".into());
        } else if key.starts_with("aws:") || key.is_empty() || key.len() > 128 || value.len() > 256 {
            check.error(path, "invalid-tag", format!("tag `{key}` is not allowed by AWS"), "keys are 1-128 characters and must not start with aws:; values at most 256".into());
        }
    }
}
