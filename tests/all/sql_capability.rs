//! The `sql` capability called directly through the library, against a real SQLite file and a
//! real PostgreSQL database: grants, bound parameters, value types, transactions, caps, the
//! advisory lock, read-only handles, SQLite's file escapes, and backup/restore with a ledger.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::database::{Engine, TestDb};
use sluice::caps::sql::{
    DatabaseHandle, DatabaseTarget, MAX_OPEN_DATABASES, MAX_ROWS, Snapshot, SnapshotLedger,
    Snapshots, SqlCap, SqlGrant,
};
use sluice::wit::sql::{HostDatabase, Value};
use sluice::wit::types::Error;

/// Writes the test functions for each case on both engines.
macro_rules! on_both_engines {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread")] async fn $case() { super::$case(super::Engine::Sqlite).await } )*
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread")] async fn $case() { super::$case(super::Engine::Postgres).await } )*
        }
    };
}

on_both_engines!(
    parameters_are_bound_so_quotes_and_semicolons_stay_data,
    values_of_every_type_come_back_as_they_went_in,
    after_a_failed_statement_in_a_transaction_only_rollback_is_accepted,
    a_result_over_the_row_cap_is_an_error_not_a_truncation,
    the_advisory_lock_excludes_another_session_until_released,
    a_read_only_handle_cannot_write,
    a_backup_restores_the_exact_contents_and_only_over_its_own_database,
);

/// A test database and a directory for its snapshots.
struct Fixture {
    dir: tempfile::TempDir,
    db: TestDb,
}

impl Fixture {
    fn new(engine: Engine, what: &str) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let db = TestDb::create(engine, &format!("cap_{what}"), dir.path());
        Fixture { dir, db }
    }

    /// The databases `main` (this fixture's) and `other` (an SQLite file beside it).
    fn databases(&self) -> BTreeMap<String, Result<DatabaseTarget, String>> {
        let base = self.dir.path();
        BTreeMap::from([
            ("main".to_owned(), DatabaseTarget::parse(&self.db.url, base)),
            (
                "other".to_owned(),
                DatabaseTarget::parse("sqlite:other.db", base),
            ),
        ])
    }

    /// A capability for plugin `migrate` granted `main` and `other`.
    fn cap(&self, read_only: bool, ledger: Option<Arc<Ledger>>) -> SqlCap {
        SqlCap::new(
            "migrate",
            SqlGrant {
                databases: self.databases(),
                read_only,
                snapshots: ledger.map(|ledger| Snapshots {
                    dir: self.dir.path().join("snapshots"),
                    ledger: ledger as Arc<dyn SnapshotLedger>,
                }),
            },
        )
    }

    async fn open(&self, name: &str) -> DatabaseHandle {
        self.cap(false, None).open(name).await.unwrap()
    }
}

/// Snapshots kept in memory, with the order of what was recorded and restored.
#[derive(Default)]
struct Ledger {
    snapshots: Mutex<Vec<Snapshot>>,
    events: Mutex<Vec<String>>,
}

impl SnapshotLedger for Ledger {
    fn record(&self, snapshot: &Snapshot) -> Result<(), String> {
        self.events
            .lock()
            .unwrap()
            .push(format!("backup {}", snapshot.database));
        self.snapshots.lock().unwrap().push(snapshot.clone());
        Ok(())
    }

    fn find(&self, id: &str) -> Result<Option<Snapshot>, String> {
        Ok(self
            .snapshots
            .lock()
            .unwrap()
            .iter()
            .find(|s| s.id == id)
            .cloned())
    }

    fn restoring(&self, snapshot: &Snapshot) -> Result<(), String> {
        self.events
            .lock()
            .unwrap()
            .push(format!("restore {}", snapshot.id));
        Ok(())
    }
}

fn text(value: &str) -> Value {
    Value::Text(value.to_owned())
}

fn placeholder(engine: Engine, n: usize) -> String {
    match engine {
        Engine::Sqlite => format!("?{n}"),
        Engine::Postgres => format!("${n}"),
    }
}

