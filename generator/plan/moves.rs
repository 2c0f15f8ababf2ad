//! Renames of Terraform addresses, as a typed, dated table: each entry makes the generator emit a
//! `moved { from = ... to = ... }` block into `moved.tf` of the module (or of every root of the
//! layer) it concerns, so that Terraform moves the object in state instead of destroying the old
//! address and creating the new one. A rename present here is what makes the disappearance of
//! the old address from the committed output acceptable (see `crate::safety`).
//!
//! An entry can go once every environment has applied the output that carries its `moved`
//! block; `moved.tf` then disappears with the last entry of its directory.

use std::fmt;

use crate::terraform::{Block, Module, Root, TfFile, e};

use super::Plan;
use super::naming::Layer;

/// The file of a module or root directory that holds its `moved` blocks.
pub const FILE: &str = "moved.tf";

/// The renames the generator has made, oldest first. Empty: nothing has been renamed since the
/// output was first applied.
pub fn table() -> Vec<Move> {
    Vec::new()
}

/// A Terraform address inside one module or root (without any `module.` prefix of the caller).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Address {
    /// `resource "ty" "name"`: `ty.name`.
    Resource { ty: String, name: String },
    /// `module "name"`: `module.name`.
    Module { name: String },
}

impl Address {
    pub fn resource(ty: &str, name: &str) -> Self {
        Self::Resource { ty: ty.to_string(), name: name.to_string() }
    }

    pub fn module(name: &str) -> Self {
        Self::Module { name: name.to_string() }
    }

    /// Parses `type.name` or `module.name`.
    ///
    /// # Errors
    /// A message when the text is not one of those two forms.
    pub fn parse(text: &str) -> Result<Self, String> {
        let ident = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        match text.split_once('.') {
            Some(("module", name)) if ident(name) => Ok(Self::module(name)),
            Some((ty, name)) if ident(ty) && ident(name) && ty != "data" => Ok(Self::resource(ty, name)),
            _ => Err(format!("`{text}` is not a resource address (`aws_type.name`) or a module call (`module.name`)")),
        }
    }

    /// The address a block of the IR declares, if it is a resource or a module call.
    pub fn of(block: &Block) -> Option<Self> {
        match (block.kind.as_str(), block.labels.as_slice()) {
            ("resource", [ty, name]) => Some(Self::resource(ty, name)),
            ("module", [name]) => Some(Self::module(name)),
            _ => None,
        }
    }

    /// The resource type, for resources.
    pub fn resource_type(&self) -> Option<&str> {
        match self {
            Self::Resource { ty, .. } => Some(ty),
            Self::Module { .. } => None,
        }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Resource { ty, name } => write!(f, "{ty}.{name}"),
            Self::Module { name } => write!(f, "module.{name}"),
        }
    }
}

/// Where a rename happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Within {
    /// In `modules/<name>/`: one `moved` block there serves every root that calls the module.
    Module(&'static str),
    /// In every root of a layer (a module call relabelled, or a root's own resource).
    Layer(Layer),
}

impl Within {
    fn module(&self, module: &Module) -> bool {
        matches!(self, Self::Module(name) if *name == module.name)
    }

    fn root(&self, root: &Root) -> bool {
        matches!(self, Self::Layer(layer) if root.dir.rsplit('/').next() == Some(layer.as_str()))
    }
}

/// One rename: `from` became `to`, on `date` (YYYY-MM-DD), for `reason`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Move {
    pub within: Within,
    pub from: Address,
    pub to: Address,
    pub date: &'static str,
    pub reason: &'static str,
}

impl Move {
    fn block(&self) -> Block {
        Block::new("moved", &[])
            .comment(&format!("{}: {}", self.date, self.reason))
            .attr("from", e(&self.from.to_string()))
            .attr("to", e(&self.to.to_string()))
    }
}

/// Adds the `moved` blocks of `moves` to the modules and roots of the plan.
///
/// # Errors
/// A message (a generator bug: the table is wrong) when an entry's `to` is not emitted, its
/// `from` still is, or it matches no module or root of a plan that has environments.
pub fn apply(plan: &mut Plan, moves: &[Move]) -> Result<(), String> {
    for mv in moves {
        let mut matched = false;
        for module in plan.modules.iter_mut().filter(|m| mv.within.module(m)) {
            let declared: Vec<Address> = module.files.iter().flat_map(|f| &f.blocks).filter_map(Address::of).collect();
            check(mv, &declared, &format!("modules/{}", module.name))?;
            add(&mut module.files, mv);
            matched = true;
        }
        for root in plan.roots.iter_mut().filter(|r| mv.within.root(r)) {
            let calls = root.calls.iter().map(|c| Address::module(c.label));
            let declared: Vec<Address> = calls.chain(root.files.iter().flat_map(|f| &f.blocks).filter_map(Address::of)).collect();
            check(mv, &declared, &root.dir)?;
            add(&mut root.files, mv);
            matched = true;
        }
        // A module entry may match nothing when the environments generated do not use the
        // module; every environment has every layer.
        if !matched && matches!(mv.within, Within::Layer(_)) && !plan.roots.is_empty() {
            return Err(format!("rename table (generator/plan/moves.rs): {:?} {} -> {} matches no root", mv.within, mv.from, mv.to));
        }
    }
    Ok(())
}

fn check(mv: &Move, declared: &[Address], dir: &str) -> Result<(), String> {
    if !declared.contains(&mv.to) {
        return Err(format!("rename table (generator/plan/moves.rs): {} -> {}: {dir} declares no {}", mv.from, mv.to, mv.to));
    }
    if declared.contains(&mv.from) {
        return Err(format!("rename table (generator/plan/moves.rs): {} -> {}: {dir} still declares {}", mv.from, mv.to, mv.from));
    }
    Ok(())
}

fn add(files: &mut Vec<TfFile>, mv: &Move) {
    match files.iter_mut().find(|f| f.name == FILE) {
        Some(file) => file.blocks.push(mv.block()),
        None => files.push(TfFile { name: FILE, blocks: vec![mv.block()] }),
    }
}

/// A rename for tests only (`generate --test-rename`, and the library tests): relabels the
/// resource `from` of module `module` to `to` in the plan and returns the matching table entry.
/// Only resources nothing refers to can be renamed this way (references are not rewritten).
///
/// # Errors
/// A message when the module does not declare `from` or `from` is not a resource.
pub fn rename_for_test(plan: &mut Plan, module: &str, from: &Address, to: &Address) -> Result<Move, String> {
    let (Address::Resource { .. }, Address::Resource { ty, name }) = (from, to) else {
        return Err(format!("test renames take resources: {from} -> {to}"));
    };
    let module_name = plan.modules.iter().find(|m| m.name == module).map(|m| m.name).ok_or_else(|| format!("no module `{module}` is generated"))?;
    let mut found = false;
    for m in plan.modules.iter_mut().filter(|m| m.name == module) {
        for block in m.files.iter_mut().flat_map(|f| f.blocks.iter_mut()) {
            if Address::of(block).as_ref() == Some(from) {
                block.labels = vec![ty.clone(), name.clone()];
                found = true;
            }
        }
    }
    if !found {
        return Err(format!("modules/{module} declares no {from}"));
    }
    Ok(Move { within: Within::Module(module_name), from: from.clone(), to: to.clone(), date: "test", reason: "renamed by --test-rename" })
}
