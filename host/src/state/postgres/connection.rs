//! The one PostgreSQL connection of a sluice process, owned by its own thread: the `postgres`
//! client drives its own runtime and must not be driven from inside tokio's, so every call is
//! sent to that thread as a job and its answer waited for — the [`Store`](crate::state::Store)
//! stays synchronous, as with SQLite. The connection lives as long as the store: the session
//! advisory locks it holds are released by PostgreSQL when it ends, even when sluice is killed.

use std::path::Path;
use std::sync::mpsc;
use std::sync::{Mutex, PoisonError};

use postgres::Client;

use crate::state::StateError;
use crate::state::schema::{MIGRATIONS, VERSIONS_TABLE, latest_version};

/// The advisory lock key two processes migrating the schema at once serialize on.
const MIGRATION_LOCK: i64 = 0x736c_7569_6365_5f6d; // "sluice_m"

type Job = Box<dyn FnOnce(&mut Client) + Send>;

/// A connection on its own thread.
pub(super) struct Connection {
    jobs: Mutex<mpsc::Sender<Job>>,
    /// The URL without its password, for messages.
    pub(super) location: String,
}

impl Connection {
    /// Connects to `url` (TLS as its `sslmode` asks, a relative `sslrootcert` taken from
    /// `base`) and brings sluice's schema up to date.
    pub(super) fn open(url: &str, base: &Path) -> Result<Connection, StateError> {
        let location = without_password(url);
        let (jobs, queue) = mpsc::channel::<Job>();
        let (ready, opened) = mpsc::channel();
        let backend = |message: String| StateError::Backend {
            location: location.clone(),
            message,
        };
        let tls = crate::postgres_tls::prepare(url, base).map_err(|e| backend(e.to_string()))?;
        std::thread::Builder::new()
            .name("sluice-state".into())
            .spawn(move || {
                let connected = Client::connect(&tls.client_url, tls.connector)
                    .map_err(|e| format!("cannot connect: {}", chain(&e)))
                    .and_then(|mut client| migrate(&mut client).map(|()| client));
                let mut client = match connected {
                    Ok(client) => {
                        let _ = ready.send(Ok(()));
                        client
                    }
                    Err(message) => {
                        let _ = ready.send(Err(message));
                        return;
                    }
                };
                for job in queue {
                    job(&mut client);
                }
            })
            .map_err(|e| backend(format!("cannot start its thread: {e}")))?;
        opened
            .recv()
            .map_err(|_| backend("its thread ended".into()))?
            .map_err(backend)?;
        Ok(Connection {
            jobs: Mutex::new(jobs),
            location,
        })
    }

    /// Runs `work` on the connection and waits for its answer.
    pub(super) fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Client) -> Result<T, postgres::Error> + Send + 'static,
    ) -> Result<T, StateError> {
        let (answer, answered) = mpsc::sync_channel(1);
        let job: Job = Box::new(move |client| {
            let _ = answer.send(work(client).map_err(|e| chain(&e)));
        });
        let sent = self
            .jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .send(job);
        let backend = |message: String| StateError::Backend {
            location: self.location.clone(),
            message,
        };
        sent.map_err(|_| backend("the connection is closed".into()))?;
        answered
            .recv()
            .map_err(|_| backend("the connection is closed".into()))?
            .map_err(backend)
    }
}

/// Applies, in one transaction under an advisory lock, every migration the database has not
/// seen; refuses a database newer than this binary.
fn migrate(client: &mut Client) -> Result<(), String> {
    let mut tx = client.transaction().map_err(|e| chain(&e))?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .and_then(|_| tx.batch_execute(VERSIONS_TABLE))
        .map_err(|e| chain(&e))?;
    let found: i64 = tx
        .query_one("SELECT COALESCE(MAX(version), 0) FROM sluice_schema", &[])
        .map_err(|e| chain(&e))?
        .get(0);
    let supported = latest_version();
    if found > supported {
        return Err(format!(
            "schema version {found} is newer than this sluice supports ({supported}); upgrade sluice"
        ));
    }
    for (version, sql) in (1..)
        .zip(MIGRATIONS)
        .filter(|(version, _)| *version > found)
    {
        tx.batch_execute(sql)
            .and_then(|()| {
                tx.execute(
                    "INSERT INTO sluice_schema (version) VALUES ($1)",
                    &[&version],
                )
            })
            .map_err(|e| format!("migrating to schema version {version}: {}", chain(&e)))?;
    }
    tx.commit().map_err(|e| chain(&e))
}

/// An error with its causes (the server's message is one of them), joined with `: `.
pub(super) fn chain(error: &postgres::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// `url` with the password in its user info replaced by `***`.
fn without_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(parsed) => parsed.to_string(),
        Err(_) => "the PostgreSQL state database".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_location_never_shows_the_password() {
        assert_eq!(
            without_password("postgres://deploy:s3cret@db:5432/sluice"),
            "postgres://deploy:***@db:5432/sluice"
        );
        assert_eq!(
            without_password("postgres://db/sluice"),
            "postgres://db/sluice"
        );
    }
}
