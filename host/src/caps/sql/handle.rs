//! One open database, as the plugin holds it: the engine's connection, the transaction it is
//! in, and the rules both engines share (errors name the database and never its password; a
//! failed statement in a transaction leaves only `rollback` possible; no backup or restore
//! inside a transaction).

use std::time::Duration;

use super::fault::Fault;
use super::postgres::{self, Postgres};
use super::snapshot::{Snapshot, Snapshots, set_mode};
use super::sqlite::Sqlite;
use super::target::DatabaseTarget;
use super::{MAX_LOCK_WAIT_MS, MAX_STATEMENT_BYTES};
use crate::wit::sql::{Engine, Rows, Value};
use crate::wit::types::Error;

/// The engine's side of a handle.
enum Connection {
    Sqlite(Sqlite),
    Postgres(Box<Postgres>),
}

/// Where the handle is with transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transaction {
    /// None open.
    None,
    /// Open, every statement so far succeeded.
    Open,
    /// Open, and a statement in it failed: only `rollback` is accepted.
    Failed,
}

/// An open database (the host side of the WIT `database` resource).
pub struct DatabaseHandle {
    name: String,
    target: DatabaseTarget,
    connection: Connection,
    transaction: Transaction,
    snapshots: Option<Snapshots>,
}

impl DatabaseHandle {
    /// The database's name in the plan.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Connects to the database `name` at `target`.
    pub(super) async fn open(
        name: &str,
        target: DatabaseTarget,
        read_only: bool,
        snapshots: Option<Snapshots>,
    ) -> Result<DatabaseHandle, Error> {
        let connection = match &target {
            DatabaseTarget::Sqlite(path) => {
                Sqlite::open(path, read_only).await.map(Connection::Sqlite)
            }
            DatabaseTarget::Postgres(pg) => Postgres::open(pg, read_only)
                .await
                .map(|session| Connection::Postgres(Box::new(session))),
        };
        Ok(DatabaseHandle {
            name: name.to_owned(),
            target,
            connection: match connection {
                Ok(connection) => connection,
                Err(fault) => return Err(error_for(name, None, fault)),
            },
            transaction: Transaction::None,
            snapshots,
        })
    }

    /// The engine behind the handle.
    pub fn engine(&self) -> Engine {
        match self.connection {
            Connection::Sqlite(_) => Engine::Sqlite,
            Connection::Postgres(_) => Engine::Postgres,
        }
    }

    /// The WIT error for `fault`, naming the database, without its password.
    fn error(&self, fault: Fault) -> Error {
        let password = match &self.target {
            DatabaseTarget::Postgres(pg) => pg.password.as_deref(),
            DatabaseTarget::Sqlite(_) => None,
        };
        error_for(&self.name, password, fault)
    }

    fn refuse(&self, why: &str) -> Error {
        Error::Failed(format!("sql `{}`: {why}", self.name))
    }

    /// Checks a statement may run now (size, transaction state).
    fn admit(&self, statement: &str) -> Result<(), Error> {
        if statement.len() > MAX_STATEMENT_BYTES {
            return Err(Error::Denied(format!(
                "sql `{}`: a statement of {} bytes is over the host's cap of {MAX_STATEMENT_BYTES}",
                self.name,
                statement.len()
            )));
        }
        if self.transaction == Transaction::Failed {
            return Err(self.refuse(
                "a statement in the open transaction failed: roll it back before running another",
            ));
        }
        Ok(())
    }

    /// Notes the outcome of a statement for the transaction, and names the database in a failure.
    fn settle<T>(&mut self, result: Result<T, Fault>) -> Result<T, Error> {
        result.map_err(|fault| {
            if self.transaction == Transaction::Open {
                self.transaction = Transaction::Failed;
            }
            self.error(fault)
        })
    }

    /// Runs one statement with bound `params`; the rows it changed.
    pub async fn execute(&mut self, statement: String, params: Vec<Value>) -> Result<u64, Error> {
        self.admit(&statement)?;
        let result = match &self.connection {
            Connection::Sqlite(db) => db.execute(statement, params).await,
            Connection::Postgres(db) => db.execute(statement, params).await,
        };
        self.settle(result)
    }

    /// Runs a script of statements without parameters.
    pub async fn execute_script(&mut self, script: String) -> Result<(), Error> {
        self.admit(&script)?;
        let result = self.script(script).await;
        self.settle(result)
    }

