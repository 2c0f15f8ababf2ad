//! Key paths into the YAML document (`tiers.small.eks.node_groups[0].desired_size`).
//!
//! One type names a place in the config everywhere: in the source map, in provenance, in
//! diagnostics and on the `explain` command line.

use std::fmt;

/// One step of a [`KeyPath`]: a mapping key or a sequence index.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// A path from the document root to a node.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyPath(Vec<Seg>);

impl KeyPath {
    pub fn root() -> Self {
        Self(Vec::new())
    }

    #[must_use]
    pub fn key(&self, key: impl Into<String>) -> Self {
        let mut segs = self.0.clone();
        segs.push(Seg::Key(key.into()));
        Self(segs)
    }

    #[must_use]
    pub fn index(&self, index: usize) -> Self {
        let mut segs = self.0.clone();
        segs.push(Seg::Index(index));
        Self(segs)
    }

    /// This path followed by every segment of `tail`.
    #[must_use]
    pub fn join(&self, tail: &KeyPath) -> Self {
        let mut segs = self.0.clone();
        segs.extend(tail.0.iter().cloned());
        Self(segs)
    }

    pub fn segments(&self) -> &[Seg] {
        &self.0
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    pub fn parent(&self) -> Option<Self> {
        let (_, rest) = self.0.split_last()?;
        Some(Self(rest.to_vec()))
    }

    pub fn starts_with(&self, prefix: &KeyPath) -> bool {
        self.0.starts_with(&prefix.0)
    }

    /// The last mapping key, if the path ends in one.
    pub fn last_key(&self) -> Option<&str> {
        match self.0.last()? {
            Seg::Key(k) => Some(k),
            Seg::Index(_) => None,
        }
    }

    /// Parses the dotted form printed by `Display` (`eks.node_groups[0].name`, `tags."a.b"`).
    ///
    /// # Errors
    /// Returns a message naming the offending character when the text is not a path.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut segs = Vec::new();
        let mut chars = text.chars().peekable();
        let mut expect_key = true;
        while let Some(&c) = chars.peek() {
            match c {
                '.' if !expect_key => {
                    chars.next();
                    expect_key = true;
                }
                '[' => {
                    chars.next();
                    let digits: String = chars.by_ref().take_while(|c| *c != ']').collect();
                    let index = digits
                        .parse()
                        .map_err(|_| format!("`[{digits}]` is not a sequence index"))?;
                    segs.push(Seg::Index(index));
                    expect_key = false;
                }
                '"' if expect_key => {
                    chars.next();
                    let key: String = chars.by_ref().take_while(|c| *c != '"').collect();
                    segs.push(Seg::Key(key));
                    expect_key = false;
                }
                _ if expect_key => {
                    let mut key = String::new();
                    while let Some(&c) = chars.peek() {
                        if c == '.' || c == '[' {
                            break;
                        }
                        key.push(c);
                        chars.next();
                    }
                    if key.is_empty() {
                        return Err(format!("empty key in `{text}`"));
                    }
                    segs.push(Seg::Key(key));
                    expect_key = false;
                }
                other => return Err(format!("unexpected `{other}` in `{text}`")),
            }
        }
        if expect_key && !segs.is_empty() {
            return Err(format!("`{text}` ends with a dot"));
        }
        Ok(Self(segs))
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Index(n) => write!(f, "[{n}]")?,
                Seg::Key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    if k.is_empty() || k.contains(['.', '[', ']', '"', ' ']) {
                        write!(f, "\"{k}\"")?;
                    } else {
                        f.write_str(k)?;
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_parse_round_trip() {
        let path = KeyPath::root()
            .key("eks")
            .key("node_groups")
            .index(0)
            .key("labels")
            .key("kubernetes.io/role");
        let text = path.to_string();
        assert_eq!(text, "eks.node_groups[0].labels.\"kubernetes.io/role\"");
        assert_eq!(KeyPath::parse(&text).unwrap(), path);
    }

    #[test]
    fn parse_rejects_garbage() {
        assert!(KeyPath::parse("eks.").is_err());
        assert!(KeyPath::parse("eks[x]").is_err());
        assert!(KeyPath::parse("a..b").is_err());
    }
}
