//! YAML loading with spans and limits.
//!
//! serde-saphyr does the parsing (anchors, aliases, `<<` merge keys, duplicate
//! keys, and budgets against alias bombs and deep nesting); this module turns
//! its output into a small tree whose every node knows its byte range, which is
//! what the compose model needs to point findings at the line the user wrote.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::options::DuplicateKeyPolicy;

/// A YAML node and the byte range where it was defined.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub start: usize,
    pub end: usize,
    pub value: Value,
    /// Compose's merge tags, `!reset` and `!override`.
    pub tag: Option<Tag>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tag {
    /// `!reset`: remove the inherited value.
    Reset,
    /// `!override`: replace the inherited value instead of merging.
    Override,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    /// Every scalar is kept as text: Compose reads numbers and booleans as strings in most places.
    Scalar(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Node {
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The value under a string key of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }

    /// A short name of the node's kind, for error messages.
    pub fn kind(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Scalar(_) => "a scalar",
            Value::Seq(_) => "a sequence",
            Value::Map(_) => "a mapping",
        }
    }
}

/// A YAML document that could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub message: String,
    /// Byte offset of the problem, when the parser knows it.
    pub offset: Option<usize>,
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Deepest nesting accepted. Compose files need fewer than ten levels; the
/// deserializer recurses once per level, so the limit also bounds stack use.
pub const MAX_DEPTH: usize = 24;

/// Parse one YAML document. An empty document is `Null`.
pub fn parse(text: &str) -> Result<Node, YamlError> {
    if text.trim().is_empty() {
        return Ok(Node {
            start: 0,
            end: 0,
            value: Value::Null,
            tag: None,
        });
    }
    if let Some(node) = super::yaml_block::parse(text) {
        return Ok(node);
    }
    if let Some(node) = super::yaml_events::parse(text) {
        return Ok(node);
    }
    parse_full(text)
}

/// Parse with serde-saphyr: every YAML feature, and the error messages.
pub(super) fn parse_full(text: &str) -> Result<Node, YamlError> {
    let mut budget = serde_saphyr::budget::Budget::default();
    budget.max_depth = MAX_DEPTH;
    budget.max_aliases = 10_000;
    budget.max_nodes = 200_000;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options.duplicate_keys = DuplicateKeyPolicy::Error;
    // YAML 1.2, as Compose reads it: `y`, `yes`, `on` are strings, not booleans.
    options.strict_booleans = true;
    let spanned: serde_saphyr::Spanned<Value> =
        serde_saphyr::from_str_with_options(text, options).map_err(|e| to_error(&e, text))?;
    Ok(to_node(spanned, text))
}

fn to_error(e: &serde_saphyr::Error, text: &str) -> YamlError {
    let offset = e.location().and_then(|loc| location_offset(&loc, text));
    // The first line of the rendered message, without serde-saphyr's own snippet.
    let rendered = e.without_snippet().to_string();
    let first = rendered.lines().next().unwrap_or("invalid YAML").trim();
    YamlError {
        message: clean_message(first),
        offset,
    }
}

/// Drop what the location already says and advice meant for library users.
fn clean_message(m: &str) -> String {
    let mut m = m;
    if let Some(i) = m.find(", set DuplicateKeyPolicy") {
        m = &m[..i];
    }
    if let Some(i) = m.find(" at line ") {
        m = &m[..i];
    }
    if m.contains("budget breached") {
        return "the document is too large once aliases are expanded (alias bomb?)".to_string();
    }
    m.to_string()
}

fn location_offset(loc: &serde_saphyr::Location, text: &str) -> Option<usize> {
    if loc.line() == 0 {
        return None;
    }
    if let Some(b) = loc.span().byte_offset() {
        return usize::try_from(b).ok().map(|b| b.min(text.len()));
    }
    // Fall back to line/column (1-based, columns in characters).
    let line_start = text
        .split_inclusive('\n')
        .take(usize::try_from(loc.line()).ok()?.saturating_sub(1))
        .map(str::len)
        .sum::<usize>();
    let col = usize::try_from(loc.column()).ok()?.saturating_sub(1);
    let within = text
        .get(line_start..)?
        .char_indices()
        .nth(col)
        .map_or(0, |(i, _)| i);
    Some(line_start + within)
}