    async fn script(&self, script: String) -> Result<(), Fault> {
        match &self.connection {
            Connection::Sqlite(db) => db.execute_script(script).await,
            Connection::Postgres(db) => db.execute_script(script).await,
        }
    }

    /// Runs one query with bound `params`; its rows (within the host's caps).
    pub async fn query(&mut self, statement: String, params: Vec<Value>) -> Result<Rows, Error> {
        self.admit(&statement)?;
        let result = match &self.connection {
            Connection::Sqlite(db) => db.query(statement, params).await,
            Connection::Postgres(db) => db.query(statement, params).await,
        };
        self.settle(result)
    }

    /// Begins a transaction (SQLite: `BEGIN IMMEDIATE`, taking the write lock at once).
    pub async fn begin(&mut self) -> Result<(), Error> {
        if self.transaction != Transaction::None {
            return Err(self.refuse("a transaction is already open"));
        }
        let begin = match self.connection {
            Connection::Sqlite(_) => "BEGIN IMMEDIATE",
            Connection::Postgres(_) => "BEGIN",
        };
        let result = self.script(begin.to_owned()).await;
        result.map_err(|fault| self.error(fault))?;
        self.transaction = Transaction::Open;
        Ok(())
    }

    /// Commits the open transaction; one in which a statement failed is rolled back instead,
    /// and that is an error.
    pub async fn commit(&mut self) -> Result<(), Error> {
        match self.transaction {
            Transaction::None => Err(self.refuse("no transaction is open to commit")),
            Transaction::Failed => {
                self.rollback().await?;
                Err(self.refuse(
                    "a statement in the transaction failed, so it was rolled back, not committed",
                ))
            }
            Transaction::Open => {
                let result = self.script("COMMIT".to_owned()).await;
                if let Err(fault) = result {
                    // A commit that failed (a deferred constraint, a lost connection) did not
                    // happen: make sure nothing stays open.
                    let _ = self.script("ROLLBACK".to_owned()).await;
                    self.transaction = Transaction::None;
                    return Err(self.error(fault));
                }
                self.transaction = Transaction::None;
                Ok(())
            }
        }
    }

    /// Rolls back the open transaction.
    pub async fn rollback(&mut self) -> Result<(), Error> {
        if self.transaction == Transaction::None {
            return Err(self.refuse("no transaction is open to roll back"));
        }
        let result = self.script("ROLLBACK".to_owned()).await;
        self.transaction = Transaction::None;
        result.map_err(|fault| self.error(fault))
    }

    /// Takes the advisory lock `key`, waiting up to `timeout_ms` (capped at
    /// [`MAX_LOCK_WAIT_MS`]); `unavailable` when another session held it all that time.
    pub async fn lock(&mut self, key: i64, timeout_ms: u32) -> Result<(), Error> {
        let wait = Duration::from_millis(timeout_ms.min(MAX_LOCK_WAIT_MS).into());
        let taken = match &mut self.connection {
            Connection::Sqlite(db) => db.lock(key, wait).await,
            Connection::Postgres(db) => db.lock(key, wait).await,
        };
        match taken.map_err(|fault| self.error(fault))? {
            true => Ok(()),
            false => Err(Error::Unavailable(format!(
                "sql `{}`: advisory lock {key} is held by another session; gave up after {}",
                self.name,
                humantime::format_duration(wait)
            ))),
        }
    }

    /// Releases the advisory lock `key`.
    pub async fn unlock(&mut self, key: i64) -> Result<(), Error> {
        let released = match &mut self.connection {
            Connection::Sqlite(db) => Ok(db.unlock(key)),
            Connection::Postgres(db) => db.unlock(key).await,
        };
        match released.map_err(|fault| self.error(fault))? {
            true => Ok(()),
            false => Err(self.refuse(&format!("advisory lock {key} is not held by this handle"))),
        }
    }

    /// The snapshot store, when backups are allowed and no transaction is open.
    fn snapshots(&self, what: &str) -> Result<Snapshots, Error> {
        if self.transaction != Transaction::None {
            return Err(self.refuse(&format!("cannot {what} inside a transaction")));
        }
        self.snapshots.clone().ok_or_else(|| {
            Error::Denied(format!(
                "sql `{}`: backups are taken and restored only during a deployment, not in plan \
                 or validate",
                self.name
            ))
        })
    }

