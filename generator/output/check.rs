//! `--check`: what `generate` would change, as unified diffs, without writing anything.

use std::fmt;

use camino::{Utf8Path, Utf8PathBuf};
use similar::TextDiff;

use super::{Produced, Scope, scan};
use crate::Error;
use crate::emit::Files;

#[derive(Debug, Default)]
pub struct CheckReport {
    pub checked: usize,
    /// On disk, but different: (path, unified diff).
    pub stale: Vec<(Utf8PathBuf, String)>,
    /// Not on disk: (path, diff from nothing).
    pub missing: Vec<(Utf8PathBuf, String)>,
    /// Ours (generated header), but no longer produced.
    pub orphaned: Vec<Utf8PathBuf>,
    /// Occupied by a file we did not write: `generate` would refuse.
    pub foreign: Vec<Utf8PathBuf>,
    /// Our temporary files left by an interrupted run: `generate` removes them.
    pub leftovers: Vec<Utf8PathBuf>,
    /// The command that brings the tree up to date, as the user would type it (with their
    /// `--config`/`--out`); `cargo run -- generate --all` when not set.
    pub fix: Option<String>,
}

impl CheckReport {
    pub fn is_clean(&self) -> bool {
        self.stale.is_empty()
            && self.missing.is_empty()
            && self.orphaned.is_empty()
            && self.foreign.is_empty()
            && self.leftovers.is_empty()
    }
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (path, diff) in self.stale.iter().chain(&self.missing) {
            write!(f, "{diff}")?;
            if !diff.ends_with('\n') {
                writeln!(f)?;
            }
            let _ = path;
        }
        for (label, paths) in [
            ("stale", self.stale.iter().map(|(p, _)| p).collect::<Vec<_>>()),
            ("missing", self.missing.iter().map(|(p, _)| p).collect()),
            ("orphaned", self.orphaned.iter().collect()),
            ("not generated (would be refused)", self.foreign.iter().collect()),
            ("leftover temporary file (generate removes it)", self.leftovers.iter().collect()),
        ] {
            for path in paths {
                writeln!(f, "{label}: {path}")?;
            }
        }
        if self.is_clean() {
            write!(f, "{} generated files are up to date", self.checked)
        } else {
            let leftovers = match self.leftovers.len() {
                0 => String::new(),
                n => format!(", {n} leftover temporary"),
            };
            write!(
                f,
                "{} stale, {} missing, {} orphaned, {} not generated{leftovers}, of {} files\nhelp: run `{}` and commit the result",
                self.stale.len(),
                self.missing.len(),
                self.orphaned.len(),
                self.foreign.len(),
                self.checked,
                self.fix.as_deref().unwrap_or("cargo run -- generate --all"),
            )
        }
    }
}

/// Compares `files` with the tree under `root`; reads only (under a shared lock on the tree,
/// so a concurrent `generate` is never seen half done; see [`super::LOCK_FILE`]).
///
/// # Errors
/// [`Error::Io`] when a file exists but cannot be read.
pub fn check(root: &Utf8Path, files: &Files, scope: &Scope) -> Result<CheckReport, Error> {
    let _lock = super::TreeLock::shared(root)?;
    check_produced(root, &Produced::unsettled(files.clone()), scope)
}

/// As [`check`], for a run's settled output, with the tree already locked by the caller.
///
/// # Errors
/// As [`check`].
pub fn check_produced(root: &Utf8Path, produced: &Produced, scope: &Scope) -> Result<CheckReport, Error> {
    let mut report = CheckReport { checked: produced.len(), ..CheckReport::default() };
    for (rel, contents) in &produced.files {
        let path = root.join(rel);
        match std::fs::read_to_string(&path) {
            Ok(existing) if existing == *contents => {}
            Ok(existing) if !existing.is_empty() && !scan::carries_header(&path)? => {
                let _ = existing;
                report.foreign.push(rel.clone().into());
            }
            Ok(existing) => report.stale.push((rel.clone().into(), diff(rel, Some(&existing), contents))),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                report.missing.push((rel.clone().into(), diff(rel, None, contents)));
            }
            Err(source) => return Err(Error::Io { action: "read", path, source }),
        }
    }
    let found = scan::orphans(root, scope, produced)?;
    report.orphaned = found.orphans;
    report.leftovers = found.leftovers;
    Ok(report)
}

fn diff(rel: &Utf8Path, old: Option<&str>, new: &str) -> String {
    let text = TextDiff::from_lines(old.unwrap_or(""), new);
    let from = if old.is_some() { format!("a/{rel}") } else { "/dev/null".to_string() };
    text.unified_diff().context_radius(3).header(&from, &format!("b/{rel}")).to_string()
}
