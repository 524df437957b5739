//! The common case of YAML loading, fast: a node tree built straight from
//! the parser's events, for documents that use nothing this builder does
//! not reproduce exactly. Anything else (anchors and aliases, merge keys,
//! tags, several documents, duplicate keys, numbers written in ways Rust
//! and YAML read differently, deep nesting, any syntax error) returns
//! `None`, and `yaml::parse` goes the full serde-saphyr way, which also
//! words the errors. A test checks both ways give the same tree on every
//! YAML file of the fixtures and examples.

use granit_parser::{Event, Parser, ScalarStyle, Span};

use super::yaml::{MAX_DEPTH, Node, Value};

/// Most nodes a document may have here (serde-saphyr's budget is the same).
pub(super) const MAX_NODES: usize = 200_000;

/// A node being built: its start, its first token's end, and its children.
enum Open {
    Seq(usize, usize, Vec<Node>),
    Map(usize, usize, Vec<(Node, Node)>, Option<Node>),
}

/// The document's tree, or `None` when it needs the full loader.
pub(super) fn parse(text: &str) -> Option<Node> {
    build(text).ok()
}

/// The tree, or why the full loader must build it.
fn build(text: &str) -> Result<Node, &'static str> {
    // Merge tags and anchors are read by the full loader.
    if text.contains(['&', '*', '!', '<']) && (has_token(text) || text.contains("<<")) {
        return Err("anchor, alias, tag or merge key");
    }
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Open> = Vec::new();
    let mut root: Option<Node> = None;
    let mut nodes = 0usize;
    let mut documents = 0;
    while let Some(event) = parser.next_event() {
        let (event, span) = event.map_err(|_| "syntax error")?;
        let node = match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Comment(..) => {
                continue;
            }
            Event::DocumentStart(..) => {
                documents += 1;
                if documents > 1 {
                    return Err("several documents");
                }
                continue;
            }
            Event::Scalar(value, style, anchor, tag) => {
                if anchor != 0 || tag.is_some() {
                    return Err("anchor or tag");
                }
                let (start, end) = bytes(&span).ok_or("no byte offset")?;
                Node {
                    start,
                    end,
                    value: scalar(&value, style).ok_or("scalar read differently")?,
                    tag: None,
                }
            }
            Event::SequenceStart(_, anchor, ref tag) | Event::MappingStart(_, anchor, ref tag) => {
                if anchor != 0 || tag.is_some() || stack.len() >= MAX_DEPTH {
                    return Err("anchor, tag or depth");
                }
                let (start, end) = bytes(&span).ok_or("no byte offset")?;
                stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Open::Seq(start, end, Vec::new())
                } else {
                    Open::Map(start, end, Vec::new(), None)
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let open = stack.pop().ok_or("unbalanced")?;
                close(open, stack.is_empty()).ok_or("key without value")?
            }
            _ => return Err("other event"),
        };
        nodes += 1;
        if nodes > MAX_NODES {
            return Err("too many nodes");
        }
        match stack.last_mut() {
            None => root = Some(node),
            Some(Open::Seq(_, _, items)) => items.push(node),
            Some(Open::Map(_, _, entries, key)) => match key.take() {
                None => {
                    let name = node.as_str().ok_or("key not text")?;
                    if name == "<<" || entries.iter().any(|(k, _)| k.as_str() == Some(name)) {
                        return Err("merge or duplicate key");
                    }
                    *key = Some(node);
                }
                Some(k) => entries.push((k, node)),
            },
        }
    }
    if !stack.is_empty() {
        return Err("unbalanced");
    }
    root.ok_or("no document")
}

/// Is there an anchor, alias or tag token (`&a`, `*a`, `!t`) outside quotes
/// and comments? A conservative look: any such character after a blank or
/// an indicator counts.
fn has_token(text: &str) -> bool {
    let mut prev = ' ';
    for c in text.chars() {
        if matches!(c, '&' | '*' | '!')
            && matches!(prev, ' ' | '\t' | '\n' | '[' | '{' | ',' | ':' | '-')
        {
            return true;
        }
        prev = c;
    }
    false
}

/// A finished collection. The root keeps its first token's range; a nested
/// collection reaches to its last child, as the full loader reports them.
fn close(open: Open, root: bool) -> Option<Node> {
    let (start, first_end, value, children_end) = match open {
        Open::Seq(start, end, items) => {
            let last = items.iter().map(|n| n.end).max();
            (start, end, Value::Seq(items), last)
        }
        Open::Map(start, end, entries, pending) => {
            if pending.is_some() {
                return None;
            }
            let last = entries.iter().map(|(_, v)| v.end).max();
            (start, end, Value::Map(entries), last)
        }
    };
    let end = if root {
        first_end
    } else {
        first_end.max(children_end.unwrap_or(0))
    };
    Some(Node {
        start,
        end,
        value,
        tag: None,
    })
}

fn bytes(span: &Span) -> Option<(usize, usize)> {
    Some((span.start.byte_offset()?, span.end.byte_offset()?))
}

