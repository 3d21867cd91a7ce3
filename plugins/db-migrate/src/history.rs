//! The history table, Flyway's layout: one row per applied migration (`installed_rank`,
//! `version`, `description`, `type`, `script`, `checksum`, `installed_by`, `installed_on`,
//! `execution_time` in ms, `success`). Versioned and repeatable migrations are `SQL` rows
//! (a repeatable one has no version), a baseline is a `BASELINE` row.

use crate::version::Version;

/// `type` of a row for a migration script.
pub const TYPE_SQL: &str = "SQL";
/// `type` of a baseline row.
pub const TYPE_BASELINE: &str = "BASELINE";
/// `description` and `script` of a baseline row.
pub const BASELINE_NAME: &str = "<< Flyway Baseline >>";

/// One row of the history table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// `installed_rank`: the order rows were written in.
    pub rank: i64,
    /// `version` (none for a repeatable migration), parsed; `None` also when unreadable.
    pub version: Option<Version>,
    /// `version` as stored.
    pub version_text: Option<String>,
    /// `description`.
    pub description: String,
    /// `type`.
    pub kind: String,
    /// `script`: the file name.
    pub script: String,
    /// `checksum`.
    pub checksum: Option<i32>,
    /// `installed_by`.
    pub installed_by: String,
    /// `success`.
    pub success: bool,
}

impl Applied {
    /// A versioned migration's row (not a baseline, not a repeatable).
    pub fn is_versioned(&self) -> bool {
        self.kind == TYPE_SQL && self.version_text.is_some()
    }

    /// A repeatable migration's row.
    pub fn is_repeatable(&self) -> bool {
        self.kind == TYPE_SQL && self.version_text.is_none()
    }
}

/// The history, in rank order.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// Every row.
    pub rows: Vec<Applied>,
}

impl History {
    /// The highest `installed_rank` (0 when empty).
    pub fn last_rank(&self) -> i64 {
        self.rows.iter().map(|row| row.rank).max().unwrap_or(0)
    }

    /// The baseline version, if the database was baselined.
    pub fn baseline(&self) -> Option<&Version> {
        self.rows
            .iter()
            .find(|row| row.kind == TYPE_BASELINE)
            .and_then(|row| row.version.as_ref())
    }

    /// The successful versioned rows.
    pub fn versioned(&self) -> impl Iterator<Item = &Applied> {
        self.rows
            .iter()
            .filter(|row| row.success && row.is_versioned())
    }

    /// The newest applied version (baseline included).
    pub fn current_version(&self) -> Option<&Version> {
        self.versioned()
            .filter_map(|row| row.version.as_ref())
            .chain(self.baseline())
            .max()
    }

    /// The latest successful row of the repeatable migration `description`.
    pub fn repeatable(&self, description: &str) -> Option<&Applied> {
        self.rows
            .iter()
            .filter(|row| row.success && row.is_repeatable() && row.description == description)
            .max_by_key(|row| row.rank)
    }

    /// `installed_by` of the rows deployment `deployment_id` writes.
    pub fn installer(deployment_id: &str) -> String {
        format!("sluice {deployment_id}")
    }
}

#[cfg(test)]
pub mod fixtures {
    //! History rows for tests.

    use super::*;

    /// A successful versioned row.
    pub fn applied(rank: i64, version: &str, file: &str, checksum: i32) -> Applied {
        Applied {
            rank,
            version: Version::parse(version),
            version_text: Some(version.to_owned()),
            description: crate::scripts::parse_name(file)
                .map(|(_, d)| d)
                .unwrap_or_default(),
            kind: TYPE_SQL.to_owned(),
            script: file.to_owned(),
            checksum: Some(checksum),
            installed_by: History::installer("d1"),
            success: true,
        }
    }
}
