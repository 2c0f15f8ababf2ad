//! The one YAML loader: text -> `serde_json::Value`, with hard limits against hostile input.
//!
//! serde-saphyr (maintained; serde_yaml is deprecated upstream) does the parsing. A budget caps
//! depth, node count and alias expansion, so a "billion laughs" file or a 10,000-deep nesting is
//! an error in microseconds, not an out-of-memory kill.

use serde_json::Value;

use crate::diagnostics::Diagnostic;
use crate::load::path::KeyPath;
use crate::load::source_map::Pos;

/// Larger than any sane config, far smaller than what would hurt.
pub const MAX_BYTES: usize = 1 << 20;

fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: 32,
            max_nodes: 100_000,
            max_events: 400_000,
            max_aliases: 256,
            max_anchors: 256,
            max_documents: 1,
            max_total_scalar_bytes: MAX_BYTES,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: 20_000,
            max_replay_stack_depth: 8,
            max_alias_expansions_per_anchor: 64,
        },
        // `!Ref x` and other application tags mean nothing here: an error, not silently dropped.
        reject_unsupported_tags: true,
    }
}

/// Parses one YAML document into a JSON-like tree.
///
/// # Errors
/// A diagnostic with the position serde-saphyr reports, for syntax errors, duplicate keys,
/// multiple documents and budget breaches.
pub fn parse(text: &str) -> Result<Value, Diagnostic> {
    if text.len() > MAX_BYTES {
        return Err(too_large("the config", Some(text.len() as u64)));
    }
    match serde_saphyr::from_str_with_options::<Value>(text, options()) {
        Ok(Value::Null) => Err(Diagnostic::error("empty-config", "the file holds no YAML document")
            .help("start from the service-tiers.yaml in the repository")),
        Ok(value) => Ok(value),
        Err(err) => Err(to_diagnostic(&err, text)),
    }
}

/// The config is over [`MAX_BYTES`]; `size` is its length when known (a regular file), `None`
/// for a device or pipe, whose reading stopped at the limit.
pub fn too_large(name: &str, size: Option<u64>) -> Diagnostic {
    let size = match size {
        Some(n) => format!("{n} bytes"),
        None => format!("more than {MAX_BYTES} bytes (reading stopped there)"),
    };
    Diagnostic::error("file-too-large", format!("{name} is {size}; the limit is 1 MiB ({MAX_BYTES} bytes)"))
        .help("keep the config under 1 MiB: check that --config names your service-tiers.yaml, and remove generated or pasted content from it")
}

fn to_diagnostic(err: &serde_saphyr::Error, text: &str) -> Diagnostic {
    let message = plain_message(err);
    let budget = message.contains("budget") || message.contains("limit") || message.contains("alias");
    let (code, help) = if message.starts_with("unsupported tag") || message.contains("tagged scalar") || message.contains("!!binary") {
        (
            "yaml-tag",
            "remove the tag: the config is plain YAML (no CloudFormation `!Ref`/`!Sub`, no `!!binary`); \
             write the value itself, quoted if it must stay a string",
        )
    } else if budget && message.contains("alias") {
        (
            "yaml-limit",
            "the file exceeds the loader's alias limits (each anchor used at most 64 times, 256 \
             aliases in all); write the values out instead of aliasing them",
        )
    } else if budget {
        (
            "yaml-limit",
            "the file exceeds the loader's safety limits (nesting depth 32, 100,000 nodes, 256 \
             aliases, each anchor used at most 64 times); write the values out instead of nesting \
             or aliasing them",
        )
    } else if message.contains("duplicate") {
        ("yaml-duplicate-key", "remove one of the two entries; YAML mapping keys must be unique")
    } else {
        ("yaml-syntax", "fix the YAML syntax at this position (check indentation and quoting)")
    };
    let pos = err.location().and_then(|loc| {
        let (line, column) = (usize::try_from(loc.line()).ok()?, usize::try_from(loc.column()).ok()?);
        (line > 0).then(|| position(text, line, column))
    });
    let mut d = Diagnostic::error(code, message).help(help);
    if let Some(pos) = pos {
        d = d.at(KeyPath::root(), Some(pos));
        d.key = None;
    }
    d
}

/// The message without serde-saphyr's own snippet or "at line X column Y" suffix: we render
/// positions ourselves, once.
fn plain_message(err: &serde_saphyr::Error) -> String {
    let full = err.without_snippet().to_string();
    let first = full.lines().next().unwrap_or_default().trim();
    let trimmed = match first.find(" at line ") {
        Some(n) => &first[..n],
        None => first,
    };
    without_option_advice(trimmed.trim_end_matches('.').trim())
}

/// serde-saphyr suggests its own `Options` fields (`set DuplicateKeyPolicy in Options`,
/// `set ignore_binary_tag_for_string`): advice for programmers, not for config authors.
fn without_option_advice(message: &str) -> String {
    let cut = [", set ", ". If you "].iter().filter_map(|m| message.find(m)).min();
    let kept = match cut {
        Some(n) if message[n..].contains("Options") => &message[..n],
        _ => message,
    };
    kept.trim_end_matches('.').trim().to_string()
}

/// Byte offset of a 1-based line and column, for the snippet underline.
fn position(text: &str, line: usize, column: usize) -> Pos {
    let line_start: usize = text.split_inclusive('\n').take(line - 1).map(str::len).sum();
    let rest = &text[line_start.min(text.len())..];
    let col_bytes: usize = rest.chars().take(column.saturating_sub(1)).map(char::len_utf8).sum();
    let offset = (line_start + col_bytes).min(text.len());
    let len = text[offset..].find(['\n', ' ']).unwrap_or(0).max(1);
    Pos { line, column, offset, len, file: 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn billion_laughs_is_rejected() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let err = parse(&text).unwrap_err();
        assert_eq!(err.code, "yaml-limit", "{err:?}");
    }

    #[test]
    fn deep_nesting_is_rejected() {
        let text = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert_eq!(parse(&text).unwrap_err().code, "yaml-limit");
    }

    #[test]
    fn duplicate_keys_are_rejected_with_a_position() {
        let err = parse("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(err.code, "yaml-duplicate-key", "{err:?}");
        assert_eq!(err.pos.map(|p| p.line), Some(3));
    }

    #[test]
    fn unknown_tags_are_rejected_at_their_position() {
        let err = parse("a: 1\ntier: !Ref small\n").unwrap_err();
        assert_eq!(err.code, "yaml-tag", "{err:?}");
        assert_eq!(err.pos.map(|p| p.line), Some(2));
    }

    #[test]
    fn library_option_names_stay_out_of_messages() {
        let err = parse("a: 1\na: 2\n").unwrap_err();
        assert!(!err.message.contains("Options") && !err.message.contains("DuplicateKeyPolicy"), "{}", err.message);
        assert_eq!(without_option_advice("cannot deserialize tagged scalar into string. If you just use !!binary, set ignore_binary_tag_for_string in Options"), "cannot deserialize tagged scalar into string");
    }

    #[test]
    fn syntax_errors_carry_a_position() {
        let err = parse("a:\n  b: [1, 2\nc: 3\n").unwrap_err();
        assert_eq!(err.code, "yaml-syntax");
        assert!(err.pos.is_some());
    }
}
