//! Stage 2, resolve: give the loaded tree types, one environment at a time.
//!
//! Every environment is four layers merged in order (built-in defaults, its tier, its region,
//! itself); see `layers.rs` for the rule. Resolution also checks which layer may set what: a
//! tier sizes the stack, a region names AWS locations, an environment says where and as whom.

pub mod decode;
pub mod defaults;
pub mod layers;
pub mod model;

use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::Value;

use crate::diagnostics::{Diagnostic, suggestion};
use crate::load::Loaded;
use crate::load::path::KeyPath;
use crate::load::source_map::Pos;
use decode::{Locate, decode_all, decode_patched};
use layers::{Layer, Layered, Origin};
use model::{EnvId, Environment, Identity, SETTINGS_KEYS, Settings};

/// Keys a region entry may hold besides tier overrides.
const REGION_KEYS: &[&str] = &["aws_region", "azs", "tags"];
/// Keys an environment entry may hold besides tier overrides.
const ENVIRONMENT_KEYS: &[&str] =
    &["tier", "account_id", "domain", "state", "vpc", "tags", "cluster_admins", "cors_allowed_origins", "smtp", "alerts", "dns"];

/// The whole config, resolved.
#[derive(Debug)]
pub struct Model {
    pub loaded: Loaded,
    pub project: String,
    pub tiers: IndexMap<String, Tier>,
    pub regions: IndexMap<String, Region>,
    /// In file order.
    pub environments: Vec<Resolved>,
    /// Environments whose identity (account, region, zones, VPC) decoded but whose settings did
    /// not, with the bad settings patched out: only identity checks may run on them, so a bad
    /// CIDR is reported in the same run as a type error elsewhere in the environment.
    pub partial: Vec<Resolved>,
    /// Price overrides and usage assumptions for cost estimates.
    pub pricing: crate::cost::Pricing,
}

#[derive(Debug)]
pub struct Tier {
    pub name: String,
    pub settings: Settings,
    pub layered: Layered,
}

#[derive(Debug)]
pub struct Region {
    pub alias: String,
    pub aws_region: String,
    pub azs: Vec<String>,
}

/// One environment and the layers it was resolved from (for provenance).
#[derive(Debug)]
pub struct Resolved {
    pub env: Environment,
    pub layered: Layered,
}

impl Model {
    pub fn environment(&self, id: &EnvId) -> Option<&Resolved> {
        self.environments.iter().find(|r| &r.env.id == id)
    }

    /// Resolves a path inside a layered value to its YAML key and position.
    pub fn locator<'a>(&'a self, layered: &'a Layered, fallback: KeyPath) -> Locator<'a> {
        Locator::new(layered, &self.loaded, fallback)
    }
}

/// The YAML position of values in one layered tree (see [`Locate`]).
pub struct Locator<'a> {
    layered: &'a Layered,
    loaded: &'a Loaded,
    /// Where to point when a value is a built-in default: the entry being resolved.
    fallback: KeyPath,
}

impl<'a> Locator<'a> {
    fn new(layered: &'a Layered, loaded: &'a Loaded, fallback: KeyPath) -> Self {
        Locator { layered, loaded, fallback }
    }
}

impl Locate for Locator<'_> {
    fn locate(&self, path: &KeyPath) -> (KeyPath, Option<Pos>) {
        let yaml = self.layered.provenance(path).yaml.unwrap_or_else(|| self.fallback.clone());
        let pos = self.loaded.map().locate(&yaml).map(|(_, entry)| entry.anchor());
        (yaml, pos)
    }

    fn written(&self, path: &KeyPath) -> Option<String> {
        let yaml = self.layered.provenance(path).yaml?;
        written(self.loaded, &yaml)
    }
}

/// Locates paths of the raw document below `prefix` (the root for the whole document).
struct DocLocator<'a> {
    loaded: &'a Loaded,
    prefix: KeyPath,
}

