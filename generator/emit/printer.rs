//! Prints the Terraform IR straight to text: the same bytes as hcl-rs's formatter followed by
//! [`super::hcl`]'s finishing pass (comments, empty blocks, short lists on one line, `=`
//! alignment), without building an hcl-rs body, printing it and re-reading every line. That
//! path was a fifth of a one-environment run; it stays as the reference: debug builds (every
//! test) print each file both ways and require them equal, and anything this printer does not
//! know (an expression hcl-rs parsed) goes that way.
//!
//! The layout rules are hcl-rs 0.20's (`format/mod.rs`): a blank line between a block and what
//! follows it and before a block that follows an attribute, none after a comment; lists and
//! objects one item per line, no trailing comma. The finishing rules are `hcl.rs`'s.

use hcl::{Expression, ObjectKey};
use hcl_primitives::ident::{is_ident, is_valid_object_key};
use hcl_primitives::template::escape_markers;

use super::hcl::{is_scalar_item, space_object_for, unquote};
use crate::terraform::Block;
use crate::terraform::block::Item;

/// Top-level blocks, or `None` when one holds an expression this printer does not know.
pub fn blocks(blocks: &[Block]) -> Option<String> {
    let mut printer = Printer::default();
    for block in blocks {
        printer.block(block, 0)?;
    }
    Some(printer.finish())
}

/// `name = value` lines (a `terraform.tfvars`), or `None` as for [`blocks`].
pub fn attributes(attrs: &[(String, Expression)]) -> Option<String> {
    let mut printer = Printer::default();
    let mut chain = Vec::new();
    for (name, value) in attrs {
        printer.attribute(&mut chain, name, value, 0)?;
    }
    printer.flush(&mut chain, 0);
    Some(printer.finish())
}

/// What was printed last in the current body: it decides the line break before the next item.
#[derive(Clone, Copy, PartialEq, Default)]
enum State {
    #[default]
    Start,
    /// Right after `name {`: the header's line is still open.
    BodyStart,
    Attribute,
    Comment,
    Block,
}

/// Consecutive one-line `key = value` lines of one body or object, held until the run ends so
/// their `=` line up one space after the longest key (hclwrite's `formatCells`).
type Chain = Vec<(String, String)>;

#[derive(Default)]
struct Printer {
    out: String,
    state: State,
}

impl Printer {
    fn finish(mut self) -> String {
        // Every structure ends its line; only printing nothing leaves the text without one.
        if !self.out.ends_with('\n') {
            self.out.push('\n');
        }
        self.out
    }

    /// The line break hcl-rs writes before a structure: ends an open header, or leaves a blank
    /// line after a block and before a block that follows an attribute.
    fn break_before(&mut self, block: bool) {
        let newline = match self.state {
            State::BodyStart => true,
            State::Attribute => block,
            State::Block => true,
            State::Start | State::Comment => false,
        };
        if newline {
            self.out.push('\n');
        }
    }

    fn block(&mut self, block: &Block, depth: usize) -> Option<()> {
        if !is_ident(&block.kind) {
            return None;
        }
        self.break_before(true);
        indent(&mut self.out, depth);
        self.out.push_str(&block.kind);
        for label in &block.labels {
            self.out.push(' ');
            quoted(&mut self.out, label);
        }
        if block.items.is_empty() {
            self.out.push_str(" {}\n");
            self.state = State::Block;
            return Some(());
        }
        self.out.push_str(" {");
        self.state = State::BodyStart;
        let mut chain = Chain::new();
        for item in &block.items {
            match item {
                Item::Attr(name, value) => self.attribute(&mut chain, name, value, depth + 1)?,
                Item::Comment(text) => {
                    self.flush(&mut chain, depth + 1);
                    self.break_before(false);
                    indent(&mut self.out, depth + 1);
                    let mut escaped = String::new();
                    quoted(&mut escaped, text);
                    self.out.push_str("# ");
                    self.out.push_str(&unquote(&escaped));
                    self.out.push('\n');
                    self.state = State::Comment;
                }
                Item::Block(child) => {
                    self.flush(&mut chain, depth + 1);
                    self.block(child, depth + 1)?;
                }
            }
        }
        self.flush(&mut chain, depth + 1);
        indent(&mut self.out, depth);
        self.out.push_str("}\n");
        self.state = State::Block;
        Some(())
    }

