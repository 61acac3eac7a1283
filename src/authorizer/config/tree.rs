//! A small document tree with 1-based source lines, built from YAML (and JSON, which YAML's flow
//! style reads too) by the event parser under serde-saphyr (`granit_parser`).
//!
//! serde-saphyr's `Spanned<T>` reports a block mapping value at the line *after* its key, so the
//! key's own line is not recoverable from it; the parser's events are: every mapping key is a
//! scalar event whose span starts at the key itself.

use serde_saphyr::granit_parser::{Event, Options, Parser, ScalarStyle};

use std::collections::HashMap;

use crate::authorizer::DuplicateKey;
use crate::error::{Error, Result};

/// Most nodes a document may expand to (aliases included), against "billion laughs" inputs.
const MAX_NODES: usize = 200_000;

/// Most bytes of scalar text that aliases may copy, against "billion laughs" built from one long
/// scalar (a 1 MiB string aliased a thousand times is a few nodes but a gigabyte).
const MAX_ALIAS_BYTES: usize = 16 * 1024 * 1024;

/// One node of a parsed document.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    /// What the node holds.
    pub kind: Kind,
    /// 1-based line where the node starts (`None` for JSON read without positions).
    pub line: Option<usize>,
    /// A local tag such as `!Sub` (CloudFormation short forms), as written.
    pub tag: Option<String>,
}

/// The content of a [`Node`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    /// A scalar; `plain` is true for unquoted YAML scalars (and JSON numbers, booleans, null).
    Scalar {
        /// The text after escape processing.
        text: String,
        /// Unquoted (subject to null/bool/int resolution).
        plain: bool,
    },
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in source order.
    Map(Vec<Entry>),
}

/// One key/value pair of a mapping.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    /// The key as text.
    pub key: String,
    /// 1-based line of the key itself.
    pub line: Option<usize>,
    /// The value.
    pub value: Node,
}

impl Node {
    /// A scalar node.
    pub fn scalar(text: impl Into<String>, plain: bool, line: Option<usize>) -> Node {
        Node {
            kind: Kind::Scalar {
                text: text.into(),
                plain,
            },
            line,
            tag: None,
        }
    }

    /// True for YAML null (`null`, `~`, empty, …) and JSON null.
    pub fn is_null(&self) -> bool {
        match &self.kind {
            Kind::Scalar { text, plain: true } => {
                self.tag.is_none() && matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL")
            }
            _ => false,
        }
    }

    /// The mapping entries, when this is a mapping.
    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.kind {
            Kind::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The sequence items, when this is a sequence.
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            Kind::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// The string items of a sequence (items that are not strings left out), when this is a
    /// sequence.
    pub fn str_items(&self) -> Option<Vec<String>> {
        self.as_seq().map(|items| {
            items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect()
        })
    }

    /// The scalar text, when this is a non-null scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { text, .. } if !self.is_null() => Some(text),
            _ => None,
        }
    }

    /// The entry for `key` (the last one when the key is repeated, as PyYAML does).
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.as_map()?.iter().rev().find(|e| e.key == key)
    }

    /// The value for `key`.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// The value for `key` unless it is null.
    pub fn get_some(&self, key: &str) -> Option<&Node> {
        self.get(key).filter(|n| !n.is_null())
    }

    /// The string value for `key`, unless absent or null.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Node::as_str)
    }

    /// A short name of the node's type for messages.
    pub fn type_name(&self) -> &'static str {
        if self.is_null() {
            return "null";
        }
        match &self.kind {
            Kind::Scalar { .. } => "a scalar",
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a mapping",
        }
    }

    /// Bytes of scalar text (keys included) in this subtree.
    pub fn text_bytes(&self) -> usize {
        match &self.kind {
            Kind::Scalar { text, .. } => text.len(),
            Kind::Seq(items) => items.iter().map(Node::text_bytes).sum(),
            Kind::Map(entries) => entries
                .iter()
                .map(|e| e.key.len() + e.value.text_bytes())
                .sum(),
        }
    }

    /// Counts the nodes of this subtree.
    fn size(&self) -> usize {
        match &self.kind {
            Kind::Scalar { .. } => 1,
            Kind::Seq(items) => 1 + items.iter().map(Node::size).sum::<usize>(),
            Kind::Map(entries) => 1 + entries.iter().map(|e| 1 + e.value.size()).sum::<usize>(),
        }
    }
}

