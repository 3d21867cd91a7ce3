//! `make bench` for the `db-migrate` strategy, on SQLite and on the PostgreSQL test cluster:
//! 1,000 small versioned migrations applied to an empty database by `sluice apply`, beside the
//! floor (the same SQL in one `sqlite3` session or one `psql --single-transaction -f`, both in
//! one transaction), and a no-op apply with the 1,000 migrations on disk. Prints figures;
//! asserts nothing.

#[path = "../../tests/support/mod.rs"]
mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::database::{Engine, TestDb};
use support::migrations::MigrationProject;

const MIGRATIONS: usize = 1_000;
/// How many no-op applies the median is taken over.
const NO_OP_RUNS: usize = 5;

fn migration(n: usize) -> (String, String) {
    (
        format!("V{n}__create_t{n}.sql"),
        format!(
            "CREATE TABLE t{n} (id INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL);\nINSERT INTO t{n} (id, name) VALUES (1, 'row {n}');\n"
        ),
    )
}

fn seconds(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

/// The same SQL as the migrations, run by the engine's own client in one transaction.
fn floor(engine: Engine) -> Duration {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb::create(engine, "bench_floor", dir.path());
    let script: String = (1..=MIGRATIONS).map(|n| migration(n).1).collect();
    let file = dir.path().join("all.sql");
    let mut command = match engine {
        Engine::Sqlite => {
            std::fs::write(&file, format!(".bail on\nBEGIN;\n{script}COMMIT;\n")).unwrap();
            let mut command = Command::new("sqlite3");
            command
                .arg(db.path.as_ref().unwrap())
                .stdin(std::fs::File::open(&file).unwrap());
            command
        }
        Engine::Postgres => {
            std::fs::write(&file, script).unwrap();
            let mut command = Command::new("psql");
            command
                .args([
                    "--no-psqlrc",
                    "--quiet",
                    "--single-transaction",
                    "--set=ON_ERROR_STOP=1",
                ])
                .arg(format!("--dbname={}", db.url))
                .arg("--file")
                .arg(&file);
            command
        }
    };
    let started = Instant::now();
    let status = command.stdout(Stdio::null()).status().unwrap();
    let took = started.elapsed();
    assert!(status.success(), "the floor's client failed");
    took
}

/// A project with the 1,000 migrations on disk, `transaction` as given.
fn project(engine: Engine, what: &str, transaction: &str) -> MigrationProject {
    let project = MigrationProject::new(engine, what);
    project.plan(&format!(r#", transaction = "{transaction}""#));
    for n in 1..=MIGRATIONS {
        let (name, sql) = migration(n);
        project.migration(&name, &sql);
    }
    project
}

fn timed_apply(project: &MigrationProject, version: &str) -> Duration {
    let started = Instant::now();
    let run = project.apply(version, &["--allow-irreversible"]);
    let took = started.elapsed();
    assert_eq!(run.code, 0, "{}", run.all());
    took
}

fn bench(engine: Engine) {
    let name = match engine {
        Engine::Sqlite => "SQLite (sqlite3, one transaction)",
        Engine::Postgres => "PostgreSQL (psql --single-transaction -f)",
    };
    let floor = floor(engine);
    println!("{name}: {MIGRATIONS} migrations");
    println!("  floor                         {}", seconds(floor));
    for transaction in ["all", "per-migration"] {
        let project = project(
            engine,
            &format!("bench_{}", transaction.replace('-', "_")),
            transaction,
        );
        let took = timed_apply(&project, "v1");
        println!(
            "  sluice, transaction = {transaction:13} {}  ({:.2}x the floor)",
            seconds(took),
            took.as_secs_f64() / floor.as_secs_f64()
        );
        if transaction == "per-migration" {
            let mut runs: Vec<Duration> = (0..NO_OP_RUNS)
                .map(|run| timed_apply(&project, &format!("noop-{run}")))
                .collect();
            runs.sort();
            println!(
                "  no-op apply with {MIGRATIONS} migrations on disk: median {:.0} ms (of {NO_OP_RUNS}; min {:.0} ms)",
                runs[NO_OP_RUNS / 2].as_secs_f64() * 1000.0,
                runs[0].as_secs_f64() * 1000.0
            );
        }
    }
}

fn main() {
    // Compile the plugin into the component cache first, so no figure includes it.
    let warm = MigrationProject::new(Engine::Sqlite, "bench_warm");
    warm.plan("");
    assert_eq!(warm.sluice(&["validate"]).code, 0);
    bench(Engine::Sqlite);
    bench(Engine::Postgres);
}
