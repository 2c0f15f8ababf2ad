//! Writing the output tree: only what changed, atomically, never over hand-written files.

use std::fmt;

use camino::{Utf8Path, Utf8PathBuf};

use super::{Produced, Scope, scan};
use crate::Error;
use crate::emit::Files;

/// What a write did.
#[derive(Debug, Default)]
pub struct Outcome {
    pub created: Vec<Utf8PathBuf>,
    pub updated: Vec<Utf8PathBuf>,
    pub unchanged: usize,
    pub removed: Vec<Utf8PathBuf>,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (verb, paths) in [("created", &self.created), ("updated", &self.updated), ("removed", &self.removed)] {
            for path in paths {
                writeln!(f, "  {verb:<8} {path}")?;
            }
        }
        let (c, u, r) = (self.created.len(), self.updated.len(), self.removed.len());
        if c + u + r == 0 {
            write!(f, "{} files unchanged; nothing to write", self.unchanged)
        } else {
            write!(f, "{c} created, {u} updated, {} unchanged, {r} removed", self.unchanged)
        }
    }
}

/// Brings the output tree in line with `files`, removing our own files that `scope` no longer
/// produces and temporary files an interrupted run left behind. Unchanged files are not
/// rewritten, so their modification times survive.
///
/// Holds the tree's lock (see [`super::LOCK_FILE`]) throughout. Every changed file is first
/// written in full to a temporary file next to it; only when all are written are they renamed
/// into place, so a failure while writing (disk full, a read-only directory) leaves the tree as
/// it was. What is not atomic is the set of renames: a failure or kill during that short last
/// step leaves some files new and the rest old, each file whole (rerun to finish).
///
/// # Errors
/// [`Error::Refused`] before any write when a generated path holds a file we did not write;
/// [`Error::Io`] when the filesystem fails.
pub fn write(root: &Utf8Path, files: &Files, scope: &Scope) -> Result<Outcome, Error> {
    let _lock = super::TreeLock::exclusive(root)?;
    write_produced(root, &mut Produced::unsettled(files.clone()), scope)
}

/// As [`write`], for a run's settled output, with the tree already locked (exclusively) by
/// the caller.
///
/// # Errors
/// As [`write`].
pub fn write_produced(root: &Utf8Path, produced: &mut Produced, scope: &Scope) -> Result<Outcome, Error> {
    let mut outcome = Outcome { unchanged: produced.same.len(), ..Outcome::default() };
    // The files staged while the run was rendered (see `Produced::writing`): renamed into place
    // with the rest, after them; removed (dropped) if the run stops before.
    let mut staged = produced.take_staged();
    let mut to_write = Vec::new();
    let mut foreign = Vec::new();
    for (rel, contents) in &produced.files {
        let path = root.join(rel);
        match std::fs::read_to_string(&path) {
            Ok(existing) if existing == *contents => outcome.unchanged += 1,
            // Empty: nothing to lose (and what a power cut can leave of a file just renamed).
            Ok(existing) if existing.is_empty() => to_write.push((rel, contents, false)),
            Ok(_) if !scan::carries_header(&path)? => foreign.push(rel.clone().into()),
            Ok(_) => to_write.push((rel, contents, false)),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => to_write.push((rel, contents, true)),
            Err(_) if path.is_file() && !scan::carries_header(&path)? => foreign.push(rel.clone().into()),
            Err(source) => return Err(Error::Io { action: "read", path, source }),
        }
    }
    if !foreign.is_empty() {
        return Err(Error::Refused(foreign));
    }
    let found = scan::orphans(root, scope, produced)?;

    for (rel, contents, _) in &to_write {
        staged.add(&root.join(rel), contents)?;
    }
    staged.commit()?;
    for (rel, new) in to_write.into_iter().map(|(rel, _, new)| (rel, new)).chain(produced.spilled().iter().map(|(rel, new)| (rel, *new))) {
        if new { outcome.created.push(rel.clone().into()) } else { outcome.updated.push(rel.clone().into()) }
    }
    // In the order of the paths' text, as `Files` holds them.
    outcome.created.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    outcome.updated.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    for rel in found.orphans.into_iter().chain(found.leftovers) {
        let path = root.join(&rel);
        std::fs::remove_file(&path).map_err(|source| Error::Io { action: "remove", path: path.clone(), source })?;
        remove_empty_parents(root, &path);
        outcome.removed.push(rel);
    }
    Ok(outcome)
}

/// Removes directories left empty by orphan removal, up to (not including) the output root.
fn remove_empty_parents(root: &Utf8Path, file: &Utf8Path) {
    let mut dir = file.parent();
    while let Some(d) = dir {
        if d == root || !d.starts_with(root) || std::fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}