impl Locate for DocLocator<'_> {
    fn locate(&self, path: &KeyPath) -> (KeyPath, Option<Pos>) {
        let full = self.prefix.join(path);
        let pos = self.loaded.map().locate(&full).map(|(_, e)| e.anchor());
        (full, pos)
    }

    fn written(&self, path: &KeyPath) -> Option<String> {
        written(self.loaded, &self.prefix.join(path))
    }
}

/// The source text of the scalar at `yaml`.
fn written(loaded: &Loaded, yaml: &KeyPath) -> Option<String> {
    let value = loaded.map().exact(yaml)?.value;
    loaded.sources.get(value.file)?.text.get(value.offset..value.offset + value.len).map(|s| s.trim().to_string())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    project: String,
    tiers: IndexMap<String, Value>,
    regions: IndexMap<String, Value>,
    environments: IndexMap<String, IndexMap<String, Value>>,
    #[serde(default)]
    pricing: Option<Value>,
}

/// Resolves every tier and environment.
///
/// # Errors
/// Every problem found (not just the first), with the loaded file handed back for rendering.
pub fn resolve(loaded: Loaded) -> Result<Model, (Loaded, Vec<Diagnostic>)> {
    match resolve_partial(loaded) {
        Ok((model, problems)) if problems.is_empty() => Ok(model),
        Ok((model, problems)) => Err((model.loaded, problems)),
        Err(failed) => Err(failed),
    }
}

