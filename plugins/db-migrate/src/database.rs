//! The database through the host's `sql` capability: the history table in each engine's
//! dialect, the migration lock, transactions.

use sluice_sdk::sql::{Database, Engine, Value};
use sluice_sdk::{Error, info};

use crate::config::Config;
use crate::history::{Applied, History};
use crate::version::Version;

/// The advisory lock key's high bits (`SLUI` in ASCII); the low 32 bits are the CRC-32 of the
/// history table's name, so runs on one table exclude each other and other tables do not.
const LOCK_KEY_BASE: i64 = 0x534C_5549_0000_0000;

/// The migration lock's key for the history table `table`.
pub fn lock_key(table: &str) -> i64 {
    LOCK_KEY_BASE | i64::from(crc32fast::hash(table.as_bytes()))
}

/// One history row about to be written.
pub struct NewRow<'a> {
    /// `installed_rank`.
    pub rank: i64,
    /// `version`, none for a repeatable migration.
    pub version: Option<&'a Version>,
    /// `description`.
    pub description: &'a str,
    /// `type`.
    pub kind: &'a str,
    /// `script`.
    pub script: &'a str,
    /// `checksum`.
    pub checksum: Option<i32>,
    /// `installed_by`.
    pub installed_by: &'a str,
    /// `execution_time`, in ms.
    pub execution_ms: i64,
}

/// The unit's database, open.
pub struct Db {
    handle: Database,
    engine: Engine,
    name: String,
    table: String,
}

impl Db {
    /// Opens the config's database.
    pub fn open(config: &Config) -> Result<Db, Error> {
        let handle = Database::open(&config.database)?;
        Ok(Db {
            engine: handle.engine(),
            handle,
            name: config.database.clone(),
            table: config.table.clone(),
        })
    }

    /// `sqlite` or `postgres`, for messages.
    pub fn engine_name(&self) -> &'static str {
        match self.engine {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        }
    }

    /// Placeholder `n` (from 1) in this engine's dialect.
    fn param(&self, n: usize) -> String {
        match self.engine {
            Engine::Sqlite => format!("?{n}"),
            Engine::Postgres => format!("${n}"),
        }
    }

    /// Whether the history table exists (in PostgreSQL's current schema).
    pub fn history_exists(&self) -> Result<bool, Error> {
        let sql = match self.engine {
            Engine::Sqlite => "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
            Engine::Postgres => {
                "SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = $1"
            }
        };
        let rows = self.handle.query(sql, &[Value::Text(self.table.clone())])?;
        Ok(!rows.rows.is_empty())
    }

    /// Whether the database holds tables other than the history table (a baseline applies
    /// only then).
    pub fn has_other_tables(&self) -> Result<bool, Error> {
        let sql = match self.engine {
            Engine::Sqlite => {
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> ?1"
            }
            Engine::Postgres => {
                "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename <> $1"
            }
        };
        let rows = self.handle.query(sql, &[Value::Text(self.table.clone())])?;
        Ok(matches!(
            rows.rows.first().and_then(|row| row.first()),
            Some(Value::Integer(n)) if *n > 0
        ))
    }

    /// Creates the history table (Flyway's layout) if it does not exist.
    pub fn create_history(&self) -> Result<(), Error> {
        let t = &self.table;
        let (int, installed_on) = match self.engine {
            Engine::Sqlite => (
                "INT",
                "TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))",
            ),
            Engine::Postgres => ("INTEGER", "TIMESTAMP NOT NULL DEFAULT now()"),
        };
        let ddl = format!(
            "CREATE TABLE IF NOT EXISTS {t} (
                installed_rank {int} NOT NULL PRIMARY KEY,
                version VARCHAR(50),
                description VARCHAR(200) NOT NULL,
                type VARCHAR(20) NOT NULL,
                script VARCHAR(1000) NOT NULL,
                checksum {int},
                installed_by VARCHAR(100) NOT NULL,
                installed_on {installed_on},
                execution_time {int} NOT NULL,
                success BOOLEAN NOT NULL
            );
            CREATE INDEX IF NOT EXISTS {t}_s_idx ON {t} (success);"
        );
        self.in_transaction(|| self.handle.execute_script(&ddl))
            .map_err(|e| e.context(format!("cannot create the history table {t}")))
    }

    /// Every history row, by rank (the table must exist).
    pub fn history(&self) -> Result<History, Error> {
        let sql = format!(
            "SELECT installed_rank, version, description, type, script, checksum, installed_by, success \
             FROM {} ORDER BY installed_rank",
            self.table
        );
        let rows = self
            .handle
            .query(&sql, &[])
            .map_err(|e| e.context(format!("cannot read the history table {}", self.table)))?;
        let rows = rows
            .rows
            .iter()
            .map(|row| applied(row).ok_or_else(|| self.unreadable()))
            .collect::<Result<_, _>>()?;
        Ok(History { rows })
    }

    fn unreadable(&self) -> Error {
        Error::Failed(format!(
            "the history table {} has a row this plugin cannot read: is it another tool's table?",
            self.table
        ))
    }

    /// Writes one history row.
    pub fn record(&self, row: &NewRow<'_>) -> Result<(), Error> {
        let placeholders: Vec<String> = (1..=9).map(|n| self.param(n)).collect();
        let sql = format!(
            "INSERT INTO {} (installed_rank, version, description, type, script, checksum, \
             installed_by, execution_time, success) VALUES ({})",
            self.table,
            placeholders.join(", ")
        );
        let text = |s: &str| Value::Text(s.to_owned());
        self.handle.execute(
            &sql,
            &[
                Value::Integer(row.rank),
                row.version.map_or(Value::Null, |v| text(&v.to_string())),
                text(row.description),
                text(row.kind),
                text(row.script),
                row.checksum
                    .map_or(Value::Null, |c| Value::Integer(c.into())),
                text(row.installed_by),
                Value::Integer(row.execution_ms),
                Value::Boolean(true),
            ],
        )?;
        Ok(())
    }

    /// Deletes the history row `rank` (its migration was undone).
    pub fn forget(&self, rank: i64) -> Result<(), Error> {
        let sql = format!(
            "DELETE FROM {} WHERE installed_rank = {}",
            self.table,
            self.param(1)
        );
        self.handle.execute(&sql, &[Value::Integer(rank)])?;
        Ok(())
    }

    /// Runs a migration script.
    pub fn execute_script(&self, sql: &str) -> Result<(), Error> {
        self.handle.execute_script(sql)
    }

    /// Takes the migration lock, waiting up to `timeout_secs` for another run to finish.
    pub fn lock(&self, timeout_secs: u32) -> Result<(), Error> {
        let key = lock_key(&self.table);
        if self.handle.lock(key, 0).is_ok() {
            return Ok(());
        }
        info!(
            "waiting up to {timeout_secs}s for the migration lock on `{}` (advisory lock {key}): \
             another run holds it",
            self.name
        );
        self.handle
            .lock(key, timeout_secs.saturating_mul(1000))
            .map_err(|e| e.context("cannot take the migration lock"))
    }

    /// Runs `work` in a transaction: committed when it succeeds, rolled back when it fails.
    pub fn in_transaction<T>(&self, work: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
        self.handle.begin()?;
        match work() {
            Ok(value) => {
                self.handle.commit()?;
                Ok(value)
            }
            Err(error) => {
                // The failure is what matters; a rollback that fails too (the connection is
                // gone) leaves the server to roll back when the session ends.
                let _ = self.handle.rollback();
                Err(error)
            }
        }
    }

    /// Takes a backup through the host; its snapshot id.
    pub fn backup(&self) -> Result<String, Error> {
        self.handle
            .backup()
            .map_err(|e| e.context(format!("cannot back up `{}`", self.name)))
    }

    /// Restores the snapshot `id` through the host.
    pub fn restore(&self, id: &str) -> Result<(), Error> {
        self.handle
            .restore(id)
            .map_err(|e| e.context(format!("cannot restore snapshot {id} over `{}`", self.name)))
    }
}

