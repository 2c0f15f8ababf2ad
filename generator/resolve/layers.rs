//! Layered configuration with provenance: which layer (and which YAML line) set each value.
//!
//! Merge rule, the same everywhere: mappings merge key by key, anything else (scalars,
//! sequences, null) replaces what the earlier layer had. So an environment that overrides
//! `eks.node_groups` restates the whole list, and one that overrides `rds.multi_az` changes only
//! that key.

use std::fmt;
use std::sync::Arc;

use serde_json::Value;

use crate::load::path::{KeyPath, Seg};

/// Who set a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    BuiltIn,
    Tier(String),
    Region(String),
    Environment(String),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BuiltIn => f.write_str("built-in default"),
            Self::Tier(name) => write!(f, "tier {name}"),
            Self::Region(name) => write!(f, "region {name}"),
            Self::Environment(id) => write!(f, "environment {id}"),
        }
    }
}

/// One layer: a partial tree and where in the YAML file its root sits (none for built-ins).
/// The tree is shared: every environment of a tier holds the same built-in and tier layers, so
/// a model of thousands of environments keeps one copy of each, not one per environment.
#[derive(Clone, Debug)]
pub struct Layer {
    pub origin: Origin,
    pub yaml: Option<KeyPath>,
    pub value: Arc<Value>,
}

/// Where one resolved value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Provenance {
    pub origin: Origin,
    /// The YAML key that set it (`None` for built-in defaults).
    pub yaml: Option<KeyPath>,
}

#[derive(Clone, Debug)]
pub struct Layered {
    layers: Vec<Layer>,
}

impl Layered {
    pub fn new(layers: Vec<Layer>) -> Self {
        Self { layers }
    }

    /// The layers merged into one tree. Computed on each call, not kept: it is decoded once
    /// per environment, and keeping it would hold a full copy of the settings per environment.
    pub fn merged(&self) -> Value {
        let mut merged = Value::Object(serde_json::Map::new());
        for layer in &self.layers {
            merge(&mut merged, &layer.value);
        }
        merged
    }

    /// Which layer set the value at `path` (a path into the merged tree).
    pub fn provenance(&self, path: &KeyPath) -> Provenance {
        let builtin = Provenance { origin: Origin::BuiltIn, yaml: None };
        'layers: for layer in self.layers.iter().rev() {
            let mut node: &Value = &layer.value;
            let mut inside_sequence = false;
            for (depth, seg) in path.segments().iter().enumerate() {
                let child = match (node, seg) {
                    (Value::Object(map), Seg::Key(key)) => map.get(key),
                    (Value::Array(items), Seg::Index(i)) => {
                        inside_sequence = true;
                        items.get(*i)
                    }
                    // A scalar or sequence here replaced everything below it.
                    _ => return self.at(layer, &KeyPath::root().join_segments(&path.segments()[..depth])),
                };
                match child {
                    Some(child) => node = child,
                    // This layer's sequence owns the subtree: a missing key inside one of its
                    // items is a serde default of the item type, not an earlier layer's value.
                    None if inside_sequence => return builtin,
                    None => continue 'layers,
                }
            }
            return self.at(layer, path);
        }
        builtin
    }

    fn at(&self, layer: &Layer, path: &KeyPath) -> Provenance {
        Provenance { origin: layer.origin.clone(), yaml: layer.yaml.as_ref().map(|base| base.join(path)) }
    }
}

impl KeyPath {
    fn join_segments(&self, segs: &[Seg]) -> KeyPath {
        segs.iter().fold(self.clone(), |p, s| match s {
            Seg::Key(k) => p.key(k.clone()),
            Seg::Index(i) => p.index(*i),
        })
    }
}

/// Deep-merges `overlay` into `base` (see the module docs for the rule).
pub fn merge(base: &mut Value, overlay: &Value) {
    match (base, overlay) {
        (Value::Object(base), Value::Object(overlay)) => {
            for (key, value) in overlay {
                match base.get_mut(key) {
                    Some(existing) => merge(existing, value),
                    None => {
                        base.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (base, overlay) => *base = overlay.clone(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn layered() -> Layered {
        let yaml = |s: &str| Some(KeyPath::parse(s).unwrap());
        Layered::new(vec![
            Layer { origin: Origin::BuiltIn, yaml: None, value: json!({"rds": {"multi_az": false, "storage_type": "gp3"}}).into() },
            Layer {
                origin: Origin::Tier("small".into()),
                yaml: yaml("tiers.small"),
                value: json!({"rds": {"multi_az": false}, "eks": {"node_groups": [{"name": "a"}]}}).into(),
            },
            Layer {
                origin: Origin::Environment("ireland/production".into()),
                yaml: yaml("environments.ireland.production"),
                value: json!({"rds": {"multi_az": true}}).into(),
            },
        ])
    }

    #[test]
    fn later_layers_win_key_by_key() {
        let l = layered();
        assert_eq!(l.merged()["rds"], json!({"multi_az": true, "storage_type": "gp3"}));
    }

    #[test]
    fn provenance_names_the_layer_and_yaml_key() {
        let l = layered();
        let p = l.provenance(&KeyPath::parse("rds.multi_az").unwrap());
        assert_eq!(p.origin, Origin::Environment("ireland/production".into()));
        assert_eq!(p.yaml.unwrap().to_string(), "environments.ireland.production.rds.multi_az");
        let p = l.provenance(&KeyPath::parse("rds.storage_type").unwrap());
        assert_eq!(p.origin, Origin::BuiltIn);
        let p = l.provenance(&KeyPath::parse("eks.node_groups[0].name").unwrap());
        assert_eq!(p.yaml.unwrap().to_string(), "tiers.small.eks.node_groups[0].name");
        // A key the sequence item does not set is the item type's default.
        let p = l.provenance(&KeyPath::parse("eks.node_groups[0].labels").unwrap());
        assert_eq!(p.origin, Origin::BuiltIn);
    }

    #[test]
    fn a_replaced_sequence_belongs_to_the_replacing_layer() {
        let l = Layered::new(vec![
            Layer { origin: Origin::BuiltIn, yaml: None, value: json!({"azs": ["a", "b", "c"]}).into() },
            Layer { origin: Origin::Region("x".into()), yaml: Some(KeyPath::parse("regions.x").unwrap()), value: json!({"azs": ["d"]}).into() },
        ]);
        assert_eq!(l.merged()["azs"], json!(["d"]));
        assert_eq!(l.provenance(&KeyPath::parse("azs[0]").unwrap()).origin, Origin::Region("x".into()));
    }
}