    /// Takes a full backup into sluice's snapshot directory and records it; its id.
    pub async fn backup(&mut self) -> Result<String, Error> {
        let snapshots = self.snapshots("back up")?;
        let dir = snapshots
            .prepare_dir()
            .map_err(|e| self.refuse(&format!("cannot create the snapshot directory: {e}")))?;
        let id = uuid::Uuid::now_v7().to_string();
        let engine = match self.engine() {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        };
        let path = dir.join(format!("{id}.{engine}"));
        let partial = path.with_extension(format!("{engine}.partial"));
        let taken = match (&self.connection, &self.target) {
            (Connection::Sqlite(db), _) => db.backup(partial.clone()).await,
            (Connection::Postgres(_), DatabaseTarget::Postgres(pg)) => {
                postgres::dump(pg, &partial).await
            }
            (Connection::Postgres(_), DatabaseTarget::Sqlite(_)) => Err(Fault::Failed(
                "the handle does not match its database".to_owned(),
            )),
        };
        if let Err(fault) = taken {
            let _ = std::fs::remove_file(&partial);
            return Err(self.error(fault));
        }
        let bytes = set_mode(&partial, 0o600)
            .and_then(|()| std::fs::rename(&partial, &path))
            .and_then(|()| std::fs::metadata(&path))
            .map_err(|e| self.refuse(&format!("cannot keep the backup: {e}")))?
            .len();
        let snapshot = Snapshot {
            id: id.clone(),
            database: self.name.clone(),
            engine: engine.to_owned(),
            path,
            bytes,
        };
        snapshots.ledger.record(&snapshot).map_err(|e| {
            self.refuse(&format!("the backup was taken but cannot be recorded: {e}"))
        })?;
        Ok(id)
    }

    /// Replaces the database's contents with the snapshot `id` taken of it by `backup`.
    pub async fn restore(&mut self, id: &str) -> Result<(), Error> {
        let snapshots = self.snapshots("restore")?;
        let snapshot = snapshots
            .ledger
            .find(id)
            .map_err(|e| self.refuse(&format!("cannot look up snapshot `{id}`: {e}")))?
            .ok_or_else(|| {
                self.refuse(&format!("there is no snapshot `{id}` in this environment"))
            })?;
        if snapshot.database != self.name {
            return Err(Error::Denied(format!(
                "sql `{}`: snapshot `{id}` was taken of database `{}`, not of this one",
                self.name, snapshot.database
            )));
        }
        if !snapshot.path.is_file() {
            return Err(self.refuse(&format!(
                "the file of snapshot `{id}` is gone ({})",
                snapshot.path.display()
            )));
        }
        snapshots
            .ledger
            .restoring(&snapshot)
            .map_err(|e| self.refuse(&format!("cannot record the restore: {e}")))?;
        let restored = match (&self.connection, &self.target) {
            (Connection::Sqlite(db), _) => db.restore(snapshot.path.clone()).await,
            (Connection::Postgres(_), DatabaseTarget::Postgres(pg)) => {
                postgres::restore(pg, &snapshot.path).await
            }
            (Connection::Postgres(_), DatabaseTarget::Sqlite(_)) => Err(Fault::Failed(
                "the handle does not match its database".to_owned(),
            )),
        };
        restored.map_err(|fault| self.error(fault))
    }
}

/// The WIT error for `fault` of database `name`, with `password` (if any) blanked out.
fn error_for(name: &str, password: Option<&str>, fault: Fault) -> Error {
    let hide = |text: String| match password.filter(|p| !p.is_empty()) {
        Some(password) => text.replace(password, crate::redact::REDACTED),
        None => text,
    };
    match fault {
        Fault::Failed(why) => Error::Failed(hide(format!("sql `{name}`: {why}"))),
        Fault::Unavailable(why) => Error::Unavailable(hide(format!("sql `{name}`: {why}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_never_appears_in_an_error() {
        let error = error_for(
            "main",
            Some("pa55word"),
            Fault::Unavailable("connect to u:pa55word@h failed".into()),
        );
        assert!(
            matches!(&error, Error::Unavailable(m) if m == "sql `main`: connect to u:[REDACTED]@h failed"),
            "{error:?}"
        );
    }
}
