//! A `pause` step: `apply` stops the unit at its weight and exits 7, `sluice status` (another
//! process) shows it, and a later `sluice resume` completes it or `sluice abort` rolls it back;
//! meanwhile the environment's lock is free, another apply of the unit is refused, crash
//! recovery leaves it paused, and units depending on it are skipped. On SQLite and PostgreSQL.

use std::process::Command;

use crate::canary_steps::stepped_site_plan;
use crate::event_stream::{apply_json, assert_valid};
use crate::support::components::repo_root;
use crate::support::database::{Engine, TestDb};
use crate::support::project::{ENV, Project};
use crate::support::{
    EXIT_INVALID, EXIT_PAUSED, EXIT_ROLLED_BACK, EXIT_SUCCESS, Run, doc_block, sha256_file, sluice,
    test_plugin,
};

/// Steps 1. weight 10%, 2. weight 50%, 3. pause, 4. weight 100% (the cut-over).
const PAUSING: &str = "[{ weight = 10 }, { weight = 50 }, { pause = true }]";

/// A live gate any served version passes (static-site cannot split traffic: v1 serves until the
/// cut-over).
const SERVES: &str =
    r#"{ http = "{base}/current/index.html", interval = "50ms", deadline = "5s" }"#;

/// A project with v1 live and the plan switched to [`PAUSING`] steps.
fn v1_live_with_a_pause() -> Project {
    let project = Project::new();
    project.write_plan(&stepped_site_plan("[]", SERVES));
    let first = project.deploy("v1");
    assert_eq!(first.code, EXIT_SUCCESS, "{}", first.all());
    project.write_plan(&stepped_site_plan(PAUSING, SERVES));
    project
}

/// `sluice status --output json`: the line of unit `unit`.
fn status_of(project: &Project, unit: &str) -> serde_json::Value {
    let run = project.sluice(&["status", "--env", ENV, "--output", "json"]);
    assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
    run.stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|line| line["unit"] == unit)
        .unwrap_or_else(|| panic!("status shows {unit}: {}", run.stdout))
}

/// Asserts `apply` of v2 paused `web` at step 3 of 4 with 50% of traffic.
fn assert_paused_at_50(paused: &Run) {
    assert_eq!(paused.code, EXIT_PAUSED, "{}", paused.all());
    assert!(
        paused
            .all()
            .contains("paused at step 3 of 4 with 50% of traffic on v2")
            && paused
                .all()
                .contains(&format!("sluice resume --env {ENV} --unit web")),
        "{}",
        paused.all()
    );
}

#[test]
fn a_paused_unit_is_shown_by_status_and_a_later_resume_makes_the_new_version_live() {
    let project = v1_live_with_a_pause();
    assert_paused_at_50(&project.deploy("v2"));
    project.assert_v1_still_live();

    let status = status_of(&project, "web");
    assert_eq!(status["live"]["version"], "v1");
    let paused = &status["paused"];
    assert_eq!(
        (
            &paused["version"],
            &paused["step"],
            &paused["of"],
            &paused["weight"]
        ),
        (&"v2".into(), &3.into(), &4.into(), &50.into()),
        "{status}"
    );
    assert_eq!(
        paused["resume"],
        format!("sluice resume --env {ENV} --unit web")
    );
    assert_eq!(
        paused["abort"],
        format!("sluice abort --env {ENV} --unit web")
    );
    let human = project.sluice(&["status", "--env", ENV]);
    assert!(
        human
            .stdout
            .contains("paused: v2 at step 3 of 4 with 50% of traffic")
            && human
                .stdout
                .contains("continue: sluice resume --env test --unit web")
            && human
                .stdout
                .contains("roll back: sluice abort --env test --unit web"),
        "{}",
        human.stdout
    );

    // The lock is free while paused, and recovery (which takes it) leaves the unit paused.
    let recovered = project.sluice(&["recover", "--env", ENV]);
    assert_eq!(recovered.code, EXIT_SUCCESS, "{}", recovered.all());
    assert_eq!(status_of(&project, "web")["paused"]["weight"], 50);

    let resumed = project.sluice(&["resume", "--env", ENV, "--unit", "web"]);
    assert_eq!(resumed.code, EXIT_SUCCESS, "{}", resumed.all());
    assert_eq!(project.live(), (200, "<h1>v2</h1>\n".into()));
    let after = status_of(&project, "web");
    assert_eq!(after["live"]["version"], "v2");
    assert!(after["paused"].is_null(), "{after}");

    let history = project.sluice(&["history", "--output", "json"]);
    let rows: Vec<(String, String)> = history
        .stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .map(|row| {
            let text = |key: &str| row[key].as_str().unwrap_or_default().to_owned();
            (text("kind"), text("outcome"))
        })
        .collect();
    assert_eq!(
        rows[..2],
        [
            ("resume".to_owned(), "succeeded".to_owned()),
            ("apply".to_owned(), "paused".to_owned())
        ]
    );
    let audit = project.sluice(&["audit", "export"]);
    for event in ["\"unit-paused\"", "\"unit-resume\""] {
        assert!(audit.stdout.contains(event), "{event}: {}", audit.stdout);
    }
    assert_eq!(project.sluice(&["audit", "verify"]).code, EXIT_SUCCESS);
}

