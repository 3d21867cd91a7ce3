//! One deployment at a time per environment.

use std::process::Stdio;

use crate::support;
use crate::support::project::{ENV, Project, static_site_plan};
use crate::support::{EXIT_LOCKED, EXIT_SUCCESS, Run};

/// A plan whose live gate waits 3 s before its first probe, so a deployment holds the lock that long.
fn slow_plan() -> String {
    static_site_plan(
        r#"{ http = "{base}/current/index.html", initial_delay = "3s", interval = "50ms", deadline = "20s" },"#,
    )
}

fn spawn_apply(project: &Project, extra: &[&str]) -> std::process::Child {
    support::sluice(project.path())
        .args(["apply", "--env", ENV, "--version", "v1"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn two_concurrent_applies_on_one_environment_run_exactly_one() {
    let project = Project::new();
    project.write_plan(&slow_plan());
    project.write_site("v1");

    let a = spawn_apply(&project, &[]);
    let b = spawn_apply(&project, &[]);
    let runs: Vec<Run> = [a, b]
        .into_iter()
        .map(|c| c.wait_with_output().unwrap().into())
        .collect();
    let mut codes: Vec<i32> = runs.iter().map(|r| r.code).collect();
    codes.sort();
    assert_eq!(codes, vec![EXIT_SUCCESS, EXIT_LOCKED], "{runs:#?}");
    let loser = runs.iter().find(|r| r.code == EXIT_LOCKED).unwrap();
    assert!(
        loser
            .stderr
            .contains("environment `test` is locked by test on"),
        "the holder is named: {}",
        loser.stderr
    );

    let history = project.sluice(&["history", "--output", "json"]);
    assert_eq!(
        history.stdout.lines().count(),
        1,
        "exactly one deployment ran: {}",
        history.stdout
    );
}

#[test]
fn with_lock_wait_the_second_apply_waits_then_finds_nothing_to_do() {
    let project = Project::new();
    project.write_plan(&slow_plan());
    project.write_site("v1");

    let a = spawn_apply(&project, &[]);
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let b = spawn_apply(&project, &["--lock-wait", "60s"]);
    let first: Run = a.wait_with_output().unwrap().into();
    let second: Run = b.wait_with_output().unwrap().into();
    assert_eq!(first.code, EXIT_SUCCESS, "{}", first.all());
    assert_eq!(second.code, EXIT_SUCCESS, "{}", second.all());
    assert!(
        second.all().contains("v1 is already live"),
        "{}",
        second.all()
    );
}
