//! PostgreSQL through tokio-postgres. Parameters are bound in the extended protocol, typed by
//! what the server infers for each placeholder; a dropped handle cancels the statement it was
//! running.

mod dump;
mod values;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures::{StreamExt, pin_mut};
use tokio_postgres::error::ErrorPosition;
use tokio_postgres::{CancelToken, Client};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::fault::{Fault, line_and_column};
use super::rows::RowsBuilder;
use super::target::PostgresTarget;
use crate::wit::sql::{Rows, Value};
use values::{Cell, Param};

pub(super) use dump::{dump, restore};

/// How long connecting may take when the URL does not say (`connect_timeout`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How often a waiting lock asks again.
const LOCK_POLL: Duration = Duration::from_millis(100);

/// One PostgreSQL session.
pub(super) struct Postgres {
    client: Client,
    cancel: CancelToken,
    tls: MakeRustlsConnect,
    busy: Arc<AtomicBool>,
    locks: BTreeSet<i64>,
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if self.busy.load(Ordering::Relaxed)
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            let (cancel, tls) = (self.cancel.clone(), self.tls.clone());
            runtime.spawn(async move {
                let _ = cancel.cancel_query(tls).await;
            });
        }
    }
}

impl Postgres {
    /// Connects to `target`; read-only sessions default to read-only transactions.
    pub(super) async fn open(target: &PostgresTarget, read_only: bool) -> Result<Postgres, Fault> {
        let mut config = target.config.clone();
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("sluice");
        }
        let (client, connection) = config
            .connect(target.tls.clone())
            .await
            .map_err(|e| connect_fault(&e))?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!("postgres connection ended: {e}");
            }
        });
        let session = Postgres {
            cancel: client.cancel_token(),
            client,
            tls: target.tls.clone(),
            busy: Arc::new(AtomicBool::new(false)),
            locks: BTreeSet::new(),
        };
        if read_only {
            session
                .batch("SET default_transaction_read_only = on")
                .await?;
        }
        Ok(session)
    }

    /// Awaits `work` marked busy, so that dropping the handle mid-way cancels the statement.
    async fn busy<T>(&self, work: impl Future<Output = T>) -> T {
        self.busy.store(true, Ordering::Relaxed);
        let result = work.await;
        self.busy.store(false, Ordering::Relaxed);
        result
    }

    async fn batch(&self, script: &str) -> Result<(), Fault> {
        self.busy(self.client.batch_execute(script))
            .await
            .map_err(|e| statement_fault(script, &e))
    }

    /// Runs one statement with `params`; the number of rows it changed.
    pub(super) async fn execute(
        &self,
        statement: String,
        params: Vec<Value>,
    ) -> Result<u64, Fault> {
        self.busy(async {
            let prepared = self.client.prepare(&statement).await?;
            self.client
                .execute_raw(&prepared, params.iter().map(Param))
                .await
        })
        .await
        .map_err(|e| statement_fault(&statement, &e))
    }

    /// Runs a script of statements without parameters (the simple query protocol).
    pub(super) async fn execute_script(&self, script: String) -> Result<(), Fault> {
        self.batch(&script).await
    }

    /// Runs one query with `params`; its rows, within the host's caps.
    pub(super) async fn query(&self, statement: String, params: Vec<Value>) -> Result<Rows, Fault> {
        self.busy(async {
            let prepared = self
                .client
                .prepare(&statement)
                .await
                .map_err(|e| statement_fault(&statement, &e))?;
            let columns = prepared.columns();
            let mut rows = RowsBuilder::new(columns.iter().map(|c| c.name().to_owned()).collect())?;
            let stream = self
                .client
                .query_raw(&prepared, params.iter().map(Param))
                .await
                .map_err(|e| statement_fault(&statement, &e))?;
            pin_mut!(stream);
            while let Some(row) = stream.next().await {
                let row = row.map_err(|e| statement_fault(&statement, &e))?;
                let mut values = Vec::with_capacity(columns.len());
                for (index, column) in columns.iter().enumerate() {
                    let cell: Cell = row.try_get(index).map_err(|e| {
                        Fault::Failed(format!("cannot read column `{}`: {e}", column.name()))
                    })?;
                    values.push(cell.0);
                }
                rows.push(values)?;
            }
            Ok(rows.finish())
        })
        .await
    }

    /// Takes the session-level advisory lock `key` within `wait` (`pg_try_advisory_lock`,
    /// retried); false when another session held it all that time.
    pub(super) async fn lock(&mut self, key: i64, wait: Duration) -> Result<bool, Fault> {
        if self.locks.contains(&key) {
            return Ok(true);
        }
        let give_up = Instant::now() + wait;
        loop {
            let taken: bool = self
                .busy(
                    self.client
                        .query_one("SELECT pg_try_advisory_lock($1)", &[&key]),
                )
                .await
                .and_then(|row| row.try_get(0))
                .map_err(|e| statement_fault("SELECT pg_try_advisory_lock($1)", &e))?;
            if taken {
                self.locks.insert(key);
                return Ok(true);
            }
            if Instant::now() >= give_up {
                return Ok(false);
            }
            tokio::time::sleep(LOCK_POLL).await;
        }
    }

    /// Releases the advisory lock `key`; false when this session does not hold it.
    pub(super) async fn unlock(&mut self, key: i64) -> Result<bool, Fault> {
        if !self.locks.remove(&key) {
            return Ok(false);
        }
        self.busy(
            self.client
                .query_one("SELECT pg_advisory_unlock($1)", &[&key]),
        )
        .await
        .and_then(|row| row.try_get(0))
        .map_err(|e| statement_fault("SELECT pg_advisory_unlock($1)", &e))
    }
}

/// Why connecting failed: the server's refusal, or that it cannot be reached.
fn connect_fault(error: &tokio_postgres::Error) -> Fault {
    match error.as_db_error() {
        Some(db) => Fault::Failed(format!(
            "the server refused the connection: {} {}: {}",
            db.severity(),
            db.code().code(),
            db.message()
        )),
        None => Fault::Unavailable(format!(
            "cannot connect to PostgreSQL: {}",
            crate::caps::error_chain(error)
        )),
    }
}

/// The server's error for `sql` (with the line and column it points at), or a lost connection.
fn statement_fault(sql: &str, error: &tokio_postgres::Error) -> Fault {
    let Some(db) = error.as_db_error() else {
        let io = std::error::Error::source(error).is_some_and(|e| e.is::<std::io::Error>());
        return if error.is_closed() || io {
            Fault::Unavailable(format!(
                "the connection to PostgreSQL was lost: {}",
                crate::caps::error_chain(error)
            ))
        } else {
            Fault::Failed(error.to_string())
        };
    };
    let mut text = format!("{} {}: {}", db.severity(), db.code().code(), db.message());
    if let Some(ErrorPosition::Original(position)) = db.position() {
        let characters = usize::try_from(*position).unwrap_or(1).saturating_sub(1);
        let offset = sql
            .char_indices()
            .nth(characters)
            .map_or(sql.len(), |(at, _)| at);
        let (line, column) = line_and_column(sql, offset);
        text.push_str(&format!(" (at line {line}, column {column})"));
    }
    if let Some(detail) = db.detail() {
        text.push_str(&format!("; {detail}"));
    }
    if let Some(hint) = db.hint() {
        text.push_str(&format!("; hint: {hint}"));
    }
    Fault::Failed(text)
}
