//! The YAML nearly every compose file is written in, read fastest: block
//! mappings and sequences whose scalars each fit on one line, read line by
//! line without a tokenizer. Anything outside that subset (block and
//! multi-line scalars, escapes, anchors, aliases, tags, merge keys, flow
//! mappings, tabs, carriage returns, directives, several documents, syntax
//! errors) returns `None`, and `yaml::parse` takes the next way
//! (`yaml_events`, then the full loader). Tests check that every tree this
//! reader builds equals the full loader's, on the fixtures, the examples and
//! generated documents.

use granit_parser::ScalarStyle;

use super::yaml::{MAX_DEPTH, Node, Value};
use super::yaml_events::{MAX_NODES, scalar};

/// A line with content (blank and comment-only lines are skipped). A line
/// that starts a compact collection inside a sequence entry (`- a: 1`) is
/// re-read from the entry's content, as if it were indented that far.
#[derive(Clone, Copy)]
struct Line {
    /// Byte offset of the line's start.
    start: usize,
    /// Column of `content`.
    indent: usize,
    /// Byte offset of the first character that is not a space.
    content: usize,
    /// Byte offset of the line's end (its `\n`, or the end of the text).
    end: usize,
}

struct Reader<'a> {
    text: &'a str,
    b: &'a [u8],
    lines: Vec<Line>,
    at: usize,
    depth: usize,
    nodes: usize,
}

/// The document's tree, or `None` when it is not in this reader's subset.
pub(super) fn parse(text: &str) -> Option<Node> {
    let lines = lines(text)?;
    let first = *lines.first()?;
    if first.indent != 0 {
        return None;
    }
    let mut r = Reader {
        text,
        b: text.as_bytes(),
        lines,
        at: 0,
        depth: 0,
        nodes: 0,
    };
    let mut root = r.block(0)?;
    if r.at != r.lines.len() {
        return None;
    }
    // The root keeps only its first token's range, as the full loader has it.
    root.end = root.start;
    Some(root)
}

