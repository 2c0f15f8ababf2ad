//! Finding the generated files already on disk.

use std::io::Read;

use camino::{Utf8Path, Utf8PathBuf};

use super::{Produced, Scope};
use crate::Error;
use crate::emit::header;

/// What the scope's directories hold that this run does not produce.
#[derive(Debug, Default)]
pub struct Found {
    /// Generated files (our header) no longer produced.
    pub orphans: Vec<Utf8PathBuf>,
    /// Our temporary files left by a run that was killed or failed before renaming them.
    pub leftovers: Vec<Utf8PathBuf>,
}

/// Walks the scope's directories for orphans and leftover temporary files. Produced files are
/// not opened (the caller has read them already). Under the tree lock no other run is writing,
/// so every temporary file of ours found here is stale.
pub fn orphans(root: &Utf8Path, scope: &Scope, produced: &Produced) -> Result<Found, Error> {
    let mut found = Found::default();
    for dir in &scope.dirs {
        walk(root, &root.join(dir), produced, &mut found)?;
    }
    for list in [&mut found.orphans, &mut found.leftovers] {
        list.sort();
        list.dedup();
    }
    Ok(found)
}

fn walk(root: &Utf8Path, dir: &Utf8Path, produced: &Produced, found: &mut Found) -> Result<(), Error> {
    let entries = match dir.read_dir_utf8() {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => return Err(Error::Io { action: "list", path: dir.to_owned(), source }),
    };
    for entry in entries {
        let entry = entry.map_err(|source| Error::Io { action: "list", path: dir.to_owned(), source })?;
        let path = entry.path();
        let kind = entry.file_type().map_err(|source| Error::Io { action: "inspect", path: path.to_owned(), source })?;
        // `.terraform/` holds providers and modules terraform downloads: never ours.
        let rel = path.strip_prefix(root).unwrap_or(path);
        if kind.is_dir() && !entry.file_name().starts_with('.') {
            walk(root, path, produced, found)?;
        } else if kind.is_file() && !produced.contains(rel.as_str()) && !produced.staged(rel.as_str()) {
            if is_temp_name(entry.file_name()) {
                // Ours by name, and empty (killed before writing) or holding our header.
                let empty = entry.metadata().is_ok_and(|m| m.len() == 0);
                if empty || carries_header(path)? {
                    found.leftovers.push(rel.to_owned());
                }
            } else if carries_header(path)? {
                found.orphans.push(rel.to_owned());
            }
        }
    }
    Ok(())
}

/// The names `write` gives its temporary files, `.<name>.<pid>.<n>.tmp`, and the
/// `.<name>.tmp` of earlier versions.
pub fn is_temp_name(name: &str) -> bool {
    name.len() >= ".x.tmp".len() && name.starts_with('.') && name.ends_with(".tmp")
}

/// Reads just enough of a file to see whether its first line is our header.
pub fn carries_header(path: &Utf8Path) -> Result<bool, Error> {
    let mut head = [0u8; 160];
    let mut file = std::fs::File::open(path).map_err(|source| Error::Io { action: "open", path: path.to_owned(), source })?;
    let n = file.read(&mut head).map_err(|source| Error::Io { action: "read", path: path.to_owned(), source })?;
    Ok(header::is_generated(&String::from_utf8_lossy(&head[..n])))
}
