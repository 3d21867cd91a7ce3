//! The PostgreSQL state backend on the test cluster `make test` starts: history, current state,
//! the audit log and environment locks shared through one database, the lock's holder named to
//! whoever waits, and released by PostgreSQL when the holder is killed.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::database::{Engine, TestDb};
use crate::support::project::{ENV, Project, static_site_plan};
use crate::support::{EXIT_LOCKED, EXIT_SUCCESS, Run, sluice};

/// The environment variable the plans read the state URL from (through a secret).
const STATE_URL: &str = "SLUICE_TEST_STATE_URL";

/// A static-site project whose state is the PostgreSQL database `db`, with `extra_gate`.
fn project(extra_gate: &str) -> Project {
    let project = Project::new();
    let plan = static_site_plan(extra_gate).replacen(
        "[environments.test]",
        &format!(
            "[state]\nurl = \"${{secret.state_url}}\"\n[secrets.state_url]\nenv = \"{STATE_URL}\"\n\n[environments.test]"
        ),
        1,
    );
    project.write_plan(&plan);
    project
}

fn command(project: &Project, db: &TestDb, args: &[&str]) -> Command {
    let mut command = sluice(project.path());
    command.env(STATE_URL, &db.url).args(args);
    command
}

fn run(project: &Project, db: &TestDb, args: &[&str]) -> Run {
    command(project, db, args).output().unwrap().into()
}

fn apply(project: &Project, db: &TestDb, version: &str) -> Run {
    project.write_site(version);
    run(project, db, &["apply", "--env", ENV, "--version", version])
}

#[test]
fn history_current_state_and_the_audit_log_live_in_postgresql() {
    let project = project("");
    let db = TestDb::create(Engine::Postgres, "state_history", project.path());
    for version in ["v1", "v2"] {
        let deployed = apply(&project, &db, version);
        assert_eq!(deployed.code, EXIT_SUCCESS, "{}", deployed.all());
    }
    assert_eq!(project.live(), (200, "<h1>v2</h1>\n".into()));

    let back = run(&project, &db, &["rollback", "--env", ENV, "--unit", "web"]);
    assert_eq!(back.code, EXIT_SUCCESS, "{}", back.all());
    assert_eq!(project.live(), (200, "<h1>v1</h1>\n".into()));

    let live = db.query("SELECT version FROM unit_current WHERE unit = 'web'");
    assert_eq!(live, [[Some("v1".to_owned())]]);
    let history = db.query("SELECT version, outcome FROM unit_deployments ORDER BY started_at_ms");
    let history: Vec<(String, String)> = history
        .into_iter()
        .map(|row| (row[0].clone().unwrap(), row[1].clone().unwrap()))
        .collect();
    assert_eq!(
        history,
        [
            ("v1", "succeeded"),
            ("v2", "succeeded"),
            ("v1", "succeeded")
        ]
        .map(|(v, o)| (v.to_owned(), o.to_owned()))
    );
    assert!(
        !project.path().join(".sluice/state.db").exists(),
        "nothing went to the default SQLite state"
    );
    let verified = run(&project, &db, &["audit", "verify"]);
    assert_eq!(verified.code, EXIT_SUCCESS, "{}", verified.all());
}

#[test]
fn a_second_sluice_is_told_who_holds_the_lock_and_a_killed_holder_releases_it() {
    let project = project(
        r#"{ http = "{base}/current/index.html", body = "${version}", initial_delay = "60s", deadline = "90s" },"#,
    );
    let db = TestDb::create(Engine::Postgres, "state_lock", project.path());
    project.write_site("v1");
    let mut holder = command(&project, &db, &["apply", "--env", ENV, "--version", "v1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The first sluice creates the schema (one transaction) before it takes the lock: until then
    // there is no `locks` table to ask.
    let holding = (0..300).any(|_| {
        std::thread::sleep(Duration::from_millis(100));
        db.tables().iter().any(|table| table == "locks")
            && !db.query("SELECT pid FROM locks").is_empty()
    });
    assert!(holding, "the first sluice never took the lock");

    let waiter = run(&project, &db, &["apply", "--env", ENV, "--version", "v1"]);
    assert_eq!(waiter.code, EXIT_LOCKED, "{}", waiter.all());
    assert!(
        waiter.all().contains(&format!("(pid {}", holder.id())),
        "the holder is named: {}",
        waiter.all()
    );

    holder.kill().unwrap();
    holder.wait().unwrap();
    project.write_plan(
        &std::fs::read_to_string(project.plan_path())
            .unwrap()
            .replace(
                "initial_delay = \"60s\", deadline = \"90s\"",
                "deadline = \"5s\"",
            ),
    );
    let after = run(
        &project,
        &db,
        &[
            "apply",
            "--env",
            ENV,
            "--version",
            "v1",
            "--lock-wait",
            "20s",
        ],
    );
    assert_eq!(after.code, EXIT_SUCCESS, "{}", after.all());
    assert!(
        after.all().contains("interrupted"),
        "the killed run was recovered: {}",
        after.all()
    );
    assert_eq!(project.live(), (200, "<h1>v1</h1>\n".into()));
}
