//! User-facing problems: what is wrong, where (file:line:column and key path), and how to fix it.
//!
//! Every stage reports through [`Diagnostic`]; the CLI renders them with miette so the YAML line
//! is shown under the message. Generator bugs are not diagnostics: they are [`crate::Error`]s.

use std::fmt;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};

use crate::load::path::KeyPath;
use crate::load::source_map::Pos;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable kebab-case name for the kind of problem (`unknown-key`, `subnet-overlap`, ...).
    pub code: &'static str,
    pub message: String,
    /// The YAML key to edit, when the problem has one.
    pub key: Option<KeyPath>,
    pub pos: Option<Pos>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Self { severity: Severity::Error, code, message: message.into(), key: None, pos: None, help: None }
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Self { severity: Severity::Warning, ..Self::error(code, message) }
    }

    #[must_use]
    pub fn at(mut self, key: KeyPath, pos: Option<Pos>) -> Self {
        self.key = Some(key);
        self.pos = pos;
        self
    }

    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The text a set of diagnostics points into.
#[derive(Clone, Debug)]
pub struct Source {
    /// The file name as the user gave it (never made absolute: output must not leak paths).
    pub name: String,
    pub text: String,
}

/// Problems found in the config, in a stable order (by file, position, then message).
#[derive(Debug)]
pub struct Report {
    /// The files the diagnostics point into: the main config first, then any environment files
    /// (a diagnostic's [`Pos::file`] indexes this list).
    pub sources: Vec<Source>,
    pub items: Vec<Diagnostic>,
}

impl Report {
    /// Problems in one file.
    pub fn new(source: Source, items: Vec<Diagnostic>) -> Self {
        Self::of(vec![source], items)
    }

    /// Problems in a config made of several files.
    pub fn of(sources: Vec<Source>, mut items: Vec<Diagnostic>) -> Self {
        items.sort_by(|a, b| {
            let key = |d: &Diagnostic| (d.severity, d.pos.map(|p| (p.file, p.line, p.column)), d.message.clone());
            key(a).cmp(&key(b))
        });
        items.dedup();
        Self { sources, items }
    }

    /// The names of the files with errors (the main config when no error has a position).
    pub fn files(&self) -> String {
        let mut shown: Vec<usize> = self.items.iter().filter(|d| d.is_error()).filter_map(|d| d.pos.map(|p| p.file)).collect();
        shown.sort_unstable();
        shown.dedup();
        if shown.is_empty() {
            shown.push(0);
        }
        let names: Vec<&str> = shown.iter().filter_map(|&i| self.sources.get(i)).map(|s| s.name.as_str()).collect();
        match names.as_slice() {
            [one] => (*one).to_string(),
            [first @ .., last] => format!("{} and {last}", first.join(", ")),
            [] => String::new(),
        }
    }

    pub fn errors(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    pub fn warnings(&self) -> usize {
        self.items.len() - self.errors()
    }

    /// Renders every diagnostic; `color` only when writing to a terminal and `NO_COLOR` is unset.
    pub fn render(&self, color: bool) -> String {
        let theme = if color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
        let handler = GraphicalReportHandler::new_themed(theme).with_width(100).with_links(false);
        let named: Vec<NamedSource<String>> =
            self.sources.iter().map(|s| NamedSource::new(&s.name, s.text.clone()).with_language("yaml")).collect();
        let mut out = String::new();
        for diagnostic in &self.items {
            let file = diagnostic.pos.map_or(0, |p| p.file).min(self.sources.len().saturating_sub(1));
            let (Some(source), Some(named)) = (self.sources.get(file), named.get(file)) else { continue };
            let shown = Shown { diagnostic, source: named, file: &source.name };
            // Writing into a String cannot fail.
            let _ = handler.render_report(&mut out, &shown);
        }
        out
    }
}

/// Adapter giving miette what it needs to draw one diagnostic.
struct Shown<'a> {
    diagnostic: &'a Diagnostic,
    source: &'a NamedSource<String>,
    file: &'a str,
}

impl fmt::Debug for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.diagnostic, f)
    }
}

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.diagnostic;
        match (&d.key, d.pos) {
            // The location leads so logs stay grep-able even without the snippet.
            (Some(key), Some(pos)) => {
                write!(f, "{}:{}:{}: {}: {}", self.file, pos.line, pos.column, key, d.message)
            }
            (Some(key), None) => write!(f, "{}: {}: {}", self.file, key, d.message),
            (None, Some(pos)) => write!(f, "{}:{}:{}: {}", self.file, pos.line, pos.column, d.message),
            (None, None) => f.write_str(&d.message),
        }
    }
}

impl std::error::Error for Shown<'_> {}

impl miette::Diagnostic for Shown<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diagnostic.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diagnostic.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.diagnostic.pos.map(|_| self.source as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let pos = self.diagnostic.pos?;
        let label = self.diagnostic.key.as_ref().map(ToString::to_string);
        Some(Box::new(std::iter::once(LabeledSpan::new(label, pos.offset, pos.len.max(1)))))
    }
}

/// The closest candidate to `word`, if it is close enough to be a plausible typo.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

/// " (did you mean `x`?)" or nothing.
pub fn suggestion<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    did_you_mean(word, candidates).map(|c| format!("did you mean `{c}`? ")).unwrap_or_default()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb { prev } else { 1 + prev.min(row[j]).min(cur) };
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let names = ["development", "staging", "production"];
        assert_eq!(did_you_mean("developmnet", names), Some("development"));
        assert_eq!(did_you_mean("prod", names), None);
        assert_eq!(did_you_mean("qa", names), None);
    }
}
