//! `make bench` for JavaScript/TypeScript plugins: the example `release-dir-ts` (built with the
//! JS SDK and componentize-js) — component size, first compile, cached load, instantiate + one
//! lifecycle call, and a whole `sluice apply` with no gates. Prints figures; asserts nothing.

#[path = "../../tests/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::Instant;

use sluice::caps::Provision;
use sluice::runtime::ComponentBytes;
use support::DiscardLogs;
use support::figures::{load_costs, median, median_validate, ms};
use support::js::{Build, example_component};
use support::project::{ENV, Project, static_site_plan};

const CONFIG: &str = r#"{"source":"/site","target":"/www"}"#;

fn load_and_call(rt: &tokio::runtime::Runtime, bytes: &ComponentBytes) {
    let provision = Provision::deny_all("site", "bench", Arc::new(DiscardLogs));
    let (costs, plugin) = load_costs(rt, bytes, &provision);
    let calls = 100;
    let per_call = median_validate(rt, &plugin, &provision, CONFIG, calls);

    println!(
        "JS plugin release-dir-ts (TypeScript, componentize-js 0.23, {} KiB component)",
        bytes.bytes.len() / 1024
    );
    println!(
        "  first compile: engine + compile + link      {}",
        ms(costs.cold)
    );
    println!(
        "  cached: engine + deserialize + link + info() {} (median of 20; target < 5 ms)",
        ms(costs.cached_with_call)
    );
    println!(
        "  instantiate + one call (validate)           {} (median of {calls})",
        ms(per_call)
    );
}

fn apply_without_gates(wasm: &std::path::Path) {
    let project = Project::new();
    let plan = static_site_plan("")
        .lines()
        .take_while(|l| !l.starts_with("gates"))
        .collect::<Vec<_>>()
        .join("\n")
        .replace(
            "source = \"builtin:static-site\"",
            &format!(
                "source = {:?}\nsha256 = \"{}\"",
                wasm.display().to_string(),
                support::sha256_file(wasm)
            ),
        );
    project.write_plan(&plan);
    project.deploy("warm-up");
    let runs = 10;
    let mut walls = Vec::new();
    for i in 0..runs {
        let version = format!("v{i}");
        project.write_site(&version);
        let start = Instant::now();
        let run = project.sluice(&["apply", "--env", ENV, "--version", &version]);
        walls.push(start.elapsed());
        assert_eq!(run.code, 0, "{}", run.all());
    }
    println!(
        "  sluice apply, no gates (whole process, cached) {} (median of {runs})",
        ms(median(walls))
    );
}

fn main() {
    let wasm = example_component("release-dir-ts", Build::Documented);
    let bytes = ComponentBytes::file("site", &wasm, None).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    load_and_call(&rt, &bytes);
    apply_without_gates(&wasm);
}
