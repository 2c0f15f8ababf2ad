//! Finding the generated files already on disk.

use std::io::Read;

use camino::{Utf8Path, Utf8PathBuf};

use super::Scope;
use crate::Error;
use crate::emit::{Files, header};

/// Generated files under the scope's directories that `produced` does not contain: the orphans.
/// Produced files are not opened (the caller has read them already).
pub fn orphans(root: &Utf8Path, scope: &Scope, produced: &Files) -> Result<Vec<Utf8PathBuf>, Error> {
    let mut found = Vec::new();
    for dir in &scope.dirs {
        walk(root, &root.join(dir), produced, &mut found)?;
    }
    found.sort();
    found.dedup();
    Ok(found)
}

fn walk(root: &Utf8Path, dir: &Utf8Path, produced: &Files, found: &mut Vec<Utf8PathBuf>) -> Result<(), Error> {
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
        } else if kind.is_file() && !produced.contains_key(rel) && carries_header(path)? {
            found.push(rel.to_owned());
        }
    }
    Ok(())
}

/// Reads just enough of a file to see whether its first line is our header.
pub fn carries_header(path: &Utf8Path) -> Result<bool, Error> {
    let mut head = [0u8; 160];
    let mut file = std::fs::File::open(path).map_err(|source| Error::Io { action: "open", path: path.to_owned(), source })?;
    let n = file.read(&mut head).map_err(|source| Error::Io { action: "read", path: path.to_owned(), source })?;
    Ok(header::is_generated(&String::from_utf8_lossy(&head[..n])))
}
