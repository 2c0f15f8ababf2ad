//! Where every key and value of the YAML file sits (line, column, byte span).
//!
//! serde-saphyr turns the text into values; this map keeps the positions that values lose, so
//! every later stage (resolve, validate) can point a diagnostic at the exact line to edit.

use std::collections::HashMap;

use serde_saphyr::granit_parser::{Event, Parser, Span};

use super::path::{KeyPath, Seg};

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

/// Positions by key path, as a trie: nodes are numbered, a child is found by its parent and its
/// segment (mapping keys interned), and positions are kept in 32 bits. A config of thousands of
/// environments records hundreds of thousands of nodes, so this is a fifth of the memory a map
/// from whole paths to positions takes (`scripts/bench.sh`).
#[derive(Debug)]
pub struct SourceMap {
    names: HashMap<Box<str>, u32>,
    children: HashMap<(u32, u32), u32>,
    /// Per node (0 is the root): its entry, or none for a node recorded only as an ancestor.
    entries: Vec<Option<Packed>>,
}

impl Default for SourceMap {
    fn default() -> Self {
        Self { names: HashMap::new(), children: HashMap::new(), entries: vec![None] }
    }
}

/// A [`Pos`] in 32-bit fields (files are at most a few MiB; line 0 marks "none").
#[derive(Clone, Copy, Debug)]
struct PackedPos {
    line: u32,
    column: u32,
    offset: u32,
    len: u32,
    file: u32,
}

#[derive(Clone, Copy, Debug)]
struct Packed {
    key: PackedPos,
    value: PackedPos,
}

impl PackedPos {
    const NONE: Self = Self { line: 0, column: 0, offset: 0, len: 0, file: 0 };

    fn pack(pos: Pos) -> Self {
        let n = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        Self { line: n(pos.line).max(1), column: n(pos.column), offset: n(pos.offset), len: n(pos.len), file: n(pos.file) }
    }

    fn unpack(self) -> Option<Pos> {
        (self.line > 0).then(|| Pos {
            line: self.line as usize,
            column: self.column as usize,
            offset: self.offset as usize,
            len: self.len as usize,
            file: self.file as usize,
        })
    }
}

impl Packed {
    fn pack(entry: Entry) -> Self {
        Self { key: entry.key.map_or(PackedPos::NONE, PackedPos::pack), value: PackedPos::pack(entry.value) }
    }

    fn unpack(self) -> Entry {
        Entry { key: self.key.unpack(), value: self.value.unpack().unwrap_or_default() }
    }
}

const ROOT: u32 = 0;

fn index_id(index: usize) -> Option<u32> {
    u32::try_from(index).ok().filter(|i| *i < 1 << 31).map(|i| (i << 1) | 1)
}

impl SourceMap {
    /// Positions of `path`, or of its nearest recorded ancestor (paths reached through an alias
    /// are not recorded: they point at the alias).
    pub fn locate(&self, path: &KeyPath) -> Option<(KeyPath, Entry)> {
        let mut node = ROOT;
        let mut found = self.entries[ROOT as usize].map(|e| (0, e));
        for (depth, seg) in path.segments().iter().enumerate() {
            let Some(child) = self.child(node, seg) else { break };
            node = child;
            if let Some(e) = self.entries[node as usize] {
                found = Some((depth + 1, e));
            }
        }
        let (depth, entry) = found?;
        let mut at = KeyPath::root();
        for seg in &path.segments()[..depth] {
            at = match seg {
                Seg::Key(k) => at.key(k.as_str()),
                Seg::Index(i) => at.index(*i),
            };
        }
        Some((at, entry.unpack()))
    }

    pub fn exact(&self, path: &KeyPath) -> Option<Entry> {
        let mut node = ROOT;
        for seg in path.segments() {
            node = self.child(node, seg)?;
        }
        self.entries[node as usize].map(Packed::unpack)
    }

    /// Builds the map from the parser's events. Call only on text serde-saphyr already accepted
    /// (so the budget has bounded it); a scan error simply ends the map early.
    pub fn build(text: &str) -> Self {
        let mut map = Self::default();
        map.add_file(text, 0, &KeyPath::root());
        map
    }

    /// A segment as one number: an interned key's id times two, or an index times two plus one.
    fn segment_id(&self, seg: &Seg) -> Option<u32> {
        match seg {
            Seg::Key(k) => self.names.get(k.as_str()).map(|&id| id << 1),
            Seg::Index(i) => index_id(*i),
        }
    }

