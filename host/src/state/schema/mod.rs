//! sluice's own schema, as versioned migrations both backends run: portable SQL (SQLite and
//! PostgreSQL), applied in order, each once, recorded in `sluice_schema`. Append only; never edit
//! one that shipped.

/// The migrations, in order: version N is `MIGRATIONS[N - 1]`.
pub const MIGRATIONS: &[&str] = &[
    include_str!("v1.sql"),
    include_str!("v2.sql"),
    include_str!("v3.sql"),
    include_str!("v4.sql"),
    include_str!("v5.sql"),
    include_str!("v6.sql"),
];

/// The newest schema version this binary knows.
pub fn latest_version() -> i64 {
    i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX)
}

/// The table that records the applied versions.
pub const VERSIONS_TABLE: &str =
    "CREATE TABLE IF NOT EXISTS sluice_schema (version BIGINT NOT NULL PRIMARY KEY)";
