//! Edge Functions: `functions/<name>/<file>` next to the config, as in a Supabase project
//! (`functions/<name>/index.ts`; `functions/_shared/` for code the functions import). They reach
//! the cluster inside each environment's Helm values (a ConfigMap the edge runtime mounts), so
//! they are reviewed and versioned with the rest of the output.

use std::collections::BTreeMap;
use std::io::Read;

use camino::Utf8Path;

use crate::Error;
use crate::diagnostics::{Diagnostic, Report, Source};

use super::environments::sorted_entries as entries;

/// Every function's files together: a ConfigMap holds at most 1 MiB, and the Helm release that
/// carries the values is capped at about that much too.
pub const MAX_TOTAL_BYTES: usize = 512 << 10;

/// The functions of a project: `<dir>/<file>` -> contents, in path order.
pub type Functions = BTreeMap<String, String>;

/// A directory a request can name (`/functions/v1/<name>`): the main service routes only these.
pub fn routable(dir: &str) -> bool {
    let mut chars = dir.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && dir.len() <= 63
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

fn shared(dir: &str) -> bool {
    dir.starts_with('_') && routable(&dir[1..])
}

fn file_name_ok(name: &str) -> bool {
    !name.starts_with('.') && !name.is_empty() && name.len() <= 100 && name.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

/// Reads `dir` (`functions/` next to the config; absent is none). Hidden entries are ignored.
///
/// # Errors
/// [`Error::Io`] when something cannot be read; [`Error::Invalid`] listing every misnamed
/// directory or file, nested directory, non-UTF-8 file, function without `index.ts`, and the
/// total size when it exceeds [`MAX_TOTAL_BYTES`].
pub fn read(dir: &Utf8Path) -> Result<Functions, Error> {
    let mut functions = Functions::new();
    let mut problems = Vec::new();
    let Some(dirs) = entries(dir)? else { return Ok(functions) };
    let mut total = 0;
    for (name, kind) in dirs {
        if name.starts_with('.') {
            continue;
        }
        let rel = dir.join(&name);
        if !kind.is_dir() {
            problems.push(error("function-layout", format!("{rel} is not a directory"), format!("put a function's files in {dir}/<name>/, its entry point in {dir}/<name>/index.ts")));
            continue;
        }
        if !routable(&name) && !shared(&name) {
            problems.push(error(
                "function-name",
                format!("{rel}: `{name}` cannot be a function name"),
                "use lowercase letters, digits, `-` and `_`, starting with a letter or digit (at most 63), or a leading `_` for shared code".to_string(),
            ));
            continue;
        }
        let files = entries(&rel)?.unwrap_or_default();
        for (file, kind) in &files {
            if file.starts_with('.') {
                continue;
            }
            let path = rel.join(file);
            if kind.is_dir() {
                problems.push(error("function-layout", format!("{path} is a directory"), format!("keep each function's files directly in {rel}/ (the runtime's ConfigMap has no subdirectories)")));
                continue;
            }
            if !file_name_ok(file) {
                problems.push(error("function-file-name", format!("{path}: `{file}` cannot be a file name here"), "use letters, digits, `.`, `_` and `-` (at most 100)".to_string()));
                continue;
            }
            let mut bytes = Vec::new();
            let io = |source| Error::Io { action: "read the function file", path: path.clone(), source };
            std::fs::File::open(&path).map_err(io)?.take((MAX_TOTAL_BYTES + 1) as u64).read_to_end(&mut bytes).map_err(io)?;
            total += bytes.len();
            if total > MAX_TOTAL_BYTES {
                problems.push(error(
                    "functions-too-large",
                    format!("the files under {dir} exceed {} KiB together (at {path})", MAX_TOTAL_BYTES >> 10),
                    "keep functions small (their npm and jsr imports are fetched at run time) or deploy large ones separately".to_string(),
                ));
                return Err(invalid(dir, problems));
            }
            match String::from_utf8(bytes) {
                Ok(text) => {
                    functions.insert(format!("{name}/{file}"), text);
                }
                Err(e) => problems.push(error(
                    "not-utf8",
                    format!("{path}: byte {} is not UTF-8", e.utf8_error().valid_up_to()),
                    "save the file as UTF-8".to_string(),
                )),
            }
        }
        if routable(&name) && !files.iter().any(|(f, k)| f == "index.ts" && k.is_file()) {
            problems.push(error("function-entry-point", format!("{rel} has no index.ts"), format!("add {rel}/index.ts (the edge runtime starts a function there), or remove the directory")));
        }
    }
    if problems.is_empty() { Ok(functions) } else { Err(invalid(dir, problems)) }
}

/// The report of `problems`, which name their files in their messages (they have no position).
fn invalid(dir: &Utf8Path, problems: Vec<Diagnostic>) -> Error {
    Error::Invalid(Report::of(vec![Source { name: dir.to_string(), text: String::new() }], problems))
}

fn error(code: &'static str, message: String, help: String) -> Diagnostic {
    Diagnostic::error(code, message).help(help)
}
