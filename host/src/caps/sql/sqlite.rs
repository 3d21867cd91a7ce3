//! SQLite through rusqlite. Calls run on the blocking pool (SQLite blocks); a dropped handle
//! interrupts the statement it is running.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rusqlite::backup::{Backup, StepResult};
use rusqlite::config::DbConfig;
use rusqlite::limits::Limit;
use rusqlite::types::{Value as SqliteValue, ValueRef};
use rusqlite::{Connection, InterruptHandle, OpenFlags};

use super::fault::{Fault, line_and_column};
use super::rows::RowsBuilder;
use crate::wit::sql::{Rows, Value};

/// How long a statement waits for another connection's write lock on the file.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// How often a waiting lock or backup looks again.
const POLL: Duration = Duration::from_millis(50);
/// How long a backup or restore waits for other connections to let go of the file.
const COPY_BUSY_LIMIT: Duration = Duration::from_secs(30);

/// One SQLite connection.
pub(super) struct Sqlite {
    connection: Arc<Mutex<Connection>>,
    interrupt: InterruptHandle,
    path: PathBuf,
    locks: BTreeMap<i64, File>,
}

impl Drop for Sqlite {
    fn drop(&mut self) {
        self.interrupt.interrupt();
    }
}

impl Sqlite {
    /// Opens (creating it and its directory if needed) the file at `path`. Read-only: opened
    /// `query_only`; an absent file reads as an empty database.
    pub(super) async fn open(path: &Path, read_only: bool) -> Result<Sqlite, Fault> {
        let owned = path.to_owned();
        let connection = tokio::task::spawn_blocking(move || connect(&owned, read_only))
            .await
            .map_err(|e| Fault::Failed(format!("cannot open it: {e}")))??;
        Ok(Sqlite {
            interrupt: connection.get_interrupt_handle(),
            connection: Arc::new(Mutex::new(connection)),
            path: path.to_owned(),
            locks: BTreeMap::new(),
        })
    }

    /// Runs `work` on the connection on the blocking pool.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, Fault> + Send + 'static,
    ) -> Result<T, Fault> {
        let connection = self.connection.clone();
        tokio::task::spawn_blocking(move || {
            let mut connection = connection.lock().unwrap_or_else(PoisonError::into_inner);
            work(&mut connection)
        })
        .await
        .map_err(|e| Fault::Failed(format!("the SQLite call did not finish: {e}")))?
    }

    /// Runs one statement with `params`; the number of rows it changed.
    pub(super) async fn execute(
        &self,
        statement: String,
        params: Vec<Value>,
    ) -> Result<u64, Fault> {
        self.run(move |connection| {
            let mut prepared = connection
                .prepare(&statement)
                .map_err(|e| statement_fault(&statement, e))?;
            bind(&mut prepared, &params)?;
            let changed = prepared
                .raw_execute()
                .map_err(|e| statement_fault(&statement, e))?;
            Ok(u64::try_from(changed).unwrap_or(u64::MAX))
        })
        .await
    }

    /// Runs a script of statements without parameters.
    pub(super) async fn execute_script(&self, script: String) -> Result<(), Fault> {
        self.run(move |connection| {
            connection
                .execute_batch(&script)
                .map_err(|e| statement_fault(&script, e))
        })
        .await
    }

    /// Runs one query with `params`; its rows, within the host's caps.
    pub(super) async fn query(&self, statement: String, params: Vec<Value>) -> Result<Rows, Fault> {
        self.run(move |connection| {
            let mut prepared = connection
                .prepare(&statement)
                .map_err(|e| statement_fault(&statement, e))?;
            bind(&mut prepared, &params)?;
            let columns: Vec<String> = prepared
                .column_names()
                .into_iter()
                .map(str::to_owned)
                .collect();
            let width = columns.len();
            let mut rows = RowsBuilder::new(columns)?;
            let mut cursor = prepared.raw_query();
            while let Some(row) = cursor.next().map_err(|e| statement_fault(&statement, e))? {
                let mut values = Vec::with_capacity(width);
                for index in 0..width {
                    let value = row
                        .get_ref(index)
                        .map_err(|e| statement_fault(&statement, e))?;
                    values.push(from_sqlite(value));
                }
                rows.push(values)?;
            }
            Ok(rows.finish())
        })
        .await
    }

    /// Takes the advisory lock `key` (a `flock` on a file beside the database) within `wait`;
    /// false when another session held it all that time.
    pub(super) async fn lock(&mut self, key: i64, wait: Duration) -> Result<bool, Fault> {
        if self.locks.contains_key(&key) {
            return Ok(true);
        }
        let path = lock_file(&self.path, key);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Fault::Failed(format!("cannot open its lock file: {e}")))?;
        let give_up = Instant::now() + wait;
        loop {
            match file.try_lock() {
                Ok(()) => {
                    self.locks.insert(key, file);
                    return Ok(true);
                }
                Err(TryLockError::WouldBlock) if Instant::now() < give_up => {
                    tokio::time::sleep(POLL).await;
                }
                Err(TryLockError::WouldBlock) => return Ok(false),
                Err(TryLockError::Error(e)) => {
                    return Err(Fault::Failed(format!("cannot lock its lock file: {e}")));
                }
            }
        }
    }

    /// Releases the advisory lock `key`; false when this handle does not hold it.
    pub(super) fn unlock(&mut self, key: i64) -> bool {
        self.locks.remove(&key).is_some()
    }

    /// Copies the whole database into a new file at `to` (SQLite's online backup).
    pub(super) async fn backup(&self, to: PathBuf) -> Result<(), Fault> {
        self.run(move |connection| {
            let mut copy = Connection::open(&to).map_err(|e| copy_fault("back up", e))?;
            let backup =
                Backup::new(connection, &mut copy).map_err(|e| copy_fault("back up", e))?;
            copy_all(&backup).map_err(|e| copy_fault("back up", e))
        })
        .await
    }

    /// Replaces the whole database with the copy at `from` (SQLite's online backup, reversed).
    pub(super) async fn restore(&self, from: PathBuf) -> Result<(), Fault> {
        self.run(move |connection| {
            let copy = Connection::open_with_flags(&from, OpenFlags::SQLITE_OPEN_READ_ONLY)
                .map_err(|e| copy_fault("restore", e))?;
            let backup = Backup::new(&copy, connection).map_err(|e| copy_fault("restore", e))?;
            copy_all(&backup).map_err(|e| copy_fault("restore", e))
        })
        .await
    }
}

