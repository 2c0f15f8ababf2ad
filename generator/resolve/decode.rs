//! Typed decoding of value trees, with errors pointing at the YAML key that caused them.
//!
//! Unknown keys, wrong types, missing keys and bad enum values all come out of serde here; this
//! module turns serde's message plus the failing path into a diagnostic with position and help.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::diagnostics::{Diagnostic, did_you_mean};
use crate::load::path::KeyPath;
use crate::load::source_map::Pos;

/// Maps a path inside the decoded value to the YAML key that set it and its position.
pub trait Locate {
    fn locate(&self, path: &KeyPath) -> (KeyPath, Option<Pos>);

    /// The value at `path` exactly as written in the file (before YAML typed it), if known.
    fn written(&self, _path: &KeyPath) -> Option<String> {
        None
    }
}

/// Decodes `value` into `T`.
///
/// # Errors
/// One diagnostic for the first problem serde meets (serde stops there).
pub fn decode<T: DeserializeOwned>(value: &Value, locate: &dyn Locate) -> Result<T, Diagnostic> {
    serde_path_to_error::deserialize::<_, T>(value).map_err(|err| diagnose(&err, value, locate).0)
}

/// Decodes `value` into `T`, reporting every type problem, not just the first.
///
/// serde stops at the first problem, so each one found is patched out of a copy of the tree (an
/// unknown key removed, a wrong value replaced by a neutral one of the expected type) and the
/// decode retried, until it succeeds or a problem cannot be patched (a missing key). The patched
/// result is never returned: it only lets serde reach the next problem.
///
/// # Errors
/// Every diagnostic found, in the order serde met them.
pub fn decode_all<T: DeserializeOwned>(value: &Value, locate: &dyn Locate) -> Result<T, Vec<Diagnostic>> {
    match decode_patched(value, locate) {
        (Some(decoded), problems) if problems.is_empty() => Ok(decoded),
        (_, problems) => Err(problems),
    }
}

/// As [`decode_all`], also handing back the value decoded from the patched tree when every
/// problem could be patched: checks that do not read the patched values may still run on it.
pub fn decode_patched<T: DeserializeOwned>(value: &Value, locate: &dyn Locate) -> (Option<T>, Vec<Diagnostic>) {
    let err = match serde_path_to_error::deserialize::<_, T>(value) {
        Ok(decoded) => return (Some(decoded), Vec::new()),
        Err(err) => err,
    };
    let (first, mut path, mut patch) = diagnose(&err, value, locate);
    let mut found = vec![first];
    let mut tree = value.clone();
    // Each round removes or neutralises one value, so the rounds are bounded by the tree's size;
    // the cap only guards against a patch that does not take.
    for _ in 0..256 {
        if !apply(&mut tree, &path, patch) {
            break;
        }
        let err = match serde_path_to_error::deserialize::<_, T>(&tree) {
            Ok(patched) => return (Some(patched), found),
            Err(err) => err,
        };
        let (next, next_path, next_patch) = diagnose(&err, &tree, locate);
        if next_path == path && found.last().is_some_and(|d| d.message == next.message) {
            break;
        }
        // A key missing because it was misspelled: the unknown-key error already says so.
        let misspelled = |d: &Diagnostic| d.code == "unknown-key" && d.key.as_ref().and_then(KeyPath::parent) == next.key;
        if next.code == "missing-key" && found.iter().any(misspelled) {
            break;
        }
        found.push(next);
        (path, patch) = (next_path, next_patch);
    }
    (None, found)
}

/// How to take a problem out of the tree so decoding can go on.
#[derive(Clone, Debug, PartialEq)]
enum Patch {
    Remove,
    Set(Value),
    Stop,
}

fn apply(tree: &mut Value, path: &KeyPath, patch: Patch) -> bool {
    use crate::load::path::Seg;
    let Some((last, parents)) = path.segments().split_last() else { return false };
    let Some(parent) = parents.iter().try_fold(tree, |node, seg| match seg {
        Seg::Key(k) => node.get_mut(k.as_str()),
        Seg::Index(i) => node.get_mut(*i),
    }) else {
        return false;
    };
    match (patch, last, parent) {
        (Patch::Remove, Seg::Key(k), Value::Object(map)) => map.shift_remove(k.as_str()).is_some(),
        (Patch::Set(v), Seg::Key(k), Value::Object(map)) => map.insert(k.clone(), v).is_some(),
        (Patch::Set(v), Seg::Index(i), Value::Array(items)) if *i < items.len() => {
            items[*i] = v;
            true
        }
        _ => false,
    }
}

