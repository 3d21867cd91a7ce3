//! The `db-migrate` strategy through `sluice`, on a real SQLite file and on a real PostgreSQL
//! database (the test cluster `make test` starts): applying, re-applying, validation, failed
//! migrations in both transaction modes, rollback by down scripts and by backup, baselines,
//! the migration lock between two runs, grants, irreversible plans, and PostgreSQL going away.
//! Every case runs on both engines (`sqlite::...`, `postgres::...`) unless it is about
//! PostgreSQL itself.

use std::io::{BufRead, BufReader};
use std::process::Child;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::support::database::{Engine, pg_client, pg_server, via_port};
use crate::support::migrations::MigrationProject;
use crate::support::project::ENV;
use crate::support::tcp_proxy::TcpProxy;
use crate::support::{EXIT_FAILED, EXIT_INVALID, EXIT_ROLLED_BACK, EXIT_SUCCESS, Run};

on_both_engines!(
    three_migrations_apply_once_and_a_fourth_later_runs_alone,
    a_failing_third_migration_leaves_nothing_of_itself_and_the_first_two_applied,
    a_failing_third_migration_in_one_transaction_leaves_nothing_at_all,
    an_edited_applied_migration_fails_validation_before_anything_runs,
    rollback_runs_the_down_scripts_newest_first_and_keeps_the_users_rows,
    a_failing_gate_after_the_migrations_runs_their_down_scripts,
    a_migration_without_a_down_script_is_undone_by_restoring_the_backup_exactly,
    two_applies_at_once_the_second_waits_for_the_lock_then_finds_nothing_to_do,
    a_database_the_plugin_was_not_granted_is_denied,
    an_irreversible_deployment_does_not_start_without_allow_irreversible,
    an_existing_database_is_baselined_and_only_newer_migrations_run,
);

const CREATE_USERS: &str = "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n";
const SEED_USERS: &str = "INSERT INTO users (id, name) VALUES (1, 'ada');\n";
const CREATE_ORDERS: &str =
    "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL);\n";
/// A table each down script writes its name into, to show the order they ran in.
const CREATE_UNDO_LOG: &str =
    "CREATE TABLE undo_log (seq INTEGER NOT NULL, script TEXT NOT NULL);\n";
/// A live gate that never passes (nothing listens on port 1), with a short deadline.
const FAILING_GATE: &str = r#"gates = [{ tcp = "127.0.0.1:1", phase = "live", interval = "50ms", failure_threshold = 2, deadline = "2s" }]"#;

fn undo_logging(script: &str, sql: &str) -> String {
    format!(
        "{sql}INSERT INTO undo_log (seq, script) SELECT COUNT(*) + 1, '{script}' FROM undo_log;\n"
    )
}

#[track_caller]
fn succeeded(run: &Run) {
    assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
}