    fn child(&self, node: u32, seg: &Seg) -> Option<u32> {
        self.children.get(&(node, self.segment_id(seg)?)).copied()
    }

    fn intern(&mut self, name: &str) -> u32 {
        // Ids stay below 2^31 (a config is at most a few MiB per file, so it has far fewer keys).
        let next = u32::try_from(self.names.len()).unwrap_or(u32::MAX >> 1).min(u32::MAX >> 1);
        let id = match self.names.get(name) {
            Some(&id) => id,
            None => {
                self.names.insert(name.into(), next);
                next
            }
        };
        id << 1
    }

    /// The node of `seg` under `node`, created when missing.
    fn child_or_new(&mut self, node: u32, seg: u32) -> u32 {
        let next = u32::try_from(self.entries.len()).unwrap_or(u32::MAX);
        let child = *self.children.entry((node, seg)).or_insert(next);
        if child == next {
            self.entries.push(None);
        }
        child
    }

    fn node_of(&mut self, path: &KeyPath) -> u32 {
        let mut node = ROOT;
        for seg in path.segments() {
            let id = match seg {
                Seg::Key(k) => self.intern(k),
                Seg::Index(i) => index_id(*i).unwrap_or(u32::MAX),
            };
            node = self.child_or_new(node, id);
        }
        node
    }

    /// Records the positions of another file (number `file`) whose document sits at `prefix` of
    /// the merged config (an environment file at `environments.<region>.<env>`).
    pub fn add_file(&mut self, text: &str, file: usize, prefix: &KeyPath) {
        enum Frame {
            Map { node: u32, key: Option<(String, Pos)> },
            Seq { node: u32, next: usize },
            /// A collection used as a key: not meaningful for our config, tracked nowhere.
            Ignored,
        }
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
            let (node, key_pos) = match stack.last_mut() {
                None if !started => {
                    started = true;
                    (self.node_of(prefix), None)
                }
                None => break, // a second document: the loader rejects it already
                Some(Frame::Ignored) => {
                    if matches!(event, Event::MappingStart(..) | Event::SequenceStart(..)) {
                        stack.push(Frame::Ignored);
                    }
                    continue;
                }
                Some(Frame::Map { key: slot @ None, .. }) => {
                    if let Event::Scalar(value, ..) = &event {
                        *slot = Some((value.to_string(), pos));
                        continue;
                    }
                    *slot = Some((String::from("?"), pos));
                    if matches!(event, Event::MappingStart(..) | Event::SequenceStart(..)) {
                        stack.push(Frame::Ignored);
                    }
                    continue;
                }
                Some(Frame::Map { node, key }) => {
                    let (name, key_pos) = key.take().expect("matched Some above");
                    let parent = *node;
                    let id = self.intern(&name);
                    (self.child_or_new(parent, id), Some(key_pos))
                }
                Some(Frame::Seq { node, next }) => {
                    let (parent, index) = (*node, *next);
                    *next += 1;
                    (self.child_or_new(parent, index_id(index).unwrap_or(u32::MAX)), None)
                }
            };
            self.entries[node as usize] = Some(Packed::pack(Entry { key: key_pos, value: pos }));
            match event {
                Event::MappingStart(..) => stack.push(Frame::Map { node, key: None }),
                Event::SequenceStart(..) => stack.push(Frame::Seq { node, next: 0 }),
                _ => {}
            }
        }
    }

    /// Records an environment file (number `file`) whose document sits at `prefix`
    /// (`environments.<region>.<env>`); diagnostics about the region or the list as a whole
    /// point at the first such file, or at `here` in it when its document has no position.
    pub fn add_env_file(&mut self, text: &str, file: usize, prefix: &KeyPath, here: Pos) {
        self.add_file(text, file, prefix);
        let at = self.exact(prefix).unwrap_or(Entry { key: None, value: here });
        let mut up = prefix.parent();
        while let Some(path) = up.filter(|p| !p.is_root()) {
            up = path.parent();
            self.insert_missing(path, at);
        }
    }

    /// Records `entry` for `path` unless the path already has one.
    fn insert_missing(&mut self, path: KeyPath, entry: Entry) {
        let node = self.node_of(&path);
        let slot = &mut self.entries[node as usize];
        if slot.is_none() {
            *slot = Some(Packed::pack(entry));
        }
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