    fn attribute(&mut self, chain: &mut Chain, name: &str, value: &Expression, depth: usize) -> Option<()> {
        if !is_ident(name) {
            return None;
        }
        let text = expression(value, depth, 2 * depth + name.len() + 3, 0)?;
        if chain.is_empty() {
            self.break_before(false);
        }
        self.state = State::Attribute;
        if text.contains('\n') {
            self.flush(chain, depth);
            indent(&mut self.out, depth);
            self.out.push_str(name);
            self.out.push_str(" = ");
            self.out.push_str(&text);
            self.out.push('\n');
        } else {
            chain.push((name.to_string(), text));
        }
        Some(())
    }

    fn flush(&mut self, chain: &mut Chain, depth: usize) {
        aligned(&mut self.out, chain, depth, "", "\n");
    }
}

/// Writes the chain's lines as `key = value`, their `=` aligned, each between `before` and
/// `after` (a body ends each line; hcl-rs starts each object entry on a new one), and empties it.
fn aligned(out: &mut String, chain: &mut Chain, depth: usize, before: &str, after: &str) {
    let width = chain.iter().map(|(key, _)| key.len()).max().unwrap_or(0);
    for (key, value) in chain.drain(..) {
        out.push_str(before);
        indent(out, depth);
        out.push_str(&key);
        out.extend(std::iter::repeat_n(' ', width - key.len() + 1));
        out.push_str("= ");
        out.push_str(&value);
        out.push_str(after);
    }
}

/// One expression as hcl-rs prints it at nesting `depth`; `column` is the length of its line
/// before it and `trailing` what follows it there (a list item's comma), for the 100-column
/// limit on lists put on one line.
fn expression(expr: &Expression, depth: usize, column: usize, trailing: usize) -> Option<String> {
    let mut out = String::new();
    match expr {
        Expression::Null => out.push_str("null"),
        Expression::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Expression::Number(n) => out.push_str(&n.to_string()),
        Expression::String(s) => quoted(&mut out, s),
        Expression::Variable(v) => out.push_str(&space_object_for(std::borrow::Cow::Borrowed(v.as_str()))),
        Expression::Array(items) => list(&mut out, items, depth, column, trailing)?,
        Expression::Object(entries) => {
            if entries.is_empty() {
                out.push_str("{}");
                return Some(out);
            }
            out.push('{');
            let mut chain = Chain::new();
            for (key, value) in entries {
                let key = object_key(key)?;
                let text = expression(value, depth + 1, 2 * (depth + 1) + key.len() + 3, 0)?;
                if text.contains('\n') {
                    aligned(&mut out, &mut chain, depth + 1, "\n", "");
                    out.push('\n');
                    indent(&mut out, depth + 1);
                    out.push_str(&key);
                    out.push_str(" = ");
                    out.push_str(&text);
                } else {
                    chain.push((key, text));
                }
            }
            aligned(&mut out, &mut chain, depth + 1, "\n", "");
            out.push('\n');
            indent(&mut out, depth);
            out.push('}');
        }
        _ => return None,
    }
    Some(out)
}

/// A list: on one line when every item is a plain value and the line stays within 100 columns,
/// else one item per line.
fn list(out: &mut String, items: &[Expression], depth: usize, column: usize, trailing: usize) -> Option<()> {
    if items.is_empty() {
        out.push_str("[]");
        return Some(());
    }
    let last = items.len() - 1;
    let texts: Vec<String> = items
        .iter()
        .enumerate()
        .map(|(i, item)| expression(item, depth + 1, 2 * (depth + 1), usize::from(i < last)))
        .collect::<Option<_>>()?;
    let plain = texts.iter().all(|t| !t.contains('\n') && is_scalar_item(t));
    let one_line = column + 1 + texts.iter().map(String::len).sum::<usize>() + 2 * last + 1 + trailing;
    if plain && one_line <= 100 {
        out.push('[');
        out.push_str(&texts.join(", "));
        out.push(']');
        return Some(());
    }
    out.push('[');
    for (i, text) in texts.iter().enumerate() {
        out.push_str(if i == 0 { "\n" } else { ",\n" });
        indent(out, depth + 1);
        out.push_str(text);
    }
    out.push('\n');
    indent(out, depth);
    out.push(']');
    Some(())
}

