//! Blocks of generated Terraform: resources, data sources, modules, nested blocks, comments.
//!
//! A thin builder over hcl-rs blocks that also carries comments (hcl-rs bodies have none),
//! which we need for checkov skip annotations with their reasons.

use hcl::Expression;

#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    Attr(String, Expression),
    Block(Block),
    /// A `# ...` line.
    Comment(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub kind: String,
    pub labels: Vec<String>,
    pub items: Vec<Item>,
}

impl Block {
    pub fn new(kind: &str, labels: &[&str]) -> Self {
        Self { kind: kind.to_string(), labels: labels.iter().map(|l| (*l).to_string()).collect(), items: Vec::new() }
    }

    pub fn resource(ty: &str, name: &str) -> Self {
        Self::new("resource", &[ty, name])
    }

    pub fn data(ty: &str, name: &str) -> Self {
        Self::new("data", &[ty, name])
    }

    #[must_use]
    pub fn attr(mut self, name: &str, value: impl Into<Expression>) -> Self {
        self.items.push(Item::Attr(name.to_string(), value.into()));
        self
    }

    /// An attribute placed first (`for_each` and `count` lead a block by convention).
    #[must_use]
    pub fn leading(mut self, name: &str, value: impl Into<Expression>) -> Self {
        self.items.insert(0, Item::Attr(name.to_string(), value.into()));
        self
    }

    #[must_use]
    pub fn block(mut self, block: Block) -> Self {
        self.items.push(Item::Block(block));
        self
    }

    /// A nested block with no labels, e.g. `lifecycle { ... }`.
    #[must_use]
    pub fn child(self, kind: &str, build: impl FnOnce(Block) -> Block) -> Self {
        self.block(build(Block::new(kind, &[])))
    }

    /// A `# checkov:skip=ID:reason` line: every deliberate scanner exception states its reason.
    #[must_use]
    pub fn skip_check(mut self, id: &str, reason: &str) -> Self {
        self.items.insert(0, Item::Comment(format!("checkov:skip={id}:{reason}")));
        self
    }

    #[must_use]
    pub fn comment(mut self, text: &str) -> Self {
        self.items.push(Item::Comment(text.to_string()));
        self
    }

    /// `type.name` for resources and data sources (`data.type.name` for the latter).
    pub fn address(&self) -> Option<String> {
        match (self.kind.as_str(), self.labels.as_slice()) {
            ("resource", [ty, name]) => Some(format!("{ty}.{name}")),
            ("data", [ty, name]) => Some(format!("data.{ty}.{name}")),
            ("module", [name]) => Some(format!("module.{name}")),
            _ => None,
        }
    }
}