fn three_migrations_apply_once_and_a_fourth_later_runs_alone(engine: Engine) {
    let project = MigrationProject::new(engine, "apply");
    project.plan("");
    project.migration("V1__create_users.sql", CREATE_USERS);
    project.migration("V2__seed_users.sql", SEED_USERS);
    project.migration("V3__create_orders.sql", CREATE_ORDERS);

    let first = project.apply("v1", &["--allow-irreversible"]);
    succeeded(&first);
    assert!(
        first.all().contains("applied 3 migration(s)"),
        "{}",
        first.all()
    );
    let history = project.db.history();
    assert_eq!(
        project.db.applied(),
        [
            "V1__create_users.sql",
            "V2__seed_users.sql",
            "V3__create_orders.sql"
        ]
    );
    assert!(history.iter().all(|(_, _, success, _)| *success));
    let installer = history[0].3.clone();
    assert!(installer.starts_with("sluice "), "{installer}");
    assert!(history.iter().all(|row| row.3 == installer));

    let again = project.apply("v2", &[]);
    succeeded(&again);
    assert!(
        again.all().contains("nothing to migrate"),
        "{}",
        again.all()
    );
    assert_eq!(project.db.history(), history, "a re-apply writes no row");
    assert_eq!(
        project.db.value("SELECT COUNT(*) FROM users").as_deref(),
        Some("1")
    );

    project.migration(
        "V4__index_orders.sql",
        "CREATE INDEX orders_by_user ON orders (user_id);\n",
    );
    let plan = project.sluice(&["plan", "--env", ENV, "--version", "v3"]);
    succeeded(&plan);
    assert!(
        plan.stdout
            .contains("create V4__index_orders.sql version 4: index orders"),
        "{}",
        plan.stdout
    );
    assert!(
        !plan.stdout.contains("V3__"),
        "only the pending script is planned: {}",
        plan.stdout
    );
    succeeded(&project.apply("v3", &["--allow-irreversible"]));
    let after = project.db.history();
    assert_eq!(
        after[..3],
        history[..],
        "the first three rows are untouched"
    );
    assert_eq!(after[3].0.as_deref(), Some("4"));
    assert_eq!(after[3].1, "V4__index_orders.sql");
    assert_ne!(
        after[3].3, installer,
        "the fourth row is the later deployment's"
    );
    let columns = project.db.query(
        "SELECT installed_rank, version, description, type, script, checksum, installed_by, installed_on, execution_time, success \
         FROM sluice_schema_history WHERE installed_rank = 1",
    );
    let row = &columns[0];
    assert_eq!(row[1].as_deref(), Some("1"));
    assert_eq!(row[2].as_deref(), Some("create users"));
    assert_eq!(row[3].as_deref(), Some("SQL"));
    assert!(
        row[5].as_deref().is_some_and(|c| c.parse::<i32>().is_ok()),
        "{row:?}"
    );
    assert!(row[7].is_some() && row[8].is_some(), "{row:?}");
}

fn a_failing_third_migration_leaves_nothing_of_itself_and_the_first_two_applied(engine: Engine) {
    let project = MigrationProject::new(engine, "fail_each");
    project.plan("");
    project.migration("V1__create_users.sql", CREATE_USERS);
    project.migration("V2__seed_users.sql", SEED_USERS);
    project.migration(
        "V3__broken.sql",
        "CREATE TABLE orders (id INTEGER PRIMARY KEY);\nCREAT TABLE broken (x INTEGER);\n",
    );

    let run = project.apply("v1", &["--allow-irreversible"]);
    assert_eq!(
        run.code,
        EXIT_FAILED,
        "no down scripts: the first two stay, by a person's call: {}",
        run.all()
    );
    let text = run.all();
    assert!(
        text.contains("V3__broken.sql failed and was rolled back"),
        "{text}"
    );
    assert!(
        text.contains("syntax error"),
        "the database's own error: {text}"
    );
    assert!(text.contains("line 2"), "where in the file: {text}");
    assert!(
        text.contains("cannot roll back V2__seed_users.sql, V1__create_users.sql"),
        "{text}"
    );
    assert_eq!(
        project.db.applied(),
        ["V1__create_users.sql", "V2__seed_users.sql"]
    );
    assert!(
        !project.db.tables().contains(&"orders".to_owned()),
        "nothing of V3 remains"
    );

    project.migration("V3__broken.sql", CREATE_ORDERS);
    succeeded(&project.apply("v2", &["--allow-irreversible"]));
    assert_eq!(
        project.db.applied().len(),
        3,
        "the fixed third migration runs alone"
    );
}

