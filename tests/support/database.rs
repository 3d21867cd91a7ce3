//! Test databases: a fresh SQLite file, or a fresh PostgreSQL database on the test cluster that
//! `make test` starts (`SLUICE_TEST_PG_URL`, default [`DEFAULT_PG_URL`]), dropped afterwards;
//! and reading them back for assertions, through the real clients (rusqlite, the `postgres`
//! crate, `sqlite3` and `pg_dump`).

use std::path::{Path, PathBuf};
use std::process::Command;

/// The test cluster `scripts/ensure-deps.sh` creates: superuser `sluice` on 127.0.0.1:55432.
pub const DEFAULT_PG_URL: &str = "postgres://sluice:sluice-test-password@127.0.0.1:55432/postgres";

/// The URL of a database on the test cluster that tests may create databases from.
pub fn pg_admin_url() -> String {
    std::env::var("SLUICE_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_owned())
}

/// The test cluster's address (`HOST:PORT` of [`pg_admin_url`]; loopback and numeric).
pub fn pg_server() -> std::net::SocketAddr {
    let url = pg_admin_url();
    let (_, rest) = url.split_once('@').expect("the test url has user info");
    let address = rest.split(['/', '?']).next().unwrap_or_default();
    address
        .parse()
        .unwrap_or_else(|e| panic!("the test cluster's address `{address}` is not IP:PORT: {e}"))
}

/// `url` with its database (the path) replaced by `database`.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
    match query {
        Some(query) => format!("{server}/{database}?{query}"),
        None => format!("{server}/{database}"),
    }
}

/// `url` pointing at `127.0.0.1:port` instead of its own host and port.
pub fn via_port(url: &str, port: u16) -> String {
    let (scheme_user, rest) = url.split_once('@').expect("the url has user info");
    let path = rest.find('/').map_or("", |at| &rest[at..]);
    format!("{scheme_user}@127.0.0.1:{port}{path}")
}

/// Which engine a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// An SQLite file.
    Sqlite,
    /// A database on the PostgreSQL test cluster.
    Postgres,
}

/// A database made for one test, dropped when it goes out of scope.
pub struct TestDb {
    /// Its engine.
    pub engine: Engine,
    /// `sqlite:PATH` or a `postgres://` URL (with the test cluster's password).
    pub url: String,
    /// The SQLite file, for SQLite.
    pub path: Option<PathBuf>,
    /// The PostgreSQL database name, for PostgreSQL.
    pub name: String,
}

impl TestDb {
    /// A new, empty database for the test `what`; SQLite files go in `dir`.
    pub fn create(engine: Engine, what: &str, dir: &Path) -> TestDb {
        let name = format!("sluice_t_{what}_{}", std::process::id());
        match engine {
            Engine::Sqlite => {
                let path = dir.join(format!("{name}.db"));
                TestDb {
                    engine,
                    url: format!("sqlite:{}", path.display()),
                    path: Some(path),
                    name,
                }
            }
            Engine::Postgres => {
                // Two commands: neither may run inside a (multi-statement) transaction.
                on_own_thread(|| {
                    let mut admin = pg_client(&pg_admin_url());
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?;
                    admin.batch_execute(&format!("CREATE DATABASE {name}"))
                })
                .unwrap_or_else(|e| {
                    panic!("cannot create database {name} on the test cluster (`make test` starts it): {e:?}")
                });
                TestDb {
                    engine,
                    url: with_database(&pg_admin_url(), &name),
                    path: None,
                    name,
                }
            }
        }
    }

    /// Runs `sql` (one or more statements) against the database.
    pub fn execute(&self, sql: &str) {
        match self.engine {
            Engine::Sqlite => self.sqlite().execute_batch(sql).unwrap(),
            Engine::Postgres => on_own_thread(|| pg_client(&self.url).batch_execute(sql)).unwrap(),
        }
    }