/// A collection being built.
enum Frame {
    Seq {
        items: Vec<Node>,
        line: usize,
        tag: Option<String>,
        anchor: usize,
    },
    Map {
        entries: Vec<Entry>,
        key: Option<(String, usize)>,
        line: usize,
        tag: Option<String>,
        anchor: usize,
    },
}

/// Parses the first document of `text` (YAML or JSON). Errors name `path`, the 1-based line and
/// column. An empty document is a null scalar.
#[cfg(test)]
pub(crate) fn parse(text: &str, path: &str) -> Result<Node> {
    parse_doc(text, path).map(|(node, _)| node)
}

/// [`parse`], also returning the keys written twice in one mapping.
pub(crate) fn parse_doc(text: &str, path: &str) -> Result<(Node, Duplicates)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut dups = Duplicates::default();
    match parse_yaml(text, path, &mut dups) {
        Ok(node) => Ok((node, dups)),
        Err(e) => {
            // JSON that the YAML reader refuses (rare: e.g. odd whitespace) is still JSON.
            if text.trim_start().starts_with(['{', '['])
                && let Ok(v) = serde_json::from_str::<serde_json::Value>(text)
            {
                return Ok((from_json(&v), Duplicates::default()));
            }
            Err(e)
        }
    }
}

fn too_many_nodes(path: &str) -> Error {
    Error::config(
        path,
        format!("document expands to more than {MAX_NODES} nodes"),
        Some("this is not a configuration file tokdiag can read".to_string()),
    )
}

fn syntax_error(path: &str, line: usize, col: usize, info: &str) -> Error {
    Error::config(
        path,
        format!("syntax error at line {line} column {col}: {info}"),
        Some(format!(
            "fix the YAML/JSON at {path}:{line}:{col} (indentation uses spaces; quote values containing ': ' or '#')"
        )),
    )
}

fn tag_name(tag: Option<&serde_saphyr::granit_parser::Tag>) -> Option<String> {
    let t = tag?;
    if t.handle() == "!" {
        Some(format!("!{}", t.suffix()))
    } else if t.handle() == "tag:yaml.org,2002:" {
        Some(format!("!!{}", t.suffix()))
    } else {
        Some(format!("{}{}", t.original_handle(), t.suffix()))
    }
}