fn a_failing_third_migration_in_one_transaction_leaves_nothing_at_all(engine: Engine) {
    let project = MigrationProject::new(engine, "fail_all");
    project.plan(r#", transaction = "all""#);
    project.migration("V1__create_users.sql", CREATE_USERS);
    project.migration("V2__seed_users.sql", SEED_USERS);
    project.migration(
        "V3__broken.sql",
        "CREATE TABLE orders (id INTEGER);\nSELECT no_such_function();\n",
    );

    let run = project.apply("v1", &["--allow-irreversible"]);
    assert_eq!(run.code, EXIT_ROLLED_BACK, "{}", run.all());
    let text = run.all();
    assert!(
        text.contains("V3__broken.sql failed, and the whole run of 3 migrations"),
        "{text}"
    );
    assert!(
        text.contains("no_such_function"),
        "the database's own error: {text}"
    );
    assert!(project.db.applied().is_empty());
    assert_eq!(
        project.db.tables(),
        ["sluice_schema_history"],
        "no table of any migration remains"
    );
}

fn an_edited_applied_migration_fails_validation_before_anything_runs(engine: Engine) {
    let project = MigrationProject::new(engine, "edited");
    project.plan("");
    project.migration("V1__create_users.sql", CREATE_USERS);
    project.migration("V2__seed_users.sql", SEED_USERS);
    succeeded(&project.apply("v1", &["--allow-irreversible"]));
    let applied = project
        .db
        .value("SELECT checksum FROM sluice_schema_history WHERE version = '2'")
        .unwrap();

    project.migration(
        "V2__seed_users.sql",
        "INSERT INTO users (id, name) VALUES (1, 'grace');\n",
    );
    project.migration("V3__create_orders.sql", CREATE_ORDERS);
    let before = project.db.dump();
    let run = project.apply("v2", &["--allow-irreversible"]);
    assert_eq!(run.code, EXIT_FAILED, "{}", run.all());
    let text = run.all();
    let now = text
        .split("V2__seed_users.sql was changed after it was applied: its checksum is ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_else(|| panic!("names the file and its checksum: {text}"));
    assert_ne!(now, applied);
    assert!(
        text.contains(&format!("it was {applied} when applied")),
        "{text}"
    );
    assert!(text.contains("nothing was changed"), "{text}");
    assert_eq!(project.db.dump(), before, "V3 did not run, nothing changed");
}

/// V1 (users, undo log) is live as `v1` with a user's row; `v2` adds V2 (email) and V3
/// (orders), each with a down script that notes itself in the undo log.
fn with_two_reversible_migrations(project: &MigrationProject, unit: &str) {
    project.plan_with("", unit, r#""main""#);
    project.migration(
        "V1__create_users.sql",
        &format!("{CREATE_USERS}{CREATE_UNDO_LOG}"),
    );
    succeeded(&project.apply("v1", &["--allow-irreversible"]));
    project
        .db
        .execute("INSERT INTO users (id, name) VALUES (1, 'ada')");
    project.migration(
        "V2__add_email.sql",
        "ALTER TABLE users ADD COLUMN email TEXT;\n",
    );
    project.migration(
        "U2__add_email.sql",
        &undo_logging("U2", "ALTER TABLE users DROP COLUMN email;\n"),
    );
    project.migration("V3__create_orders.sql", CREATE_ORDERS);
    project.migration(
        "U3__create_orders.sql",
        &undo_logging("U3", "DROP TABLE orders;\n"),
    );
}

fn assert_back_at_v1(project: &MigrationProject) {
    let log = project.db.query("SELECT script FROM undo_log ORDER BY seq");
    assert_eq!(
        log,
        [[Some("U3".to_owned())], [Some("U2".to_owned())]],
        "newest first"
    );
    assert_eq!(project.db.applied(), ["V1__create_users.sql"]);
    assert!(!project.db.tables().contains(&"orders".to_owned()));
}

fn rollback_runs_the_down_scripts_newest_first_and_keeps_the_users_rows(engine: Engine) {
    let project = MigrationProject::new(engine, "undo");
    with_two_reversible_migrations(&project, "");
    succeeded(&project.apply("v2", &[]));
    project.db.execute(
        "INSERT INTO users (id, name, email) VALUES (2, 'grace', 'g@example.com');\
         INSERT INTO orders (id, user_id) VALUES (1, 2);",
    );

    let run = project.sluice(&["rollback", "--env", ENV, "--unit", "schema"]);
    succeeded(&run);
    assert!(
        run.all()
            .contains("undid V3__create_orders.sql with U3__create_orders.sql"),
        "{}",
        run.all()
    );
    assert_back_at_v1(&project);
    assert_eq!(
        project.db.query("SELECT id, name FROM users ORDER BY id"),
        [
            [Some("1".to_owned()), Some("ada".to_owned())],
            [Some("2".to_owned()), Some("grace".to_owned())]
        ],
        "rows users inserted between migrations stay; the dropped column goes"
    );
}

fn a_failing_gate_after_the_migrations_runs_their_down_scripts(engine: Engine) {
    let project = MigrationProject::new(engine, "gate");
    with_two_reversible_migrations(&project, "");
    project.plan_with("", FAILING_GATE, r#""main""#);
    let run = project.apply("v2", &[]);
    assert_eq!(run.code, EXIT_ROLLED_BACK, "{}", run.all());
    assert!(run.all().contains("rolled back to v1"), "{}", run.all());
    assert_back_at_v1(&project);
    assert_eq!(
        project.db.value("SELECT name FROM users").as_deref(),
        Some("ada")
    );
}

fn a_migration_without_a_down_script_is_undone_by_restoring_the_backup_exactly(engine: Engine) {
    let project = MigrationProject::new(engine, "restore");
    project.plan(", restore_on_rollback = true");
    project.migration("V1__create_users.sql", CREATE_USERS);
    succeeded(&project.apply("v1", &[]));
    project
        .db
        .execute("INSERT INTO users (id, name) VALUES (1, 'ada'), (2, 'grace')");
    let before = project.db.dump();

    project.plan_with(", restore_on_rollback = true", FAILING_GATE, r#""main""#);
    project.migration(
        "V2__reshape.sql",
        "ALTER TABLE users ADD COLUMN score INTEGER;\nUPDATE users SET score = id * 10;\nDELETE FROM users WHERE id = 2;\nCREATE TABLE extra (x INTEGER);\n",
    );
    let plan = project.sluice(&["plan", "--env", ENV, "--version", "v2"]);
    assert!(
        !plan.stdout.contains("irreversible"),
        "a backup may be restored: {}",
        plan.stdout
    );
    let run = project.apply("v2", &[]);
    assert_eq!(run.code, EXIT_ROLLED_BACK, "{}", run.all());
    assert!(
        run.all()
            .contains("restoring the backup taken before the deployment"),
        "{}",
        run.all()
    );
    assert_eq!(
        project.db.dump(),
        before,
        "the exact data and schema are back"
    );

    let state = rusqlite::Connection::open(project.path().join(".sluice/state.db")).unwrap();
    let (database, path): (String, String) = state
        .query_row("SELECT database_name, path FROM snapshots", [], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .unwrap();
    assert_eq!(database, "main");
    assert!(
        std::path::Path::new(&path).is_file(),
        "the snapshot is kept: {path}"
    );
    let journal: Vec<String> = state
        .prepare("SELECT step FROM journal ORDER BY deployment_id, seq")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        journal.iter().any(|s| s == "backup") && journal.iter().any(|s| s == "restore"),
        "{journal:?}"
    );
}

/// Holds the migration lock of `project`'s database the way another run would, until the
/// returned guard is dropped.
fn hold_migration_lock(project: &MigrationProject) -> Box<dyn std::any::Any> {
    let key = 0x534C_5549_0000_0000_i64 | i64::from(crc32fast::hash(b"sluice_schema_history"));
    match project.db.engine {
        Engine::Sqlite => {
            let db = project.db.path.as_ref().unwrap();
            let mut name = db.file_name().unwrap().to_owned();
            name.push(format!(".sluice-lock-{key}"));
            let file = std::fs::File::create(db.with_file_name(name)).unwrap();
            file.lock().unwrap();
            Box::new(file)
        }
        Engine::Postgres => {
            let mut client = pg_client(&project.db.url);
            client
                .execute("SELECT pg_advisory_lock($1)", &[&key])
                .unwrap();
            Box::new(client)
        }
    }
}

/// Waits until `child` prints a line containing `text` on stderr; the lines it printed.
fn wait_for_line(child: &mut Child, text: &str) -> mpsc::Receiver<String> {
    let (send, receive) = mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = send.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        match receive.recv_timeout(Duration::from_millis(100)) {
            Ok(line) => {
                let found = line.contains(text);
                seen.push(line);
                if found {
                    return receive;
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
    }
    panic!("`{text}` never appeared; the run printed: {seen:#?}");
}

fn finish(mut child: Child, printed: mpsc::Receiver<String>) -> (i32, String) {
    let status = child.wait().unwrap();
    let text: Vec<String> = printed.iter().collect();
    (status.code().unwrap_or(-1), text.join("\n"))
}

fn two_applies_at_once_the_second_waits_for_the_lock_then_finds_nothing_to_do(engine: Engine) {
    let first = MigrationProject::new(engine, "race");
    let second = first.beside();
    for project in [&first, &second] {
        project.plan("");
        project.migration("V1__create_users.sql", CREATE_USERS);
        project.migration("V2__seed_users.sql", SEED_USERS);
        project.migration("V3__create_orders.sql", CREATE_ORDERS);
    }
    let held = hold_migration_lock(&first);
    let (mut a, mut b) = (first.spawn_apply("v1"), second.spawn_apply("v1"));
    let waiting = "waiting up to 30s for the migration lock";
    let (a_lines, b_lines) = (
        wait_for_line(&mut a, waiting),
        wait_for_line(&mut b, waiting),
    );
    drop(held);
    let (a, b) = (finish(a, a_lines), finish(b, b_lines));
    assert_eq!(
        (a.0, b.0),
        (EXIT_SUCCESS, EXIT_SUCCESS),
        "{}\n---\n{}",
        a.1,
        b.1
    );
    let mut summaries = [
        a.1.contains("applied 3 migration(s)"),
        b.1.contains("applied 3 migration(s)"),
    ];
    summaries.sort();
    assert_eq!(
        summaries,
        [false, true],
        "exactly one run migrates: {}\n---\n{}",
        a.1,
        b.1
    );
    assert!(
        a.1.contains("nothing to migrate") || b.1.contains("nothing to migrate"),
        "the other finds nothing to do"
    );
    let history = first.db.history();
    assert_eq!(history.len(), 3, "each migration ran once: {history:?}");
    assert!(
        history.iter().all(|row| row.3 == history[0].3),
        "{history:?}"
    );
}

fn a_database_the_plugin_was_not_granted_is_denied(engine: Engine) {
    let project = MigrationProject::new(engine, "denied");
    project.plan_with("", "", r#""other""#);
    project.migration("V1__create_users.sql", CREATE_USERS);
    let run = project.apply("v1", &["--allow-irreversible"]);
    assert_eq!(run.code, EXIT_FAILED, "{}", run.all());
    assert!(
        run.all().contains(
            "denied: sql: database `main` is not granted to plugin `migrate` (granted: other)"
        ),
        "{}",
        run.all()
    );
    match engine {
        Engine::Sqlite => assert!(!project.db.path.as_ref().unwrap().exists(), "never opened"),
        Engine::Postgres => assert!(project.db.tables().is_empty()),
    }
}

fn an_irreversible_deployment_does_not_start_without_allow_irreversible(engine: Engine) {
    let project = MigrationProject::new(engine, "irreversible");
    project.plan("");
    project.migration("V1__create_users.sql", CREATE_USERS);
    project.migration("U1__create_users.sql", "DROP TABLE users;\n");
    project.migration(
        "V2__drop_legacy.sql",
        "CREATE TABLE legacy (x INTEGER);\nDROP TABLE legacy;\n",
    );
    let reason =
        "V2__drop_legacy.sql has no down script (U2__*.sql) and restore_on_rollback is off";

    let plan = project.sluice(&["plan", "--env", ENV, "--version", "v1"]);
    succeeded(&plan);
    assert!(
        plan.stdout.contains(&format!("irreversible: {reason}")),
        "{}",
        plan.stdout
    );

    let refused = project.apply("v1", &[]);
    assert_eq!(refused.code, EXIT_INVALID, "{}", refused.all());
    assert!(
        refused
            .stderr
            .contains("would be irreversible, so it was not started"),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains(reason), "{}", refused.stderr);
    assert!(
        refused.stderr.contains("--allow-irreversible"),
        "how to proceed: {}",
        refused.stderr
    );
    assert!(project.db.tables().is_empty(), "nothing ran");
    let history = project.sluice(&["history", "--output", "json"]);
    assert_eq!(history.stdout.trim(), "", "no deployment was recorded");

    let allowed = project.apply("v1", &["--allow-irreversible"]);
    succeeded(&allowed);
    assert!(
        allowed.all().contains(&format!("irreversible: {reason}")),
        "{}",
        allowed.all()
    );
    assert_eq!(project.db.applied().len(), 2);
    let audit = project.sluice(&["audit", "export"]);
    assert!(
        audit.stdout.contains("irreversible-allowed"),
        "{}",
        audit.stdout
    );
}

#[test]
fn an_approved_plan_allows_an_irreversible_deployment_its_approver_saw() {
    let project = MigrationProject::new(Engine::Sqlite, "approved");
    project.plan("");
    let plan_file = project.path().join("sluice.toml");
    let text = std::fs::read_to_string(&plan_file).unwrap();
    std::fs::write(
        &plan_file,
        text.replace(
            &format!("[environments.{ENV}]\n"),
            &format!("[environments.{ENV}]\napproval = true\n"),
        ),
    )
    .unwrap();
    project.migration("V1__create_users.sql", CREATE_USERS);

    let planned = project.sluice(&[
        "plan",
        "--env",
        ENV,
        "--version",
        "v1",
        "--out",
        "plan.json",
        "--output",
        "json",
    ]);
    succeeded(&planned);
    let lines: Vec<serde_json::Value> = planned
        .stdout
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect();
    let unit = lines.iter().find(|v| v["event"] == "plan").unwrap();
    assert!(
        unit["irreversible"][0]
            .as_str()
            .unwrap()
            .starts_with("V1__create_users.sql has no down script"),
        "the approver sees it: {unit}"
    );
    let hash = lines.iter().find(|v| v["event"] == "plan-saved").unwrap()["hash"]
        .as_str()
        .unwrap()
        .to_owned();
    succeeded(&project.sluice(&["approve", &hash, "--actor", "alice"]));

    let run = project.sluice(&["apply", "plan.json"]);
    succeeded(&run);
    assert_eq!(project.db.applied(), ["V1__create_users.sql"]);
    let audit = project.sluice(&["audit", "export"]);
    let allowed = audit
        .stdout
        .lines()
        .find(|line| line.contains("irreversible-allowed"))
        .unwrap_or_else(|| panic!("{}", audit.stdout));
    assert!(
        allowed.contains(&hash),
        "the approval allowed it: {allowed}"
    );
}

fn an_existing_database_is_baselined_and_only_newer_migrations_run(engine: Engine) {
    let project = MigrationProject::new(engine, "baseline");
    project.db.execute(&format!("{CREATE_USERS}{SEED_USERS}"));
    project.plan(r#", baseline_version = "2", restore_on_rollback = true"#);
    project.migration("V1__create_users.sql", CREATE_USERS);
    project.migration("V2__seed_users.sql", SEED_USERS);
    project.migration("V3__create_orders.sql", CREATE_ORDERS);

    let plan = project.sluice(&["plan", "--env", ENV, "--version", "v1"]);
    assert!(plan.stdout.contains("create baseline 2"), "{}", plan.stdout);
    succeeded(&project.apply("v1", &[]));
    let history = project.db.history();
    assert_eq!(
        history
            .iter()
            .map(|row| (row.0.clone(), row.1.clone()))
            .collect::<Vec<_>>(),
        [
            (Some("2".to_owned()), "<< Flyway Baseline >>".to_owned()),
            (Some("3".to_owned()), "V3__create_orders.sql".to_owned())
        ]
    );
    assert_eq!(
        project.db.value("SELECT COUNT(*) FROM users").as_deref(),
        Some("1")
    );
}

#[test]
fn postgres_going_away_mid_run_is_a_clear_error_and_the_history_stays_consistent() {
    let mut project = MigrationProject::new(Engine::Postgres, "away");
    let proxy = TcpProxy::start(pg_server());
    project.url = via_port(&project.db.url, proxy.port);
    project.plan("");
    project.migration("V1__create_users.sql", CREATE_USERS);
    project.migration(
        "V2__slow.sql",
        "SELECT pg_sleep(2);\nCREATE TABLE two (x INTEGER);\n",
    );
    project.migration("V3__create_orders.sql", CREATE_ORDERS);

    let mut run = project.spawn_apply("v1");
    let lines = wait_for_line(&mut run, "apply test");
    let mut admin = pg_client(&project.db.url);
    let started = Instant::now();
    while admin
        .query_one(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = $1 AND query LIKE '%pg_sleep%' AND pid <> pg_backend_pid()",
            &[&project.db.name],
        )
        .unwrap()
        .get::<_, i64>(0)
        == 0
    {
        assert!(started.elapsed() < Duration::from_secs(60), "V2 never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    proxy.cut();
    let (code, text) = finish(run, lines);
    assert_eq!(code, EXIT_FAILED, "{text}");
    assert!(text.contains("V2__slow.sql failed"), "{text}");
    assert!(
        text.contains("the connection to PostgreSQL was lost"),
        "{text}"
    );

    // The server notices the lost session once pg_sleep returns, and rolls V2 back.
    let started = Instant::now();
    while admin
        .query_one(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            &[&project.db.name],
        )
        .unwrap()
        .get::<_, i64>(0)
        > 0
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the lost session never ended"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(project.db.applied(), ["V1__create_users.sql"]);
    assert!(
        !project.db.tables().contains(&"two".to_owned()),
        "nothing of V2 remains"
    );

    proxy.mend();
    succeeded(&project.apply("v1", &["--allow-irreversible"]));
    assert_eq!(
        project.db.applied(),
        [
            "V1__create_users.sql",
            "V2__slow.sql",
            "V3__create_orders.sql"
        ]
    );
}

#[test]
fn a_wrong_database_password_is_reported_without_the_password() {
    let mut project = MigrationProject::new(Engine::Postgres, "password");
    project.url = project
        .db
        .url
        .replace("sluice-test-password", "wrong-pw-3f9a27");
    project.plan("");
    project.migration("V1__create_users.sql", CREATE_USERS);
    let run = project.apply("v1", &["--allow-irreversible"]);
    assert_eq!(run.code, EXIT_FAILED, "{}", run.all());
    assert!(
        run.all().contains("password authentication failed"),
        "{}",
        run.all()
    );
    assert!(!run.all().contains("wrong-pw-3f9a27"), "{}", run.all());
    let state = std::fs::read(project.path().join(".sluice/state.db")).unwrap();
    assert!(
        !String::from_utf8_lossy(&state).contains("wrong-pw-3f9a27"),
        "the state never holds the password"
    );
}
