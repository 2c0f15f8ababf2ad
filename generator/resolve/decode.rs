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
    serde_path_to_error::deserialize::<_, T>(value).map_err(|err| {
        let mut path = to_key_path(err.path());
        let message = err.inner().to_string();
        let (code, message, help) = explain(&message, &mut path, value, locate);
        let (key, pos) = locate.locate(&path);
        let mut d = Diagnostic::error(code, message).at(key, pos);
        if let Some(help) = help {
            d = d.help(help);
        }
        d
    })
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
        let help = match (lookup(root, path), expected == "a string") {
            (Some(got @ (Value::Number(_) | Value::Bool(_))), true) => {
                // As written in the file: the parsed value has already lost what quoting would keep.
                let text = locate.written(path).unwrap_or_else(|| got.to_string());
                format!("quote it: \"{text}\" (unquoted, YAML reads it as a number or boolean: 1.30 becomes 1.3, 0123 loses its zero)")
            }
            _ => format!("write {expected} here"),
        };
        let found = found.replace("floating point", "number").replace("integer", "number");
        return ("wrong-type", format!("expected {expected}, found {found}"), Some(help));
    }
    ("invalid-value", message.to_string(), None)
}

/// serde's names for types, in words a config author uses.
fn human(expected: &str) -> &str {
    match expected {
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number (0 or more)",
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number",
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
        assert_eq!(err.message, "expected a string, found number `1.3`");
    }

    #[test]
    fn missing_keys_say_where_to_add_them() {
        let err = decode::<Rds>(&json!({"multi_az": true}), &Here).unwrap_err();
        assert_eq!(err.code, "missing-key");
        assert!(err.message.contains("instance_class"));
    }
}