/// The diagnostic for one serde error, the path (inside `value`) it is about, and its patch.
fn diagnose(err: &serde_path_to_error::Error<serde_json::Error>, value: &Value, locate: &dyn Locate) -> (Diagnostic, KeyPath, Patch) {
    let mut path = to_key_path(err.path());
    let message = err.inner().to_string();
    let (code, text, help) = explain(&message, &mut path, value, locate);
    let (key, pos) = locate.locate(&path);
    let mut d = Diagnostic::error(code, text).at(key, pos);
    if let Some(help) = help {
        d = d.help(help);
    }
    (d, path, patch_for(&message))
}

fn patch_for(message: &str) -> Patch {
    let ticked: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
    if message.starts_with("unknown field ") {
        return Patch::Remove;
    }
    if message.starts_with("unknown variant ") {
        return ticked.get(1).map_or(Patch::Stop, |v| Patch::Set(Value::String((*v).to_string())));
    }
    let expected = message.rsplit_once(", expected ").map(|(_, e)| e);
    if !(message.starts_with("invalid type: ") || message.starts_with("invalid value: ")) {
        return Patch::Stop;
    }
    match expected {
        Some("a string") => Patch::Set(Value::String(String::new())),
        Some("a boolean") => Patch::Set(Value::Bool(false)),
        Some("a sequence") => Patch::Set(Value::Array(Vec::new())),
        Some(e) if e == "a map" || e.starts_with("struct ") => Patch::Set(Value::Object(serde_json::Map::new())),
        Some(e) if e.starts_with('u') || e.starts_with('i') || e.starts_with('f') => Patch::Set(Value::from(0)),
        _ => Patch::Stop,
    }
}

fn to_key_path(path: &serde_path_to_error::Path) -> KeyPath {
    use serde_path_to_error::Segment;
    path.iter().fold(KeyPath::root(), |p, seg| match seg {
        Segment::Seq { index } => p.index(*index),
        Segment::Map { key } => p.key(key.clone()),
        Segment::Enum { variant } => p.key(variant.clone()),
        Segment::Unknown => p,
    })
}

/// Classifies serde's message; may extend `path` to the offending key.
fn explain(message: &str, path: &mut KeyPath, root: &Value, locate: &dyn Locate) -> (&'static str, String, Option<String>) {
    let ticked = |s: &str| -> Vec<String> { s.split('`').skip(1).step_by(2).map(str::to_string).collect() };
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let names = ticked(rest);
        let (field, allowed) = names.split_first().map_or((String::new(), &[][..]), |(f, a)| (f.clone(), a));
        if path.last_key() != Some(field.as_str()) {
            *path = path.key(field.clone());
        }
        let help = match did_you_mean(&field, allowed.iter().map(String::as_str)) {
            Some(guess) => format!("did you mean `{guess}`?"),
            None => format!("remove it; the keys allowed here are: {}", allowed.join(", ")),
        };
        return ("unknown-key", format!("unknown key `{field}`"), Some(help));
    }
    if let Some(rest) = message.strip_prefix("missing field ") {
        let field = ticked(rest).into_iter().next().unwrap_or_default();
        let place = if path.is_root() { "here".to_string() } else { format!("under `{path}`") };
        return (
            "missing-key",
            format!("missing required key `{field}`"),
            Some(format!("add `{field}:` {place} (no tier, region or environment sets it)")),
        );
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        let names = ticked(rest);
        let (given, allowed) = names.split_first().map_or((String::new(), &[][..]), |(f, a)| (f.clone(), a));
        let help = match did_you_mean(&given, allowed.iter().map(String::as_str)) {
            Some(guess) => format!("did you mean `{guess}`?"),
            None => format!("use one of: {}", allowed.join(", ")),
        };
        return ("invalid-value", format!("`{given}` is not allowed here"), Some(help));
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, "another type"));
        let expected = human(expected);
        if let (Some(got @ (Value::Number(_) | Value::Bool(_))), true) = (lookup(root, path), expected == "a string") {
            // As written in the file: the parsed value has already lost what quoting would keep
            // (000000000001 reads as the number 1).
            let text = locate.written(path).unwrap_or_else(|| got.to_string());
            if path.last_key() == Some("account_id") {
                return (
                    "wrong-type",
                    format!("account_id must be a quoted string of 12 digits, found unquoted {text}"),
                    Some(format!("quote it: account_id: \"{text}\" (unquoted, YAML reads it as a number and drops leading zeros)")),
                );
            }
            return (
                "wrong-type",
                format!("expected a string, found unquoted {text}"),
                Some(format!("quote it: \"{text}\" (unquoted, YAML reads it as a number or boolean: 1.30 becomes 1.3, 0123 loses its zero)")),
            );
        }
        let found = found.replace("floating point", "number").replace("integer", "number");
        return ("wrong-type", format!("expected {expected}, found {found}"), Some(format!("write {expected} here")));
    }
    if let Some(rest) = message.strip_prefix("invalid value: ") {
        // Numbers out of the type's range: "invalid value: integer `70000`, expected u16".
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        if let Some(range) = range_of(expected) {
            let found = found.split('`').nth(1).unwrap_or(found);
            return ("invalid-value", format!("`{found}` is out of range: expected {range}"), Some(format!("use {range}")));
        }
    }
    ("invalid-value", message.to_string(), None)
}

