//! `--output json`: every event of real deployments (one that succeeds, one whose gate rolls it
//! back, one whose plugin traps) validates against `docs/events.schema.json`, and the times add
//! up: timestamps never go back, and the steps and gates of a unit account for its duration.

use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

use crate::support::components::repo_root;
use crate::support::project::{ENV, Project, static_site_plan, test_plugin_plan};
use crate::support::{EXIT_ROLLED_BACK, EXIT_SUCCESS, Run};

/// The events of a run, parsed.
fn events(run: &Run) -> Vec<Value> {
    run.stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect()
}

pub fn apply_json(project: &Project, version: &str) -> Run {
    project.write_site(version);
    let json = ["--output", "json"];
    project.sluice(&[&["apply", "--env", ENV, "--version", version][..], &json].concat())
}

/// Asserts every event of `run` is valid under the schema; returns them.
pub fn assert_valid(run: &Run) -> Vec<Value> {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(repo_root().join("docs/events.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let events = events(run);
    assert!(!events.is_empty(), "no events: {}", run.all());
    for event in &events {
        let errors: Vec<String> = validator
            .iter_errors(event)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{event} breaks the schema: {errors:?}");
    }
    events
}

fn kinds(events: &[Value]) -> Vec<&str> {
    events.iter().filter_map(|e| e["event"].as_str()).collect()
}

fn at(event: &Value) -> SystemTime {
    humantime::parse_rfc3339(event["ts"].as_str().unwrap()).unwrap()
}

fn millis(event: &Value) -> u64 {
    event["duration_ms"].as_u64().unwrap()
}

#[test]
fn every_event_of_a_success_a_rollback_and_a_trap_validates_against_the_schema() {
    let project = Project::new();
    project.write_plan(&static_site_plan(""));
    let succeeded = apply_json(&project, "v1");
    assert_eq!(succeeded.code, EXIT_SUCCESS, "{}", succeeded.all());
    let seen = kinds(&assert_valid(&succeeded))
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();

    project.write_plan(&static_site_plan(
        r#"{ tcp = "127.0.0.1:1", interval = "50ms", deadline = "300ms" }"#,
    ));
    let rolled_back = apply_json(&project, "v2");
    assert_eq!(rolled_back.code, EXIT_ROLLED_BACK, "{}", rolled_back.all());
    let rolled_back = assert_valid(&rolled_back);

    project.write_plan(&test_plugin_plan("trap-in-stage", "", ""));
    let trapped = apply_json(&project, "v3");
    assert_eq!(trapped.code, EXIT_ROLLED_BACK, "{}", trapped.all());
    assert_valid(&trapped);

    for kind in [
        "deployment-started",
        "unit-started",
        "planned",
        "step",
        "step-finished",
        "step-done",
        "gate-started",
        "probe",
        "gate",
        "unit-finished",
        "deployment-finished",
    ] {
        assert!(seen.iter().any(|k| k == kind), "no {kind} in {seen:?}");
    }
    assert!(
        rolled_back.iter().any(|e| e["event"] == "gate"
            && e["passed"] == false
            && e["gate"] == "tcp 127.0.0.1:1"),
        "the tcp gate failed: {rolled_back:?}"
    );
}

#[test]
fn timestamps_never_go_back_and_a_units_steps_and_gates_add_up_to_its_duration() {
    let project = Project::new();
    project.write_plan(&static_site_plan(""));
    let wall = Instant::now();
    let run = apply_json(&project, "v1");
    let wall = wall.elapsed();
    assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
    let events = events(&run);

    for pair in events.windows(2) {
        assert!(
            at(&pair[1]) >= at(&pair[0]),
            "{} before {}",
            pair[1],
            pair[0]
        );
    }
    let deployment = events
        .iter()
        .find(|e| e["event"] == "deployment-finished")
        .unwrap();
    let started = events
        .iter()
        .find(|e| e["event"] == "deployment-started")
        .unwrap();
    let between = at(deployment).duration_since(at(started)).unwrap();
    assert!(
        Duration::from_millis(millis(deployment)) <= wall,
        "{deployment} vs {wall:?}"
    );
    assert!(
        Duration::from_millis(millis(deployment)).abs_diff(between) <= Duration::from_millis(5),
        "the deployment's duration is the time between its start and end: {deployment}, {between:?}"
    );

    let unit = events
        .iter()
        .find(|e| e["event"] == "unit-finished")
        .unwrap();
    let parts: u64 = events
        .iter()
        .filter(|e| e["event"] == "step-finished" || e["event"] == "gate")
        .map(millis)
        .sum();
    let tolerance = 50 + millis(unit) / 10;
    assert!(
        parts <= millis(unit) && millis(unit) - parts <= tolerance,
        "steps and gates took {parts} ms of the unit's {} ms",
        millis(unit)
    );
    assert!(millis(unit) <= millis(deployment));
}

#[test]
fn verbose_human_output_shows_how_long_each_step_took() {
    let project = Project::new();
    project.write_plan(&static_site_plan(""));
    project.write_site("v1");
    let run = project.sluice(&["apply", "--env", ENV, "--version", "v1", "-v"]);
    assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
    for step in ["prepare", "stage", "finalize"] {
        assert!(
            run.stderr
                .lines()
                .any(|l| l.starts_with(&format!("[web] {step} took "))),
            "{step}: {}",
            run.stderr
        );
    }
}
