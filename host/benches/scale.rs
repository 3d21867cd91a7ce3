//! `make bench` for scale on shared PostgreSQL state, with a no-op strategy (the `conforming`
//! test plugin: one small file per release) and no gates, so what is measured is sluice itself:
//!
//! - one environment of 10, 100 and 1,000 units, first deployment and the next: wall time, the
//!   orchestration time per unit, and the state database's transactions and rows per unit (how
//!   each grows from 10 to 1,000 units: linear growth keeps the per-unit figures flat);
//! - 10 environments of 100 units deploying at once from 10 processes, against one environment
//!   alone: wall time and how long each process waited for its environment's lock;
//! - `sluice plan` of 200 units after 10,000 commits (change detection) on PostgreSQL state.
//!
//! Prints figures; asserts nothing.

#[path = "../../tests/support/mod.rs"]
mod support;

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use support::database::{Engine, TestDb};
use support::figures::median;
use support::project::Project;
use support::{history, sha256_file, sluice, test_plugin};

/// The environment variable the plans read their state URL from.
const STATE_URL: &str = "SLUICE_BENCH_STATE_URL";

/// A plan of `units` no-op units `u0`.. (each publishing under `www/ENVIRONMENT/uN`, its files
/// under `uN/**`) in `environments` environments `e0`.., its state in PostgreSQL.
fn plan(units: usize, environments: usize) -> String {
    let wasm = test_plugin("conforming");
    let mut plan = format!(
        "[project]\nname = \"scale\"\n[state]\nurl = \"${{secret.state}}\"\n\
         [secrets.state]\nenv = \"{STATE_URL}\"\n"
    );
    for e in 0..environments {
        plan += &format!("[environments.e{e}]\n");
    }
    plan += &format!(
        "[plugins.noop]\nsource = {:?}\nsha256 = \"{}\"\n[plugins.noop.grants]\n\
         files = [{{ path = \"www\", at = \"/www\", mode = \"read-write\" }}]\n",
        wasm.display().to_string(),
        sha256_file(&wasm)
    );
    for n in 0..units {
        plan += &format!(
            "[units.u{n}]\nplugin = \"noop\"\npaths = [\"u{n}/**\"]\n\
             config = {{ target = \"/www/${{environment}}/u{n}\" }}\n"
        );
    }
    plan
}

/// `sluice ARGS` in `project` with its state in `db`, started.
fn start(project: &Project, db: &TestDb, args: &[&str]) -> Child {
    sluice(project.path())
        .env(STATE_URL, &db.url)
        .env("SLUICE_LOG", "sluice=info")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sluice starts")
}

/// What one finished run took: its wall time and how long it waited for the lock.
struct Took {
    wall: Duration,
    lock_wait: Duration,
}

/// Waits for `child`, started at `started`; it must exit 0.
fn finished(child: Child, started: Instant) -> Took {
    let output = child.wait_with_output().expect("sluice runs");
    let wall = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "sluice failed: {stderr}");
    // The line `took the lock on `e0` after N ms` (SLUICE_LOG=sluice=info).
    let lock_wait = stderr
        .lines()
        .find_map(|line| {
            let rest = line.split("took the lock on ").nth(1)?;
            let ms = rest.split(" after ").nth(1)?.strip_suffix(" ms")?;
            ms.trim().parse().ok()
        })
        .map_or(Duration::ZERO, Duration::from_millis);
    Took { wall, lock_wait }
}

fn apply(project: &Project, db: &TestDb, environment: &str, version: &str) -> Took {
    let args = ["apply", "--env", environment, "--version", version, "--all"];
    finished(start(project, db, &args), Instant::now())
}