/// Resolves what can be resolved: the model holds every tier and environment that decoded, and
/// the problems list says what did not, so semantic checks can still run on the rest in the same
/// run ("every problem at once").
///
/// # Errors
/// When the document's top level itself does not decode (then nothing can be checked further).
pub fn resolve_partial(mut loaded: Loaded) -> Result<(Model, Vec<Diagnostic>), (Loaded, Vec<Diagnostic>)> {
    // The raw tree is needed only to decode the document: dropped right after, and each
    // environment's part is moved (not copied) into its layer below, so a model of thousands of
    // environments holds one copy of their settings, not three.
    let raw = std::mem::take(&mut loaded.doc);
    let decoded = decode_all::<Document>(&raw, &DocLocator { loaded: &loaded, prefix: KeyPath::root() });
    drop(raw);
    let mut doc = match decoded {
        Ok(doc) => doc,
        Err(d) => return Err((loaded, d)),
    };
    let mut problems = Vec::new();
    let at = |path: &KeyPath| loaded.map().locate(path).map(|(_, e)| e.anchor());
    let functions = std::sync::Arc::new(loaded.functions.clone());

    // Layers shared by every environment that uses them (see `Layer`).
    let builtin = builtin_layer();
    let mut shared: std::collections::HashMap<(bool, String), Layer> = std::collections::HashMap::new();
    let mut shared_layer = |tier: bool, name: &str, value: &Value| -> Layer {
        let (origin, section) = if tier { (Origin::Tier(name.to_string()), "tiers") } else { (Origin::Region(name.to_string()), "regions") };
        shared.entry((tier, name.to_string())).or_insert_with(|| layer(origin, &KeyPath::root().key(section).key(name), value)).clone()
    };

    // Tiers on their own, so a tier no environment uses is still checked.
    let mut tiers = IndexMap::new();
    for (name, value) in &doc.tiers {
        let yaml = KeyPath::root().key("tiers").key(name.clone());
        if let Err(d) = check_keys(value, &yaml, SETTINGS_KEYS, &[], "a tier", &loaded) {
            problems.extend(d);
            continue;
        }
        let layered = Layered::new(vec![builtin.clone(), shared_layer(true, name, value)]);
        let locator = Locator::new(&layered, &loaded, yaml.clone());
        match decode_settings(&layered, &locator) {
            Ok(settings) => {
                tiers.insert(name.clone(), Tier { name: name.clone(), settings, layered });
            }
            Err(d) => problems.extend(d),
        }
    }

    let mut regions = IndexMap::new();
    for (alias, value) in &doc.regions {
        let yaml = KeyPath::root().key("regions").key(alias.clone());
        match check_keys(value, &yaml, SETTINGS_KEYS, REGION_KEYS, "a region", &loaded) {
            Err(d) => problems.extend(d),
            Ok(()) => {
                let field = |key: &str| value.get(key).cloned().unwrap_or(Value::Null);
                let aws_region = serde_json::from_value::<String>(field("aws_region"));
                let azs = serde_json::from_value::<Vec<String>>(field("azs"));
                match (aws_region, azs) {
                    (Ok(aws_region), Ok(azs)) => {
                        regions.insert(alias.clone(), Region { alias: alias.clone(), aws_region, azs });
                    }
                    // A key of the wrong type is reported at that key by the environments that
                    // use the region (as `expected a list`); only absent keys are reported here.
                    _ => {
                        let missing: Vec<&str> = ["aws_region", "azs"].into_iter().filter(|k| value.get(*k).is_none()).collect();
                        if !missing.is_empty() {
                            problems.push(
                                Diagnostic::error("invalid-region", format!("region `{alias}` needs `{}`", missing.join("` and `")))
                                    .at(yaml.clone(), at(&yaml))
                                    .help("write e.g. `aws_region: eu-west-1` and `azs: [eu-west-1a, eu-west-1b, eu-west-1c]`"),
                            );
                        }
                    }
                }
            }
        }
    }

    // Sized up front: a Resolved is a few KiB, and doubling would leave up to half unused.
    let mut environments = Vec::with_capacity(doc.environments.values().map(IndexMap::len).sum());
    let mut partial = Vec::new();
    let doc_environments = std::mem::take(&mut doc.environments);
    for (region_alias, envs) in doc_environments {
        let region_yaml = KeyPath::root().key("environments").key(region_alias.clone());
        let Some(region_value) = doc.regions.get(&region_alias) else {
            let hint = suggestion(&region_alias, doc.regions.keys().map(String::as_str));
            problems.push(
                Diagnostic::error("unknown-region", format!("environments are listed under unknown region `{region_alias}`"))
                    .at(region_yaml.clone(), at(&region_yaml))
                    .help(format!("{hint}declare it under `regions:` or move these environments")),
            );
            continue;
        };
        for (name, value) in envs {
            let id = EnvId { region: region_alias.clone(), name: name.clone() };
            let yaml = region_yaml.key(name.clone());
            if let Err(d) = check_keys(&value, &yaml, SETTINGS_KEYS, ENVIRONMENT_KEYS, "an environment", &loaded) {
                problems.extend(d);
                continue;
            }
            let Some(tier_name) = value.get("tier").and_then(Value::as_str) else {
                problems.push(
                    Diagnostic::error("missing-key", format!("environment `{id}` does not name its tier"))
                        .at(yaml.clone(), at(&yaml))
                        .help(format!("add `tier:` with one of: {}", join(doc.tiers.keys()))),
                );
                continue;
            };
            let Some(tier_value) = doc.tiers.get(tier_name) else {
                let key = yaml.key("tier");
                let hint = suggestion(tier_name, doc.tiers.keys().map(String::as_str));
                problems.push(
                    Diagnostic::error("unknown-tier", format!("tier `{tier_name}` is not defined"))
                        .at(key.clone(), loaded.map().exact(&key).map(|e| e.value))
                        .help(format!("{hint}the tiers are: {}", join(doc.tiers.keys()))),
                );
                continue;
            };
            let layered = Layered::new(vec![
                builtin.clone(),
                shared_layer(true, tier_name, tier_value),
                shared_layer(false, &region_alias, region_value),
                Layer { origin: Origin::Environment(id.to_string()), yaml: Some(yaml.clone()), value: value.into() },
            ]);
            let locator = Locator::new(&layered, &loaded, yaml.clone());
            let merged = layered.merged();
            let (settings, settings_problems) = decode_patched::<Settings>(&split(&merged, true), &locator);
            let (identity, identity_problems) = decode_patched::<Identity>(&split(&merged, false), &locator);
            if let (Some(identity), Some(settings)) = (identity, settings) {
                let env = Environment { id, project: doc.project.clone(), functions: functions.clone(), identity, settings };
                if settings_problems.is_empty() && identity_problems.is_empty() {
                    environments.push(Resolved { env, layered });
                } else if identity_problems.is_empty() {
                    partial.push(Resolved { env, layered });
                }
            }
            problems.extend(identity_problems.into_iter().chain(settings_problems));
        }
    }

    let pricing = match &doc.pricing {
        None => crate::cost::Pricing::default(),
        Some(value) => {
            let locator = DocLocator { loaded: &loaded, prefix: KeyPath::root().key("pricing") };
            decode_all(value, &locator).unwrap_or_else(|d| {
                problems.extend(d);
                crate::cost::Pricing::default()
            })
        }
    };

    Ok((Model { project: doc.project, tiers, regions, environments, partial, loaded, pricing }, problems))
}