fn object_key(key: &ObjectKey) -> Option<String> {
    let mut out = String::new();
    match key {
        ObjectKey::Identifier(ident) if is_valid_object_key(ident) => out.push_str(ident),
        ObjectKey::Identifier(ident) => quoted(&mut out, ident),
        ObjectKey::Expression(Expression::String(s)) if is_valid_object_key(s) => out.push_str(s),
        ObjectKey::Expression(Expression::String(s)) => quoted(&mut out, s),
        ObjectKey::Expression(Expression::Variable(v)) => out.push_str(v.as_str()),
        _ => return None,
    }
    Some(out)
}

fn indent(out: &mut String, depth: usize) {
    out.extend(std::iter::repeat_n("  ", depth));
}

/// A string literal as hcl-rs writes it: template markers doubled (`$${`, `%%{`), then quotes,
/// backslashes and control characters escaped as in JSON.
fn quoted(out: &mut String, text: &str) {
    out.push('"');
    let text = escape_markers(text);
    let mut rest = text.as_ref();
    // Runs without anything to escape are copied whole (all escaped characters are ASCII).
    while let Some(at) = rest.bytes().position(|b| b < 0x20 || b == b'"' || b == b'\\') {
        out.push_str(&rest[..at]);
        match rest.as_bytes()[at] {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            b => out.push_str(&format!("\\u{b:04x}")),
        }
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terraform::{e, object, s, strings};

    #[test]
    fn prints_blocks_as_terraform_fmt_does() {
        let block = Block::resource("aws_vpc", "this")
            .skip_check("CKV_AWS_1", "a \"quoted\" reason")
            .attr("cidr_block", e("var.cidr"))
            .attr("enable_dns_support", true)
            .child("filter", |b| b)
            .attr("azs", strings(["eu-west-1a", "eu-west-1b"]))
            .attr("ids", e("[aws_subnet.a[0].id, aws_subnet.b[0].id]"))
            .comment("nested")
            .child("lifecycle", |b| b.attr("prevent_destroy", true))
            .attr("tags", object([("Name", s("x")), ("kubernetes.io/role/elb", s("${1}"))]));
        let expected = "resource \"aws_vpc\" \"this\" {\n  # checkov:skip=CKV_AWS_1:a \"quoted\" reason\n  cidr_block         = var.cidr\n  enable_dns_support = true\n\n  filter {}\n\n  azs = [\"eu-west-1a\", \"eu-west-1b\"]\n  ids = [\n    aws_subnet.a[0].id,\n    aws_subnet.b[0].id\n  ]\n  # nested\n  lifecycle {\n    prevent_destroy = true\n  }\n\n  tags = {\n    Name                     = \"x\"\n    \"kubernetes.io/role/elb\" = \"$${1}\"\n  }\n}\n";
        assert_eq!(blocks(std::slice::from_ref(&block)).as_deref(), Some(expected));
        // hcl-rs and the finishing pass agree (debug builds compare the two).
        assert_eq!(crate::emit::hcl::blocks(&[block]), expected);
    }

    #[test]
    fn strings_are_escaped_as_hcl_rs_escapes_them() {
        let text = "a\"b\\c\n\t\r\u{1}é ${x} %{y} $${z}";
        let expected = "x = \"a\\\"b\\\\c\\n\\t\\r\\u0001é $${x} %%{y} $${z}\"\n";
        assert_eq!(attributes(&[("x".into(), s(text))]).as_deref(), Some(expected));
        // The same as hcl-rs writes (debug builds compare the two).
        assert_eq!(crate::emit::hcl::attributes(&[("x".into(), s(text))]), expected);
    }

    #[test]
    fn long_lists_keep_one_item_per_line() {
        let items: Vec<String> = (0..12).map(|i| format!("item-{i}")).collect();
        let text = attributes(&[("names".into(), strings(items))]).unwrap();
        assert!(text.starts_with("names = [\n  \"item-0\",\n"), "{text}");
    }

    #[test]
    fn declines_what_hcl_rs_parsed() {
        let parsed = hcl::parse("x = { a = f(1) }\n").unwrap().into_attributes().next().unwrap().expr;
        assert_eq!(attributes(&[("x".into(), parsed)]), None);
    }
}
