//! The up-to-date stamp: how `generate` and `--check` answer "nothing changed" without reading
//! the config or rendering anything, when nothing they depend on has changed since a run that
//! found the tree up to date.
//!
//! Like make's timestamps or git's index, it trusts file metadata: a run that found every file
//! up to date records the metadata (device, inode, size, modification and change times, mode)
//! of everything the answer depended on, the config file, the `environments/` and `functions/`
//! trees beside it and every directory of the output it compared, each listed with its entries,
//! plus a key naming the command, the date, the directories and this very binary. A later run
//! with the same key whose recorded metadata is all unchanged would find the same files and say
//! the same: it prints that (the warnings too) and stops. Anything else, one file edited,
//! added, removed, renamed or `touch`ed, a rebuilt generator, another day, runs in full.
//!
//! The change time (ctime) is what makes this sound: no user tool can set it back, unlike the
//! modification time. The one hole is the timestamp tick: a file changed twice within one tick
//! keeps its times. A stamp is therefore only recorded when everything it covers is at least
//! [`SETTLE`] older than the run that records it (git calls such entries "racily clean").
//!
//! The stamp lives at the root of the output tree, next to the lock, and is never committed.

use std::hash::{Hash, Hasher};
use std::os::unix::fs::MetadataExt;
use std::time::{Duration, SystemTime};

use camino::{Utf8Path, Utf8PathBuf};

/// The stamp file at the root of an output tree.
pub const STAMP_FILE: &str = ".supabase-aws-gen.stamp";

/// The first line of a stamp: a stamp in any other format is ignored (and replaced).
const FORMAT: &str = "supabase-aws-gen stamp 1";

/// How much older than the run everything a stamp covers must be: far above the timestamp tick
/// of Linux's own file systems (at most 10 ms), and as long as the coarsest one's (FAT: 2 s), so
/// a later change can never fall in the tick of the time recorded.
const SETTLE: Duration = Duration::from_secs(2);

/// What a stamp depends on besides files: the command, the date, and the binary itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key(u128);

impl Key {
    /// The key of a run given as `parts` (its command line and everything else its output
    /// depends on), by this executable. `None` when the executable cannot be identified: no
    /// stamp is used or recorded then.
    pub fn new(parts: &[&str]) -> Option<Self> {
        let exe = std::fs::metadata(std::env::current_exe().ok()?).ok()?;
        let mut text = format!("{FORMAT}\0{}\0{:?}\0", env!("CARGO_PKG_VERSION"), identity(&exe));
        for part in parts {
            text.push_str(part);
            text.push('\0');
        }
        Some(Self(super::hash128(text.as_str())))
    }
}

/// What a stamp watches.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Watch {
    /// A file (following symlinks).
    File(Utf8PathBuf),
    /// A directory: itself and each of its entries (not recursively: a directory below is
    /// watched on its own, and one added or removed changes this one's times).
    Dir(Utf8PathBuf),
    /// A path that must stay absent.
    Absent(Utf8PathBuf),
}

/// A stamp's answer: the run's file count and warnings, to print as the run did.
#[derive(Debug, PartialEq, Eq)]
pub struct Fresh {
    pub files: usize,
    pub warnings: String,
}

/// The answer recorded under `root` for `key`, when everything it watches is as it was.
pub fn fresh(root: &Utf8Path, key: Key) -> Option<Fresh> {
    let text = std::fs::read_to_string(root.join(STAMP_FILE)).ok()?;
    let stamp = Stamp::parse(&text)?;
    if stamp.key != key.0 {
        return None;
    }
    let (digest, _) = digest(&stamp.watched)?;
    (digest == stamp.digest).then_some(Fresh { files: stamp.files, warnings: stamp.warnings })
}

/// Records under `root` that a run with `key`, started at `started`, found the tree up to date
/// with `files` files, printing `warnings`, having depended on `watched`. Best effort: a stamp
/// that cannot be written (a read-only checkout) only means the next run runs in full. Nothing
/// is recorded when something watched changed within [`SETTLE`] of the run.
pub fn record(root: &Utf8Path, key: Key, started: SystemTime, mut watched: Vec<Watch>, fresh: &Fresh) {
    watched.sort();
    watched.dedup();
    let Some((digest, newest)) = digest(&watched) else { return };
    let settled = started.checked_sub(SETTLE).is_some_and(|limit| newest < limit);
    if !settled || watched.iter().any(|w| w.path().as_str().contains('\n')) {
        return;
    }
    let text = Stamp { key: key.0, digest, files: fresh.files, warnings: fresh.warnings.clone(), watched }.render();
    // Written whole beside it, then renamed over it: concurrent `--check` runs (which share the
    // lock) each replace the stamp whole, and a reader never sees half of one.
    let path = root.join(STAMP_FILE);
    let temp = root.join(format!("{STAMP_FILE}.{}.tmp", std::process::id()));
    if std::fs::write(&temp, text).and_then(|()| std::fs::rename(&temp, &path)).is_err() {
        let _ = std::fs::remove_file(&temp);
    }
}