/// The values an integer type holds, in words: "a whole number from 0 to 65535".
fn range_of(expected: &str) -> Option<&'static str> {
    Some(match expected {
        "u8" => "a whole number from 0 to 255",
        "u16" => "a whole number from 0 to 65535",
        "u32" => "a whole number from 0 to 4294967295",
        "u64" | "usize" => "a whole number (0 or more)",
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number",
        _ => return None,
    })
}

/// serde's names for types, in words a config author uses.
fn human(expected: &str) -> &str {
    if expected == "u32" {
        // The limit is not the point when the value is not a number at all.
        return "a whole number (0 or more)";
    }
    if let Some(range) = range_of(expected) {
        return range;
    }
    match expected {
        "f32" | "f64" => "a number",
        "a boolean" => "true or false",
        "a sequence" => "a list",
        "a map" => "a mapping",
        e if e.starts_with("struct ") => "a mapping of keys",
        e if e.starts_with("enum ") => "one of the allowed names",
        e => e,
    }
}

fn lookup<'a>(root: &'a Value, path: &KeyPath) -> Option<&'a Value> {
    use crate::load::path::Seg;
    path.segments().iter().try_fold(root, |node, seg| match seg {
        Seg::Key(k) => node.get(k.as_str()),
        Seg::Index(i) => node.get(*i),
    })
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Rds {
        instance_class: String,
        multi_az: bool,
    }

    struct Here;
    impl Locate for Here {
        fn locate(&self, path: &KeyPath) -> (KeyPath, Option<Pos>) {
            (KeyPath::root().key("tiers").key("small").key("rds").join(path), None)
        }
    }

    #[test]
    fn unknown_keys_get_a_suggestion_and_the_exact_path() {
        let err = decode::<Rds>(&json!({"instanse_class": "x", "multi_az": true}), &Here).unwrap_err();
        assert_eq!(err.code, "unknown-key");
        assert_eq!(err.key.unwrap().to_string(), "tiers.small.rds.instanse_class");
        assert_eq!(err.help.as_deref(), Some("did you mean `instance_class`?"));
    }

    #[test]
    fn numbers_where_strings_belong_suggest_quoting() {
        let err = decode::<Rds>(&json!({"instance_class": 1.3, "multi_az": true}), &Here).unwrap_err();
        assert_eq!(err.code, "wrong-type");
        assert!(err.help.unwrap().starts_with("quote it: \"1.3\""));
        assert_eq!(err.message, "expected a string, found unquoted 1.3");
    }

    #[test]
    fn every_type_problem_is_reported_not_just_the_first() {
        let errs = decode_all::<Rds>(&json!({"instance_class": 5, "multi_az": "yes", "extra": 1}), &Here).unwrap_err();
        let codes: Vec<&str> = errs.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["wrong-type", "wrong-type", "unknown-key"], "{errs:?}");
        // A misspelt key is one problem, not also a missing one.
        let errs = decode_all::<Rds>(&json!({"instanse_class": "x", "multi_az": true}), &Here).unwrap_err();
        assert_eq!(errs.iter().map(|d| d.code).collect::<Vec<_>>(), ["unknown-key"]);
    }

    #[test]
    fn missing_keys_say_where_to_add_them() {
        let err = decode::<Rds>(&json!({"multi_az": true}), &Here).unwrap_err();
        assert_eq!(err.code, "missing-key");
        assert!(err.message.contains("instance_class"));
    }
}