fn to_node(spanned: serde_saphyr::Spanned<Value>, text: &str) -> Node {
    // `defined` is where the text was written: for an alias, the anchored node.
    let loc = if spanned.defined.line() != 0 {
        spanned.defined
    } else {
        spanned.referenced
    };
    let start = location_offset(&loc, text).unwrap_or(0);
    let len = loc
        .span()
        .byte_len()
        .and_then(|l| usize::try_from(l).ok())
        .unwrap_or(0);
    let end = (start + len).min(text.len());
    let mut node = Node {
        start,
        end,
        value: spanned.value,
        tag: None,
    };
    // Merge tags are rare: a file without them needs no look at each node.
    let tags = text.contains("!reset") || text.contains("!override");
    keep_number_text(&mut node, text, tags);
    node
}

/// serde-saphyr drops local tags; the tag is the token just before the node,
/// on the node's line or on the last earlier line that has anything but a
/// comment (`volumes: # do not !reset` is a comment, not a tag).
fn tag_before(text: &str, start: usize) -> Option<Tag> {
    let before = text.get(..start)?;
    for line in before.rsplit('\n') {
        let code = strip_comment(line).trim_end();
        if code.is_empty() {
            continue;
        }
        let token = code
            .rsplit([' ', '\t', ',', '[', '{'])
            .next()
            .unwrap_or(code);
        return match token {
            "!reset" => Some(Tag::Reset),
            "!override" => Some(Tag::Override),
            _ => None,
        };
    }
    None
}

/// A line without its `# comment` (a `#` at the start or after a blank,
/// outside quotes).
fn strip_comment(line: &str) -> &str {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == '#' && (prev == ' ' || prev == '\t') => return &line[..i],
            None => {}
        }
        prev = c;
    }
    line
}

/// Numbers and booleans keep the text as written (`3.80` stays `3.80`, not `3.8`).
/// Recursion is bounded by [`MAX_DEPTH`], which the parser enforced.
fn keep_number_text(node: &mut Node, text: &str, tags: bool) {
    if tags {
        node.tag = tag_before(text, node.start);
    }
    match &mut node.value {
        Value::Scalar(s) => {
            if let Some(raw) = text.get(node.start..node.end).map(str::trim)
                && !raw.is_empty()
                && raw != s
                && !raw.starts_with(['"', '\''])
                && raw.parse::<f64>().is_ok()
            {
                *s = raw.to_string();
            }
        }
        Value::Seq(items) => items
            .iter_mut()
            .for_each(|n| keep_number_text(n, text, tags)),
        Value::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            keep_number_text(k, text, tags);
            keep_number_text(v, text, tags);
        }),
        Value::Null => {}
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

/// An element inside a collection, converted to a [`Node`] once the text is at hand.
struct Element(serde_saphyr::Spanned<Value>);

