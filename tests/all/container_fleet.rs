//! A container unit rolled across a fleet of three real Docker engines (`engines`,
//! `max_unavailable`): separate `dockerd` processes with their own data roots and sockets
//! (`support::dockerd`), publishing on 127.0.0.1, 127.0.0.2 and 127.0.0.3. One engine at a time,
//! each proven by its own gates; an engine that fails stops the roll-out, and the engines already
//! updated go back to what they ran. The third engine is reached through a proxy in front of its
//! socket that a test can cut, to make it go down.

use crate::support::dockerd::Dockerd;
use crate::support::fleet::{ENGINES, Fleet};
use crate::support::{EXIT_FAILED, EXIT_ROLLED_BACK, EXIT_SUCCESS, Run, images};

/// The `(event, unit)` of every unit event an apply printed, in order.
fn unit_events(run: &Run) -> Vec<(String, String)> {
    run.stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|v| {
            let event = v["event"].as_str()?;
            let unit = v["unit"].as_str()?;
            matches!(event, "unit-started" | "unit-finished")
                .then(|| (event.to_owned(), unit.to_owned()))
        })
        .collect()
}

/// The `(unit, outcome, reason)` of every unit an apply finished, in order.
fn finished(run: &Run) -> Vec<(String, String, String)> {
    run.stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|v| v["event"] == "unit-finished")
        .map(|v| {
            let text = |key: &str| v[key].as_str().unwrap_or_default().to_owned();
            (text("unit"), text("outcome"), text("reason"))
        })
        .collect()
}

fn deploy_ok(fleet: &Fleet, version: &str) -> Run {
    let run = fleet.apply(version);
    assert_eq!(run.code, EXIT_SUCCESS, "apply {version}: {}", run.all());
    run
}

#[test]
fn a_fleet_updates_one_engine_at_a_time_and_every_engine_serves_the_new_version() {
    let fleet = Fleet::new("fleet-ok", 1);
    deploy_ok(&fleet, "v1");
    assert_eq!(fleet.served(), ["v1\n"; 3]);

    let run = deploy_ok(&fleet, "v2");
    assert_eq!(fleet.served(), ["v2\n"; 3]);
    assert_eq!(
        fleet.recorded(),
        [Some("v2".into()), Some("v2".into()), Some("v2".into())]
    );
    let members: Vec<(String, String)> = ENGINES
        .iter()
        .flat_map(|(engine, _)| {
            ["unit-started", "unit-finished"]
                .map(|event| (event.to_owned(), format!("web@{engine}")))
        })
        .collect();
    assert_eq!(
        unit_events(&run),
        members,
        "each engine starts only after the one before finished: {}",
        run.stdout
    );
}

#[test]
fn a_version_failing_its_gate_on_the_first_engine_stops_the_roll_out_there() {
    let fleet = Fleet::new("fleet-gate", 1);
    deploy_ok(&fleet, "v1");

    let run = fleet.apply("bad-health");
    assert_eq!(run.code, EXIT_ROLLED_BACK, "{}", run.all());
    assert!(run.all().contains("HTTP 500"), "{}", run.all());
    assert!(
        run.all()
            .contains("the roll-out stopped: web@edge-1 rolled-back"),
        "the other engines are skipped, saying why: {}",
        run.all()
    );
    assert_eq!(fleet.served(), ["v1\n"; 3]);
    assert_eq!(
        fleet.recorded(),
        [Some("v1".into()), Some("v1".into()), Some("v1".into())]
    );
}

#[test]
fn a_failure_on_the_third_engine_undoes_the_first_two() {
    let fleet = Fleet::new("fleet-third", 1);
    deploy_ok(&fleet, "v1");
    // Release `third-bad` is the v2 image on the first two engines and an unhealthy build on the
    // third, as when one host pulled a broken image.
    let engines = Dockerd::fleet();
    for (engine, image) in engines
        .iter()
        .zip([images::V2, images::V2, images::BAD_HEALTH])
    {
        let tagged = engine
            .docker()
            .args(["tag", image, &format!("{}:third-bad", images::REPOSITORY)])
            .output()
            .unwrap();
        assert!(
            tagged.status.success(),
            "{}",
            String::from_utf8_lossy(&tagged.stderr)
        );
    }

    let run = fleet.apply("third-bad");
    let all = run.all();
    assert_eq!(run.code, EXIT_ROLLED_BACK, "{all}");
    assert!(all.contains("HTTP 500"), "{all}");
    let finished = finished(&run);
    for (member, _) in &ENGINES[..2] {
        let unit = format!("web@{member}");
        assert!(
            finished.iter().any(|(u, outcome, reason)| *u == unit
                && outcome == "rolled-back"
                && reason.starts_with("web@edge-3 rolled-back")
                && reason.ends_with("rolled back to v1")),
            "{member} was updated, then undone because edge-3 failed: {finished:?}"
        );
    }
    assert_eq!(
        unit_events(&run)
            .iter()
            .filter(|(event, _)| event == "unit-started")
            .map(|(_, unit)| unit.as_str())
            .collect::<Vec<_>>(),
        [
            "web@edge-1",
            "web@edge-2",
            "web@edge-3",
            "web@edge-2",
            "web@edge-1"
        ],
        "the undo goes newest first: {}",
        run.stdout
    );
    assert_eq!(fleet.served(), ["v1\n"; 3]);
    assert_eq!(
        fleet.recorded(),
        [Some("v1".into()), Some("v1".into()), Some("v1".into())]
    );
}

#[test]
fn an_engine_that_is_down_is_named_and_the_engines_already_updated_go_back() {
    let fleet = Fleet::new("fleet-down", 1);
    deploy_ok(&fleet, "v1");

    fleet.proxy.cut();
    let run = fleet.apply("v2");
    let all = run.all();
    assert_eq!(run.code, EXIT_FAILED, "edge-3's state is unknown: {all}");
    assert!(
        all.lines()
            .any(|line| line.contains("edge-3") && line.contains("is not reachable")),
        "the engine that is down is named: {all}"
    );
    assert!(
        all.contains("rolled back to v1"),
        "edge-1 and edge-2 went back: {all}"
    );
    assert_eq!(
        fleet.served(),
        ["v1\n"; 3],
        "edge-3 kept serving v1 all along"
    );
    assert_eq!(
        fleet.recorded(),
        [Some("v1".into()), Some("v1".into()), Some("v1".into())]
    );
}