/// Built-in values of the identity keys an environment may leave out.
pub fn builtin_identity() -> Value {
    serde_json::json!({
        "tags": {},
        "cors_allowed_origins": [],
        "smtp": null,
        "dns": null,
        "alerts": { "email": [], "https": [] },
    })
}

fn builtin_layer() -> Layer {
    let mut value = defaults::builtin();
    if let (Value::Object(settings), Value::Object(identity)) = (&mut value, builtin_identity()) {
        settings.extend(identity);
    }
    Layer { origin: Origin::BuiltIn, yaml: None, value: value.into() }
}

fn layer(origin: Origin, yaml: &KeyPath, value: &Value) -> Layer {
    Layer { origin, yaml: Some(yaml.clone()), value: value.clone().into() }
}

fn decode_settings(layered: &Layered, locator: &Locator<'_>) -> Result<Settings, Vec<Diagnostic>> {
    decode_all(&split(&layered.merged(), true), locator)
}

/// The settings half (tier-shaped keys) or the identity half of a merged tree.
fn split(merged: &Value, settings: bool) -> Value {
    let Value::Object(map) = merged else { return merged.clone() };
    let half = map.iter().filter(|(k, _)| SETTINGS_KEYS.contains(&k.as_str()) == settings);
    Value::Object(half.map(|(k, v)| (k.clone(), v.clone())).collect())
}

/// Rejects keys this kind of entry may not set, naming where they belong instead.
fn check_keys(
    value: &Value,
    yaml: &KeyPath,
    settings: &[&str],
    own: &[&str],
    what: &str,
    loaded: &Loaded,
) -> Result<(), Vec<Diagnostic>> {
    let Value::Object(entries) = value else {
        return Err(vec![Diagnostic::error("wrong-type", format!("`{yaml}` must be a mapping"))
            .at(yaml.clone(), loaded.map().locate(yaml).map(|(_, e)| e.value))
            .help(format!("write {what} as `key: value` lines"))]);
    };
    let allowed: Vec<&str> = own.iter().chain(settings).copied().collect();
    let problems: Vec<Diagnostic> = entries
        .keys()
        .filter(|k| !allowed.contains(&k.as_str()))
        .map(|key| {
            let path = yaml.key(key.clone());
            let belongs = if ENVIRONMENT_KEYS.contains(&key.as_str()) {
                "it belongs on an environment".to_string()
            } else if REGION_KEYS.contains(&key.as_str()) {
                "it belongs on a region".to_string()
            } else {
                format!("{}the keys allowed in {what} are: {}", suggestion(key, allowed.iter().copied()), allowed.join(", "))
            };
            Diagnostic::error("unknown-key", format!("{what} cannot set `{key}`"))
                .at(path.clone(), loaded.map().exact(&path).map(|e| e.anchor()))
                .help(belongs)
        })
        .collect();
    if problems.is_empty() { Ok(()) } else { Err(problems) }
}

fn join<'a>(names: impl Iterator<Item = &'a String>) -> String {
    names.map(String::as_str).collect::<Vec<_>>().join(", ")
}
