//! `make bench` for the foundation: plugin load (cold compile vs cached), instantiate + one call,
//! and whole-process `sluice apply` wall time. Prints figures; asserts nothing.

#[path = "../../tests/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::Instant;

use sluice::caps::Provision;
use sluice::runtime::ComponentBytes;
use support::DiscardLogs;
use support::figures::{load_costs, median, median_validate, ms};
use support::project::{ENV, Project, static_site_plan};

fn plugin_load(rt: &tokio::runtime::Runtime) {
    let bytes = ComponentBytes::builtin("static-site").unwrap();
    let provision = Provision::deny_all("site", "bench", Arc::new(DiscardLogs));
    let (costs, plugin) = load_costs(rt, &bytes, &provision);
    let calls = 500;
    let per_call = median_validate(
        rt,
        &plugin,
        &provision,
        r#"{"source":"/site","target":"/www"}"#,
        calls,
    );

    println!(
        "plugin load (builtin static-site, {} KiB component)",
        bytes.bytes.len() / 1024
    );
    println!(
        "  cold: engine + compile + link              {}",
        ms(costs.cold)
    );
    println!(
        "  cached: engine + deserialize + link + info() {} (median of 20; target < 5 ms)",
        ms(costs.cached_with_call)
    );
    println!(
        "  instantiate + one call (validate) via InstancePre {} (median of {calls})",
        ms(per_call)
    );
}

fn apply_wall_time() {
    let project = Project::new();
    let runs = 15;
    let measure = |plan: String, label: &str| {
        project.write_plan(&plan);
        project.deploy("warm-up");
        let mut walls = Vec::new();
        for i in 0..runs {
            project.write_site(&format!("{label}-{i}"));
            let start = Instant::now();
            let run =
                project.sluice(&["apply", "--env", ENV, "--version", &format!("{label}-{i}")]);
            walls.push(start.elapsed());
            assert_eq!(run.code, 0, "{}", run.all());
        }
        median(walls)
    };
    let without_gates = measure(
        static_site_plan("")
            .lines()
            .take_while(|l| !l.starts_with("gates"))
            .collect::<Vec<_>>()
            .join("\n"),
        "bare",
    );
    let with_gates = measure(static_site_plan(""), "gated");
    println!(
        "sluice apply of a static site (whole process, compiled component cached, median of {runs})"
    );
    println!(
        "  no gates                       {} (target < 150 ms)",
        ms(without_gates)
    );
    println!(
        "  staged + live http gates       {} (gate time included)",
        ms(with_gates)
    );
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    plugin_load(&rt);
    apply_wall_time();
}
