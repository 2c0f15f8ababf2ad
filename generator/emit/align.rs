//! The `=` alignment of `terraform fmt`, as a pass over hcl-rs output.
//!
//! hcl-rs prints canonical HCL except that it does not align equals signs. This reproduces the
//! rule of hclwrite's `formatCells`: a line is an assignment when its first `=` token (not
//! `==`, `<=`, `>=`, `!=`, `=>`) comes after at least one token and the rest of the line has
//! balanced brackets (so `tags = {` opening a multi-line object is not one). Consecutive
//! assignment lines form a chain whose `=` signs line up one space after the longest lead; any
//! other line (blank, comment, `}`, a block header) ends the chain. Widths are in bytes, as in
//! hclwrite. `terraform fmt -check` in CI is the oracle for this module.

/// Aligns the `=` of every chain of assignment lines.
#[cfg(test)]
pub fn align(text: &str) -> String {
    let lines: Vec<&str> = text.split('\n').collect();
    align_lines(&lines)
}

/// As [`align`], for text already split into lines (joined by `\n` in the result).
pub fn align_lines<S: AsRef<str>>(lines: &[S]) -> String {
    let lines: Vec<&str> = lines.iter().map(AsRef::as_ref).collect();
    let assigns: Vec<Option<usize>> = lines.iter().map(|l| assignment(l)).collect();
    let mut out = String::with_capacity(lines.iter().map(|l| l.len() + 1).sum::<usize>() * 9 / 8);
    let mut i = 0;
    while i < lines.len() {
        let Some(_) = assigns[i] else {
            out.push_str(lines[i]);
            i += 1;
            if i < lines.len() {
                out.push('\n');
            }
            continue;
        };
        let end = (i..lines.len()).find(|&j| assigns[j].is_none()).unwrap_or(lines.len());
        let width = (i..end).map(|j| lead(lines[j], assigns[j].unwrap_or(0)).len()).max().unwrap_or(0);
        for j in i..end {
            let eq = assigns[j].unwrap_or(0);
            let lead = lead(lines[j], eq);
            out.push_str(lead);
            out.extend(std::iter::repeat_n(' ', width - lead.len() + 1));
            out.push_str(&lines[j][eq..]);
            if j + 1 < lines.len() {
                out.push('\n');
            }
        }
        i = end;
    }
    out
}

#[derive(Clone, Copy, PartialEq)]
enum Frame {
    Str,
    Interp,
    Open,
}

/// The nesting of one line, without a heap allocation per line (a line nests far less than 64
/// deep; deeper frames are counted but forgotten, which only matters for pathological HCL).
struct Stack {
    frames: [Option<Frame>; 64],
    len: usize,
}

impl Default for Stack {
    fn default() -> Self {
        Self { frames: [None; 64], len: 0 }
    }
}

impl Stack {
    fn push(&mut self, frame: Frame) {
        if let Some(slot) = self.frames.get_mut(self.len) {
            *slot = Some(frame);
        }
        self.len += 1;
    }

    fn pop(&mut self) {
        self.len = self.len.saturating_sub(1);
    }

    fn last(&self) -> Option<Frame> {
        self.len.checked_sub(1).and_then(|i| self.frames.get(i).copied().flatten())
    }
}

fn lead(line: &str, eq: usize) -> &str {
    line[..eq].trim_end()
}

/// Byte index of the assignment `=` of `line`, if the line is an assignment.
fn assignment(line: &str) -> Option<usize> {
    if !line.contains('=') {
        return None;
    }

    let bytes = line.as_bytes();
    let mut stack = Stack::default();
    let mut tokens_before = false;
    let mut eq: Option<usize> = None;
    let mut net = 0i32; // bracket balance counted from the `=` onwards
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let in_string = stack.last() == Some(Frame::Str);
        if in_string {
            match c {
                b'\\' => i += 1,
                b'"' => {
                    stack.pop();
                }
                b'$' | b'%' if bytes.get(i + 1) == Some(&c) => i += 1, // `$${` / `%%{` escapes
                b'$' | b'%' if bytes.get(i + 1) == Some(&b'{') => {
                    stack.push(Frame::Interp);
                    net += 1;
                    i += 1;
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        match c {
            b' ' | b'\t' | b'\r' => {}
            b'#' => break,
            b'/' if bytes.get(i + 1) == Some(&b'/') => break,
            b'"' => {
                stack.push(Frame::Str);
                tokens_before = true;
            }
            b'{' | b'(' | b'[' => {
                stack.push(Frame::Open);
                net += 1;
                tokens_before = true;
            }
            b'}' | b')' | b']' => {
                stack.pop();
                net -= 1;
                tokens_before = true;
            }
            b'=' => {
                let prev = if i > 0 { bytes[i - 1] } else { b' ' };
                let next = bytes.get(i + 1).copied().unwrap_or(b' ');
                let single = !matches!(prev, b'=' | b'!' | b'<' | b'>') && !matches!(next, b'=' | b'>');
                if single && eq.is_none() {
                    if !tokens_before {
                        return None;
                    }
                    eq = Some(i);
                    net = 0;
                }
                tokens_before = true;
            }
            _ => tokens_before = true,
        }
        i += 1;
    }
    eq.filter(|_| net == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_runs_and_breaks_on_multiline_values() {
        let input = "resource \"a\" \"b\" {\n  name = 1\n  enable_dns = true\n  tags = {\n    Name = \"x\"\n    \"kubernetes.io/role/elb\" = \"1\"\n  }\n  x = \"a = b\"\n}\n";
        let expected = "resource \"a\" \"b\" {\n  name       = 1\n  enable_dns = true\n  tags = {\n    Name                     = \"x\"\n    \"kubernetes.io/role/elb\" = \"1\"\n  }\n  x = \"a = b\"\n}\n";
        assert_eq!(align(input), expected);
    }

    #[test]
    fn comparison_operators_are_not_assignments() {
        assert_eq!(assignment("  condition = var.a == \"b\""), Some(12));
        assert_eq!(assignment("  var.a == 1"), None);
        assert_eq!(assignment("  x = [for k, v in m : k => v]"), Some(4));
        assert_eq!(assignment("  y = \"${var.a}-${var.b}\""), Some(4));
        assert_eq!(assignment("  { a = 1 },"), None);
        assert_eq!(assignment("  # a = b"), None);
    }
}
