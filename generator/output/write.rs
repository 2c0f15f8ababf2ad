//! Writing the output tree: only what changed, atomically, never over hand-written files.

use std::fmt;

use camino::{Utf8Path, Utf8PathBuf};

use super::{Scope, scan};
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
/// produces. Unchanged files are not rewritten, so their modification times survive.
///
/// # Errors
/// [`Error::Refused`] before any write when a generated path holds a file we did not write;
/// [`Error::Io`] when the filesystem fails.
pub fn write(root: &Utf8Path, files: &Files, scope: &Scope) -> Result<Outcome, Error> {
    let mut outcome = Outcome::default();
    let mut to_write = Vec::new();
    let mut foreign = Vec::new();
    for (rel, contents) in files {
        let path = root.join(rel);
        match std::fs::read_to_string(&path) {
            Ok(existing) if existing == *contents => outcome.unchanged += 1,
            Ok(_) if !scan::carries_header(&path)? => foreign.push(rel.clone()),
            Ok(_) => to_write.push((rel, contents, false)),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => to_write.push((rel, contents, true)),
            Err(_) if path.is_file() && !scan::carries_header(&path)? => foreign.push(rel.clone()),
            Err(source) => return Err(Error::Io { action: "read", path, source }),
        }
    }
    if !foreign.is_empty() {
        return Err(Error::Refused(foreign));
    }
    let orphans: Vec<Utf8PathBuf> =
        scan::orphans(root, scope, files)?;

    for (rel, contents, new) in to_write {
        write_atomic(&root.join(rel), contents)?;
        if new { outcome.created.push(rel.clone()) } else { outcome.updated.push(rel.clone()) }
    }
    for rel in orphans {
        let path = root.join(&rel);
        std::fs::remove_file(&path).map_err(|source| Error::Io { action: "remove", path: path.clone(), source })?;
        remove_empty_parents(root, &path);
        outcome.removed.push(rel);
    }
    Ok(outcome)
}

/// Writes through a temporary file in the same directory, then renames: a crash never leaves a
/// half-written file behind.
fn write_atomic(path: &Utf8Path, contents: &str) -> Result<(), Error> {
    let io = |action, source| Error::Io { action, path: path.to_owned(), source };
    let dir = path.parent().unwrap_or(Utf8Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| io("create the directory of", e))?;
    let tmp = dir.join(format!(".{}.tmp", path.file_name().unwrap_or("file")));
    std::fs::write(&tmp, contents).map_err(|e| io("write", e))?;
    std::fs::rename(&tmp, path).map_err(|e| io("replace", e))
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
