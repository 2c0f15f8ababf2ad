//! Terraform type constraints for variables, printed in HCL and in module READMEs.

use std::fmt;

use hcl::Expression;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TfType {
    String,
    Number,
    Bool,
    List(Box<TfType>),
    Map(Box<TfType>),
    /// `object({...})`; the flag marks `optional(...)` attributes.
    Object(Vec<(&'static str, TfType, bool)>),
}

impl TfType {
    pub fn list(inner: TfType) -> Self {
        Self::List(Box::new(inner))
    }

    pub fn map(inner: TfType) -> Self {
        Self::Map(Box::new(inner))
    }

    pub fn to_expr(&self) -> Expression {
        super::expr::e(&self.to_string())
    }
}

impl fmt::Display for TfType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::String => f.write_str("string"),
            Self::Number => f.write_str("number"),
            Self::Bool => f.write_str("bool"),
            Self::List(inner) => write!(f, "list({inner})"),
            Self::Map(inner) => write!(f, "map({inner})"),
            Self::Object(fields) => {
                f.write_str("object({ ")?;
                for (i, (name, ty, optional)) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    if *optional {
                        write!(f, "{name} = optional({ty})")?;
                    } else {
                        write!(f, "{name} = {ty}")?;
                    }
                }
                f.write_str(" })")
            }
        }
    }
}
