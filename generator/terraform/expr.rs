//! Expressions for generated Terraform, written as HCL and parsed by hcl-rs.
//!
//! Writing `e("merge(var.tags, { Name = var.name })")` reads like the Terraform it produces,
//! while the result is a structured hcl-rs expression: the syntax is checked when the plan is
//! built (every test builds every plan), and hcl-rs prints it canonically.

use std::cell::RefCell;
use std::collections::HashMap;

use hcl::{Expression, Identifier, Object, ObjectKey};

thread_local! {
    /// Every environment plans the same module source, so each expression is parsed once.
    static PARSED: RefCell<HashMap<String, Expression>> = RefCell::new(HashMap::new());
}

/// Parses one HCL expression.
///
/// # Panics
/// On invalid HCL: expressions are generator source code, so that is a bug the tests catch.
pub fn e(source: &str) -> Expression {
    if let Some(expr) = PARSED.with(|cache| cache.borrow().get(source).cloned()) {
        return expr;
    }
    let body = hcl::parse(&format!("x = {source}\n"))
        .unwrap_or_else(|err| panic!("generator bug: invalid HCL expression `{source}`: {err}"));
    let expr = body.into_attributes().next().expect("parsed a single attribute").expr;
    PARSED.with(|cache| cache.borrow_mut().insert(source.to_string(), expr.clone()));
    expr
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
    fn parses_references_calls_and_templates() {
        assert!(matches!(e("aws_vpc.this.id"), Expression::Traversal(_)));
        assert!(matches!(e("merge(var.tags, { Name = var.name })"), Expression::FuncCall(_)));
        assert!(matches!(e("\"${var.name}-public\""), Expression::TemplateExpr(_)));
    }

    #[test]
    #[should_panic(expected = "generator bug")]
    fn invalid_hcl_is_a_bug() {
        e("merge(");
    }
}
