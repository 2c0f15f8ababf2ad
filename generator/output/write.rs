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
    write_produced(root, &Produced::unsettled(files.clone()), scope)
}

/// As [`write`], for a run's settled output, with the tree already locked (exclusively) by
/// the caller.
///
/// # Errors
/// As [`write`].
pub fn write_produced(root: &Utf8Path, produced: &Produced, scope: &Scope) -> Result<Outcome, Error> {
    let mut outcome = Outcome { unchanged: produced.same.len(), ..Outcome::default() };
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

    let mut staged = Staged::default();
    for (rel, contents, _) in &to_write {
        staged.add(&root.join(rel), contents)?;
    }
    staged.commit()?;
    for (rel, _, new) in to_write {
        if new { outcome.created.push(rel.clone().into()) } else { outcome.updated.push(rel.clone().into()) }
    }
    for rel in found.orphans.into_iter().chain(found.leftovers) {
        let path = root.join(&rel);
        std::fs::remove_file(&path).map_err(|source| Error::Io { action: "remove", path: path.clone(), source })?;
        remove_empty_parents(root, &path);
        outcome.removed.push(rel);
    }
    Ok(outcome)
}

/// Files written to temporary names, waiting to be renamed into place. Dropped without
/// [`Staged::commit`] (an error while staging), it removes its temporary files and the
/// directories it created, so the tree is as it was.
#[derive(Default)]
struct Staged {
    /// (temporary file, final path)
    files: Vec<(Utf8PathBuf, Utf8PathBuf)>,
    /// Directories created for new files, parents first.
    dirs: Vec<Utf8PathBuf>,
}

impl Staged {
    /// Writes `contents` in full to a new temporary file in `path`'s directory.
    ///
    /// No `fsync`: a killed run needs none (the data is in the page cache, the rename is atomic),
    /// and it would cost about 6 ms a file (0.8 s for the 129 files of the test config, minutes
    /// for thousands of environments). After a power cut, ext4 (`auto_da_alloc`: a file replaced
    /// by rename) still gives old or new; a filesystem that leaves a zero-length file instead is repaired by the next
    /// `generate`, which treats an empty file at a generated path as its own (`--check` reports
    /// it stale). The output is reproducible from the config; git keeps the durable copy.
    fn add(&mut self, path: &Utf8Path, contents: &str) -> Result<(), Error> {
        use std::io::Write;
        let io = |action, source| Error::Io { action, path: path.to_owned(), source };
        let dir = path.parent().unwrap_or(Utf8Path::new("."));
        self.create_dir(dir).map_err(|e| io("create the directory of", e))?;
        let (tmp, mut file) = create_temp(dir, path.file_name().unwrap_or("file")).map_err(|e| io("write", e))?;
        self.files.push((tmp, path.to_owned()));
        file.write_all(contents.as_bytes()).map_err(|e| io("write", e))
    }

    /// `create_dir_all`, remembering what it created.
    fn create_dir(&mut self, dir: &Utf8Path) -> std::io::Result<()> {
        let mut missing = Vec::new();
        let mut next = Some(dir);
        while let Some(d) = next.filter(|d| !d.as_str().is_empty() && !d.is_dir()) {
            missing.push(d.to_owned());
            next = d.parent();
        }
        for d in missing.into_iter().rev() {
            match std::fs::create_dir(&d) {
                Ok(()) => self.dirs.push(d),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && d.is_dir() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Renames every temporary file into place, in order. On a failure the rest are removed
    /// (those already renamed stay: the set of renames is not atomic).
    fn commit(mut self) -> Result<(), Error> {
        let files = std::mem::take(&mut self.files);
        self.dirs.clear();
        let mut files = files.into_iter();
        while let Some((tmp, path)) = files.next() {
            if let Err(source) = std::fs::rename(&tmp, &path) {
                let _ = std::fs::remove_file(&tmp);
                for (tmp, _) in files {
                    let _ = std::fs::remove_file(&tmp);
                }
                return Err(Error::Io { action: "replace", path, source });
            }
        }
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        for (tmp, _) in &self.files {
            let _ = std::fs::remove_file(tmp);
        }
        for dir in self.dirs.iter().rev() {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// A new file `.<name>.<pid>.<n>.tmp` in `dir`: unique per process and call, and created with
/// `O_EXCL`, so it never opens a file that another run (or a stale leftover) already has.
fn create_temp(dir: &Utf8Path, name: &str) -> std::io::Result<(Utf8PathBuf, std::fs::File)> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(file) => return Ok((tmp, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
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