/// The lines with content, or `None` for what this reader leaves to others:
/// tabs, carriage returns, a byte-order mark, directives, document markers
/// other than one leading `---`.
fn lines(text: &str) -> Option<Vec<Line>> {
    let b = text.as_bytes();
    if b.iter().any(|&c| c == b'\t' || c == b'\r') || text.starts_with('\u{feff}') {
        return None;
    }
    let mut out = Vec::with_capacity(b.len() / 24);
    let mut start = 0;
    while start < b.len() {
        let end = b[start..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(b.len(), |i| start + i);
        let indent = b[start..end].iter().take_while(|&&c| c == b' ').count();
        let content = start + indent;
        if content < end && b[content] != b'#' {
            let line = &b[start..end];
            if indent == 0 && (line.starts_with(b"---") || line.starts_with(b"...")) {
                let bare = line.len() == 3 || line[3] == b' ';
                let rest_blank = line[3..].iter().all(|&c| c == b' ');
                // Only a bare `---` before all content.
                if !(out.is_empty() && line.starts_with(b"---") && bare && rest_blank) {
                    return None;
                }
            } else if indent == 0 && line[0] == b'%' {
                return None;
            } else {
                out.push(Line {
                    start,
                    indent,
                    content,
                    end,
                });
            }
        }
        start = end + 1;
    }
    Some(out)
}

impl Reader<'_> {
    /// The collection that starts at the current line, indented `indent`.
    fn block(&mut self, indent: usize) -> Option<Node> {
        self.depth += 1;
        if self.depth >= MAX_DEPTH {
            return None;
        }
        let line = *self.lines.get(self.at)?;
        let node = if self.is_entry(&line) {
            self.seq(indent, false)
        } else {
            self.map(indent)
        };
        self.depth -= 1;
        node
    }

    /// A `- ` (or a lone `-`) starts the line.
    fn is_entry(&self, line: &Line) -> bool {
        self.b[line.content] == b'-'
            && (line.content + 1 == line.end || self.b[line.content + 1] == b' ')
    }

    fn count(&mut self, node: Node) -> Option<Node> {
        self.nodes += 1;
        (self.nodes <= MAX_NODES).then_some(node)
    }

    fn map(&mut self, indent: usize) -> Option<Node> {
        let mut entries: Vec<(Node, Node)> = Vec::new();
        while let Some(&line) = self.lines.get(self.at) {
            if line.indent < indent || (line.indent == indent && self.is_entry(&line)) {
                break;
            }
            if line.indent > indent {
                return None;
            }
            let (key, colon) = self.key(line.content, line.end)?;
            let name = key.as_str()?;
            if name == "<<" || entries.iter().any(|(k, _)| k.as_str() == Some(name)) {
                return None;
            }
            let rest = self.skip_spaces(colon + 1, line.end);
            let value = if rest == line.end || self.b[rest] == b'#' {
                self.at += 1;
                match self.lines.get(self.at).copied() {
                    Some(next) if next.indent > indent => self.block(next.indent)?,
                    Some(next) if next.indent == indent && self.is_entry(&next) => {
                        self.seq(indent, true)?
                    }
                    _ => self.null(colon)?,
                }
            } else {
                let value = self.inline(rest, line.end)?;
                self.at += 1;
                self.no_continuation(indent)?;
                value
            };
            let key = self.count(key)?;
            entries.push((key, value));
        }
        let start = entries.first()?.0.start;
        let end = entries.iter().map(|(_, v)| v.end).max().unwrap_or(start);
        self.count(Node {
            start,
            end: end.max(start),
            value: Value::Map(entries),
            tag: None,
        })
    }

    /// A block sequence indented `indent`; an indentless one (`key:` then
    /// `- item` at the key's own column) starts after its first `- `.
    fn seq(&mut self, indent: usize, indentless: bool) -> Option<Node> {
        let mut items: Vec<Node> = Vec::new();
        let mut first = None;
        while let Some(&line) = self.lines.get(self.at) {
            if line.indent < indent || (line.indent == indent && !self.is_entry(&line)) {
                break;
            }
            if line.indent > indent {
                return None;
            }
            let dash = line.content;
            let rest = self.skip_spaces(dash + 1, line.end);
            if first.is_none() {
                // An indentless sequence starts where the scanner's next
                // token after the first `-` does.
                if indentless && rest < line.end && self.b[rest] == b'#' {
                    return None;
                }
                first = Some(if indentless { rest } else { dash });
            }
            let item = if rest == line.end || self.b[rest] == b'#' {
                self.at += 1;
                match self.lines.get(self.at).copied() {
                    Some(next) if next.indent > indent => self.block(next.indent)?,
                    _ => self.null(line.end)?,
                }
            } else if self.starts_collection(rest, line.end) {
                // `- a: 1` or `- - a`: the rest of the line is the first
                // line of a collection indented to its own column.
                let column = rest - line.start;
                self.lines[self.at] = Line {
                    indent: column,
                    content: rest,
                    ..line
                };
                self.block(column)?
            } else {
                let item = self.inline(rest, line.end)?;
                self.at += 1;
                self.no_continuation(indent)?;
                item
            };
            items.push(item);
        }
        let start = first?;
        let end = items.iter().map(|n| n.end).max().unwrap_or(start);
        self.count(Node {
            start,
            end: end.max(start),
            value: Value::Seq(items),
            tag: None,
        })
    }

    /// A line more indented than `indent` after a value that ended its own
    /// line would continue that value (or be an error): not for this reader.
    fn no_continuation(&self, indent: usize) -> Option<()> {
        match self.lines.get(self.at) {
            Some(next) if next.indent > indent => None,
            _ => Some(()),
        }
    }

    /// Does the entry's content start a nested collection (`- a: 1`, `- - a`)?
    fn starts_collection(&self, at: usize, end: usize) -> bool {
        let b = self.b;
        (b[at] == b'-' && (at + 1 == end || b[at + 1] == b' ')) || self.key(at, end).is_some()
    }

    fn null(&mut self, at: usize) -> Option<Node> {
        self.count(Node {
            start: at,
            end: at,
            value: Value::Null,
            tag: None,
        })
    }

    fn skip_spaces(&self, mut at: usize, end: usize) -> usize {
        while at < end && self.b[at] == b' ' {
            at += 1;
        }
        at
    }

    /// A mapping key at `at` and the offset of its `:`, when the line is
    /// `key: ...` with a one-line plain or quoted key written right before
    /// the colon.
    fn key(&self, at: usize, end: usize) -> Option<(Node, usize)> {
        let b = self.b;
        let is_colon = |i: usize| b[i] == b':' && (i + 1 == end || b[i + 1] == b' ');
        if matches!(b[at], b'"' | b'\'') {
            let (node, after) = self.quoted(at, end)?;
            return (after < end && is_colon(after)).then_some((node, after));
        }
        if !plain_start(b, at, end) {
            return None;
        }
        let mut i = at;
        while i < end {
            match b[i] {
                b':' if is_colon(i) => break,
                b'#' if b[i - 1] == b' ' => return None,
                b'[' | b']' | b'{' | b'}' | b',' | b'"' | b'\'' => return None,
                _ => {}
            }
            i += 1;
        }
        if i == end || b[i - 1] == b' ' {
            return None;
        }
        let node = Node {
            start: at,
            end: i,
            value: scalar(&self.text[at..i], ScalarStyle::Plain)?,
            tag: None,
        };
        Some((node, i))
    }

    /// A value that fits on the rest of its line: a quoted or plain scalar,
    /// or a flow sequence of them; only a comment may follow.
    fn inline(&mut self, at: usize, end: usize) -> Option<Node> {
        let b = self.b;
        let (node, after) = match b[at] {
            b'"' | b'\'' => self.quoted(at, end)?,
            b'[' => self.flow_seq(at, end)?,
            _ => {
                if !plain_start(b, at, end) {
                    return None;
                }
                let mut i = at;
                while i < end {
                    match b[i] {
                        b':' if i + 1 == end || b[i + 1] == b' ' => return None,
                        b'#' if b[i - 1] == b' ' => break,
                        _ => {}
                    }
                    i += 1;
                }
                let stop = trim_end(b, at, i);
                let node = Node {
                    start: at,
                    end: stop,
                    value: scalar(&self.text[at..stop], ScalarStyle::Plain)?,
                    tag: None,
                };
                (node, stop)
            }
        };
        let rest = self.skip_spaces(after, end);
        if rest < end && !(b[rest] == b'#' && rest > after) {
            return None;
        }
        self.count(node)
    }

    /// A one-line quoted scalar at `at`, and the offset after its closing
    /// quote. Double-quoted escapes are left to the other readers.
    fn quoted(&self, at: usize, end: usize) -> Option<(Node, usize)> {
        let b = self.b;
        let quote = b[at];
        let mut value = String::new();
        let mut from = at + 1;
        let mut i = at + 1;
        loop {
            if i >= end {
                return None;
            }
            match b[i] {
                b'\\' if quote == b'"' => return None,
                c if c == quote => {
                    if quote == b'\'' && i + 1 < end && b[i + 1] == b'\'' {
                        value.push_str(&self.text[from..=i]);
                        i += 2;
                        from = i;
                        continue;
                    }
                    value.push_str(&self.text[from..i]);
                    break;
                }
                _ => i += 1,
            }
        }
        let node = Node {
            start: at,
            end: i + 1,
            value: Value::Scalar(value),
            tag: None,
        };
        Some((node, i + 1))
    }

    /// `[a, "b", c]` on one line, of scalars only.
    fn flow_seq(&mut self, at: usize, end: usize) -> Option<(Node, usize)> {
        let b = self.b;
        let mut items = Vec::new();
        let mut i = self.skip_spaces(at + 1, end);
        if i < end && b[i] == b']' {
            let node = Node {
                start: at,
                end: at + 1,
                value: Value::Seq(items),
                tag: None,
            };
            return Some((node, i + 1));
        }
        loop {
            if i >= end {
                return None;
            }
            let (item, after) = if matches!(b[i], b'"' | b'\'') {
                self.quoted(i, end)?
            } else {
                self.flow_plain(i, end)?
            };
            items.push(self.count(item)?);
            i = self.skip_spaces(after, end);
            match b.get(i) {
                Some(b',') if i < end => {
                    i = self.skip_spaces(i + 1, end);
                    if i >= end || b[i] == b']' {
                        return None;
                    }
                }
                Some(b']') if i < end => break,
                _ => return None,
            }
        }
        let last = items.iter().map(|n: &Node| n.end).max().unwrap_or(at + 1);
        let node = Node {
            start: at,
            end: last.max(at + 1),
            value: Value::Seq(items),
            tag: None,
        };
        Some((node, i + 1))
    }

    /// A plain scalar inside a flow sequence: up to `,` or `]`.
    fn flow_plain(&self, at: usize, end: usize) -> Option<(Node, usize)> {
        let b = self.b;
        if !plain_start(b, at, end) {
            return None;
        }
        let mut i = at;
        while i < end && !matches!(b[i], b',' | b']') {
            match b[i] {
                b'[' | b'{' | b'}' => return None,
                b'#' if b[i - 1] == b' ' => return None,
                b':' if i + 1 == end || matches!(b[i + 1], b' ' | b',' | b']') => return None,
                _ => {}
            }
            i += 1;
        }
        let stop = trim_end(b, at, i);
        let node = Node {
            start: at,
            end: stop,
            value: scalar(&self.text[at..stop], ScalarStyle::Plain)?,
            tag: None,
        };
        Some((node, i))
    }
}

