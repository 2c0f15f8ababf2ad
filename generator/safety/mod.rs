//! Between emit and write: changes that can never silently destroy data.
//!
//! The committed output is what is applied. Every `resource` and `module` address its `.tf`
//! files declare, and that the new output lacks, is a destroy at the next `terraform apply`
//! (in every root, for an address inside a shared module). [`guard`] refuses such a run, before
//! anything is written, unless the generator emits a `moved` block for the address (a rename in
//! `generator/plan/moves.rs`) or the user allows that one removal (`--allow-removal`). Resources
//! that hold data, and module calls whose module contains one, cannot be allowed at all: they
//! are removed by hand (see the README, "Changes that never silently destroy data").
//! Data sources are ignored: removing one destroys nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use camino::{Utf8Path, Utf8PathBuf};
use hcl::edit::Span;

use crate::Error;
use crate::emit::header;
use crate::output::{Produced, Scope};
use crate::plan::Plan;
use crate::plan::moves::{Address, Move, Within};

/// Resource types whose destruction loses data (or, for keys, makes data unreadable): never
/// removable with `--allow-removal`.
pub const STATEFUL: &[&str] = &[
    "aws_db_instance",
    "aws_dynamodb_table",
    "aws_ebs_volume",
    "aws_efs_file_system",
    "aws_eks_cluster",
    "aws_kms_key",
    "aws_rds_cluster",
    "aws_s3_bucket",
    "aws_secretsmanager_secret",
];

/// The addresses the new output declares, and those its `moved` blocks move away from, per
/// module or root directory (relative to the output tree).
#[derive(Clone, Debug, Default)]
pub struct Emitted {
    dirs: BTreeMap<String, Dir>,
}

#[derive(Clone, Debug, Default)]
struct Dir {
    declared: BTreeSet<Address>,
    moved_from: BTreeSet<Address>,
}

impl Emitted {
    /// Reads the plan IR (after the renames of `moves` were applied to it).
    pub fn of(plan: &Plan, moves: &[Move]) -> Self {
        let mut dirs: BTreeMap<String, Dir> = BTreeMap::new();
        for module in &plan.modules {
            let dir = dirs.entry(format!("modules/{}", module.name)).or_default();
            dir.declared.extend(module.files.iter().flat_map(|f| &f.blocks).filter_map(Address::of));
            let moved = moves.iter().filter(|m| matches!(m.within, Within::Module(name) if name == module.name));
            dir.moved_from.extend(moved.map(|m| m.from.clone()));
        }
        for root in &plan.roots {
            let dir = dirs.entry(root.dir.clone()).or_default();
            dir.declared.extend(root.calls.iter().map(|c| Address::module(c.label)));
            dir.declared.extend(root.files.iter().flat_map(|f| &f.blocks).filter_map(Address::of));
            let layer = root.dir.rsplit('/').next();
            let moved = moves.iter().filter(|m| matches!(m.within, Within::Layer(l) if Some(l.as_str()) == layer));
            dir.moved_from.extend(moved.map(|m| m.from.clone()));
        }
        Self { dirs }
    }

    /// Adds what another part of the same run emits (a chunk of its environments).
    pub fn merge(&mut self, other: Self) {
        for (name, dir) in other.dirs {
            let mine = self.dirs.entry(name).or_default();
            mine.declared.extend(dir.declared);
            mine.moved_from.extend(dir.moved_from);
        }
    }

    fn covers(&self, dir: &str, address: &Address) -> bool {
        self.dirs.get(dir).is_some_and(|d| d.declared.contains(address) || d.moved_from.contains(address))
    }
}

/// One address a committed `.tf` file declares.
#[derive(Clone, Debug)]
struct Declared {
    address: Address,
    file: Utf8PathBuf,
    line: usize,
    /// For module calls: the name of the module under `modules/` it calls.
    module: Option<String>,
}

/// Why a run was refused.
#[derive(Debug)]
pub struct Refusal {
    pub problems: Vec<Problem>,
}