fn parse_yaml(text: &str, path: &str, dups: &mut Duplicates) -> Result<Node> {
    let mut options = Options::default();
    options.emit_comments = false;
    options.block_scalar_eof_without_line_feed = true;
    let mut parser = Parser::new_from_str_with_options(text, options);
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: std::collections::HashMap<usize, Node> = std::collections::HashMap::new();
    let mut count = 0usize;
    let mut alias_bytes = 0usize;
    let mut root: Option<Node> = None;
    let mut in_doc = false;

    while let Some(event) = parser.next_event() {
        let (event, span) = match event {
            Ok(ev) => ev,
            Err(e) => {
                let m = e.marker();
                return Err(syntax_error(path, m.line().max(1), m.col() + 1, &e.info()));
            }
        };
        let line = span.start.line().max(1);
        let node = match event {
            Event::DocumentStart(..) => {
                in_doc = true;
                continue;
            }
            Event::DocumentEnd => {
                if root.is_some() || in_doc {
                    break;
                }
                continue;
            }
            Event::StreamEnd => break,
            Event::Scalar(value, style, anchor, tag) => {
                let tag = tag_name(tag.as_deref());
                let plain = style == ScalarStyle::Plain && tag.as_deref() != Some("!!str");
                let n = Node {
                    kind: Kind::Scalar {
                        text: value.into_owned(),
                        plain,
                    },
                    line: Some(line),
                    tag: tag.filter(|t| !t.starts_with("!!")),
                };
                if anchor != 0 {
                    anchors.insert(anchor, n.clone());
                }
                n
            }
            Event::Alias(id) => match anchors.get(&id) {
                Some(n) => {
                    count += n.size();
                    alias_bytes += n.text_bytes();
                    if alias_bytes > MAX_ALIAS_BYTES {
                        return Err(Error::config(
                            path,
                            format!(
                                "aliases copy more than {} MiB of text",
                                MAX_ALIAS_BYTES / 1024 / 1024
                            ),
                            Some("this is not a configuration file tokdiag can read".to_string()),
                        ));
                    }
                    if count > MAX_NODES {
                        return Err(too_many_nodes(path));
                    }
                    let mut n = n.clone();
                    n.line = Some(line);
                    n
                }
                None => {
                    return Err(syntax_error(
                        path,
                        line,
                        span.start.col() + 1,
                        "unknown alias",
                    ));
                }
            },
            Event::SequenceStart(_, anchor, tag) => {
                stack.push(Frame::Seq {
                    items: Vec::new(),
                    line,
                    tag: tag_name(tag.as_deref()).filter(|t| !t.starts_with("!!")),
                    anchor,
                });
                continue;
            }
            Event::MappingStart(_, anchor, tag) => {
                stack.push(Frame::Map {
                    entries: Vec::new(),
                    key: None,
                    line,
                    tag: tag_name(tag.as_deref()).filter(|t| !t.starts_with("!!")),
                    anchor,
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (n, anchor) = match stack.pop() {
                    Some(Frame::Seq {
                        items,
                        line,
                        tag,
                        anchor,
                    }) => (
                        Node {
                            kind: Kind::Seq(items),
                            line: Some(line),
                            tag,
                        },
                        anchor,
                    ),
                    Some(Frame::Map {
                        entries,
                        line,
                        tag,
                        anchor,
                        ..
                    }) => (
                        Node {
                            kind: Kind::Map(merge_keys(entries, dups)),
                            line: Some(line),
                            tag,
                        },
                        anchor,
                    ),
                    None => continue,
                };
                if anchor != 0 {
                    anchors.insert(anchor, n.clone());
                }
                n
            }
            _ => continue,
        };
        count += 1;
        if count > MAX_NODES {
            return Err(too_many_nodes(path));
        }
        match stack.last_mut() {
            None => {
                if root.is_none() {
                    root = Some(node);
                }
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => {
                    let text = match &node.kind {
                        Kind::Scalar { text, .. } => text.clone(),
                        _ => COMPLEX_KEY.to_string(),
                    };
                    *key = Some((text, node.line.unwrap_or(line)));
                }
                Some((k, kline)) => entries.push(Entry {
                    key: k,
                    line: Some(kline),
                    value: node,
                }),
            },
        }
    }
    Ok(root.unwrap_or_else(|| Node::scalar("", true, Some(1))))
}

/// Applies YAML merge keys (`<<: *base`, `<<: [*a, *b]`) as PyYAML (the starter toolkit's reader)
/// does, in time linear in the number of entries: the mapping's own keys win over merged ones, a
/// later `<<` wins over an earlier one, and within one `<<: [..]` list the earlier mapping wins.
/// A key written twice in the mapping itself keeps its first position and takes the later value;
/// the pair is recorded in `dups`.
fn merge_keys(entries: Vec<Entry>, dups: &mut Duplicates) -> Vec<Entry> {
    let mut own: Vec<Entry> = Vec::with_capacity(entries.len());
    let mut own_index: HashMap<String, usize> = HashMap::with_capacity(entries.len());
    let mut merged: Vec<Entry> = Vec::new();
    for e in entries {
        if e.key == MERGE_KEY {
            let sources: Vec<Node> = match e.value.kind {
                Kind::Map(_) => vec![e.value],
                Kind::Seq(mut items) => {
                    items.reverse();
                    items
                }
                _ => Vec::new(),
            };
            for s in sources {
                if let Kind::Map(inner) = s.kind {
                    merged.extend(inner);
                }
            }
            continue;
        }
        match own_index.get(&e.key) {
            Some(&i) => {
                dups.record(&e.key, own[i].line, e.line);
                own[i] = e;
            }
            None => {
                own_index.insert(e.key.clone(), own.len());
                own.push(e);
            }
        }
    }
    if merged.is_empty() {
        return own;
    }
    // Among merged entries the last occurrence wins (PyYAML: `merge + own`, later keys win).
    let mut merged_index: HashMap<String, usize> = HashMap::with_capacity(merged.len());
    let mut kept: Vec<Option<Entry>> = Vec::with_capacity(merged.len());
    for m in merged {
        if own_index.contains_key(&m.key) {
            continue;
        }
        match merged_index.get(&m.key) {
            Some(&i) => kept[i] = Some(m),
            None => {
                merged_index.insert(m.key.clone(), kept.len());
                kept.push(Some(m));
            }
        }
    }
    own.extend(kept.into_iter().flatten());
    own
}

/// The merge key of YAML 1.1.
const MERGE_KEY: &str = "<<";

/// Most duplicate keys recorded (the rest are counted).
const MAX_DUPLICATES: usize = 20;

/// Keys written twice in one mapping, found while parsing.
#[derive(Debug, Default)]
pub(crate) struct Duplicates {
    /// The first [`MAX_DUPLICATES`] pairs.
    pub found: Vec<DuplicateKey>,
    /// How many more there were.
    pub more: usize,
}

impl Duplicates {
    fn record(&mut self, key: &str, first: Option<usize>, later: Option<usize>) {
        if key == COMPLEX_KEY {
            return;
        }
        if self.found.len() < MAX_DUPLICATES {
            self.found.push(DuplicateKey {
                key: key.to_string(),
                first_line: first,
                line: later,
            });
        } else {
            self.more += 1;
        }
    }
}

/// What a non-scalar mapping key is read as.
const COMPLEX_KEY: &str = "<complex key>";

/// Converts a JSON value (read without positions) into a tree.
pub(crate) fn from_json(v: &serde_json::Value) -> Node {
    use serde_json::Value;
    let kind = match v {
        Value::Null => Kind::Scalar {
            text: "null".into(),
            plain: true,
        },
        Value::Bool(b) => Kind::Scalar {
            text: b.to_string(),
            plain: true,
        },
        Value::Number(n) => Kind::Scalar {
            text: n.to_string(),
            plain: true,
        },
        Value::String(s) => Kind::Scalar {
            text: s.clone(),
            plain: false,
        },
        Value::Array(items) => Kind::Seq(items.iter().map(from_json).collect()),
        Value::Object(map) => Kind::Map(
            map.iter()
                .map(|(k, v)| Entry {
                    key: k.clone(),
                    line: None,
                    value: from_json(v),
                })
                .collect(),
        ),
    };
    Node {
        kind,
        line: None,
        tag: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_lines_are_the_keys_own_lines() {
        let doc = "a:\n  b:\n    c: 1\nd: [x, y]\n";
        let root = parse(doc, "t.yaml").unwrap();
        assert_eq!(root.entry("a").unwrap().line, Some(1));
        let a = root.get("a").unwrap();
        assert_eq!(a.entry("b").unwrap().line, Some(2));
        assert_eq!(a.get("b").unwrap().entry("c").unwrap().line, Some(3));
        assert_eq!(root.entry("d").unwrap().line, Some(4));
        assert_eq!(root.get("d").unwrap().as_seq().unwrap().len(), 2);
    }

    #[test]
    fn crlf_comments_and_nulls() {
        let doc = "# head\r\na: null\r\nb: ~\r\nc:\r\n# mid\r\nd: '0123'\r\ne: 0123\r\n";
        let root = parse(doc, "t.yaml").unwrap();
        assert!(root.get("a").unwrap().is_null());
        assert!(root.get("b").unwrap().is_null());
        assert!(root.get("c").unwrap().is_null());
        assert_eq!(root.entry("d").unwrap().line, Some(6));
        assert_eq!(
            root.get("d").unwrap().kind,
            Kind::Scalar {
                text: "0123".into(),
                plain: false
            }
        );
        assert_eq!(
            root.get("e").unwrap().kind,
            Kind::Scalar {
                text: "0123".into(),
                plain: true
            }
        );
    }

    #[test]
    fn json_has_lines_too() {
        let doc = "{\n  \"a\": {\n    \"b\": [\"x\"]\n  }\n}\n";
        let root = parse(doc, "t.json").unwrap();
        assert_eq!(root.get("a").unwrap().entry("b").unwrap().line, Some(3));
    }

    #[test]
    fn short_form_tags_are_kept() {
        let root = parse("a: !Sub 'x-${AWS::Region}'\nb: !GetAtt [R, Arn]\n", "t").unwrap();
        assert_eq!(root.get("a").unwrap().tag.as_deref(), Some("!Sub"));
        assert_eq!(root.get("b").unwrap().tag.as_deref(), Some("!GetAtt"));
    }

    #[test]
    fn anchors_and_merge_keys() {
        let root = parse("base: &b\n  x: 1\nc:\n  <<: *b\n  y: 2\n", "t").unwrap();
        let c = root.get("c").unwrap();
        assert_eq!(c.get_str("x"), Some("1"));
        assert_eq!(c.get_str("y"), Some("2"));
    }

    #[test]
    fn merge_precedence_is_pyyaml_s() {
        // Own keys win; within `<<: [*a, *b]` the earlier mapping wins; a later `<<` wins.
        let doc = "a: &a {x: a, y: a, z: a}\nb: &b {x: b, y: b, w: b}\nm:\n  <<: [*a, *b]\n  x: own\nn:\n  <<: *a\n  <<: *b\n";
        let (root, dups) = parse_doc(doc, "t").unwrap();
        let m = root.get("m").unwrap();
        assert_eq!(m.get_str("x"), Some("own"));
        assert_eq!(m.get_str("y"), Some("a"));
        assert_eq!(m.get_str("w"), Some("b"));
        assert_eq!(m.as_map().unwrap().len(), 4);
        let n = root.get("n").unwrap();
        assert_eq!(n.get_str("x"), Some("b"));
        assert_eq!(n.get_str("z"), Some("a"));
        assert!(dups.found.is_empty(), "{:?}", dups.found);
    }

    #[test]
    fn duplicates_keep_the_later_value() {
        let (root, dups) = parse_doc("a: 1\nb: 2\na: 3\n", "t").unwrap();
        assert_eq!(root.as_map().unwrap().len(), 2);
        assert_eq!(root.get_str("a"), Some("3"));
        assert_eq!(root.entry("a").unwrap().line, Some(3));
        assert_eq!(
            dups.found,
            vec![DuplicateKey {
                key: "a".into(),
                first_line: Some(1),
                line: Some(3)
            }]
        );
    }

    #[test]
    fn long_scalar_aliased_many_times_is_refused() {
        let big = "x".repeat(1024 * 1024);
        let mut doc = format!("a: &a {big}\nl:\n");
        for _ in 0..20 {
            doc.push_str("- *a\n");
        }
        let err = parse(&doc, "t").unwrap_err();
        assert!(
            err.to_string().contains("aliases copy more than 16 MiB"),
            "{err}"
        );
    }

    #[test]
    fn syntax_errors_name_line_and_column() {
        let err = parse("a: 1\nb: [x\nc: d\n", "bad.yaml").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("line 3 column 2"), "{msg}");
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut doc = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..8 {
            let p = i - 1;
            doc.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        assert!(parse(&doc, "bomb.yaml").is_err());
    }

    #[test]
    fn empty_document_is_null() {
        assert!(parse("", "e").unwrap().is_null());
        assert!(parse("# only a comment\n", "e").unwrap().is_null());
    }
}