/// A connection with sluice's safety settings: no attached databases (which also refuses
/// `VACUUM` and `VACUUM INTO`), defensive mode, untrusted schema; extensions are never enabled.
fn connect(path: &Path, read_only: bool) -> Result<Connection, Fault> {
    let opened = if read_only && !path.exists() {
        Connection::open_in_memory()
    } else if read_only {
        Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
    } else {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Fault::Failed(format!("cannot create its directory: {e}")))?;
        }
        Connection::open(path)
    };
    let connection = opened.map_err(|e| Fault::Failed(format!("cannot open it: {e}")))?;
    let settings = || -> rusqlite::Result<()> {
        connection.set_limit(Limit::SQLITE_LIMIT_ATTACHED, 0)?;
        connection.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
        connection.set_db_config(DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false)?;
        connection.busy_timeout(BUSY_TIMEOUT)?;
        if read_only {
            connection.pragma_update(None, "query_only", true)?;
        }
        Ok(())
    };
    settings().map_err(|e| Fault::Failed(format!("cannot set it up: {e}")))?;
    Ok(connection)
}

/// The lock file for `key` beside the database at `path`.
fn lock_file(path: &Path, key: i64) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(format!(".sluice-lock-{key}"));
    path.with_file_name(name)
}

fn bind(statement: &mut rusqlite::Statement<'_>, params: &[Value]) -> Result<(), Fault> {
    let expected = statement.parameter_count();
    if expected != params.len() {
        return Err(Fault::Failed(format!(
            "the statement has {expected} parameter(s), {} value(s) were given",
            params.len()
        )));
    }
    for (index, value) in params.iter().enumerate() {
        statement
            .raw_bind_parameter(index + 1, to_sqlite(value))
            .map_err(|e| Fault::Failed(format!("cannot bind parameter {}: {e}", index + 1)))?;
    }
    Ok(())
}

fn to_sqlite(value: &Value) -> SqliteValue {
    match value {
        Value::Null => SqliteValue::Null,
        Value::Boolean(b) => SqliteValue::Integer(i64::from(*b)),
        Value::Integer(i) => SqliteValue::Integer(*i),
        Value::Real(f) => SqliteValue::Real(*f),
        Value::Text(text) => SqliteValue::Text(text.clone()),
        Value::Blob(bytes) => SqliteValue::Blob(bytes.clone()),
    }
}

fn from_sqlite(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Integer(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(bytes) => Value::Text(String::from_utf8_lossy(bytes).into_owned()),
        ValueRef::Blob(bytes) => Value::Blob(bytes.to_vec()),
    }
}

/// SQLite's error for `sql`, with the line and column of the offending token when it says.
fn statement_fault(sql: &str, error: rusqlite::Error) -> Fault {
    match error {
        rusqlite::Error::SqlInputError {
            msg,
            sql: rest,
            offset,
            ..
        } => {
            // `rest` is the part of `sql` SQLite was compiling: its tail.
            let start = sql.len().saturating_sub(rest.len());
            let at = start + usize::try_from(offset).unwrap_or(0);
            let (line, column) = line_and_column(sql, at);
            Fault::Failed(format!("{msg} (at line {line}, column {column})"))
        }
        other => Fault::Failed(other.to_string()),
    }
}

fn copy_fault(what: &str, error: rusqlite::Error) -> Fault {
    Fault::Failed(format!("cannot {what} the database: {error}"))
}

/// Runs an online backup to its end, waiting while other connections hold the file.
fn copy_all(backup: &Backup<'_, '_>) -> rusqlite::Result<()> {
    let give_up = Instant::now() + COPY_BUSY_LIMIT;
    loop {
        match backup.step(-1)? {
            StepResult::Done => return Ok(()),
            StepResult::More => {}
            StepResult::Busy | StepResult::Locked if Instant::now() < give_up => {
                std::thread::sleep(POLL);
            }
            StepResult::Busy | StepResult::Locked => {
                return Err(rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
                    Some("another connection kept the database busy".to_owned()),
                ));
            }
            _ => {}
        }
    }
}
