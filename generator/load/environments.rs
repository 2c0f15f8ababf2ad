//! Environment files: `environments/<region>/<env>.yaml` next to the config, each holding one
//! environment exactly as it would be written under `environments.<region>.<env>:` in the config.
//!
//! Teams that run one Supabase per customer have thousands of environments: one file each keeps
//! every file under the size guard, reviews small, and merge conflicts rare. The files are merged
//! into the document here, so nothing after `load` knows the difference, except that positions
//! carry the file they point into.

use camino::Utf8Path;
use serde_json::{Map, Value};

use super::path::KeyPath;
use super::source_map::Pos;
use super::{Loaded, read_bounded, yaml};
use crate::Error;
use crate::diagnostics::{Diagnostic, Report, Source};

/// All files of a config together: far above thousands of environments (about 1 KiB each),
/// far below what would hurt.
pub const MAX_TOTAL_BYTES: usize = 64 << 20;

/// Reads every `<region>/<env>.yaml` under `dir` into `loaded`,
/// in a stable order (region, then environment, by name), after the environments the config
/// itself lists. Hidden files and files of other extensions (a README) are ignored, except
/// `.yml`, which is surely meant as an environment: an error.
///
/// # Errors
/// [`Error::Io`] when the directory or a file cannot be read; [`Error::Invalid`] listing every
/// file that is too large, not UTF-8 or not valid YAML, and every environment defined twice.
pub fn merge(loaded: &mut Loaded, dir: &Utf8Path) -> Result<(), Error> {
    let shown = dir;
    let Some(regions) = sorted_entries(dir)? else { return Ok(()) };
    let mut problems = Vec::new();
    let mut total = loaded.sources.iter().map(|s| s.text.len()).sum::<usize>();
    for (region, kind) in regions {
        if !kind.is_dir() || region.starts_with('.') {
            continue;
        }
        let Some(files) = sorted_entries(&dir.join(&region))? else { continue };
        for (name, kind) in files {
            if !kind.is_file() && !kind.is_symlink() || name.starts_with('.') {
                continue;
            }
            let rel = shown.join(&region).join(&name);
            if let Some(stem) = name.strip_suffix(".yml") {
                problems.push(
                    Diagnostic::error("environment-file-name", format!("{rel}: environment files end in `.yaml`"))
                        .help(format!("rename it to {}", shown.join(&region).join(format!("{stem}.yaml")))),
                );
                continue;
            }
            let Some(env) = name.strip_suffix(".yaml") else { continue };
            let file = loaded.sources.len();
            let text = match read_bounded(&dir.join(&region).join(&name)) {
                Ok((text, _)) => text,
                Err(Error::Invalid(report)) => {
                    adopt(loaded, report, &rel, &mut problems);
                    continue;
                }
                Err(Error::Io { action, source, .. }) => return Err(Error::Io { action, path: rel, source }),
                Err(other) => return Err(other),
            };
            total += text.len();
            if total > MAX_TOTAL_BYTES {
                problems.push(
                    Diagnostic::error("config-too-large", format!("the config and its environment files exceed {MAX_TOTAL_BYTES} bytes together (at {rel})"))
                        .help("check that environments/ next to the config holds only environment files"),
                );
                break;
            }
            loaded.sources.push(Source { name: rel.to_string(), text });
            let text = &loaded.sources[file].text;
            let doc = match yaml::parse(text) {
                Ok(doc) => doc,
                Err(mut d) => {
                    d.pos = d.pos.map(|p| Pos { file, ..p });
                    // A located problem names the file through its position; one without a
                    // position (an empty file) must name it in the message.
                    if d.pos.is_none() {
                        d.message = format!("{rel}: {}", d.message);
                        d.pos = Some(Pos { line: 1, column: 1, file, ..Pos::default() });
                    }
                    problems.push(d);
                    continue;
                }
            };
            let path = KeyPath::root().key("environments").key(region.clone()).key(env);
            let here = Pos { line: 1, column: 1, len: text.find('\n').unwrap_or(text.len()), file, ..Pos::default() };
            if defined(&loaded.doc, &region, env).is_some() {
                let line = loaded.map().exact(&path).map_or_else(String::new, |e| format!(" (line {})", e.anchor().line));
                problems.push(
                    Diagnostic::error(
                        "duplicate-environment",
                        format!("environment `{region}/{env}` is defined twice: in {}{line} and in {rel}", loaded.sources[0].name),
                    )
                    .at(path, Some(here))
                    .help(format!("keep one: delete `{env}:` under `environments.{region}` in {}, or delete this file", loaded.sources[0].name)),
                );
                continue;
            }
            loaded.add_env_file(file, path, here);
            insert(&mut loaded.doc, &region, env, doc);
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(Error::Invalid(Report::of(loaded.sources.clone(), problems))) }
}

/// Takes over the report of a file that could not be read as text: its source joins the config's
/// and its diagnostics point into it.
fn adopt(loaded: &mut Loaded, report: Report, rel: &Utf8Path, problems: &mut Vec<Diagnostic>) {
    let file = loaded.sources.len();
    for source in report.sources {
        loaded.sources.push(Source { name: rel.to_string(), text: source.text });
    }
    for mut d in report.items {
        match d.pos {
            Some(p) => d.pos = Some(Pos { file, ..p }),
            None if d.message.contains(rel.as_str()) => {}
            None => d.message = format!("{rel}: {}", d.message),
        }
        problems.push(d);
    }
}

/// The environment already in the document at `environments.<region>.<env>`, if any.
fn defined<'a>(doc: &'a Value, region: &str, env: &str) -> Option<&'a Value> {
    doc.get("environments")?.get(region)?.get(env)
}

/// Puts `value` at `environments.<region>.<env>` of the document (not defined there yet).
fn insert(doc: &mut Value, region: &str, env: &str, value: Value) {
    let Value::Object(top) = doc else { return };
    let environments = top.entry("environments").or_insert(Value::Null);
    if environments.is_null() {
        *environments = Value::Object(Map::new());
    }
    // Anything else than a mapping is the config's own error, reported when it is decoded.
    let Value::Object(regions) = environments else { return };
    let envs = regions.entry(region).or_insert(Value::Null);
    if envs.is_null() {
        *envs = Value::Object(Map::new());
    }
    if let Value::Object(envs) = envs {
        envs.insert(env.to_string(), value);
    }
}

/// The entries of `dir` sorted by name (`None` when it does not exist). Names that are not UTF-8
/// cannot be environments or regions and are skipped.
pub(super) fn sorted_entries(dir: &Utf8Path) -> Result<Option<Vec<(String, std::fs::FileType)>>, Error> {
    let io = |source| Error::Io { action: "list", path: dir.to_owned(), source };
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(io(source)),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(io)?;
        let Ok(name) = entry.file_name().into_string() else { continue };
        // `metadata` follows symlinks: a linked environment file counts as a file.
        let kind = std::fs::metadata(entry.path()).map_or(entry.file_type().map_err(io)?, |m| m.file_type());
        out.push((name, kind));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(Some(out))
}
