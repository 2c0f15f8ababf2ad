//! Stage 6, write or check: compare emitted files with the output tree.
//!
//! Only files carrying the generated header are ever considered ours: anything else under the
//! output tree is left alone, and a generated path that is occupied by a hand-written file stops
//! the run before anything is written.

mod check;
mod scan;
mod staged;
pub mod stamp;
mod write;

pub use check::{CheckReport, check, check_produced};
pub use write::{Outcome, write, write_produced};

use std::collections::{BTreeSet, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::time::{Duration, Instant};

use camino::{Utf8Path, Utf8PathBuf};

use crate::Error;
use crate::emit::{FilePath, Files};

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

/// How many bytes of changed files `generate` holds in memory before it stages the rest as
/// temporary files (see [`Produced::writing`]): a few hundred environments' worth.
pub const HELD_BYTES: usize = 64 << 20;

/// How long a run waits for another one holding the lock before giving up.
const LOCK_WAIT: Duration = Duration::from_secs(120);

/// A held lock on an output tree (none where `--check` could not open the file); released on drop.
#[derive(Debug)]
pub struct TreeLock {
    _held: Option<std::fs::File>,
}

impl TreeLock {
    /// For writing: creates the root and the lock file if needed and takes the lock exclusively.
    ///
    /// # Errors
    /// [`Error::Io`] when the lock file cannot be created or another run holds the lock too long.
    pub fn exclusive(root: &Utf8Path) -> Result<Self, Error> {
        let path = root.join(LOCK_FILE);
        let io = |source| Error::Io { action: "create the lock file", path: path.clone(), source };
        std::fs::create_dir_all(root).map_err(io)?;
        let file = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path).map_err(io)?;
        wait(file, &path, true).map(|f| Self { _held: Some(f) })
    }

    /// For reading (`--check`): a shared lock, so checks run side by side but never see a write
    /// half done. Writes nothing where it cannot: a missing root, a read-only checkout or a lock
    /// file that cannot be created means no lock (nothing can be writing there with our lock).
    ///
    /// # Errors
    /// As [`TreeLock::exclusive`].
    pub fn shared(root: &Utf8Path) -> Result<Self, Error> {
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

/// A run's output as compared with the tree so far: `files` differ from what the tree holds (or
/// are missing, or could not be read), `same` are byte for byte what the tree holds already, and
/// only their paths are kept (as hashes, [`PathSet`]). `generate` settles each chunk of
/// environments as it is rendered, under the tree's lock, and stages changed files past a budget
/// ([`Spill`]), so its memory follows neither the whole tree nor the changes.
#[derive(Debug, Default)]
pub struct Produced {
    /// The output tree compared with.
    root: Utf8PathBuf,
    pub files: Files,
    pub same: PathSet,
    /// Files more than one chunk renders (modules, bootstrap roots, chart, schema): a hash of
    /// each, so a second rendering that differs is caught as the bug it is.
    shared: HashMap<FilePath, u64>,
    /// The directories holding the files, for the up-to-date stamp ([`stamp`]).
    pub dirs: BTreeSet<String>,
    /// `generate` only ([`Produced::writing`]): changed files already written to temporary
    /// files beside their paths.
    spill: Option<Spill>,
}

/// Changed files staged as they are settled, once those held in memory pass a budget: a first
/// `generate` of thousands of environments changes every file (1.2 GB at 5000), which would
/// otherwise all be held until the renames. They are renamed into place with the rest, after
/// the guard and the check for hand-written files, by [`write_produced`]; a run that stops
/// before (a refusal, an error) removes them.
#[derive(Debug, Default)]
struct Spill {
    budget: usize,
    /// Bytes of changed files held in `Produced::files`.
    held: usize,
    staged: staged::Staged,
    /// (path, whether it is new) of each staged file.
    files: Vec<(FilePath, bool)>,
    paths: PathSet,
    temps: PathSet,
}

impl Spill {
    /// Stages `text` for `path` under `root`, or hands it back when `write_produced` must see
    /// it: a path held by a file we did not write (refused) or one that cannot be inspected.
    fn stage(&mut self, root: &Utf8Path, path: FilePath, text: String) -> Result<Option<(FilePath, String)>, Error> {
        let full = root.join(path.as_str());
        let new = match std::fs::metadata(&full) {
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => true,
            // Empty: nothing to lose (as `write_produced` treats it).
            Ok(meta) if meta.is_file() && (meta.len() == 0 || scan::carries_header(&full)?) => false,
            _ => return Ok(Some((path, text))),
        };
        let temp = self.staged.add(&full, &text)?;
        self.temps.insert(temp.strip_prefix(root).unwrap_or(&temp).as_str());
        self.paths.insert(path.as_str());
        self.files.push((path, new));
        Ok(None)
    }
}

impl Produced {
    /// Nothing compared yet: every file is to be compared (and written where it differs).
    pub fn unsettled(files: Files) -> Self {
        Self { files, ..Self::default() }
    }

    /// For `--check`: compared with the tree under `root`, changed files held.
    pub fn comparing(root: &Utf8Path) -> Self {
        Self { root: root.to_owned(), ..Self::default() }
    }

    /// For `generate`: compared with the tree under `root`; changed files past `budget` bytes
    /// are staged as they are settled (see [`Spill`]) instead of held.
    pub fn writing(root: &Utf8Path, budget: usize) -> Self {
        Self { spill: Some(Spill { budget, ..Spill::default() }), ..Self::comparing(root) }
    }

    pub fn len(&self) -> usize {
        self.files.len() + self.same.len() + self.spill.as_ref().map_or(0, |s| s.files.len())
    }

    /// Whether `rel` is a temporary file this run staged (not a leftover of another run).
    pub fn staged(&self, rel: &str) -> bool {
        self.spill.as_ref().is_some_and(|s| s.temps.contains(rel))
    }

    /// The files staged so far, to be committed with the rest.
    fn take_staged(&mut self) -> staged::Staged {
        self.spill.as_mut().map(|spill| std::mem::take(&mut spill.staged)).unwrap_or_default()
    }

    /// (path, whether it is new) of each staged file.
    fn spilled(&self) -> &[(FilePath, bool)] {
        self.spill.as_ref().map_or(&[], |s| &s.files)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn contains(&self, path: &str) -> bool {
        self.same.contains(path) || self.files.contains_key(path) || self.spill.as_ref().is_some_and(|s| s.paths.contains(path))
    }

    /// Compares `files` with the tree: those it already holds keep only their path. Call it
    /// with the tree locked, so what was compared is what stays there.
    ///
    /// # Errors
    /// [`Error::Bug`] when a path is rendered twice with different contents; [`Error::Io`] when
    /// a file cannot be staged.
    pub fn settle(&mut self, files: Files) -> Result<(), Error> {
        let root = self.root.clone();
        let root = root.as_path();
        let mut new = Vec::with_capacity(files.len());
        for (path, text) in files {
            let dir = path.as_str().rsplit_once('/').map_or("", |(dir, _)| dir);
            if !self.dirs.contains(dir) {
                self.dirs.insert(dir.to_string());
            }
            if self.contains(path.as_str()) {
                if self.shared.get(path.as_str()) == Some(&hash(&text)) {
                    continue;
                }
                return Err(Error::Bug(format!("{path} is emitted twice, with different contents")));
            }
            if !path.as_str().starts_with("out/environments/") {
                self.shared.insert(path.clone(), hash(&text));
            }
            new.push((path, text));
        }
        // Reading is most of the cost (a system call or three per file): on every core.
        let identical = |part: &[(FilePath, String)]| -> Vec<bool> {
            part.iter().map(|(path, text)| std::fs::read(root.join(path)).is_ok_and(|existing| existing == text.as_bytes())).collect()
        };
        let workers = std::thread::available_parallelism().map_or(1, std::num::NonZero::get).clamp(1, 8);
        let size = new.len().div_ceil(workers).max(256);
        let same: Vec<bool> = if new.len() <= size {
            identical(&new) // one part: no thread to start
        } else {
            std::thread::scope(|scope| {
                let handles: Vec<_> = new.chunks(size).map(|part| (part.len(), scope.spawn(move || identical(part)))).collect();
                // A worker that failed compared nothing: its files count as different, to be
                // compared again (and reported or written) by `check_produced`/`write_produced`.
                handles.into_iter().flat_map(|(n, h)| h.join().unwrap_or_else(|_| vec![false; n])).collect()
            })
        };
        for ((path, text), same) in new.into_iter().zip(same) {
            // Anything but an identical file (missing, different, unreadable) is left to
            // `check_produced`/`write_produced`, which report or fix it.
            if same {
                self.same.insert(path.as_str());
                continue;
            }
            let back = match &mut self.spill {
                Some(spill) if spill.held + text.len() > spill.budget => spill.stage(root, path, text)?,
                _ => Some((path, text)),
            };
            if let Some((path, text)) = back {
                if let Some(spill) = &mut self.spill {
                    spill.held += text.len();
                }
                self.files.insert(path, text);
            }
        }
        Ok(())
    }
}

/// A set of paths kept as 128-bit hashes of their text: a run of thousands of environments finds
/// hundreds of thousands of files unchanged, whose paths alone would take tens of MiB. Two
/// different paths share a hash with a chance of about 2^-100 in such a run.
#[derive(Debug, Default)]
pub struct PathSet(HashSet<u128>);

impl PathSet {
    pub fn insert(&mut self, path: &str) {
        self.0.insert(hash128(path));
    }

    pub fn contains(&self, path: &str) -> bool {
        self.0.contains(&hash128(path))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Two independent 64-bit SipHash values (the hasher's keys are fixed: the same on every run).
fn hash128<T: Hash + ?Sized>(value: &T) -> u128 {
    let half = |seed: u8| {
        let mut hasher = std::hash::DefaultHasher::new();
        seed.hash(&mut hasher);
        value.hash(&mut hasher);
        hasher.finish()
    };
    (u128::from(half(0)) << 64) | u128::from(half(1))
}

fn hash(text: &str) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}