impl<'de> Deserialize<'de> for Element {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde_saphyr::Spanned::<Value>::deserialize(deserializer).map(Element)
    }
}

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Scalar(v.to_string()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Scalar(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Scalar(v.to_string()))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        Ok(Value::Scalar(v.to_string()))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        Ok(Value::Scalar(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Scalar(v.to_string()))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Scalar(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::Scalar(v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::Scalar(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Element(e)) = seq.next_element()? {
            items.push(e);
        }
        Ok(Value::Seq(items.into_iter().map(pending).collect()))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some((Element(k), Element(v))) = map.next_entry()? {
            entries.push((pending(k), pending(v)));
        }
        Ok(Value::Map(entries))
    }
}

/// Nodes inside collections are built before the text is known to the visitor;
/// their offsets are filled from the location's byte span, which serde-saphyr
/// records for string input.
fn pending(s: serde_saphyr::Spanned<Value>) -> Node {
    let loc = if s.defined.line() != 0 {
        s.defined
    } else {
        s.referenced
    };
    let start = loc
        .span()
        .byte_offset()
        .and_then(|b| usize::try_from(b).ok())
        .unwrap_or(0);
    let len = loc
        .span()
        .byte_len()
        .and_then(|l| usize::try_from(l).ok())
        .unwrap_or(0);
    // A collection's own location covers only its first token: extend it to its last child.
    let children_end = match &s.value {
        Value::Seq(items) => items.iter().map(|n| n.end).max(),
        Value::Map(entries) => entries.iter().map(|(_, v)| v.end).max(),
        _ => None,
    };
    Node {
        start,
        end: (start + len).max(children_end.unwrap_or(0)),
        value: s.value,
        tag: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of<'a>(src: &'a str, n: &Node) -> &'a str {
        &src[n.start..n.end]
    }

    #[test]
    fn spans_point_at_values() {
        let src = "services:\n  web:\n    volumes:\n      - ./backend:/app\n";
        let doc = parse(src).unwrap();
        let vols = doc
            .get("services")
            .and_then(|s| s.get("web"))
            .and_then(|w| w.get("volumes"))
            .and_then(Node::as_seq)
            .unwrap();
        assert_eq!(vols[0].as_str(), Some("./backend:/app"));
        assert_eq!(vols[0].tag, None);
        assert_eq!(text_of(src, &vols[0]), "./backend:/app");
    }

    #[test]
    fn merge_keys_and_aliases_resolve() {
        let src = "x-base: &base\n  image: app:1\n  working_dir: /app\nservices:\n  web:\n    <<: *base\n    working_dir: /srv\n";
        let doc = parse(src).unwrap();
        let web = doc.get("services").and_then(|s| s.get("web")).unwrap();
        assert_eq!(web.get("image").and_then(Node::as_str), Some("app:1"));
        assert_eq!(web.get("working_dir").and_then(Node::as_str), Some("/srv"));
        let image = web.get("image").unwrap();
        assert_eq!(text_of(src, image), "app:1");
    }

    #[test]
    fn merge_tags() {
        let src = "a: !reset null\nb: !override [x]\nc: !reset\nd: !override\n  - y\ne: [f]\n";
        let doc = parse(src).unwrap();
        let tags: Vec<Option<Tag>> = doc.as_map().unwrap().iter().map(|(_, v)| v.tag).collect();
        assert_eq!(
            tags,
            vec![
                Some(Tag::Reset),
                Some(Tag::Override),
                Some(Tag::Reset),
                Some(Tag::Override),
                None
            ]
        );
    }

    #[test]
    fn merge_tags_in_comments_are_comments() {
        let src = "a: # do not use !reset\n  - x\nb: !reset # clear it\n  - y\nc: # !override\n  # more words !reset\n  - z\nd: \"!reset\"\ne: [f]\n";
        let doc = parse(src).unwrap();
        let tags: Vec<Option<Tag>> = doc.as_map().unwrap().iter().map(|(_, v)| v.tag).collect();
        assert_eq!(tags, vec![None, Some(Tag::Reset), None, None, None]);
    }

    #[test]
    fn yaml_1_2_booleans() {
        let doc = parse("command: [y, yes, on, off, no, true]\n").unwrap();
        let items: Vec<&str> = doc
            .get("command")
            .and_then(Node::as_seq)
            .unwrap()
            .iter()
            .filter_map(Node::as_str)
            .collect();
        assert_eq!(items, vec!["y", "yes", "on", "off", "no", "true"]);
    }

    #[test]
    fn numbers_keep_their_text() {
        let doc = parse("version: 3.80\nport: 3000\n").unwrap();
        assert_eq!(doc.get("version").and_then(Node::as_str), Some("3.80"));
        assert_eq!(doc.get("port").and_then(Node::as_str), Some("3000"));
    }

    #[test]
    fn duplicate_keys_are_errors_with_offsets() {
        let src = "a: 1\nb: 2\na: 3\n";
        let err = parse(src).unwrap_err();
        assert!(err.message.contains("duplicate"), "{}", err.message);
        assert!(err.offset.is_some());
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut src = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            src.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n",
                p = i - 1
            ));
        }
        assert!(parse(&src).is_err());
    }

    #[test]
    fn deep_flow_nesting_is_refused() {
        let src = "[".repeat(10_000) + &"]".repeat(10_000);
        assert!(parse(&src).is_err());
    }

    #[test]
    fn deep_block_nesting_is_refused() {
        let mut block = String::new();
        for i in 0..10_000 {
            block.push_str(&" ".repeat(i));
            block.push_str("k:\n");
        }
        assert!(parse(&block).is_err());
    }
}
