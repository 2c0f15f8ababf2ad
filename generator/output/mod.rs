//! Stage 6, write or check: compare emitted files with the output tree.
//!
//! Only files carrying the generated header are ever considered ours: anything else under the
//! output tree is left alone, and a generated path that is occupied by a hand-written file stops
//! the run before anything is written.

mod check;
mod scan;
mod write;

pub use check::{CheckReport, check};
pub use write::{Outcome, write};

use std::time::{Duration, Instant};

use camino::{Utf8Path, Utf8PathBuf};

use crate::Error;

/// The directories (relative to the output tree) whose generated files this run owns: files
/// with our header in them that the run does not produce are orphans.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    pub dirs: Vec<Utf8PathBuf>,
}

/// The lock file at the root of an output tree. `generate` holds an exclusive lock on it for the
/// whole comparison and write, `--check` a shared one, so two runs into one tree take turns
/// instead of overwriting or sweeping each other's temporary files. The lock is advisory
/// (`flock`): the kernel drops it when the process ends, however it ends, so it never goes stale.
/// The file stays (empty); it is outside every generated directory, so never swept or reported.
pub const LOCK_FILE: &str = ".supabase-aws-gen.lock";

/// How long a run waits for another one holding the lock before giving up.
const LOCK_WAIT: Duration = Duration::from_secs(120);

/// A held lock on an output tree (none where `--check` could not open the file); released on drop.
#[derive(Debug)]
pub(crate) struct TreeLock {
    _held: Option<std::fs::File>,
}

impl TreeLock {
    /// For writing: creates the root and the lock file if needed and takes the lock exclusively.
    pub(crate) fn exclusive(root: &Utf8Path) -> Result<Self, Error> {
        let path = root.join(LOCK_FILE);
        let io = |source| Error::Io { action: "create the lock file", path: path.clone(), source };
        std::fs::create_dir_all(root).map_err(io)?;
        let file = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path).map_err(io)?;
        wait(file, &path, true).map(|f| Self { _held: Some(f) })
    }

    /// For reading (`--check`): a shared lock, so checks run side by side but never see a write
    /// half done. Writes nothing where it cannot: a missing root, a read-only checkout or a lock
    /// file that cannot be created means no lock (nothing can be writing there with our lock).
    pub(crate) fn shared(root: &Utf8Path) -> Result<Self, Error> {
        let path = root.join(LOCK_FILE);
        if !root.is_dir() {
            return Ok(Self { _held: None });
        }
        let opened = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path);
        match opened.or_else(|_| std::fs::File::open(&path)) {
            Ok(file) => wait(file, &path, false).map(|f| Self { _held: Some(f) }),
            Err(_) => Ok(Self { _held: None }),
        }
    }
}

fn wait(file: std::fs::File, path: &Utf8Path, exclusive: bool) -> Result<std::fs::File, Error> {
    use std::fs::TryLockError;
    let start = Instant::now();
    let mut told = false;
    loop {
        let attempt = if exclusive { file.try_lock() } else { file.try_lock_shared() };
        match attempt {
            Ok(()) => return Ok(file),
            Err(TryLockError::WouldBlock) if start.elapsed() < LOCK_WAIT => {
                if !told {
                    use std::io::Write;
                    let _ = writeln!(std::io::stderr(), "waiting for another supabase-aws-gen run on this output tree to finish (lock {path})");
                    told = true;
                }
                std::thread::sleep(Duration::from_millis(25));
            }
            Err(TryLockError::WouldBlock) => {
                let source = std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!(
                        "another supabase-aws-gen run has held it for {} s; let it finish (or stop it), then run again",
                        LOCK_WAIT.as_secs()
                    ),
                );
                return Err(Error::Io { action: "lock the output tree at", path: path.to_owned(), source });
            }
            Err(TryLockError::Error(source)) => return Err(Error::Io { action: "lock", path: path.to_owned(), source }),
        }
    }
}
