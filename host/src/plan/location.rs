//! Where things are in a plan file: byte offsets to `line:col`, and an index from every TOML key
//! path (`units.api.config.router.route`, array elements by number) to the span of its value.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};

/// A position in the plan file: 1-based line and column (columns count characters), and how many
/// characters of that line the thing spans (at least 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub col: usize,
    /// How many characters, on that line, belong to the located item.
    pub width: usize,
}

/// The text of a plan file with what is needed to point into it.
#[derive(Clone)]
pub struct SourceMap {
    /// The plan file as the user named it (errors show this form).
    shown_file: PathBuf,
    text: String,
    line_starts: Vec<usize>,
    value_spans: BTreeMap<Vec<String>, Range<usize>>,
}

impl fmt::Debug for SourceMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SourceMap")
            .field("shown_file", &self.shown_file)
            .field("bytes", &self.text.len())
            .field("keys", &self.value_spans.len())
            .finish()
    }
}

impl SourceMap {
    /// A map of `text` with no key index yet (enough to place syntax errors).
    pub(crate) fn new(shown_file: &Path, text: &str) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(at, _)| at + 1))
            .collect();
        SourceMap {
            shown_file: shown_file.to_path_buf(),
            text: text.to_owned(),
            line_starts,
            value_spans: BTreeMap::new(),
        }
    }

    /// Records the span of every key's value in the parsed document.
    pub(crate) fn index(&mut self, root: &DeTable<'_>) {
        let mut path = Vec::new();
        index_table(root, &mut path, &mut self.value_spans);
    }

    /// The plan file as the user named it.
    pub fn shown_file(&self) -> &Path {
        &self.shown_file
    }

    /// The text of line `line` (1-based), without its line ending; empty past the end.
    pub fn line_text(&self, line: usize) -> &str {
        let Some(&start) = self.line_starts.get(line.wrapping_sub(1)) else {
            return "";
        };
        let end = self
            .line_starts
            .get(line)
            .map_or(self.text.len(), |next| next - 1);
        self.text[start..end].trim_end_matches('\r')
    }

    /// The location of a byte span.
    pub fn location_of(&self, span: Range<usize>) -> Location {
        let start = floor_char_boundary(&self.text, span.start.min(self.text.len()));
        let line_index = self.line_starts.partition_point(|&s| s <= start) - 1;
        let line_start = self.line_starts[line_index];
        let line = self.line_text(line_index + 1);
        let before = &self.text[line_start..start];
        let col = before.chars().count() + 1;
        let rest_of_line = line.get(before.len()..).unwrap_or("");
        let end = span.end.max(start).min(start + rest_of_line.len());
        let width = self.text[start..floor_char_boundary(&self.text, end)]
            .chars()
            .count()
            .max(1);
        Location {
            line: line_index + 1,
            col,
            width,
        }
    }

    /// The location of the value at the deepest key of `path` that exists in the file, e.g.
    /// `["units", "api", "config", "router", "route"]`; array elements are named by their index.
    /// Falls back to the start of the file when not even the first key exists.
    pub fn locate(&self, path: &[&str]) -> Location {
        let span = (0..=path.len())
            .rev()
            .find_map(|depth| {
                let prefix: Vec<String> = path[..depth].iter().map(|k| k.to_string()).collect();
                self.value_spans.get(&prefix).cloned()
            })
            .unwrap_or(0..0);
        self.location_of(span)
    }
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn index_table(
    table: &DeTable<'_>,
    path: &mut Vec<String>,
    spans: &mut BTreeMap<Vec<String>, Range<usize>>,
) {
    for (key, value) in table.iter() {
        path.push(key.get_ref().to_string());
        spans.insert(path.clone(), value.span());
        index_value(value.get_ref(), path, spans);
        path.pop();
    }
}

fn index_value(
    value: &DeValue<'_>,
    path: &mut Vec<String>,
    spans: &mut BTreeMap<Vec<String>, Range<usize>>,
) {
    match value {
        DeValue::Table(table) => index_table(table, path, spans),
        DeValue::Array(items) => {
            for (position, item) in items.iter().enumerate() {
                path.push(position.to_string());
                spans.insert(path.clone(), item.span());
                index_value(item.get_ref(), path, spans);
                path.pop();
            }
        }
        _ => {}
    }
}