/// A scalar as the full loader reads it, when that is certain: quoted and
/// block scalars are text; a plain scalar is null, a boolean, a decimal
/// number kept as written, or text that cannot be read as anything else.
pub(super) fn scalar(value: &str, style: ScalarStyle) -> Option<Value> {
    if style != ScalarStyle::Plain {
        return Some(Value::Scalar(value.to_string()));
    }
    match value {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Value::Null),
        "true" | "false" => return Some(Value::Scalar(value.to_string())),
        _ => {}
    }
    if is_decimal(value) {
        return Some(Value::Scalar(value.to_string()));
    }
    // Words YAML 1.1 or the core schema may read as something else, and
    // anything that looks like a number in another notation.
    let lower = value.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "true"
            | "false"
            | "yes"
            | "no"
            | "y"
            | "n"
            | "on"
            | "off"
            | ".inf"
            | "-.inf"
            | "+.inf"
            | ".nan"
    ) {
        return None;
    }
    let numberish = value.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '+' | '-' | '.'))
        && value.bytes().any(|b| b.is_ascii_digit())
        && value.chars().all(|c| {
            c.is_ascii_hexdigit() || matches!(c, '+' | '-' | '.' | '_' | 'x' | 'X' | 'o' | 'O')
        });
    if numberish {
        return None;
    }
    Some(Value::Scalar(value.to_string()))
}

/// `0`, `-12`, `8080`, `3.8`, `-0.5`: read the same by YAML and Rust, and
/// kept as written by the full loader.
fn is_decimal(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    let int_ok = int == "0"
        || (!int.is_empty() && !int.starts_with('0') && int.bytes().all(|b| b.is_ascii_digit()));
    let frac_ok = frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()));
    int_ok && frac_ok
}

#[cfg(test)]
mod tests {
    use super::super::yaml::parse_full;
    use std::path::{Path, PathBuf};

    fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                yaml_files(&p, out);
            } else if p.extension().is_some_and(|x| x == "yml" || x == "yaml") {
                out.push(p);
            }
        }
    }

    /// The fast trees (line reader, events) equal the full loader's wherever
    /// a fast path takes a document. `BERTH_YAML_DIFF_DIR` adds a directory of other YAML files
    /// (for a run by hand on public repositories).
    #[test]
    fn same_tree_as_the_full_loader() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in ["tests/fixtures", "examples"] {
            yaml_files(&root.join(dir), &mut files);
        }
        if let Ok(extra) = std::env::var("BERTH_YAML_DIFF_DIR") {
            yaml_files(Path::new(&extra), &mut files);
        }
        let (mut fast, mut block, mut all) = (0, 0, 0);
        let mut why = std::collections::BTreeMap::new();
        for f in &files {
            let Ok(text) = crate::source::read_text(f) else {
                continue;
            };
            if text.trim().is_empty() {
                continue;
            }
            all += 1;
            if let Some(node) = super::super::yaml_block::parse(&text) {
                block += 1;
                assert_eq!(Ok(node), parse_full(&text), "line reader: {}", f.display());
            }
            match super::build(&text) {
                Ok(node) => {
                    fast += 1;
                    let full = parse_full(&text);
                    assert_eq!(Ok(node), full, "{}", f.display());
                }
                Err(reason) => *why.entry(reason).or_insert(0) += 1,
            }
        }
        eprintln!(
            "{block} of {all} YAML files were read line by line, {fast} by events; \
             not by events: {why:?}"
        );
        assert!(fast * 2 > all, "only {fast} of {all} took the fast path");
    }

    #[test]
    fn samples() {
        let cases = [
            "services:\n  web:\n    image: nginx:1.27\n    ports:\n      - \"8080:80\"\n      - 443\n",
            "a: 3.80\nb: -12\nc: 0\nd: true\ne: ~\nf:\ng: null\nh: 'x'\ni: \"y\"\n",
            "list: [a, b, {c: d}]\nmap: {x: 1, z: [2, 3]}\n",
            "text: |\n  line one\n  line two\nfolded: >\n  a\n  b\n",
            "env_file: .env\ncommand: [\"npm\", \"run\", \"start\"]\n",
            "top: 1\n# comment\nnext:\n  - - nested\n    - seq\n",
        ];
        for c in cases {
            let node = super::parse(c).unwrap_or_else(|| panic!("fast path refused {c:?}"));
            assert_eq!(Ok(node), parse_full(c), "{c:?}");
        }
        // What it leaves to the full loader.
        for c in [
            "a: &x 1\nb: *x\n",
            "a: !reset null\n",
            "base: {x: 1}\nother:\n  <<: {y: 2}\n",
            "a: 1\na: 2\n",
            "a: 0x1F\n",
            "a: yes\n",
            "a: [\n",
            "---\na: 1\n---\nb: 2\n",
        ] {
            assert!(super::parse(c).is_none(), "{c:?}");
        }
    }
}