    /// The rows `sql` returns, every value as text (`NULL` as none).
    pub fn query(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        match self.engine {
            Engine::Sqlite => {
                let connection = self.sqlite();
                let mut statement = connection.prepare(sql).unwrap();
                let width = statement.column_count();
                statement
                    .query_map([], |row| {
                        (0..width)
                            .map(|i| {
                                Ok(match row.get_ref(i)? {
                                    rusqlite::types::ValueRef::Null => None,
                                    rusqlite::types::ValueRef::Integer(n) => Some(n.to_string()),
                                    rusqlite::types::ValueRef::Real(f) => Some(f.to_string()),
                                    rusqlite::types::ValueRef::Text(t)
                                    | rusqlite::types::ValueRef::Blob(t) => {
                                        Some(String::from_utf8_lossy(t).into_owned())
                                    }
                                })
                            })
                            .collect()
                    })
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap()
            }
            Engine::Postgres => on_own_thread(|| pg_client(&self.url).simple_query(sql))
                .unwrap()
                .into_iter()
                .filter_map(|message| match message {
                    postgres::SimpleQueryMessage::Row(row) => Some(
                        (0..row.len())
                            .map(|i| row.get(i).map(str::to_owned))
                            .collect(),
                    ),
                    _ => None,
                })
                .collect(),
        }
    }

    /// The single text value `sql` returns.
    pub fn value(&self, sql: &str) -> Option<String> {
        self.query(sql)
            .into_iter()
            .next()
            .and_then(|row| row.into_iter().next())
            .flatten()
    }

    /// The user tables, sorted.
    pub fn tables(&self) -> Vec<String> {
        let sql = match self.engine {
            Engine::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
            Engine::Postgres => {
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            }
        };
        self.query(sql)
            .into_iter()
            .filter_map(|row| row.into_iter().next().flatten())
            .collect()
    }

    /// The history table `sluice_schema_history`: (version, script, success, installed_by) by rank.
    pub fn history(&self) -> Vec<(Option<String>, String, bool, String)> {
        self.query(
            "SELECT version, script, success, installed_by FROM sluice_schema_history ORDER BY installed_rank",
        )
        .into_iter()
        .map(|row| {
            let success = matches!(row[2].as_deref(), Some("1" | "t" | "true"));
            (
                row[0].clone(),
                row[1].clone().unwrap_or_default(),
                success,
                row[3].clone().unwrap_or_default(),
            )
        })
        .collect()
    }

    /// The scripts recorded in the history table, in order.
    pub fn applied(&self) -> Vec<String> {
        self.history()
            .into_iter()
            .map(|(_, script, _, _)| script)
            .collect()
    }

    /// A full text dump (schema and data) for comparing states: `sqlite3 .dump`, or `pg_dump`
    /// without its per-run `\restrict` keys.
    pub fn dump(&self) -> String {
        let output = match self.engine {
            Engine::Sqlite => Command::new("sqlite3")
                .arg(self.path.as_ref().unwrap())
                .arg(".dump")
                .output(),
            Engine::Postgres => Command::new("pg_dump")
                .arg("--no-password")
                .arg(format!("--dbname={}", self.url))
                .output(),
        }
        .expect("run the dump tool (sqlite3 or pg_dump; `make test` installs them)");
        assert!(
            output.status.success(),
            "dump failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter(|line| !line.starts_with("\\restrict") && !line.starts_with("\\unrestrict"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn sqlite(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.path.as_ref().unwrap()).unwrap()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if self.engine == Engine::Postgres {
            let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
            let _ = on_own_thread(|| pg_client(&pg_admin_url()).batch_execute(&sql));
        }
    }
}

/// Runs `work` on a thread of its own: the `postgres` crate runs its own async runtime, which
/// cannot start inside an async test's.
fn on_own_thread<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| scope.spawn(work).join().unwrap())
}

/// A connection to `url` with the `postgres` crate (not from inside an async runtime).
pub fn pg_client(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls)
        .unwrap_or_else(|e| panic!("cannot connect to the PostgreSQL test cluster: {e}"))
}
