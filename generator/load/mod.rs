//! Stage 1, load: read `service-tiers.yaml` into a value tree plus a map of where each key sits.
//!
//! Nothing here knows what the keys mean; `resolve` gives them types.

pub mod path;
pub mod source_map;
pub mod yaml;

use camino::Utf8Path;
use serde_json::Value;

use crate::diagnostics::{Report, Source};
use crate::Error;
use source_map::SourceMap;

/// A parsed config file.
#[derive(Debug)]
pub struct Loaded {
    pub source: Source,
    pub doc: Value,
    pub map: SourceMap,
}

/// Reads and parses the config file at `path` (shown to users exactly as given).
///
/// # Errors
/// [`Error::Io`] when the file cannot be read, [`Error::Invalid`] with a report when it is not
/// valid YAML within the loader's limits.
pub fn load_file(path: &Utf8Path) -> Result<Loaded, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        action: "read the config file",
        path: path.to_owned(),
        source,
    })?;
    parse(path.as_str(), text)
}

/// Parses config text; `name` is what diagnostics call the file.
///
/// # Errors
/// [`Error::Invalid`] when the text is not valid YAML within the loader's limits.
pub fn parse(name: &str, text: String) -> Result<Loaded, Error> {
    let source = Source { name: name.to_string(), text };
    match yaml::parse(&source.text) {
        Ok(doc) => {
            let map = SourceMap::build(&source.text);
            Ok(Loaded { source, doc, map })
        }
        Err(diagnostic) => Err(Error::Invalid(Report::new(source, vec![diagnostic]))),
    }
}
