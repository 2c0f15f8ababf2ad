//! `explain`: an environment's resolved configuration, each value with where it came from, and
//! its database connection budget.

use std::fmt::Write;

use serde_json::Value;

use crate::diagnostics::suggestion;
use crate::load::path::{KeyPath, Seg};
use crate::resolve::{Model, Resolved};

/// One line per leaf value under `prefix` (the whole environment when `prefix` is root).
///
/// # Errors
/// A message when `prefix` names no value, listing what exists at that level.
pub fn explain(model: &Model, resolved: &Resolved, prefix: &KeyPath) -> Result<String, String> {
    let tree = serde_json::to_value(&resolved.env).map_err(|e| e.to_string())?;
    let Some(start) = lookup(&tree, prefix) else {
        return Err(missing(&tree, prefix, &resolved.env.id.to_string()));
    };
    let mut leaves = Vec::new();
    collect(start, prefix.clone(), &mut leaves);
    let width = leaves.iter().map(|(p, v)| p.to_string().len() + v.len() + 3).max().unwrap_or(0).min(72);
    let mut out = String::new();
    let _ = writeln!(out, "{} (tier {}, {})", resolved.env.id, resolved.env.identity.tier, resolved.env.identity.aws_region);
    for (path, value) in leaves {
        let provenance = resolved.layered.provenance(&path);
        let place = provenance
            .yaml
            .as_ref()
            .and_then(|y| model.loaded.map().locate(y))
            .map(|(_, entry)| {
                let pos = entry.anchor();
                format!(" ({}:{}:{})", model.loaded.name_of(pos), pos.line, pos.column)
            })
            .unwrap_or_default();
        let line = format!("{path} = {value}");
        let _ = writeln!(out, "{line:<width$}  # {}{place}", provenance.origin);
    }
    // The budget follows from several keys (pools, HPA maxima, the instance class): shown with
    // the whole environment, and with any key it depends on.
    let budget_keys = ["supabase", "rds"];
    if prefix.is_root() || prefix.segments().first().is_some_and(|s| matches!(s, Seg::Key(k) if budget_keys.contains(&k.as_str()))) {
        out.push('\n');
        out.push_str(&crate::plan::connections::budget(&resolved.env.settings).render());
    }
    Ok(out)
}

/// Why `prefix` names nothing: the first segment that does not exist, where, and what does
/// (with a did-you-mean).
fn missing(tree: &Value, prefix: &KeyPath, env: &str) -> String {
    let mut node = tree;
    let mut at = KeyPath::root();
    for seg in prefix.segments() {
        let next = match seg {
            Seg::Key(k) => node.get(k.as_str()),
            Seg::Index(i) => node.get(*i),
        };
        let Some(next) = next else {
            let place = if at.is_root() { "at the top level".to_string() } else { format!("under `{at}`") };
            return match (node, seg) {
                (Value::Object(map), Seg::Key(k)) => {
                    let keys: Vec<&str> = map.keys().map(String::as_str).collect();
                    let hint = suggestion(k, keys.iter().copied());
                    format!("`{prefix}` does not exist in {env}: there is no key `{k}` {place}; {hint}the keys {place} are: {}", keys.join(", "))
                }
                (Value::Array(items), _) => format!("`{prefix}` does not exist in {env}: `{at}` is a list of {} item(s), indexed from 0", items.len()),
                _ => format!("`{prefix}` does not exist in {env}: `{at}` is a single value ({node}), not a mapping"),
            };
        };
        at = match seg {
            Seg::Key(k) => at.key(k.clone()),
            Seg::Index(i) => at.index(*i),
        };
        node = next;
    }
    format!("`{prefix}` does not exist in {env}")
}

fn lookup<'a>(tree: &'a Value, path: &KeyPath) -> Option<&'a Value> {
    path.segments().iter().try_fold(tree, |node, seg| match seg {
        Seg::Key(k) => node.get(k.as_str()),
        Seg::Index(i) => node.get(*i),
    })
}

/// Leaves in document order; empty collections and lists of plain values count as leaves.
fn collect(value: &Value, path: KeyPath, out: &mut Vec<(KeyPath, String)>) {
    let plain = |v: &Value| !(v.is_object() || v.is_array());
    match value {
        Value::Array(items) if items.iter().all(plain) => {
            let items: Vec<String> = items.iter().map(Value::to_string).collect();
            out.push((path, format!("[{}]", items.join(", "))));
        }
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                collect(v, path.key(k.clone()), out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for (i, v) in items.iter().enumerate() {
                collect(v, path.index(i), out);
            }
        }
        other => out.push((path, other.to_string())),
    }
}