#[derive(Debug)]
pub enum Problem {
    /// An address the new output lacks: allowable by name.
    Removed { file: Utf8PathBuf, line: usize, dir: String, address: Address },
    /// An address holding data (or a call of a module holding some): never allowable here.
    Stateful { file: Utf8PathBuf, line: usize, address: Address, holds: Vec<String> },
    /// Every root of an environment gone from the config.
    Environment { id: String, roots: Vec<String> },
    /// A committed file of ours that does not parse: nothing can be compared.
    Unparsable { file: Utf8PathBuf, message: String },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        writeln!(
            f,
            "refusing to generate ({}): the new output drops what the committed output declares, so the next `terraform apply` would destroy it or leave it unmanaged; nothing was written",
            if n == 1 { "1 problem".to_string() } else { format!("{n} problems") }
        )?;
        for problem in &self.problems {
            match problem {
                Problem::Removed { file, line, dir, address } => {
                    writeln!(f, "  {file}:{line}: `{address}` is declared there but no longer generated")?;
                    writeln!(f, "    help: if it was renamed, add the rename to the table in generator/plan/moves.rs (the generator then emits a `moved` block); if it is meant to be destroyed, pass `--allow-removal {dir}:{address}`")?;
                }
                Problem::Stateful { file, line, address, holds } => {
                    // Inside a module, the address is `module.<call>.<address>` in each root.
                    let target = match file.as_str().strip_prefix("modules/").and_then(|m| m.split('/').next()) {
                        Some(module) => format!("module.{module}.{address}"),
                        None => address.to_string(),
                    };
                    let roots = if file.starts_with("modules/") { "every root that calls the module" } else { "every environment" };
                    writeln!(f, "  {file}:{line}: `{address}` is declared there but no longer generated, and it holds data ({}): `--allow-removal` cannot remove it", holds.join(", "))?;
                    writeln!(f, "    help: if it was renamed, add the rename to the table in generator/plan/moves.rs (the generator then emits a `moved` block); to really delete it, by hand, in {roots}: back it up, then `terraform destroy -target={target}` (or `terraform state rm {target}` to keep it unmanaged); then delete its block from {file} and generate again")?;
                }
                Problem::Environment { id, roots } => {
                    writeln!(f, "  out/environments/{id}: environment `{id}` is no longer in the config; deleting its roots ({}) leaves its infrastructure running and unmanaged (its state stays in the backend)", roots.join(", "))?;
                    writeln!(f, "    help: to tear it down, first run `terraform destroy` in its roots (monitoring, core, then networking) with the committed files; then, or to keep it running unmanaged, pass `--allow-removal {id}`")?;
                }
                Problem::Unparsable { file, message } => {
                    writeln!(f, "  {file}: cannot be parsed as HCL, so its addresses cannot be compared: {message}")?;
                    writeln!(f, "    help: restore it from git (`git checkout -- {file}`) and generate again")?;
                }
            }
        }
        write!(f, "see README.md, \"Changes that never silently destroy data\"")
    }
}

/// What `--allow-removal` entries name.
#[derive(Debug, Default)]
struct Allowed {
    addresses: Vec<(String, Address, String)>,
    environments: Vec<String>,
}

impl Allowed {
    fn parse(entries: &[String]) -> Result<Self, Error> {
        let mut allowed = Self::default();
        for entry in entries {
            let usage = |message: String| Error::Usage {
                message,
                help: "write `--allow-removal <dir>:<address>` (e.g. `modules/alarms:aws_cloudwatch_metric_alarm.db_cpu`, `out/environments/ireland/development/core:module.edge`) or `--allow-removal <region>/<env>` for a whole environment".into(),
            };
            match entry.split_once(':') {
                Some((dir, address)) => {
                    let address = Address::parse(address).map_err(|m| usage(format!("--allow-removal {entry}: {m}")))?;
                    allowed.addresses.push((dir.trim_end_matches('/').to_string(), address, entry.clone()));
                }
                None if entry.split('/').count() == 2 && !entry.starts_with("modules/") => allowed.environments.push(entry.clone()),
                None => return Err(usage(format!("--allow-removal {entry}: not a `<dir>:<address>` nor a `<region>/<env>`"))),
            }
        }
        Ok(allowed)
    }
}

