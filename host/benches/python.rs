//! `make bench` for Python plugins: the release-dir example built with componentize-py through
//! sdk/python. Component size, first compile, cached load, instantiate + one lifecycle call, and
//! a whole `sluice apply` with no gates. Prints figures; asserts nothing.

#[path = "../../tests/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::Instant;

use sluice::caps::Provision;
use sluice::runtime::ComponentBytes;
use support::DiscardLogs;
use support::figures::{load_costs, median, median_validate, ms};
use support::project::ENV;
use support::python::{RELEASE_DIR, built, release_dir_plan, release_dir_project};

const CONFIG: &str = r#"{"source":"/site","target":"/www"}"#;

fn plugin_load(rt: &tokio::runtime::Runtime) {
    let bytes = ComponentBytes::file("release-dir", &built(RELEASE_DIR), None).unwrap();
    let provision = Provision::deny_all("release-dir", "bench", Arc::new(DiscardLogs));
    let (costs, plugin) = load_costs(rt, &bytes, &provision);
    let calls = 200;
    let per_call = median_validate(rt, &plugin, &provision, CONFIG, calls);

    println!(
        "Python plugin load (release-dir via componentize-py, {} KiB component)",
        bytes.bytes.len() / 1024
    );
    println!(
        "  cold: engine + compile + link              {}",
        ms(costs.cold)
    );
    println!(
        "  cached: engine + deserialize + link        {} (median of 20)",
        ms(costs.cached_load)
    );
    println!(
        "  then instantiate + info() on that load     {} (median of 20; target for both < 5 ms)",
        ms(costs.first_call)
    );
    println!(
        "  instantiate + one call (validate) via InstancePre {} (median of {calls})",
        ms(per_call)
    );
}

fn apply_wall_time() {
    let project = release_dir_project("");
    let sha256 = support::sha256_file(&project.path().join("release-dir.wasm"));
    let plan = release_dir_plan(&sha256, "");
    let without_gates = &plan[..plan.find("gates = [").expect("the sample plan has gates")];
    project.write_plan(without_gates);
    project.deploy("warm-up");
    let runs = 15;
    let mut walls = Vec::new();
    for i in 0..runs {
        let version = format!("bare-{i}");
        project.write_site(&version);
        let start = Instant::now();
        let run = project.sluice(&["apply", "--env", ENV, "--version", &version]);
        walls.push(start.elapsed());
        assert_eq!(run.code, 0, "{}", run.all());
    }
    println!(
        "sluice apply with the Python release-dir (whole process, compiled component cached, median of {runs})"
    );
    println!("  no gates                       {}", ms(median(walls)));
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    plugin_load(&rt);
    apply_wall_time();
}
