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
        Self::whole_file(file, format!("cannot read the plan file: {reason}"))
    }

    /// An error about the plan file `file` as a whole (no position), e.g. its lockfile.
    pub(crate) fn whole_file(file: &Path, message: impl Into<String>) -> Self {
        PlanError {
            file: file.to_path_buf(),
            line: 0,
            col: 0,
            message: message.into(),
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

#[cfg(test)]
mod tests {
    use crate::plan::test_support::{error_of, parse_with};

    #[test]
    fn an_error_shows_its_position_the_line_and_a_caret_under_the_culprit() {
        let error = error_of(
            "[plugins.p]\nsource = \"builtin:x\"\n[plugins.p.limits]\ndeadline = \"5 parsecs\"\n",
        );
        assert_eq!(
            error.to_string(),
            "/demo/plan.toml:9:12: invalid duration `5 parsecs`: expected e.g. 500ms, 10s, 2m\n  \
             |\n9 | deadline = \"5 parsecs\"\n  |            ^^^^^^^^^^^"
        );
    }

    #[test]
    fn others_can_point_an_error_at_a_key_path_of_a_loaded_plan() {
        let plan = parse_with(
            "[plugins.p]\nsource = \"builtin:x\"\n[units.api]\nplugin = \"p\"\n\
             config = { router = { route = \"api\" } }\n",
        )
        .unwrap();
        let route = plan.locate(&["units", "api", "config", "router", "route"]);
        assert_eq!((route.line, route.col, route.width), (10, 31, 5));
        let missing = plan.locate(&["units", "api", "config", "router", "nope"]);
        assert_eq!((missing.line, missing.col), (10, 21));
        let error = super::PlanError::at(&plan, route, "route `api` is not configured in caddy");
        assert!(
            error
                .to_string()
                .starts_with("/demo/plan.toml:10:31: route `api` is not configured")
        );
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let error =
            error_of("[plugins.p]\nsource = \"builtin:x\"\n[plugins.p.limits]\ndeadline = \"é\"\n");
        assert_eq!((error.line, error.col), (9, 12));
        assert!(error.to_string().ends_with("|            ^^^"), "{error}");
    }
}
