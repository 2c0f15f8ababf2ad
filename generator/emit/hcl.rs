//! Prints the Terraform IR as canonical HCL: identical to what `terraform fmt` would write.
//!
//! The reference is hcl-rs's formatter followed by a finishing pass (comments, empty blocks,
//! short lists on one line, `=` alignment); [`super::printer`] writes the same bytes straight
//! from the IR, and is what runs.

use hcl::format::Formatter;
use hcl::{Attribute, Body, Expression, Structure};

use std::borrow::Cow;

use super::align::align_lines;
use crate::terraform::Block;
use crate::terraform::block::Item;

/// Stands in for a comment while hcl-rs formats (its bodies cannot hold comments).
const COMMENT: &str = "__comment__";

/// Formats top-level blocks, one blank line apart.
pub fn blocks(blocks: &[Block]) -> String {
    let reference = || finish(&format(&Body::from_iter(blocks.iter().map(|b| Structure::Block(to_hcl(b))))));
    checked(super::printer::blocks(blocks), reference)
}

/// Formats `name = value` lines (a `terraform.tfvars`).
pub fn attributes(attrs: &[(String, Expression)]) -> String {
    let reference = || finish(&format(&Body::from_iter(attrs.iter().map(|(k, v)| Structure::Attribute(Attribute::new(k.as_str(), v.clone()))))));
    checked(super::printer::attributes(attrs), reference)
}

/// The direct printer's text, or hcl-rs's when the printer declines; debug builds (every test)
/// also print through hcl-rs and require the two equal.
fn checked(direct: Option<String>, reference: impl FnOnce() -> String) -> String {
    match direct {
        #[cfg(debug_assertions)]
        Some(text) => {
            let expected = reference();
            assert!(text == expected, "generator bug: the direct HCL printer wrote\n{text}\nwhere hcl-rs and the finishing pass write\n{expected}");
            text
        }
        #[cfg(not(debug_assertions))]
        Some(text) => text,
        None => reference(),
    }
}

fn format(body: &Body) -> String {
    let mut formatter = Formatter::builder().prefer_ident_keys(true).build_vec();
    hcl::format::Format::format_string(body, &mut formatter).expect("formatting an in-memory body cannot fail")
}

fn to_hcl(block: &Block) -> hcl::Block {
    let mut builder = hcl::Block::builder(block.kind.as_str());
    for label in &block.labels {
        builder = builder.add_label(label.as_str());
    }
    for item in &block.items {
        builder = match item {
            Item::Attr(name, value) => builder.add_attribute((name.as_str(), value.clone())),
            Item::Block(child) => builder.add_block(to_hcl(child)),
            Item::Comment(text) => builder.add_attribute((COMMENT, Expression::String(text.clone()))),
        };
    }
    builder.build()
}

/// Comments back in place, then alignment, then exactly one trailing newline.
fn finish(text: &str) -> String {
    let mut lines: Vec<Cow<'_, str>> = Vec::with_capacity(text.len() / 24);
    let mut after_comment = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if let Some(value) = trimmed.strip_prefix(COMMENT).map(str::trim_start).and_then(|r| r.strip_prefix("= ")) {
            let indent = &line[..line.len() - trimmed.len()];
            lines.push(Cow::Owned(format!("{indent}# {}", unquote(value))));
            after_comment = true;
            continue;
        }
        // A comment sticks to what follows it: drop the blank line hcl-rs puts before blocks.
        if !(after_comment && line.is_empty()) {
            lines.push(space_object_for(empty_block(line)));
        }
        after_comment = false;
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    let mut out = align_lines(&collapse_scalar_lists(lines));
    out.push('\n');
    out
}

