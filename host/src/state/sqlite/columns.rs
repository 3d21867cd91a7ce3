//! How record types are stored in SQLite columns.

use rusqlite::ToSql;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSqlOutput, ValueRef};

use crate::state::Outcome;

/// An `outcome` column holding a name this binary does not know.
#[derive(Debug, thiserror::Error)]
#[error("unknown outcome `{0}`")]
struct UnknownOutcome(String);

impl ToSql for Outcome {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for Outcome {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let name = value.as_str()?;
        Outcome::parse(name)
            .ok_or_else(|| FromSqlError::Other(Box::new(UnknownOutcome(name.to_owned()))))
    }
}