/// The directories under `dir` (itself included) that a run comparing or sweeping `dir` reads:
/// hidden ones (`.terraform/`) are never ours. A missing `dir` is watched as absent.
pub fn tree(dir: &Utf8Path, into: &mut Vec<Watch>) {
    for entry in watch_dir(dir, into) {
        if !entry.file_name().starts_with('.') && entry.file_type().is_ok_and(|t| t.is_dir()) {
            tree(entry.path(), into);
        }
    }
}

/// A config directory as the loader reads it (`environments/<region>/`, `functions/<name>/`):
/// itself and each directory in it, following symlinks as the loader does (one level: it reads
/// no deeper, and a directory added below changes the times of the one it is in). A missing
/// `dir` is watched as absent.
pub fn two_levels(dir: &Utf8Path, into: &mut Vec<Watch>) {
    for entry in watch_dir(dir, into) {
        if !entry.file_name().starts_with('.') && std::fs::metadata(entry.path()).is_ok_and(|m| m.is_dir()) {
            into.push(Watch::Dir(entry.path().to_owned()));
        }
    }
}

/// Watches `dir` (as absent when it does not exist) and returns its entries.
fn watch_dir(dir: &Utf8Path, into: &mut Vec<Watch>) -> Vec<camino::Utf8DirEntry> {
    match dir.read_dir_utf8() {
        Ok(entries) => {
            into.push(Watch::Dir(dir.to_owned()));
            entries.flatten().collect()
        }
        // Unreadable: watched as a directory, which then never matches (no stamp is trusted).
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
            into.push(Watch::Dir(dir.to_owned()));
            Vec::new()
        }
        Err(_) => {
            into.push(Watch::Absent(dir.to_owned()));
            Vec::new()
        }
    }
}

impl Watch {
    fn path(&self) -> &Utf8Path {
        match self {
            Self::File(p) | Self::Dir(p) | Self::Absent(p) => p,
        }
    }

    /// Feeds what is watched into `hasher`; `None` when it cannot be read. `newest` gathers
    /// the latest time seen.
    fn feed(&self, hasher: &mut impl Hasher, newest: &mut SystemTime) -> Option<()> {
        match self {
            Self::File(path) => {
                let meta = std::fs::metadata(path).ok()?;
                (b'F', path.as_str(), identity(&meta)).hash(hasher);
                *newest = (*newest).max(latest(&meta));
            }
            Self::Absent(path) => {
                if std::fs::symlink_metadata(path).is_ok() {
                    return None;
                }
                (b'A', path.as_str()).hash(hasher);
            }
            Self::Dir(path) => {
                let meta = std::fs::metadata(path).ok()?;
                (b'D', path.as_str(), identity(&meta)).hash(hasher);
                *newest = (*newest).max(latest(&meta));
                let mut entries: Vec<_> = path.read_dir_utf8().ok()?.collect::<Result<_, _>>().ok()?;
                entries.sort_by(|a, b| a.file_name().cmp(b.file_name()));
                for entry in entries {
                    let name = entry.file_name();
                    name.hash(hasher);
                    // Hidden entries (temporary files, `.terraform/`) count by name: creating or
                    // removing one changes the directory's times, and none is ever compared.
                    if name.starts_with('.') {
                        continue;
                    }
                    // A directory is watched on its own, if at all: its type (from the listing,
                    // no system call) is enough here.
                    if entry.file_type().ok()?.is_dir() {
                        b'd'.hash(hasher);
                        continue;
                    }
                    // Relative to the open directory (no path lookup), following a symlink.
                    let meta = entry.metadata().ok()?;
                    let meta = if meta.is_symlink() { std::fs::metadata(entry.path()).ok()? } else { meta };
                    if meta.is_dir() {
                        b'd'.hash(hasher);
                    } else {
                        identity(&meta).hash(hasher);
                        *newest = (*newest).max(latest(&meta));
                    }
                }
            }
        }
        Some(())
    }
}

/// The metadata that changes whenever a file's content, name or place does: device, inode,
/// mode, size, modification and change times.
fn identity(meta: &std::fs::Metadata) -> (u64, u64, u32, u64, [i64; 4]) {
    (meta.dev(), meta.ino(), meta.mode(), meta.size(), [meta.mtime(), meta.mtime_nsec(), meta.ctime(), meta.ctime_nsec()])
}

/// The later of a file's modification and change times.
fn latest(meta: &std::fs::Metadata) -> SystemTime {
    let at = |secs: i64, nanos: i64| {
        let secs = u64::try_from(secs).unwrap_or(0);
        let nanos = u32::try_from(nanos).unwrap_or(0);
        SystemTime::UNIX_EPOCH + Duration::new(secs, nanos)
    };
    at(meta.mtime(), meta.mtime_nsec()).max(at(meta.ctime(), meta.ctime_nsec()))
}