#[tokio::test]
async fn a_database_not_granted_is_denied_naming_it_and_the_plugin() {
    let fixture = Fixture::new(Engine::Sqlite, "denied");
    let error = fixture
        .cap(false, None)
        .open("billing")
        .await
        .err()
        .unwrap();
    assert!(
        matches!(&error, Error::Denied(m) if m == "sql: database `billing` is not granted to plugin `migrate` (granted: main, other)"),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_database_whose_url_cannot_be_resolved_is_unavailable_saying_why() {
    let mut cap = SqlCap::new(
        "migrate",
        SqlGrant {
            databases: BTreeMap::from([(
                "main".to_owned(),
                Err(
                    "its url refers to secret `db`, which has no value in this environment"
                        .to_owned(),
                ),
            )]),
            ..SqlGrant::default()
        },
    );
    let error = cap.open("main").await.err().unwrap();
    assert!(
        matches!(&error, Error::Unavailable(m) if m.contains("secret `db`, which has no value")),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_plugin_holds_at_most_four_open_databases_per_call() {
    let fixture = Fixture::new(Engine::Sqlite, "handles");
    let mut cap = fixture.cap(false, None);
    let mut open = Vec::new();
    for _ in 0..MAX_OPEN_DATABASES {
        open.push(
            HostDatabase::open(&mut cap, "main".into())
                .await
                .unwrap()
                .unwrap(),
        );
    }
    let refused = HostDatabase::open(&mut cap, "main".into()).await.unwrap();
    assert!(
        matches!(&refused, Err(Error::Denied(m)) if m.contains("already holds 4 open databases")),
        "{:?}",
        refused.err()
    );
    HostDatabase::drop(&mut cap, open.pop().unwrap())
        .await
        .unwrap();
    assert!(
        HostDatabase::open(&mut cap, "main".into())
            .await
            .unwrap()
            .is_ok()
    );
}

#[tokio::test]
async fn sqlite_refuses_attach_and_vacuum_into_which_would_reach_other_files() {
    let fixture = Fixture::new(Engine::Sqlite, "escape");
    let mut db = fixture.open("main").await;
    let outside = fixture.dir.path().join("outside.db");
    for sql in [
        format!("ATTACH DATABASE '{}' AS stolen", outside.display()),
        format!("VACUUM INTO '{}'", outside.display()),
    ] {
        let error = db.execute_script(sql.clone()).await.unwrap_err();
        assert!(
            matches!(&error, Error::Failed(m) if m.contains("too many attached databases")),
            "{sql}: {error:?}"
        );
    }
    assert!(
        !outside.exists(),
        "no file was created outside the database"
    );
}

#[tokio::test]
async fn an_absent_sqlite_file_reads_as_empty_when_read_only_and_is_not_created() {
    let fixture = Fixture::new(Engine::Sqlite, "absent");
    let mut db = fixture.cap(true, None).open("main").await.unwrap();
    let rows = db
        .query("SELECT count(*) FROM sqlite_master".into(), Vec::new())
        .await
        .unwrap();
    assert!(matches!(rows.rows[0][0], Value::Integer(0)));
    assert!(!fixture.db.path.as_ref().unwrap().exists());
}

#[tokio::test]
async fn backups_are_refused_outside_a_deployment() {
    let fixture = Fixture::new(Engine::Sqlite, "nobackup");
    let error = fixture.open("main").await.backup().await.unwrap_err();
    assert!(
        matches!(&error, Error::Denied(m) if m.contains("only during a deployment")),
        "{error:?}"
    );
}

async fn parameters_are_bound_so_quotes_and_semicolons_stay_data(engine: Engine) {
    let fixture = Fixture::new(engine, "bound");
    let mut db = fixture.open("main").await;
    db.execute_script("CREATE TABLE notes (body TEXT)".into())
        .await
        .unwrap();
    let hostile = "x'); DROP TABLE notes; --";
    let insert = format!(
        "INSERT INTO notes (body) VALUES ({})",
        placeholder(engine, 1)
    );
    assert_eq!(db.execute(insert, vec![text(hostile)]).await.unwrap(), 1);
    let select = format!(
        "SELECT body FROM notes WHERE body = {}",
        placeholder(engine, 1)
    );
    let rows = db.query(select, vec![text(hostile)]).await.unwrap();
    assert_eq!(rows.columns, ["body"]);
    assert!(matches!(&rows.rows[..], [row] if matches!(&row[0], Value::Text(t) if t == hostile)));
    let wrong = db
        .execute(
            "INSERT INTO notes (body) VALUES ('a'); DELETE FROM notes".into(),
            Vec::new(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(wrong, Error::Failed(_)),
        "one statement at a time: {wrong:?}"
    );
    assert_eq!(
        fixture.db.value("SELECT COUNT(*) FROM notes").as_deref(),
        Some("1")
    );
}

async fn values_of_every_type_come_back_as_they_went_in(engine: Engine) {
    let fixture = Fixture::new(engine, "types");
    let mut db = fixture.open("main").await;
    let (int, real, blob, flag) = match engine {
        Engine::Sqlite => ("INTEGER", "REAL", "BLOB", "INTEGER"),
        Engine::Postgres => ("BIGINT", "DOUBLE PRECISION", "BYTEA", "BOOLEAN"),
    };
    db.execute_script(format!(
        "CREATE TABLE t (i {int}, small SMALLINT, r {real}, s TEXT, b {blob}, f {flag}, n TEXT)"
    ))
    .await
    .unwrap();
    let params: Vec<String> = (1..=7).map(|n| placeholder(engine, n)).collect();
    db.execute(
        format!("INSERT INTO t VALUES ({})", params.join(", ")),
        vec![
            Value::Integer(-9_007_199_254_740_993),
            Value::Integer(42),
            Value::Real(2.5),
            text("héllo ✓"),
            Value::Blob(vec![0, 159, 255]),
            Value::Boolean(true),
            Value::Null,
        ],
    )
    .await
    .unwrap();
    let rows = db
        .query("SELECT i, small, r, s, b, f, n FROM t".into(), Vec::new())
        .await
        .unwrap();
    let row = &rows.rows[0];
    assert!(
        matches!(row[0], Value::Integer(-9_007_199_254_740_993)),
        "{:?}",
        row[0]
    );
    assert!(matches!(row[1], Value::Integer(42)));
    assert!(matches!(row[2], Value::Real(r) if r == 2.5));
    assert!(matches!(&row[3], Value::Text(s) if s == "héllo ✓"));
    assert!(matches!(&row[4], Value::Blob(b) if b == &[0, 159, 255]));
    match engine {
        Engine::Sqlite => assert!(matches!(row[5], Value::Integer(1))),
        Engine::Postgres => assert!(matches!(row[5], Value::Boolean(true))),
    }
    assert!(matches!(row[6], Value::Null));
}

async fn after_a_failed_statement_in_a_transaction_only_rollback_is_accepted(engine: Engine) {
    let fixture = Fixture::new(engine, "tx");
    let mut db = fixture.open("main").await;
    db.execute_script("CREATE TABLE t (x INTEGER NOT NULL)".into())
        .await
        .unwrap();
    db.begin().await.unwrap();
    db.execute_script("INSERT INTO t VALUES (1)".into())
        .await
        .unwrap();
    assert!(
        db.execute_script("INSERT INTO t VALUES (NULL)".into())
            .await
            .is_err()
    );
    let refused = db
        .execute_script("INSERT INTO t VALUES (2)".into())
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, Error::Failed(m) if m.contains("roll it back")),
        "{refused:?}"
    );
    let commit = db.commit().await.unwrap_err();
    assert!(
        matches!(&commit, Error::Failed(m) if m.contains("rolled back, not committed")),
        "{commit:?}"
    );
    assert_eq!(
        fixture.db.value("SELECT COUNT(*) FROM t").as_deref(),
        Some("0")
    );
    db.begin().await.unwrap();
    db.execute_script("INSERT INTO t VALUES (3)".into())
        .await
        .unwrap();
    db.commit().await.unwrap();
    assert_eq!(fixture.db.value("SELECT x FROM t").as_deref(), Some("3"));
}

async fn a_result_over_the_row_cap_is_an_error_not_a_truncation(engine: Engine) {
    let fixture = Fixture::new(engine, "rows");
    let mut db = fixture.open("main").await;
    let count = |n: usize| {
        format!(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {n}) SELECT x FROM c"
        )
    };
    assert_eq!(
        db.query(count(MAX_ROWS), Vec::new())
            .await
            .unwrap()
            .rows
            .len(),
        MAX_ROWS
    );
    let error = db.query(count(MAX_ROWS + 1), Vec::new()).await.unwrap_err();
    assert!(
        matches!(&error, Error::Failed(m) if m.contains("more than 10000 rows")),
        "{error:?}"
    );
}

async fn the_advisory_lock_excludes_another_session_until_released(engine: Engine) {
    let fixture = Fixture::new(engine, "lock");
    let (mut first, mut second) = (fixture.open("main").await, fixture.open("main").await);
    first.lock(7, 0).await.unwrap();
    let started = std::time::Instant::now();
    let error = second.lock(7, 300).await.unwrap_err();
    assert!(started.elapsed() >= Duration::from_millis(250), "it waited");
    assert!(
        matches!(&error, Error::Unavailable(m) if m.contains("advisory lock 7 is held by another session")),
        "{error:?}"
    );
    second.lock(8, 0).await.unwrap();
    first.unlock(7).await.unwrap();
    second.lock(7, 1_000).await.unwrap();
    drop(second);
    first.lock(7, 1_000).await.unwrap();
    assert!(
        matches!(first.unlock(9).await, Err(Error::Failed(_))),
        "not held"
    );
}

async fn a_read_only_handle_cannot_write(engine: Engine) {
    let fixture = Fixture::new(engine, "readonly");
    fixture.db.execute("CREATE TABLE t (x INTEGER)");
    let mut db = fixture.cap(true, None).open("main").await.unwrap();
    let error = db
        .execute_script("INSERT INTO t VALUES (1)".into())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Failed(m) if m.contains("read-only") || m.contains("readonly")),
        "{error:?}"
    );
    assert_eq!(
        fixture.db.value("SELECT COUNT(*) FROM t").as_deref(),
        Some("0")
    );
}

