//! `make bench` for telemetry: the cost of sending each deployment's trace over OTLP/HTTP to a
//! live receiver. The static-site deployment with its two gates (about 15 spans), applied in
//! turns without and with `[telemetry] otlp`; prints the median wall times and their ratio;
//! asserts nothing.

#[path = "../../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use support::figures::{median, ms};
use support::otlp::OtlpReceiver;
use support::project::{Project, static_site_plan};

/// Applies without and with telemetry, this many times each.
const ROUNDS: usize = 7;

/// The wall time of one apply of `version` with `plan`.
fn timed_apply(project: &Project, plan: &str, version: &str) -> Duration {
    project.write_plan(plan);
    let started = Instant::now();
    let run = project.deploy(version);
    let took = started.elapsed();
    assert_eq!(run.code, 0, "apply {version}: {}", run.all());
    took
}

fn main() {
    let receiver = OtlpReceiver::start();
    let project = Project::new();
    let plain = static_site_plan("");
    let traced = format!("{plain}\n[telemetry]\notlp = \"{}\"\n", receiver.base_url());
    timed_apply(&project, &plain, "warm-up");
    let (mut without, mut with) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        without.push(timed_apply(&project, &plain, &format!("a{round}")));
        with.push(timed_apply(&project, &traced, &format!("b{round}")));
    }
    let spans = receiver.spans().len() / ROUNDS;
    let (without, with) = (median(without), median(with));
    println!("static-site apply with two gates, median of {ROUNDS}");
    println!("  {:<32}{}", "without telemetry", ms(without));
    println!(
        "  {:<32}{}",
        format!("with OTLP export ({spans} spans)"),
        ms(with)
    );
    println!(
        "  overhead {} ({:.1}% of apply wall time)",
        ms(with.saturating_sub(without)),
        (with.as_secs_f64() / without.as_secs_f64() - 1.0) * 100.0
    );
}
