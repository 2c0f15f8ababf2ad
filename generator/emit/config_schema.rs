//! JSON Schema of `service-tiers.yaml`, generated from the same Rust types the loader decodes
//! into, for editors (the file's `yaml-language-server` modeline points at it).
//!
//! The layers shape it: a tier may leave out what the built-in defaults provide, region and
//! environment entries override any subset of the tier settings (lists are replaced whole, so
//! list items stay complete), and each entry allows only its own keys.

use serde_json::{Map, Value, json};

use crate::cost::Pricing;
use crate::resolve::defaults;
use crate::resolve::model::{Identity, Settings};

fn schema_of<T: schemars::JsonSchema>() -> Value {
    let mut settings = schemars::generate::SchemaSettings::draft07();
    settings.inline_subschemas = true;
    let mut value = serde_json::to_value(settings.into_generator().into_root_schema_for::<T>()).expect("schemas serialize");
    if let Value::Object(map) = &mut value {
        map.remove("$schema");
        map.remove("title");
    }
    value
}

/// Drops from `required` every property the defaults tree provides, recursively.
fn relax_by_defaults(schema: &mut Value, defaults: &Value) {
    let Value::Object(map) = schema else { return };
    if let (Some(Value::Array(required)), Some(Value::Object(present))) = (map.get_mut("required"), Some(defaults).filter(|d| d.is_object())) {
        required.retain(|r| !r.as_str().is_some_and(|k| present.contains_key(k)));
    }
    if let Some(Value::Object(props)) = map.get_mut("properties") {
        for (key, child) in props.iter_mut() {
            if let Some(default) = defaults.get(key) {
                relax_by_defaults(child, default);
            }
        }
    }
}

/// Makes every object optional (an overlay), except inside list items: lists replace whole.
fn overlay(schema: &mut Value) {
    let Value::Object(map) = schema else { return };
    map.remove("required");
    if let Some(Value::Object(props)) = map.get_mut("properties") {
        props.values_mut().for_each(overlay);
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(options)) = map.get_mut(key) {
            options.iter_mut().for_each(overlay);
        }
    }
}

fn properties(schema: &Value) -> Map<String, Value> {
    schema.get("properties").and_then(Value::as_object).cloned().unwrap_or_default()
}

fn object(props: Map<String, Value>, required: &[&str], description: &str) -> Value {
    json!({ "type": "object", "description": description, "properties": props, "required": required, "additionalProperties": false })
}

pub fn schema() -> Value {
    let settings = schema_of::<Settings>();
    let mut tier = settings.clone();
    relax_by_defaults(&mut tier, &defaults::builtin());
    if let Value::Object(map) = &mut tier {
        map.insert("description".into(), json!("A tier: what an environment is sized by. Keys left out take the built-in defaults."));
    }
    let mut overrides = settings;
    overlay(&mut overrides);
    let overrides = properties(&overrides);

    let mut identity = schema_of::<Identity>();
    relax_by_defaults(&mut identity, &crate::resolve::builtin_identity());
    let mut env_props = properties(&identity);
    env_props.remove("aws_region");
    env_props.remove("azs");
    env_props.extend(overrides.clone());
    let environment = object(
        env_props,
        &["tier", "account_id", "domain", "state", "vpc", "cluster_admins"],
        "An environment: where and as whom it runs, plus any tier setting to override.",
    );

    let identity_props = properties(&identity);
    let mut region_props = Map::new();
    for key in ["aws_region", "azs", "tags"] {
        if let Some(v) = identity_props.get(key) {
            region_props.insert(key.into(), v.clone());
        }
    }
    region_props.extend(overrides);
    let region = object(region_props, &["aws_region", "azs"], "A region alias: the AWS region and zones, plus tags and tier overrides for its environments.");

    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "service-tiers.yaml",
        "description": "Tiers, regions and environments of Supabase on AWS (supabase-aws-gen).",
        "type": "object",
        "required": ["project", "tiers", "regions", "environments"],
        "additionalProperties": false,
        "properties": {
            "project": { "type": "string", "description": "Prefix of every AWS name (lowercase letters, digits, hyphens).", "pattern": "^[a-z][a-z0-9-]{0,15}$" },
            "tiers": { "type": "object", "additionalProperties": tier },
            "regions": { "type": "object", "additionalProperties": region },
            "environments": {
                "type": "object",
                "description": "Environments by region alias, then by name.",
                "additionalProperties": { "type": "object", "additionalProperties": environment },
            },
            "pricing": schema_of::<Pricing>(),
        },
    })
}
