//! Where every key and value of the YAML file sits (line, column, byte span).
//!
//! serde-saphyr turns the text into values; this map keeps the positions that values lose, so
//! every later stage (resolve, validate) can point a diagnostic at the exact line to edit.

use std::collections::HashMap;

use serde_saphyr::granit_parser::{Event, Parser, Span};

use super::path::KeyPath;

/// A position in the config: 1-based line and column, plus the byte range for snippets, in the
/// file numbered `file` (an index into [`crate::load::Loaded::sources`]; 0 is the main config).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
    pub offset: usize,
    pub len: usize,
    pub file: usize,
}

impl Pos {
    fn from_span(span: &Span, text: &str, file: usize) -> Self {
        let start = span.start.byte_offset().unwrap_or(0).min(text.len());
        let end = span.end.byte_offset().unwrap_or(start).clamp(start, text.len());
        // A block scalar or collection can span lines; underline only its first line.
        let first_line_end = text[start..end].find('\n').map_or(end, |n| start + n);
        Self {
            line: span.start.line(),
            column: span.start.col() + 1,
            offset: start,
            len: first_line_end - start,
            file,
        }
    }
}

/// The key (for mapping entries) and the value of one node.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    pub key: Option<Pos>,
    pub value: Pos,
}

impl Entry {
    /// The key when there is one (that is what a user edits), else the value.
    pub fn anchor(&self) -> Pos {
        self.key.unwrap_or(self.value)
    }
}

#[derive(Debug, Default)]
pub struct SourceMap {
    entries: HashMap<KeyPath, Entry>,
}

impl SourceMap {
    /// Positions of `path`, or of its nearest recorded ancestor (paths reached through an alias
    /// are not recorded: they point at the alias).
    pub fn locate(&self, path: &KeyPath) -> Option<(KeyPath, Entry)> {
        let mut current = Some(path.clone());
        while let Some(p) = current {
            if let Some(entry) = self.entries.get(&p) {
                return Some((p, *entry));
            }
            current = p.parent();
        }
        None
    }

    pub fn exact(&self, path: &KeyPath) -> Option<Entry> {
        self.entries.get(path).copied()
    }

    /// Builds the map from the parser's events. Call only on text serde-saphyr already accepted
    /// (so the budget has bounded it); a scan error simply ends the map early.
    pub fn build(text: &str) -> Self {
        let mut map = Self::default();
        map.add_file(text, 0, &KeyPath::root());
        map
    }

    /// Records the positions of another file (number `file`) whose document sits at `prefix` of
    /// the merged config (an environment file at `environments.<region>.<env>`).
    pub fn add_file(&mut self, text: &str, file: usize, prefix: &KeyPath) {
        enum Frame {
            Map { path: KeyPath, key: Option<(String, Pos)> },
            Seq { path: KeyPath, next: usize },
        }
        let map = self;
        let mut stack: Vec<Frame> = Vec::new();
        let mut started = false;

        for item in Parser::new_from_str(text) {
            let Ok((event, span)) = item else { break };
            let is_node = matches!(
                event,
                Event::Scalar(..) | Event::MappingStart(..) | Event::SequenceStart(..) | Event::Alias(_)
            );
            if matches!(event, Event::MappingEnd | Event::SequenceEnd) {
                stack.pop();
                continue;
            }
            if !is_node {
                continue;
            }
            let pos = Pos::from_span(&span, text, file);
            // Where does this node go: a key slot, a value slot, a sequence item, or the root?
            let (path, key_pos) = match stack.last_mut() {
                None if !started => {
                    started = true;
                    (prefix.clone(), None)
                }
                None => break, // a second document: the loader rejects it already
                Some(Frame::Map { key: slot @ None, .. }) => {
                    if let Event::Scalar(value, ..) = &event {
                        *slot = Some((value.to_string(), pos));
                        continue;
                    }
                    // A collection used as a key: not meaningful for our config, track nothing.
                    *slot = Some((String::from("?"), pos));
                    if matches!(event, Event::MappingStart(..) | Event::SequenceStart(..)) {
                        stack.push(Frame::Seq { path: prefix.key("?"), next: 0 });
                    }
                    continue;
                }
                Some(Frame::Map { path, key }) => {
                    let (name, key_pos) = key.take().expect("matched Some above");
                    (path.key(name), Some(key_pos))
                }
                Some(Frame::Seq { path, next }) => {
                    *next += 1;
                    (path.index(*next - 1), None)
                }
            };
            map.entries.insert(path.clone(), Entry { key: key_pos, value: pos });
            match event {
                Event::MappingStart(..) => stack.push(Frame::Map { path, key: None }),
                Event::SequenceStart(..) => stack.push(Frame::Seq { path, next: 0 }),
                _ => {}
            }
        }
    }

    /// Records `entry` for `path` unless the path already has one.
    pub fn insert_missing(&mut self, path: KeyPath, entry: Entry) {
        self.entries.entry(path).or_insert(entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_keys_values_and_sequence_items() {
        let text = "tiers:\n  small:\n    eks:\n      node_groups:\n        - name: general\n          desired_size: 2\n";
        let map = SourceMap::build(text);
        let path = KeyPath::parse("tiers.small.eks.node_groups[0].desired_size").unwrap();
        let entry = map.exact(&path).unwrap();
        assert_eq!((entry.key.unwrap().line, entry.key.unwrap().column), (6, 11));
        assert_eq!((entry.value.line, entry.value.column), (6, 25));
        let item = map.exact(&KeyPath::parse("tiers.small.eks.node_groups[0]").unwrap()).unwrap();
        assert_eq!(item.value.line, 5);
    }

    #[test]
    fn unknown_paths_fall_back_to_the_nearest_ancestor() {
        let map = SourceMap::build("a:\n  b: 1\n");
        let (found, entry) = map.locate(&KeyPath::parse("a.b.c.d").unwrap()).unwrap();
        assert_eq!(found.to_string(), "a.b");
        assert_eq!(entry.anchor().line, 2);
    }

    #[test]
    fn flow_collections_are_mapped_too() {
        let map = SourceMap::build("azs: [eu-west-1a, eu-west-1b]\n");
        let entry = map.exact(&KeyPath::parse("azs[1]").unwrap()).unwrap();
        assert_eq!((entry.value.line, entry.value.column), (1, 19));
    }
}