/// Refuses a run whose output would drop addresses the committed output under `root` declares.
///
/// # Errors
/// [`Error::Unsafe`] listing every problem; [`Error::Usage`] for a malformed `--allow-removal`
/// or one that allows nothing this run removes; [`Error::Io`] when the tree cannot be read.
pub fn guard(root: &Utf8Path, scope: &Scope, produced: &Produced, emitted: &Emitted, allow: &[String]) -> Result<(), Error> {
    let allowed = Allowed::parse(allow)?;
    let mut used: BTreeSet<&str> = BTreeSet::new();
    let mut problems = Vec::new();
    let mut committed: BTreeMap<String, Vec<Declared>> = BTreeMap::new();
    for dir in &scope.dirs {
        scan(root, &root.join(dir), Some(produced), &mut committed, &mut problems)?;
    }

    let mut gone_envs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (dir, declared) in &committed {
        if declared.is_empty() {
            continue;
        }
        if let Some(id) = environment_of(dir) {
            let prefix = format!("out/environments/{id}/");
            if !emitted.dirs.keys().any(|d| d.starts_with(&prefix)) {
                gone_envs.entry(id).or_default().push(dir.rsplit('/').next().unwrap_or(dir).to_string());
                continue;
            }
        }
        // A module no longer generated at all is no longer called by any root: the roots'
        // removed `module.<name>` calls are what is reported (or their environment's removal).
        if dir.starts_with("modules/") && !emitted.dirs.contains_key(dir) {
            continue;
        }
        for d in declared.iter().filter(|d| !emitted.covers(dir, &d.address)) {
            let holds = holds_data(root, d)?;
            if !holds.is_empty() {
                problems.push(Problem::Stateful { file: d.file.clone(), line: d.line, address: d.address.clone(), holds });
            } else if let Some((_, _, entry)) = allowed.addresses.iter().find(|(a, addr, _)| a == dir && *addr == d.address) {
                used.insert(entry);
            } else {
                problems.push(Problem::Removed { file: d.file.clone(), line: d.line, dir: dir.clone(), address: d.address.clone() });
            }
        }
    }
    for (id, roots) in gone_envs {
        if let Some(entry) = allowed.environments.iter().find(|e| **e == id) {
            used.insert(entry);
        } else {
            problems.push(Problem::Environment { id, roots });
        }
    }

    let unused: Vec<&str> = allow.iter().map(String::as_str).filter(|e| !used.contains(e)).collect();
    if problems.is_empty() && !unused.is_empty() {
        return Err(Error::Usage {
            message: format!("--allow-removal {} allows nothing: this run removes no such address or environment", unused.join(", --allow-removal ")),
            help: "drop it (a stateful resource cannot be allowed this way at all); the names are `<dir>:<address>` as the refusal prints them, or `<region>/<env>`".into(),
        });
    }
    if problems.is_empty() { Ok(()) } else { Err(Error::Unsafe(Refusal { problems })) }
}

/// `region/env` for `out/environments/<region>/<env>/<layer>`.
fn environment_of(dir: &str) -> Option<String> {
    match dir.split('/').collect::<Vec<_>>().as_slice() {
        ["out", "environments", region, env, _layer] => Some(format!("{region}/{env}")),
        _ => None,
    }
}