#[test]
fn a_wait_and_a_pause_are_reported_in_json_events_that_validate_against_the_schema() {
    let project = v1_live_with_a_pause();
    project.write_plan(&stepped_site_plan(
        r#"[{ weight = 10 }, { wait = "100ms" }, { pause = true }]"#,
        SERVES,
    ));

    let run = apply_json(&project, "v2");

    assert_eq!(run.code, EXIT_PAUSED, "{}", run.all());
    let events = assert_valid(&run);
    let steps: Vec<&str> = events
        .iter()
        .filter(|event| event["event"] == "step")
        .filter_map(|event| event["step"].as_str())
        .collect();
    assert!(
        steps
            .windows(2)
            .any(|pair| pair == ["shift 10", "wait 100ms"]),
        "{steps:?}"
    );
    let unit = events
        .iter()
        .find(|event| event["event"] == "unit-finished")
        .unwrap();
    assert_eq!(unit["outcome"], "paused");
    assert!(
        unit["reason"]
            .as_str()
            .unwrap()
            .starts_with("paused at step 3 of 4 with 10% of traffic on v2"),
        "{unit}"
    );
    let end = events.last().unwrap();
    assert_eq!(
        (&end["outcome"], &end["exit_code"]),
        (&"paused".into(), &7.into())
    );
}

