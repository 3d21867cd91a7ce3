//! `make bench` for telemetry: the cost of sending each deployment's trace over OTLP/HTTP to a
//! live receiver, applied in turns without and with `[telemetry] otlp`, for the static-site
//! deployment with its two gates and for the 20 parallel units with 1 s gates of the pipeline
//! bench. Prints the median wall times and their ratio; asserts nothing.

#[path = "../../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use support::figures::{median, ms};
use support::otlp::OtlpReceiver;
use support::project::{ENV, Project, independent_units_plan, static_site_plan};

/// Applies without and with telemetry, this many times each.
const ROUNDS: usize = 9;

/// The wall time of one apply of `version` (every unit) with `plan`.
fn timed_apply(project: &Project, plan: &str, version: &str) -> Duration {
    project.write_plan(plan);
    project.write_site(version);
    let started = Instant::now();
    let run = project.sluice(&["apply", "--env", ENV, "--version", version, "--all"]);
    let took = started.elapsed();
    assert_eq!(run.code, 0, "apply {version}: {}", run.all());
    took
}

/// Prints the medians of applying `plain` and `plain` with telemetry, in turns.
fn overhead(title: &str, plain: &str) {
    let receiver = OtlpReceiver::start();
    let project = Project::new();
    let traced = format!("{plain}\n[telemetry]\notlp = \"{}\"\n", receiver.base_url());
    timed_apply(&project, plain, "warm-up");
    let (mut without, mut with) = (Vec::new(), Vec::new());
    // Which goes first alternates, so that neither gains from the order.
    for round in 0..ROUNDS {
        let mut time = |traced_apply: bool| {
            let (plan, samples, tag) = if traced_apply {
                (traced.as_str(), &mut with, "b")
            } else {
                (plain, &mut without, "a")
            };
            samples.push(timed_apply(&project, plan, &format!("{tag}{round}")));
        };
        time(round % 2 == 1);
        time(round % 2 == 0);
    }
    let spans = receiver.spans().len() / ROUNDS;
    let (without, with) = (median(without), median(with));
    println!("{title}, median of {ROUNDS}");
    println!("  {:<32}{}", "without telemetry", ms(without));
    println!(
        "  {:<32}{}",
        format!("with OTLP export ({spans} spans)"),
        ms(with)
    );
    let difference = with.as_secs_f64() - without.as_secs_f64();
    println!(
        "  overhead {:+.1} ms ({:+.1}% of apply wall time; the noise of a loaded machine can exceed it)",
        difference * 1000.0,
        difference / without.as_secs_f64() * 100.0
    );
}

fn main() {
    overhead("static-site apply with two gates", &static_site_plan(""));
    overhead(
        "20 parallel units, each with a 1s gate",
        &independent_units_plan(20, Some(Duration::from_secs(1))),
    );
}