/// One history row from a query's values (`None` when a column has an unexpected type).
fn applied(row: &[Value]) -> Option<Applied> {
    let text = |value: &Value| match value {
        Value::Text(text) => Some(text.clone()),
        _ => None,
    };
    let [
        rank,
        version,
        description,
        kind,
        script,
        checksum,
        installed_by,
        success,
    ] = row
    else {
        return None;
    };
    let version_text = match version {
        Value::Null => None,
        other => Some(text(other)?),
    };
    Some(Applied {
        rank: match rank {
            Value::Integer(rank) => *rank,
            _ => return None,
        },
        version: version_text.as_deref().and_then(Version::parse),
        version_text,
        description: text(description)?,
        kind: text(kind)?,
        script: text(script)?,
        checksum: match checksum {
            Value::Null => None,
            Value::Integer(c) => Some(i32::try_from(*c).ok()?),
            _ => return None,
        },
        installed_by: text(installed_by)?,
        success: match success {
            Value::Boolean(b) => *b,
            Value::Integer(i) => *i != 0,
            _ => return None,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_key_depends_on_the_table_only() {
        assert_eq!(
            lock_key("sluice_schema_history"),
            lock_key("sluice_schema_history")
        );
        assert_ne!(
            lock_key("sluice_schema_history"),
            lock_key("flyway_schema_history")
        );
        assert_eq!(lock_key("t") >> 32, 0x534C_5549);
    }

    #[test]
    fn a_history_row_reads_from_either_engine() {
        let sqlite = [
            Value::Integer(2),
            Value::Text("1.1".into()),
            Value::Text("add users".into()),
            Value::Text("SQL".into()),
            Value::Text("V1_1__add_users.sql".into()),
            Value::Integer(-42),
            Value::Text("sluice d1".into()),
            Value::Integer(1),
        ];
        let row = applied(&sqlite).unwrap();
        assert_eq!((row.rank, row.checksum, row.success), (2, Some(-42), true));
        assert_eq!(row.version, Version::parse("1.1"));
        let mut postgres = sqlite.clone();
        postgres[1] = Value::Null;
        postgres[7] = Value::Boolean(false);
        let row = applied(&postgres).unwrap();
        assert!(row.is_repeatable() && !row.success);
        postgres[0] = Value::Text("two".into());
        assert!(applied(&postgres).is_none());
    }
}