/// The data-holding resource types behind an address: its own type, or those of the module it
/// calls (as committed).
fn holds_data(root: &Utf8Path, declared: &Declared) -> Result<Vec<String>, Error> {
    if let Some(ty) = declared.address.resource_type() {
        return Ok(STATEFUL.iter().filter(|s| **s == ty).map(|s| (*s).to_string()).collect());
    }
    let Some(module) = &declared.module else { return Ok(Vec::new()) };
    let mut found = BTreeMap::new();
    let mut ignored = Vec::new();
    let dir = format!("modules/{module}");
    scan(root, &root.join(&dir), None, &mut found, &mut ignored)?;
    let mut holds: Vec<String> = found
        .values()
        .flatten()
        .filter_map(|d| d.address.resource_type())
        .filter(|ty| STATEFUL.contains(ty))
        .map(|ty| format!("{ty} in {dir}"))
        .collect();
    holds.sort();
    holds.dedup();
    Ok(holds)
}

/// Collects the addresses the generated `.tf` files under `dir` declare, per directory. A file
/// the new output reproduces byte for byte (`unchanged`) is skipped: the new output declares
/// all of its addresses, in the same place (and parsing is most of the cost of this stage).
fn scan(
    root: &Utf8Path,
    dir: &Utf8Path,
    unchanged: Option<&Produced>,
    found: &mut BTreeMap<String, Vec<Declared>>,
    problems: &mut Vec<Problem>,
) -> Result<(), Error> {
    let entries = match dir.read_dir_utf8() {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => return Err(Error::Io { action: "list", path: dir.to_owned(), source }),
    };
    let mut entries: Vec<_> = entries.collect::<Result<_, _>>().map_err(|source| Error::Io { action: "list", path: dir.to_owned(), source })?;
    entries.sort_by(|a, b| a.file_name().cmp(b.file_name()));
    for entry in entries {
        let path = entry.path();
        let kind = entry.file_type().map_err(|source| Error::Io { action: "inspect", path: path.to_owned(), source })?;
        // `.terraform/` holds what terraform downloads: never ours.
        if kind.is_dir() && !entry.file_name().starts_with('.') {
            scan(root, path, unchanged, found, problems)?;
        } else if kind.is_file() && path.extension() == Some("tf") {
            let rel = path.strip_prefix(root).unwrap_or(path).to_owned();
            // Compared byte for byte under the tree's lock already: not even read again.
            if unchanged.is_some_and(|produced| produced.same.contains(rel.as_str())) {
                continue;
            }
            let text = std::fs::read_to_string(path).map_err(|source| Error::Io { action: "read", path: path.to_owned(), source })?;
            if !header::is_generated(&text) {
                continue;
            }
            if unchanged.is_some_and(|produced| produced.files.get(rel.as_str()) == Some(&text)) {
                continue;
            }
            let dir_rel = rel.parent().map(|p| p.as_str().to_string()).unwrap_or_default();
            let list = found.entry(dir_rel).or_default();
            match hcl::edit::parser::parse_body(&text) {
                Ok(body) => list.extend(declared(&body, &text, &rel)),
                Err(err) => problems.push(Problem::Unparsable { file: rel, message: err.to_string().lines().next().unwrap_or_default().to_string() }),
            }
        }
    }
    Ok(())
}

fn declared(body: &hcl::edit::structure::Body, text: &str, file: &Utf8Path) -> Vec<Declared> {
    body.blocks()
        .filter_map(|block| {
            let labels: Vec<&str> = block.labels.iter().map(|l| l.as_str()).collect();
            let (address, module) = match (block.ident.as_str(), labels.as_slice()) {
                ("resource", [ty, name]) => (Address::resource(ty, name), None),
                ("module", [name]) => {
                    let source = block.body.get_attribute("source").and_then(|a| a.value.as_str());
                    let module = source.and_then(|s| s.trim_end_matches('/').rsplit('/').next()).map(str::to_string);
                    (Address::module(name), module)
                }
                _ => return None,
            };
            let start = block.span().map_or(0, |s| s.start);
            let line = text[..start.min(text.len())].matches('\n').count() + 1;
            Some(Declared { address, file: file.to_owned(), line, module })
        })
        .collect()
}
