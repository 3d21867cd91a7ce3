//! Independent units deploy at the same time (bounded by `--parallel`), and a failing unit stops
//! only the units that depend on it.

use crate::support::project::{ENV, Project, site_plan_preamble};
use crate::support::{EXIT_ROLLED_BACK, EXIT_SUCCESS, Run};

/// A plan of `count` independent static-site units `u0`.. (each publishing `site/` under
/// `www/uN` with a live gate that waits a second before its first probe), plus `extra` units.
fn plan(count: usize, extra: &str) -> String {
    let units: String = (0..count)
        .map(|n| {
            format!(
                r#"
[units.u{n}]
plugin = "site"
config = {{ source = "/site", target = "/www/u{n}", public_url = "{{base}}/u{n}" }}
gates = [{{ http = "{{base}}/u{n}/current/index.html", body = "${{version}}", initial_delay = "1s", interval = "100ms", deadline = "10s" }}]
"#
            )
        })
        .collect();
    format!(
        "{}{units}{extra}",
        site_plan_preamble("parallel", &format!("[environments.{ENV}]"))
    )
}

/// `(event, unit)` of each unit event the run printed, in order.
fn unit_events(run: &Run) -> Vec<(String, String)> {
    run.stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|v| {
            let event = v["event"].as_str()?.to_owned();
            let unit = v["unit"].as_str()?.to_owned();
            event.starts_with("unit-").then_some((event, unit))
        })
        .collect()
}

fn apply(project: &Project, args: &[&str]) -> Run {
    project.write_site("v1");
    let mut all = vec!["apply", "--env", ENV, "--version", "v1", "--output", "json"];
    all.extend(args);
    project.sluice(&all)
}

#[test]
fn ten_independent_units_deploy_at_the_same_time() {
    let project = Project::new();
    project.write_plan(&plan(10, ""));
    let run = apply(&project, &[]);
    assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());

    let events = unit_events(&run);
    let first_finish = events
        .iter()
        .position(|(event, _)| event == "unit-finished")
        .unwrap();
    let started_before = events[..first_finish]
        .iter()
        .filter(|(event, _)| event == "unit-started")
        .count();
    assert_eq!(
        started_before, 10,
        "every unit started before the first finished: {events:?}"
    );
}

#[test]
fn parallel_one_deploys_one_unit_at_a_time() {
    let project = Project::new();
    project.write_plan(&plan(3, ""));
    let run = apply(&project, &["--parallel", "1"]);
    assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
    let kinds: Vec<&str> = unit_events(&run)
        .iter()
        .map(|(event, _)| {
            if event == "unit-started" {
                "start"
            } else {
                "end"
            }
        })
        .collect();
    assert_eq!(kinds, ["start", "end", "start", "end", "start", "end"]);
}

#[test]
fn a_failing_unit_stops_its_dependents_and_lets_independent_units_finish() {
    let project = Project::new();
    let broken = r#"
[units.broken]
plugin = "site"
config = { source = "/site", target = "/www/broken", public_url = "{base}/broken" }
gates = [{ http = "{base}/broken/current/index.html", body = "never there", interval = "100ms", failure_threshold = 2, deadline = "3s" }]

[units.after]
plugin = "site"
depends_on = ["broken"]
config = { source = "/site", target = "/www/after", public_url = "{base}/after" }
"#;
    project.write_plan(&plan(3, broken));
    let run = apply(&project, &[]);
    assert_eq!(run.code, EXIT_ROLLED_BACK, "{}", run.all());

    let finished: Vec<(String, String, String)> = run
        .stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|v| v["event"] == "unit-finished")
        .map(|v| {
            let text = |key: &str| v[key].as_str().unwrap_or_default().to_owned();
            (text("unit"), text("outcome"), text("reason"))
        })
        .collect();
    let outcome = |unit: &str| {
        finished
            .iter()
            .find(|(name, ..)| name == unit)
            .map(|(_, outcome, reason)| (outcome.as_str(), reason.as_str()))
            .unwrap_or_else(|| panic!("{unit} finished: {finished:?}"))
    };
    for unit in ["u0", "u1", "u2"] {
        assert_eq!(outcome(unit).0, "succeeded", "{finished:?}");
    }
    assert_eq!(outcome("broken").0, "rolled-back");
    assert_eq!(
        outcome("after"),
        ("skipped", "depends on broken, which did not deploy")
    );
}
