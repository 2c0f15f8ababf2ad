//! Expressions for generated Terraform, written as HCL.
//!
//! Writing `e("merge(var.tags, { Name = var.name })")` reads like the Terraform it produces. The
//! text is printed as written, so it must already be what `terraform fmt` writes: debug builds
//! (every test builds every plan) parse each expression with hcl-rs and check exactly that.
//! Release builds skip the parse, which was a sixth of a one-environment run. Only generator
//! source goes into `e`, never a config value (those are literals: [`s`], tfvars), so what the
//! tests checked is all a release build can print.

use std::cell::RefCell;
use std::collections::HashMap;

use hcl::expr::Variable;
use hcl::{Expression, Identifier, Object, ObjectKey};

/// One HCL expression, printed verbatim.
///
/// # Panics
/// In debug builds, on invalid or non-canonical HCL: expressions are generator source code, so
/// that is a bug the tests catch.
pub fn e(source: &str) -> Expression {
    let expr = build(source);
    #[cfg(debug_assertions)]
    canonical::check(source, &expr);
    expr
}

fn build(source: &str) -> Expression {
    // A top-level list or object is laid out by where it is printed (one item per line, or one
    // line when short), so it is built as one; what it holds is printed as written.
    if let Some(inner) = source.strip_prefix('[').and_then(|r| r.strip_suffix(']')).filter(|i| !i.starts_with("for ")) {
        return Expression::Array(items(inner).into_iter().map(build).collect());
    }
    if let Some(inner) = source.strip_prefix('{').and_then(|r| r.strip_suffix('}')).filter(|i| !i.trim_start().starts_with("for ")) {
        if let Some(entries) = items(inner).into_iter().map(entry).collect::<Option<Vec<_>>>() {
            return Expression::Object(entries.into_iter().collect());
        }
    }
    if source.starts_with('{') || source.contains('\n') {
        return parsed(source);
    }
    // hcl-rs prints an unchecked variable name as it is: the one verbatim expression it has.
    Expression::Variable(Variable::unchecked(source))
}

/// The comma-separated items of a list's inside, split outside brackets and strings.
fn items(inner: &str) -> Vec<&str> {
    let (mut items, mut depth, mut in_string, mut start) = (Vec::new(), 0i32, false, 0);
    let bytes = inner.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if in_string => i += 1,
            b'"' => in_string = !in_string,
            b'(' | b'[' | b'{' if !in_string => depth += 1,
            b')' | b']' | b'}' if !in_string => depth -= 1,
            b',' if !in_string && depth == 0 => {
                items.push(inner[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    items.push(inner[start..].trim());
    items.retain(|item| !item.is_empty());
    items
}

/// `key = value` of an object written inline: a bare or simply quoted key and any value.
fn entry(item: &str) -> Option<(ObjectKey, Expression)> {
    let (name, value) = item.split_once(" = ")?;
    let name = match name.strip_prefix('"').and_then(|n| n.strip_suffix('"')) {
        Some(quoted) if !quoted.contains(['"', '\\', '$', '%']) => quoted,
        Some(_) => return None,
        None if Identifier::new(name).is_ok() => name,
        None => return None,
    };
    Some((key(name.to_string()), build(value)))
}

thread_local! {
    /// Every environment plans the same module source, so each object is parsed once.
    static PARSED: RefCell<HashMap<String, Expression>> = RefCell::new(HashMap::new());
}

fn parsed(source: &str) -> Expression {
    if let Some(expr) = PARSED.with(|cache| cache.borrow().get(source).cloned()) {
        return expr;
    }
    let body = hcl::parse(&format!("x = {source}\n")).unwrap_or_else(|err| panic!("generator bug: invalid HCL expression `{source}`: {err}"));
    let expr = body.into_attributes().next().expect("parsed a single attribute").expr;
    PARSED.with(|cache| cache.borrow_mut().insert(source.to_string(), expr.clone()));
    expr
}

#[cfg(debug_assertions)]
mod canonical {
    use std::cell::RefCell;
    use std::collections::HashSet;

    use hcl::Expression;

    thread_local! {
        /// Every environment plans the same module source, so each expression is checked once.
        static CHECKED: RefCell<HashSet<String>> = RefCell::new(HashSet::new());
    }

    /// Panics unless `source` is valid HCL and `built` prints exactly as hcl-rs prints its parse.
    pub fn check(source: &str, built: &Expression) {
        if CHECKED.with(|c| c.borrow().contains(source)) {
            return;
        }
        let print = |expr: &Expression| crate::emit::hcl::attributes(&[("x".into(), expr.clone())]);
        let (printed, canonical) = (print(built), print(&super::parsed(source)));
        assert!(printed == canonical, "generator bug: write the HCL expression `{source}` as terraform fmt does: `{}`", canonical.trim_end().trim_start_matches("x = "));
        CHECKED.with(|c| c.borrow_mut().insert(source.to_string()));
    }
}

/// A quoted string literal (escaped as needed).
pub fn s(text: impl Into<String>) -> Expression {
    Expression::String(text.into())
}

/// A list of string literals.
pub fn strings<I, S>(items: I) -> Expression
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    Expression::Array(items.into_iter().map(|i| Expression::String(i.into())).collect())
}

/// An object with identifier keys where possible, quoted keys otherwise.
pub fn object<I, K>(entries: I) -> Expression
where
    I: IntoIterator<Item = (K, Expression)>,
    K: Into<String>,
{
    let object: Object<ObjectKey, Expression> = entries.into_iter().map(|(k, v)| (key(k.into()), v)).collect();
    Expression::Object(object)
}

/// An object key: a bare identifier when HCL allows it, else a quoted string.
pub fn key(name: String) -> ObjectKey {
    match Identifier::new(name.clone()) {
        Ok(ident) if !name.contains(['.', '/', ':']) => ObjectKey::Identifier(ident),
        _ => ObjectKey::Expression(Expression::String(name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_print_as_written() {
        for source in ["aws_vpc.this.id", "merge(var.tags, { Name = var.name })", "\"${var.name}-public\"", "[a.b, d]", "[for x in y : x]", "{}"] {
            assert_eq!(crate::emit::hcl::attributes(&[("x".into(), e(source))]), format!("x = {source}\n"));
        }
    }

    #[test]
    #[should_panic(expected = "generator bug: invalid HCL")]
    fn invalid_hcl_is_a_bug() {
        e("merge(");
    }

    #[test]
    #[should_panic(expected = "generator bug: write the HCL expression `merge(var.tags,{Name=var.name})` as terraform fmt does")]
    fn hcl_not_written_as_terraform_fmt_would_is_a_bug() {
        e("merge(var.tags,{Name=var.name})");
    }
}
