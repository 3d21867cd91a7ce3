//! [`PlanError`]: what is wrong with a plan, where, shown like a compiler diagnostic.

use std::path::{Path, PathBuf};

use super::location::{Location, SourceMap};
use super::model::Plan;

/// An error in a plan file. Its `Display` is `FILE:LINE:COL: message` followed by the offending
/// line with a caret under the culprit, e.g.
///
/// ```text
/// plan.toml:12:12: invalid duration `5 parsecs`: expected e.g. 500ms, 10s, 2m
///    |
/// 12 | deadline = "5 parsecs"
///    |            ^^^^^^^^^^^
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}{}{}", position(.file, .line, .col), .message, .snippet)]
pub struct PlanError {
    /// The plan file, as the user named it.
    pub file: PathBuf,
    /// 1-based line; 0 when the error concerns the whole file (it cannot be read).
    pub line: usize,
    /// 1-based column in characters; 0 when the error concerns the whole file.
    pub col: usize,
    /// What is wrong and what was expected.
    pub message: String,
    /// The quoted source line and caret line (empty when there is no position).
    snippet: String,
}

impl PlanError {
    /// An error about `location` in `plan`'s file, for problems found after loading (an unknown
    /// builtin plugin, a plugin's `validate` diagnostic); find the location with [`Plan::locate`].
    pub fn at(plan: &Plan, location: Location, message: impl Into<String>) -> Self {
        Self::in_source(&plan.source, location, message)
    }

    /// An error about `location` in the file that `source` maps.
    pub(crate) fn in_source(
        source: &SourceMap,
        location: Location,
        message: impl Into<String>,
    ) -> Self {
        PlanError {
            file: source.shown_file().to_path_buf(),
            line: location.line,
            col: location.col,
            message: message.into(),
            snippet: snippet(source, location),
        }
    }

    /// The plan file could not be read.
    pub(crate) fn unreadable(file: &Path, reason: &str) -> Self {
        PlanError {
            file: file.to_path_buf(),
            line: 0,
            col: 0,
            message: format!("cannot read the plan file: {reason}"),
            snippet: String::new(),
        }
    }
}

fn position(file: &Path, line: &usize, col: &usize) -> String {
    if *line == 0 {
        format!("{}: ", file.display())
    } else {
        format!("{}:{line}:{col}: ", file.display())
    }
}

fn snippet(source: &SourceMap, location: Location) -> String {
    let text = source.line_text(location.line);
    let number = location.line.to_string();
    let gutter = " ".repeat(number.len());
    let indent: String = text
        .chars()
        .take(location.col.saturating_sub(1))
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let carets = "^".repeat(location.width.max(1));
    format!("\n{gutter} |\n{number} | {text}\n{gutter} | {indent}{carets}")
}