/// A hash of everything `watched` covers, with the newest time seen; `None` when any of it
/// cannot be read. Large trees (thousands of environments) are read on every core.
fn digest(watched: &[Watch]) -> Option<(u64, SystemTime)> {
    let part = |part: &[Watch]| -> Option<(u64, SystemTime)> {
        let mut hasher = std::hash::DefaultHasher::new();
        let mut newest = SystemTime::UNIX_EPOCH;
        for watch in part {
            watch.feed(&mut hasher, &mut newest)?;
        }
        Some((hasher.finish(), newest))
    };
    let workers = std::thread::available_parallelism().map_or(1, std::num::NonZero::get).clamp(1, 8);
    let size = watched.len().div_ceil(workers).max(256);
    let parts: Vec<Option<(u64, SystemTime)>> = if watched.len() <= size {
        vec![part(watched)] // one part: no thread to start
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = watched.chunks(size).map(|chunk| scope.spawn(move || part(chunk))).collect();
            handles.into_iter().map(|h| h.join().ok().flatten()).collect()
        })
    };
    let mut hasher = std::hash::DefaultHasher::new();
    let mut newest = SystemTime::UNIX_EPOCH;
    for (hash, time) in parts.into_iter().collect::<Option<Vec<_>>>()? {
        hash.hash(&mut hasher);
        newest = newest.max(time);
    }
    Some((hasher.finish(), newest))
}

/// A stamp file:
///
/// ```text
/// supabase-aws-gen stamp 1
/// key <32 hex digits>
/// digest <16 hex digits>
/// files <count>
/// warnings <bytes>
/// <the warnings, exactly that many bytes>
/// F|D|A <path>        one line per watched path
/// ```
struct Stamp {
    key: u128,
    digest: u64,
    files: usize,
    warnings: String,
    watched: Vec<Watch>,
}

impl Stamp {
    fn render(&self) -> String {
        let mut text = format!(
            "{FORMAT}\nkey {:032x}\ndigest {:016x}\nfiles {}\nwarnings {}\n{}",
            self.key,
            self.digest,
            self.files,
            self.warnings.len(),
            self.warnings
        );
        for watch in &self.watched {
            let (tag, path) = match watch {
                Watch::File(p) => ('F', p),
                Watch::Dir(p) => ('D', p),
                Watch::Absent(p) => ('A', p),
            };
            text.push_str(&format!("{tag} {path}\n"));
        }
        text
    }

    fn parse(text: &str) -> Option<Self> {
        let rest = text.strip_prefix(FORMAT)?.strip_prefix('\n')?;
        let (key, rest) = field(rest, "key")?;
        let (digest, rest) = field(rest, "digest")?;
        let (files, rest) = field(rest, "files")?;
        let (len, rest) = field(rest, "warnings")?;
        let len: usize = len.parse().ok()?;
        let warnings = rest.get(..len)?.to_string();
        let mut watched = Vec::new();
        for line in rest.get(len..)?.lines() {
            let (tag, path) = line.split_once(' ')?;
            let path = Utf8PathBuf::from(path);
            watched.push(match tag {
                "F" => Watch::File(path),
                "D" => Watch::Dir(path),
                "A" => Watch::Absent(path),
                _ => return None,
            });
        }
        Some(Self {
            key: u128::from_str_radix(key, 16).ok()?,
            digest: u64::from_str_radix(digest, 16).ok()?,
            files: files.parse().ok()?,
            warnings,
            watched,
        })
    }
}

/// `<name> <value>\n` at the start of `text`: the value and what follows the line.
fn field<'a>(text: &'a str, name: &str) -> Option<(&'a str, &'a str)> {
    let (line, rest) = text.split_once('\n')?;
    Some((line.strip_prefix(name)?.strip_prefix(' ')?, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamp_reads_back_as_written() {
        let stamp = Stamp {
            key: 0x0123_4567_89ab_cdef_0011_2233_4455_6677,
            digest: 42,
            files: 99,
            warnings: "warning: two\nlines\n".into(),
            watched: vec![Watch::File("service-tiers.yaml".into()), Watch::Dir("out/x y".into()), Watch::Absent("functions".into())],
        };
        let back = Stamp::parse(&stamp.render()).expect("parses");
        assert_eq!((back.key, back.digest, back.files, back.warnings.as_str()), (stamp.key, 42, 99, stamp.warnings.as_str()));
        assert_eq!(back.watched, stamp.watched);
        assert!(Stamp::parse(&stamp.render().replace("stamp 1", "stamp 0")).is_none(), "another format is ignored");
        assert!(Stamp::parse(&stamp.render()[..60]).is_none(), "a torn stamp is ignored");
    }
}
