//! `make bench` for the release pipeline: 20 independent units with 1 s gates deployed one at a
//! time and all at once (and the orchestration overhead per unit), and `sluice plan`'s change
//! detection over 200 units in a repository with 10,000 commits. Prints figures; asserts nothing.

#[path = "../../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use support::history;
use support::project::{ENV, Project, independent_units_plan};

/// The length of each unit's gate (its `initial_delay`).
const GATE: Duration = Duration::from_secs(1);

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn timed(project: &Project, args: &[&str]) -> Duration {
    let started = Instant::now();
    let run = project.sluice(args);
    let took = started.elapsed();
    assert_eq!(run.code, 0, "sluice {args:?}: {}", run.all());
    took
}

fn parallel_units() {
    let units = 20;
    let project = Project::new();
    project.write_plan(&independent_units_plan(units, Some(GATE)));
    project.write_site("warm-up");
    timed(&project, &["validate"]);
    let mut walls = Vec::new();
    for (version, parallel) in [("a", "1"), ("b", "0")] {
        project.write_site(version);
        walls.push(timed(
            &project,
            &[
                "apply",
                "--env",
                ENV,
                "--version",
                version,
                "--all",
                "--parallel",
                parallel,
            ],
        ));
    }
    let [sequential, parallel] = [walls[0], walls[1]];
    let overhead = (sequential.saturating_sub(GATE * u32::try_from(units).unwrap_or(1)))
        / u32::try_from(units).unwrap_or(1);
    println!("{units} independent units, each with a {GATE:?} gate");
    println!("  --parallel 1 (one at a time)   {}", ms(sequential));
    println!("  parallel (no limit)            {}", ms(parallel));
    println!(
        "  speed-up {:.1}x; orchestration overhead per unit (sequential, beyond its gate) {}",
        sequential.as_secs_f64() / parallel.as_secs_f64(),
        ms(overhead)
    );
}

fn change_detection() {
    let (units, history, touched) = (200, 10_000, 5);
    let project = Project::new();
    project.write_plan(&independent_units_plan(units, None));
    project.write_site("v1");
    history::start(project.path(), units);
    timed(&project, &["apply", "--env", ENV, "--version", "v1"]);
    history::append(project.path(), history, touched);

    let samples: Vec<Duration> = (0..5)
        .map(|_| timed(&project, &["plan", "--env", ENV, "--version", "v2"]))
        .collect();
    let mut sorted = samples.clone();
    sorted.sort();
    println!(
        "sluice plan over {units} units after {history} commits ({touched} units changed): median {} (whole process: \
         change detection for every unit, then each selected unit's plugin plan)",
        ms(sorted[sorted.len() / 2])
    );
}

fn main() {
    parallel_units();
    change_detection();
}