/// The database's committed transactions so far, and its rows in sluice's tables.
fn counters(db: &TestDb) -> (i64, i64) {
    // PostgreSQL publishes a session's statistics when it ends, shortly after.
    std::thread::sleep(Duration::from_millis(1500));
    let number = |sql: &str| -> i64 {
        db.query(sql)[0][0]
            .as_deref()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    let commits = number(&format!(
        "SELECT xact_commit FROM pg_stat_database WHERE datname = '{}'",
        db.name
    ));
    let tables: Vec<String> = db
        .query(
            "SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema() ORDER BY relname",
        )
        .into_iter()
        .filter_map(|row| row[0].clone())
        .collect();
    let rows = tables
        .iter()
        .map(|table| number(&format!("SELECT count(*) FROM {table}")))
        .sum();
    (commits, rows)
}

fn units_in_one_environment() {
    println!("one environment on PostgreSQL state, no-op units, no gates");
    println!(
        "  {:>6}  {:<12}{:>12}{:>14}{:>16}{:>14}",
        "units", "deployment", "wall", "per unit", "transactions/u", "rows/u"
    );
    for units in [10, 100, 1000] {
        let project = Project::new();
        let db = TestDb::create(Engine::Postgres, &format!("scale_{units}"), project.path());
        project.write_plan(&plan(units, 1));
        for (which, version) in [("first", "v1"), ("next", "v2")] {
            let (commits_before, rows_before) = counters(&db);
            let took = apply(&project, &db, "e0", version);
            let (commits_after, rows_after) = counters(&db);
            let per = |n: i64| n as f64 / units as f64;
            println!(
                "  {units:>6}  {which:<12}{:>10.0}ms{:>12.2}ms{:>16.1}{:>14.1}",
                took.wall.as_secs_f64() * 1000.0,
                took.wall.as_secs_f64() * 1000.0 / units as f64,
                // Less the statistics query's own transactions.
                per(commits_after - commits_before - 3),
                per(rows_after - rows_before),
            );
        }
    }
}

fn concurrent_environments() {
    let (environments, units) = (10, 100);
    let project = Project::new();
    let db = TestDb::create(Engine::Postgres, "scale_envs", project.path());
    project.write_plan(&plan(units, environments));
    let alone = apply(&project, &db, "e0", "v1");
    let started = Instant::now();
    let children: Vec<Child> = (0..environments)
        .map(|e| {
            let environment = format!("e{e}");
            start(
                &project,
                &db,
                &["apply", "--env", &environment, "--version", "v2", "--all"],
            )
        })
        .collect();
    let runs: Vec<Took> = children
        .into_iter()
        .map(|child| finished(child, started))
        .collect();
    let wall = started.elapsed();
    let walls: Vec<Duration> = runs.iter().map(|r| r.wall).collect();
    let waits: Vec<Duration> = runs.iter().map(|r| r.lock_wait).collect();
    println!(
        "{environments} environments of {units} units from {environments} processes at once, one PostgreSQL state"
    );
    println!(
        "  one environment alone           {:>8.0} ms",
        alone.wall.as_secs_f64() * 1000.0
    );
    println!(
        "  all {environments} at once               {:>8.0} ms (each: median {:.0} ms, slowest {:.0} ms)",
        wall.as_secs_f64() * 1000.0,
        median(walls.clone()).as_secs_f64() * 1000.0,
        walls.iter().max().map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    );
    println!(
        "  lock wait per process           median {} ms, longest {} ms (one lock per environment)",
        median(waits.clone()).as_millis(),
        waits.iter().max().map_or(0, Duration::as_millis)
    );
}

fn change_detection() {
    let (units, commits, touched) = (200, 10_000, 5);
    let project = Project::new();
    let db = TestDb::create(Engine::Postgres, "scale_history", project.path());
    project.write_plan(&plan(units, 1));
    history::start(project.path(), units);
    apply(&project, &db, "e0", "v1");
    history::append(project.path(), commits, touched);
    let samples = (0..5)
        .map(|_| {
            let started = Instant::now();
            finished(
                start(&project, &db, &["plan", "--env", "e0", "--version", "v2"]),
                started,
            )
            .wall
        })
        .collect();
    println!(
        "sluice plan of {units} units after {commits} commits ({touched} changed), PostgreSQL state: median {:.0} ms",
        median(samples).as_secs_f64() * 1000.0
    );
}

fn main() {
    units_in_one_environment();
    concurrent_environments();
    change_detection();
}
