//! Stage 1, load: read `service-tiers.yaml` into a value tree plus a map of where each key sits.
//!
//! Nothing here knows what the keys mean; `resolve` gives them types.

mod environments;
pub mod functions;
pub mod path;
pub mod source_map;
pub mod yaml;

use std::sync::OnceLock;

use camino::{Utf8Path, Utf8PathBuf};
use serde_json::Value;

use crate::diagnostics::{Diagnostic, Report, Source};
use crate::Error;
use path::KeyPath;
use source_map::{Pos, SourceMap};

/// A parsed config: the main file, plus any environment files merged into its `environments`.
#[derive(Debug)]
pub struct Loaded {
    /// The files read, the main config first (a [`Pos::file`] indexes this list).
    pub sources: Vec<Source>,
    pub doc: Value,
    /// Where every key sits: built on first use (see [`Loaded::map`]).
    map: OnceLock<SourceMap>,
    /// Environment files not yet in the map: the file's number, where its document sits in the
    /// merged config, and where to point when nothing in it is found.
    env_files: Vec<(usize, KeyPath, Pos)>,
    /// The Edge Functions in `functions/` next to the config (none for a config without a
    /// directory, e.g. read from stdin).
    pub functions: functions::Functions,
}

impl Loaded {
    /// Where every key of the config sits. Built on first use, from the text of every file: a
    /// run whose config has no problems never asks, and the second parse it takes was a third
    /// of loading.
    pub fn map(&self) -> &SourceMap {
        self.map.get_or_init(|| {
            let mut map = self.sources.first().map_or_else(SourceMap::default, |main| SourceMap::build(&main.text));
            for (file, prefix, here) in &self.env_files {
                map.add_env_file(&self.sources[*file].text, *file, prefix, *here);
            }
            map
        })
    }

    /// Adds environment file `file` (already in [`Loaded::sources`]), whose document sits at
    /// `prefix`, to the map; `here` is where to point when the map finds nothing in it.
    fn add_env_file(&mut self, file: usize, prefix: KeyPath, here: Pos) {
        match self.map.get_mut() {
            Some(map) => map.add_env_file(&self.sources[file].text, file, &prefix, here),
            None => self.env_files.push((file, prefix, here)),
        }
    }

    /// The name of the file a position points into, as the user would open it.
    pub fn name_of(&self, pos: Pos) -> &str {
        self.sources.get(pos.file).or(self.sources.first()).map_or("", |s| s.name.as_str())
    }
}

/// Environment files live in this directory next to the config, one per environment:
/// `environments/<region>/<env>.yaml` holds what `environments.<region>.<env>` would.
pub const ENVIRONMENTS_DIR: &str = "environments";

/// Edge Functions live in this directory next to the config: `functions/<name>/index.ts`.
pub const FUNCTIONS_DIR: &str = "functions";

/// Reads and parses the config file at `path` (shown to users exactly as given), then every
/// environment file under `environments/` next to it (see [`ENVIRONMENTS_DIR`]).
///
/// At most [`yaml::MAX_BYTES`] + 1 bytes are read of each file, so `/dev/zero`, an endless pipe
/// or a huge file is rejected after 1 MiB instead of being read whole.
///
/// # Errors
/// [`Error::Io`] when a file cannot be read, [`Error::Invalid`] with a report when one is too
/// large, not UTF-8, or not valid YAML within the loader's limits, or an environment is defined
/// twice.
pub fn load_file(path: &Utf8Path) -> Result<Loaded, Error> {
    let (text, is_file) = read_bounded(path)?;
    let mut loaded = parse(path.as_str(), text)?;
    if is_file {
        let [environments, functions] = beside(path);
        environments::merge(&mut loaded, &environments)?;
        loaded.functions = functions::read(&functions)?;
    }
    Ok(loaded)
}

/// The `environments/` and `functions/` directories read with the config file at `path`,
/// relative to it as the user named it, so diagnostics name files they can open.
pub fn beside(path: &Utf8Path) -> [Utf8PathBuf; 2] {
    [ENVIRONMENTS_DIR, FUNCTIONS_DIR].map(|name| match path.parent() {
        Some(parent) if !parent.as_str().is_empty() => parent.join(name),
        _ => Utf8PathBuf::from(name),
    })
}

/// The file's text, read up to the size limit, and whether it is a regular file (only a regular
/// config file has environment files next to it: not `/dev/stdin` or a pipe).
fn read_bounded(path: &Utf8Path) -> Result<(String, bool), Error> {
    use std::io::Read;
    let io = |source| Error::Io { action: "read the config file", path: path.to_owned(), source };
    let file = std::fs::File::open(path).map_err(io)?;
    // A regular file's size names the excess; a device or pipe has none (`/dev/zero` says 0).
    let size = file.metadata().ok().filter(std::fs::Metadata::is_file).map(|m| m.len());
    let mut bytes = Vec::new();
    file.take(yaml::MAX_BYTES as u64 + 1).read_to_end(&mut bytes).map_err(io)?;
    let name = path.as_str();
    if bytes.len() > yaml::MAX_BYTES {
        let source = Source { name: name.to_string(), text: String::new() };
        return Err(Error::Invalid(Report::new(source, vec![yaml::too_large(name, size)])));
    }
    Ok((decode(name, bytes)?, size.is_some()))
}

/// The bytes as text, or a report locating the first byte that is not UTF-8.
fn decode(name: &str, bytes: Vec<u8>) -> Result<String, Error> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(err) => {
            let at = err.utf8_error().valid_up_to();
            let byte = err.as_bytes()[at];
            // The replacement character stands in for the bad byte; the prefix is unchanged, so
            // `at` is its offset in the shown text too.
            let text = String::from_utf8_lossy(err.as_bytes()).into_owned();
            let before = &text[..at];
            let line_start = before.rfind('\n').map_or(0, |n| n + 1);
            let pos = Pos {
                line: before.matches('\n').count() + 1,
                column: before[line_start..].chars().count() + 1,
                offset: at,
                len: char::REPLACEMENT_CHARACTER.len_utf8(),
                file: 0,
            };
            let mut diagnostic = Diagnostic::error("not-utf8", format!("byte 0x{byte:02X} is not UTF-8; the config must be UTF-8 text"))
                .help("save the file as UTF-8 (your editor's \"save with encoding\"), or delete the byte")
                .at(KeyPath::root(), Some(pos));
            diagnostic.key = None;
            Err(Error::Invalid(Report::new(Source { name: name.to_string(), text }, vec![diagnostic])))
        }
    }
}

/// Parses config text; `name` is what diagnostics call the file.
///
/// # Errors
/// [`Error::Invalid`] when the text is not valid YAML within the loader's limits.
pub fn parse(name: &str, text: String) -> Result<Loaded, Error> {
    let source = Source { name: name.to_string(), text };
    match yaml::parse(&source.text) {
        Ok(doc) => Ok(Loaded { sources: vec![source], doc, map: OnceLock::new(), env_files: Vec::new(), functions: functions::Functions::new() }),
        Err(diagnostic) => Err(Error::Invalid(Report::new(source, vec![diagnostic]))),
    }
}