async fn a_backup_restores_the_exact_contents_and_only_over_its_own_database(engine: Engine) {
    let fixture = Fixture::new(engine, "backup");
    let ledger = Arc::new(Ledger::default());
    let mut cap = fixture.cap(false, Some(ledger.clone()));
    fixture.db.execute(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users VALUES (1, 'ada');",
    );
    let before = fixture.db.dump();
    let mut db = cap.open("main").await.unwrap();
    let id = db.backup().await.unwrap();
    let kept = ledger.find(&id).unwrap().unwrap();
    assert!(kept.path.starts_with(fixture.dir.path().join("snapshots")) && kept.path.is_file());
    assert_mode(&kept.path, 0o600);

    fixture.db.execute(
        "ALTER TABLE users ADD COLUMN email TEXT; DELETE FROM users; CREATE TABLE extra (x INTEGER);",
    );
    assert_ne!(fixture.db.dump(), before);
    db.restore(&id).await.unwrap();
    assert_eq!(fixture.db.dump(), before);
    assert_eq!(
        *ledger.events.lock().unwrap(),
        ["backup main".to_owned(), format!("restore {id}")]
    );

    let mut other = cap.open("other").await.unwrap();
    let error = other.restore(&id).await.unwrap_err();
    assert!(
        matches!(&error, Error::Denied(m) if m.contains(&format!("snapshot `{id}` was taken of database `main`"))),
        "{error:?}"
    );
    let error = db.restore("no-such-snapshot").await.unwrap_err();
    assert!(
        matches!(&error, Error::Failed(m) if m.contains("no snapshot `no-such-snapshot`")),
        "{error:?}"
    );
}

fn assert_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let actual = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(actual, mode, "{}", path.display());
}