/// Can a plain scalar start at `at`? Not with an indicator, except `-`
/// followed by something other than a space.
fn plain_start(b: &[u8], at: usize, end: usize) -> bool {
    match b[at] {
        b'-' => at + 1 < end && b[at + 1] != b' ',
        b'?' | b':' | b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|'
        | b'>' | b'\'' | b'"' | b'%' | b'@' | b'`' => false,
        _ => true,
    }
}

/// `end` moved back over trailing spaces, not before `start`.
fn trim_end(b: &[u8], start: usize, mut end: usize) -> usize {
    while end > start && b[end - 1] == b' ' {
        end -= 1;
    }
    end
}

#[cfg(test)]
mod tests {
    use super::super::yaml::parse_full;

    /// A small deterministic generator of block YAML, well formed or with
    /// one line's indentation disturbed.
    struct Gen {
        state: u64,
        out: String,
    }

    impl Gen {
        fn next(&mut self) -> u64 {
            // xorshift64
            self.state ^= self.state << 13;
            self.state ^= self.state >> 7;
            self.state ^= self.state << 17;
            self.state
        }

        fn pick<'a>(&mut self, of: &[&'a str]) -> &'a str {
            of[(self.next() % of.len() as u64) as usize]
        }

        fn chance(&mut self, percent: u64) -> bool {
            self.next() % 100 < percent
        }

        fn scalar(&mut self) -> String {
            let common = [
                "nginx:1.27",
                "plain words  here",
                "'single # quoted'",
                "'it''s'",
                "\"double: quoted\"",
                "\"\"",
                "''",
                "8080",
                "-12",
                "3.80",
                "0",
                "true",
                "null",
                "~",
                "a#b",
                "http://localhost:8080/x",
                "-f",
                "./src:/app",
                "[a, \"b c\", 3]",
                "[]",
                "[ x ]",
                "[a,b]",
                "é unicode ü",
                "x # trailing comment",
                "$${VAR:-default}",
                "[\"CMD\", 'it''s', http://x:1]",
            ];
            // What the other readers take (or nobody does).
            let rare = [
                "007",
                "yes",
                "@at",
                "a: b",
                "|",
                "&anchor v",
                "\"esc\\n\"",
                "[a, [b]]",
                "{a: 1}",
                "[a, b,]",
                "'open",
                "[a: b]",
                "0x1F",
            ];
            if self.chance(97) {
                self.pick(&common)
            } else {
                self.pick(&rare)
            }
            .to_string()
        }

        fn key(&mut self, used: &mut Vec<String>) -> String {
            let k = if self.chance(98) {
                self.pick(&[
                    "image",
                    "build",
                    "ports",
                    "x.y-z_w",
                    "80",
                    "\"quoted key\"",
                    "'k'",
                    "true",
                    "a b",
                    "env",
                    "é",
                ])
            } else {
                self.pick(&["<<", "~", "image", "ports", "? k"])
            }
            .to_string();
            used.push(k.clone());
            k
        }

        fn filler(&mut self, indent: usize) {
            if self.chance(10) {
                self.out.push('\n');
            }
            if self.chance(10) {
                let pad = " ".repeat((self.next() % 6) as usize);
                self.out.push_str(&format!("{pad}# comment: - x\n"));
            }
            let _ = indent;
        }

        fn value(&mut self, indent: usize, step: usize, depth: usize) {
            // After `key:` or `-`: inline scalar, or a block below.
            let roll = self.next() % 10;
            if depth > 3 || roll < 5 {
                let s = self.scalar();
                self.out.push(' ');
                self.out.push_str(&s);
                if self.chance(10) {
                    self.out.push_str("   ");
                }
                self.out.push('\n');
            } else if roll < 6 {
                if self.chance(30) {
                    self.out.push_str("   # nothing");
                }
                self.out.push('\n');
            } else if roll < 8 {
                self.out.push('\n');
                self.map(indent + step, step, depth + 1);
            } else {
                self.out.push('\n');
                let indentless = self.chance(30);
                self.seq(
                    if indentless { indent } else { indent + step },
                    step,
                    depth + 1,
                );
            }
        }

        fn map(&mut self, indent: usize, step: usize, depth: usize) {
            let n = 1 + self.next() % 4;
            let mut used = Vec::new();
            for _ in 0..n {
                self.filler(indent);
                let k = self.key(&mut used);
                self.out.push_str(&" ".repeat(indent));
                self.out.push_str(&k);
                self.out.push(':');
                self.value(indent, step, depth);
            }
        }

        fn seq(&mut self, indent: usize, step: usize, depth: usize) {
            let n = 1 + self.next() % 4;
            for _ in 0..n {
                self.filler(indent);
                self.out.push_str(&" ".repeat(indent));
                self.out.push('-');
                let roll = self.next() % 10;
                if roll < 2 && depth < 4 {
                    // Compact mapping: `- a: 1` then the rest aligned.
                    let inner = indent + 2;
                    self.out.push(' ');
                    let mut used = Vec::new();
                    let k = self.key(&mut used);
                    self.out.push_str(&k);
                    self.out.push(':');
                    self.value(inner, step, depth + 1);
                    if self.chance(50) {
                        let k = self.key(&mut used);
                        self.out.push_str(&" ".repeat(inner));
                        self.out.push_str(&k);
                        self.out.push(':');
                        self.value(inner, step, depth + 1);
                    }
                } else if roll < 3 && depth < 4 {
                    self.out.push_str(" - ");
                    let s = self.scalar();
                    self.out.push_str(&s);
                    self.out.push('\n');
                } else {
                    self.value(indent, step, depth);
                }
            }
        }
    }

    fn generated(seed: u64) -> String {
        let mut g = Gen {
            state: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
            out: String::new(),
        };
        if g.chance(10) {
            g.out.push_str("---\n");
        }
        if g.chance(10) {
            g.out.push_str("# leading comment\n\n");
        }
        let step = 1 + (g.next() % 4) as usize;
        if g.chance(10) {
            g.seq(0, step, 0);
        } else {
            g.map(0, step, 0);
        }
        if g.chance(15) {
            // Disturb one line's indentation.
            let r1 = g.next();
            let shift = 1 + (g.next() % 3) as usize;
            let out = std::mem::take(&mut g.out);
            let lines: Vec<&str> = out.lines().collect();
            let victim = (r1 % lines.len() as u64) as usize;
            let mut s = String::new();
            for (i, l) in lines.iter().enumerate() {
                if i == victim {
                    s.push_str(&" ".repeat(shift));
                }
                s.push_str(l);
                s.push('\n');
            }
            g.out = s;
        }
        g.out
    }

    /// Every tree this reader builds is the full loader's, on thousands of
    /// generated documents; and it reads most well-formed ones itself.
    #[test]
    fn generated_documents_match_the_full_loader() {
        let (mut taken, mut total) = (0, 0);
        for seed in 1..6000u64 {
            let doc = generated(seed);
            total += 1;
            if let Some(node) = super::parse(&doc) {
                taken += 1;
                assert_eq!(Ok(node), parse_full(&doc), "seed {seed}:\n{doc}");
            }
        }
        eprintln!("{taken} of {total} generated documents read here");
        assert!(taken * 3 > total, "only {taken} of {total} read here");
    }

    #[test]
    fn samples() {
        let cases = [
            "services:\n  web:\n    image: nginx:1.27\n    ports:\n      - \"8080:80\"\n      - 443\n",
            "a: 3.80\nb: -12\nc: 0\nd: true\ne: ~\nf:\ng: null\nh: 'x'\ni: \"y\"\n",
            "---\n# c\nx:\n- a\n- b: 1\n  c:\n- - p\n  - q\n",
            "k: [a, \"b\"]  # c\nl: []\n",
            "s:\n  -\n  - k: v\n    j: w\n",
        ];
        for c in cases {
            let node = super::parse(c).unwrap_or_else(|| panic!("refused {c:?}"));
            assert_eq!(Ok(node), parse_full(c), "{c:?}");
        }
        for c in [
            "a: &x 1\nb: *x\n",
            "a: !reset null\n",
            "<<: {y: 2}\n",
            "a: 1\na: 2\n",
            "a: 0x1F\n",
            "a: yes\n",
            "a: [\n",
            "---\na: 1\n---\nb: 2\n",
            "a: |\n  text\n",
            "a: one\n  two\n",
            "a: \"x\\ty\"\n",
            "a:\r\n  b: 1\r\n",
            "a:\n\tb: 1\n",
            "a: {b: 1}\n",
            "a: b: c\n",
        ] {
            assert!(super::parse(c).is_none(), "{c:?}");
        }
    }
}