/// Lists of plain values go on one line (`azs = ["a", "b"]`), as people write them, when the
/// line stays within 100 columns; lists holding objects or other lists stay one item per line.
fn collapse_scalar_lists(lines: Vec<Cow<'_, str>>) -> Vec<Cow<'_, str>> {
    if !lines.iter().any(|l| l.ends_with('[')) {
        return lines;
    }
    let mut out: Vec<Cow<'_, str>> = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        let opener = &lines[i];
        if opener.ends_with('[') {
            let indent = opener.len() - opener.trim_start().len();
            let close = (i + 1..lines.len()).find(|&j| !is_scalar_item(&lines[j]));
            if let Some(j) = close {
                let closing = &lines[j];
                let closes_here = closing.trim_start().starts_with(']') && closing.len() - closing.trim_start().len() == indent;
                if closes_here && j > i + 1 {
                    let items: Vec<&str> = lines[i + 1..j].iter().map(|l| l.trim().trim_end_matches(',')).collect();
                    let joined = format!("{}{}{}", opener, items.join(", "), closing.trim_start());
                    if joined.len() <= 100 {
                        out.push(Cow::Owned(joined));
                        i = j + 1;
                        continue;
                    }
                }
            }
        }
        out.push(opener.clone());
        i += 1;
    }
    out
}

/// A list item that is one string, number, boolean or reference.
pub(super) fn is_scalar_item(line: &str) -> bool {
    let item = line.trim().trim_end_matches(',');
    if item.is_empty() {
        return false;
    }
    if let Some(inner) = item.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        return !inner.contains('"') || inner.contains("\\\"");
    }
    item.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '*'))
}

/// hcl-rs prints an empty block as `filter {    }`; terraform fmt writes `filter {}`.
fn empty_block(line: &str) -> Cow<'_, str> {
    let Some(head) = line.strip_suffix('}') else { return Cow::Borrowed(line) };
    match head.rfind('{') {
        Some(open) if head[open + 1..].trim().is_empty() && !head[open + 1..].is_empty() => Cow::Owned(format!("{}}}", &line[..=open])),
        _ => Cow::Borrowed(line),
    }
}

/// hcl-rs prints `{for k, v in m : k => v}`; terraform fmt puts spaces inside object `for`
/// braces: `{ for k, v in m : k => v }` (tuple `[for ...]` keeps none).
pub(super) fn space_object_for(line: Cow<'_, str>) -> Cow<'_, str> {
    // (A byte search first: a substring search costs more to set up than most lines are long.)
    if !line.contains('{') || !line.contains("{for ") {
        return line;
    }
    let mut out = String::with_capacity(line.len() + 8);
    let mut braces: Vec<bool> = Vec::new(); // per open brace: is it an object `for`?
    let mut in_string = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if in_string => {
                out.push(c);
                if let Some(next) = chars.next() {
                    out.push(next);
                }
                continue;
            }
            '"' => in_string = !in_string,
            '{' if !in_string => {
                let is_for = chars.clone().take(4).collect::<String>() == "for ";
                braces.push(is_for);
                out.push(c);
                if is_for {
                    out.push(' ');
                }
                continue;
            }
            '}' if !in_string => {
                if braces.pop() == Some(true) && !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            _ => {}
        }
        out.push(c);
    }
    Cow::Owned(out)
}

pub(super) fn unquote(quoted: &str) -> String {
    let inner = quoted.strip_prefix('"').and_then(|q| q.strip_suffix('"')).unwrap_or(quoted);
    inner.replace("\\\"", "\"").replace("$${", "${").replace("%%{", "%{").replace("\\\\", "\\")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_for_expressions_get_inner_spaces() {
        assert_eq!(space_object_for(Cow::Borrowed("  v = {for k, r in x : k => r.arn}")), "  v = { for k, r in x : k => r.arn }");
        assert_eq!(space_object_for(Cow::Borrowed("  v = merge({for k in x : k => { a = 1 }}, {})")), "  v = merge({ for k in x : k => { a = 1 } }, {})");
        assert_eq!(space_object_for(Cow::Borrowed("  v = \"{for x}\"")), "  v = \"{for x}\"");
    }

    #[test]
    fn empty_blocks_are_closed_on_the_same_line() {
        assert_eq!(empty_block("    filter {    }"), "    filter {}");
        assert_eq!(empty_block("  x = {}"), "  x = {}");
        assert_eq!(empty_block("  x = \"{ }\""), "  x = \"{ }\"");
    }
}