#[test]
fn in_ci_a_paused_unit_is_a_notice_and_a_skipped_junit_case_not_a_failure() {
    let project = v1_live_with_a_pause();
    project.write_site("v2");
    let report = project.path().join("junit.xml");

    let run: Run = sluice(project.path())
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", project.path().join("summary.md"))
        .args(["apply", "--env", ENV, "--version", "v2", "--junit"])
        .arg(&report)
        .output()
        .unwrap()
        .into();

    assert_eq!(run.code, EXIT_PAUSED, "{}", run.all());
    assert!(
        run.stderr
            .contains("::notice title=web v2%3A paused::paused at step 3 of 4")
            && !run.stderr.contains("::error"),
        "{}",
        run.stderr
    );
    let xml = std::fs::read_to_string(&report).unwrap();
    assert!(
        xml.contains(r#"<skipped message="paused at step 3 of 4"#)
            && xml.contains(r#"failures="0" errors="0""#),
        "{xml}"
    );
}

#[test]
fn abort_rolls_a_paused_unit_back_and_the_old_version_serves() {
    let project = v1_live_with_a_pause();
    assert_paused_at_50(&project.deploy("v2"));

    let aborted = project.sluice(&["abort", "--env", ENV, "--unit", "web"]);

    assert_eq!(aborted.code, EXIT_SUCCESS, "{}", aborted.all());
    assert!(
        aborted.all().contains("aborted by")
            && aborted
                .all()
                .contains("weight back to 0% (from 50%); rolled back to v1"),
        "{}",
        aborted.all()
    );
    project.assert_v1_still_live();
    assert!(status_of(&project, "web")["paused"].is_null());
    refused(
        &project,
        "abort",
        &["unit `web` is not paused in `test`: nothing to abort"],
    );
    let audit = project.sluice(&["audit", "export"]);
    assert!(audit.stdout.contains("\"unit-abort\""), "{}", audit.stdout);
}

#[test]
fn another_apply_of_a_paused_unit_is_refused_and_changes_nothing() {
    let project = v1_live_with_a_pause();
    assert_paused_at_50(&project.deploy("v2"));
    let history_before = project.sluice(&["history", "--output", "json"]).stdout;

    let refused = project.deploy("v3");

    assert_eq!(refused.code, EXIT_INVALID, "{}", refused.all());
    let paused_by = status_of(&project, "web")["paused"]["deployment"]
        .as_str()
        .unwrap()
        .to_owned();
    for part in [
        "nothing was started: a unit it would deploy is paused in `test`",
        "`web` at v2 is paused at step 3 of 4 with 50% of traffic",
        &format!("(deployment {paused_by}"),
        "sluice resume --env test --unit web",
        "sluice abort --env test --unit web",
    ] {
        assert!(refused.stderr.contains(part), "{part}: {}", refused.stderr);
    }
    project.assert_v1_still_live();
    assert_eq!(
        project.sluice(&["history", "--output", "json"]).stdout,
        history_before
    );
    let rollback = project.sluice(&["rollback", "--env", ENV, "--unit", "web"]);
    assert_eq!(rollback.code, EXIT_INVALID, "{}", rollback.all());
}

#[test]
fn resume_is_refused_when_the_units_config_changed_since_the_pause_and_abort_is_the_way_out() {
    let project = v1_live_with_a_pause();
    assert_paused_at_50(&project.deploy("v2"));
    project.write_plan(&stepped_site_plan(PAUSING, SERVES).replace("keep = 3", "keep = 4"));

    refused(
        &project,
        "resume",
        &[
            "cannot resume `web` in `test`: its resolved config changed",
            "sluice abort --env test --unit web",
        ],
    );
    assert_eq!(status_of(&project, "web")["paused"]["step"], 3);
    let aborted = project.sluice(&["abort", "--env", ENV, "--unit", "web"]);
    assert_eq!(aborted.code, EXIT_SUCCESS, "{}", aborted.all());
    project.assert_v1_still_live();
}

#[test]
fn resume_is_refused_when_the_plans_plugin_is_another_than_the_one_that_paused() {
    let project = v1_live_with_a_pause();
    assert_paused_at_50(&project.deploy("v2"));
    let other = test_plugin("forger");
    project.write_plan(&stepped_site_plan(PAUSING, SERVES).replace(
        "source = \"builtin:static-site\"",
        &format!(
            "source = {:?}\nsha256 = \"{}\"",
            other.display().to_string(),
            sha256_file(&other)
        ),
    ));

    refused(
        &project,
        "resume",
        &[
            "cannot resume `web` in `test`: its plugin `site` changed since it paused",
            &sha256_file(&other),
            "sluice abort --env test --unit web",
        ],
    );
    assert_eq!(status_of(&project, "web")["paused"]["step"], 3);
}

#[test]
fn resume_refuses_a_unit_that_is_not_paused() {
    let project = v1_live_with_a_pause();
    refused(
        &project,
        "resume",
        &["unit `web` is not paused in `test`: nothing to resume"],
    );
}

/// A project whose units all serve v1 — `web`, `api` depending on it and `docs` on its own,
/// each publishing into its own directory of `www/` — with the plan switched to `web` pausing.
fn three_units_at_v1() -> Project {
    let project = Project::new();
    for unit in ["api", "docs"] {
        std::fs::create_dir_all(project.path().join("www").join(unit)).unwrap();
    }
    project.write_plan(&three_unit_plan("[]"));
    project.write_site("v1");
    let first = project.sluice(&["apply", "--env", ENV, "--version", "v1", "--all"]);
    assert_eq!(first.code, EXIT_SUCCESS, "{}", first.all());
    project.write_plan(&three_unit_plan(PAUSING));
    project.write_site("v2");
    project
}

/// The three units' plan, `web` with `steps`.
fn three_unit_plan(steps: &str) -> String {
    stepped_site_plan(steps, SERVES)
        + r#"
[units.api]
plugin = "site"
depends_on = ["web"]
config = { source = "/site", target = "/www/api", keep = 3, public_url = "{base}/api" }

[units.docs]
plugin = "site"
config = { source = "/site", target = "/www/docs", keep = 3, public_url = "{base}/docs" }
"#
}

#[test]
fn units_depending_on_a_paused_unit_are_skipped_saying_so_and_the_others_deploy() {
    let project = three_units_at_v1();

    let paused = project.sluice(&["apply", "--env", ENV, "--version", "v2", "--all"]);

    assert_paused_at_50(&paused);
    assert!(
        paused.all().contains(
            "depends on web, which is paused (continue with `sluice resume --env test --unit web`"
        ),
        "{}",
        paused.all()
    );
    assert_eq!(project.live_version("docs").as_deref(), Some("v2"));
    assert_eq!(project.live_version("api").as_deref(), Some("v1"));
    assert_eq!(status_of(&project, "web")["paused"]["version"], "v2");
}

#[test]
fn an_apply_killed_while_a_unit_is_paused_is_recovered_and_the_unit_stays_paused() {
    let project = three_units_at_v1();
    let paused = project.sluice(&["apply", "--env", ENV, "--version", "v2", "--unit", "web"]);
    assert_paused_at_50(&paused);

    let killed: Run = sluice(project.path())
        .args(["apply", "--env", ENV, "--version", "v2", "--unit", "docs"])
        .env("SLUICE_CRASH_AFTER", "staged")
        .output()
        .unwrap()
        .into();
    assert_eq!(
        killed.code,
        -1,
        "killed after staging docs: {}",
        killed.all()
    );
    let recovered = project.sluice(&["recover", "--env", ENV]);
    assert!(
        recovered
            .all()
            .contains("interrupted before the cut-over; recovery rolled it back"),
        "{}",
        recovered.all()
    );

    assert_eq!(status_of(&project, "web")["paused"]["step"], 3);
    assert_eq!(project.live_version("docs").as_deref(), Some("v1"));
    let resumed = project.sluice(&["resume", "--env", ENV, "--unit", "web"]);
    assert_eq!(resumed.code, EXIT_SUCCESS, "{}", resumed.all());
    assert_eq!(project.live(), (200, "<h1>v2</h1>\n".into()));
}

#[test]
fn a_resume_killed_midway_is_recovered_from_its_own_journal_and_rolled_back() {
    let project = v1_live_with_a_pause();
    assert_paused_at_50(&project.deploy("v2"));

    let killed: Run = sluice(project.path())
        .args(["resume", "--env", ENV, "--unit", "web"])
        .env("SLUICE_CRASH_AFTER", "resume")
        .output()
        .unwrap()
        .into();
    assert_eq!(
        killed.code,
        -1,
        "killed after taking the pause up: {}",
        killed.all()
    );

    let recovered = project.sluice(&["recover", "--env", ENV]);
    assert_eq!(recovered.code, EXIT_ROLLED_BACK, "{}", recovered.all());
    project.assert_v1_still_live();
    assert!(status_of(&project, "web")["paused"].is_null());
    let deployed = project.deploy("v3");
    assert_eq!(
        deployed.code,
        EXIT_PAUSED,
        "the unit deploys again: {}",
        deployed.all()
    );
}

#[test]
fn the_commands_the_operations_guide_gives_for_a_paused_unit_work_as_written() {
    let page = std::fs::read_to_string(repo_root().join("docs/operations.md")).unwrap();
    let block = doc_block(&page, "## Pause, resume and abort", "sh");
    let commands: Vec<Vec<&str>> = block
        .lines()
        .map(|line| {
            line.split('#')
                .next()
                .unwrap_or_default()
                .split_whitespace()
                .collect()
        })
        .collect();
    let [status, resume, abort] = &commands[..] else {
        panic!("three commands: {block}");
    };
    let project = Project::new();
    let plan = |steps: &str| {
        stepped_site_plan(steps, SERVES)
            .replace("[environments.test]", "[environments.production]")
            .replace("[units.web]", "[units.api]")
    };
    project.write_plan(&plan("[]"));
    let deploy = |version: &str| {
        project.write_site(version);
        project.sluice(&["apply", "--env", "production", "--version", version])
    };
    assert_eq!(deploy("v1").code, EXIT_SUCCESS);
    project.write_plan(&plan(PAUSING));
    let run = |command: &[&str]| {
        assert_eq!(command[0], "sluice", "{command:?}");
        let done = project.sluice(&command[1..]);
        assert_eq!(done.code, EXIT_SUCCESS, "{command:?}: {}", done.all());
        done
    };

    assert_eq!(deploy("v2").code, EXIT_PAUSED);
    assert!(run(status).stdout.contains("paused: v2 at step 3 of 4"));
    run(resume);
    assert_eq!(project.live(), (200, "<h1>v2</h1>\n".into()));
    assert_eq!(deploy("v3").code, EXIT_PAUSED);
    run(abort);
    assert_eq!(project.live(), (200, "<h1>v2</h1>\n".into()));
}

/// The environment variable the PostgreSQL plan reads the state URL from.
const STATE_URL: &str = "SLUICE_TEST_PAUSE_STATE_URL";

fn with_postgres(project: &Project, db: &TestDb, args: &[&str]) -> Run {
    let mut command: Command = sluice(project.path());
    command.env(STATE_URL, &db.url).args(args);
    command.output().unwrap().into()
}

#[test]
fn a_pause_and_a_resume_from_another_process_work_with_postgresql_state() {
    let project = Project::new();
    let db = TestDb::create(Engine::Postgres, "pause_resume", project.path());
    let postgres = |steps: &str| {
        stepped_site_plan(steps, SERVES).replacen(
            "[environments.test]",
            &format!(
                "[state]\nurl = \"${{secret.state_url}}\"\n[secrets.state_url]\nenv = \"{STATE_URL}\"\n\n[environments.test]"
            ),
            1,
        )
    };
    project.write_plan(&postgres("[]"));
    project.write_site("v1");
    let first = with_postgres(&project, &db, &["apply", "--env", ENV, "--version", "v1"]);
    assert_eq!(first.code, EXIT_SUCCESS, "{}", first.all());
    project.write_plan(&postgres(PAUSING));
    project.write_site("v2");

    assert_paused_at_50(&with_postgres(
        &project,
        &db,
        &["apply", "--env", ENV, "--version", "v2"],
    ));
    let paused = db.query("SELECT unit, version, step, weight FROM paused_units");
    assert_eq!(
        paused,
        [["web", "v2", "3", "50"].map(|v| Some(v.to_owned()))]
    );
    let status = with_postgres(&project, &db, &["status", "--env", ENV]);
    assert!(
        status
            .stdout
            .contains("paused: v2 at step 3 of 4 with 50% of traffic"),
        "{}",
        status.all()
    );

    let resumed = with_postgres(&project, &db, &["resume", "--env", ENV, "--unit", "web"]);
    assert_eq!(resumed.code, EXIT_SUCCESS, "{}", resumed.all());
    assert_eq!(project.live(), (200, "<h1>v2</h1>\n".into()));
    assert!(db.query("SELECT unit FROM paused_units").is_empty());
    assert!(!project.path().join(".sluice/state.db").exists());
}

/// `sluice COMMAND --env test --unit web` is refused (exit 2), its message saying each of `says`.
fn refused(project: &Project, command: &str, says: &[&str]) {
    let run = project.sluice(&[command, "--env", ENV, "--unit", "web"]);
    assert_eq!(run.code, EXIT_INVALID, "{}", run.all());
    for part in says {
        assert!(run.stderr.contains(part), "{part}: {}", run.stderr);
    }
}
