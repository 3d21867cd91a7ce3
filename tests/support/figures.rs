//! Figures the benchmarks print.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sluice::caps::Provision;
use sluice::plan::model::{Grants, Limits};
use sluice::runtime::{ComponentBytes, LoadedPlugin, Runtime};

use super::project::{ENV, Project};
use super::release_dir::static_site_plan_with;

/// `d` in milliseconds, three decimals.
pub fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

/// The median of `samples` (which must not be empty).
pub fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// The median time of one `validate(config)` call of `plugin` (a fresh instance each, from its
/// `InstancePre`), over `calls` calls.
pub fn median_validate(
    rt: &tokio::runtime::Runtime,
    plugin: &LoadedPlugin,
    provision: &Provision,
    config: &str,
    calls: usize,
) -> Duration {
    let samples = (0..calls)
        .map(|_| {
            let start = Instant::now();
            rt.block_on(plugin.validate(provision, config))
                .expect("the plugin validates")
                .expect("the config is valid");
            start.elapsed()
        })
        .collect();
    median(samples)
}

/// What loading a component costs: its first compile, and the medians of 20 cached loads (a new
/// engine each, as a new `sluice` process has), of the `info()` call after each, and of both.
pub struct LoadCosts {
    /// Engine + compile + link, with an empty cache.
    pub cold: Duration,
    /// Engine + deserialize + link, from the cache.
    pub cached_load: Duration,
    /// Instantiate + `info()` after a cached load.
    pub first_call: Duration,
    /// A cached load and its `info()`, together.
    pub cached_with_call: Duration,
}

/// Measures [`LoadCosts`] for `bytes` (granted nothing), and returns the plugin loaded.
pub fn load_costs(
    rt: &tokio::runtime::Runtime,
    bytes: &ComponentBytes,
    provision: &Provision,
) -> (LoadCosts, LoadedPlugin) {
    let cache = tempfile::tempdir().expect("a temporary cache directory");
    let load = |runtime: &Runtime| {
        runtime
            .load("bench", bytes, Some(&Grants::default()), Limits::default())
            .expect("the component loads")
    };
    let cold_start = Instant::now();
    let runtime = Runtime::new(cache.path().to_path_buf()).expect("the runtime starts");
    let plugin = load(&runtime);
    let cold = cold_start.elapsed();

    let (mut loads, mut calls, mut both) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..20 {
        let start = Instant::now();
        let runtime = Runtime::new(cache.path().to_path_buf()).expect("the runtime starts");
        let cached = load(&runtime);
        let loaded = Instant::now();
        rt.block_on(cached.info(provision)).expect("info answers");
        loads.push(loaded - start);
        calls.push(loaded.elapsed());
        both.push(start.elapsed());
    }
    let costs = LoadCosts {
        cold,
        cached_load: median(loads),
        first_call: median(calls),
        cached_with_call: median(both),
    };
    (costs, plugin)
}

/// Prints the figures `make bench` shows for one language's release-dir example, built to
/// `wasm` (`label` says which): component size, first compile, cached load and first call,
/// instantiate + one lifecycle call (`validate`), and a whole `sluice apply` with no gates.
pub fn release_dir_figures(label: &str, wasm: &Path) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let bytes = ComponentBytes::file("site", wasm, None).expect("the component is readable");
    let provision = Provision::deny_all("site", "bench", Arc::new(super::DiscardLogs));
    let (costs, plugin) = load_costs(&rt, &bytes, &provision);
    let calls = 100;
    let config = r#"{"source":"/site","target":"/www"}"#;
    let per_call = median_validate(&rt, &plugin, &provision, config, calls);

    println!("{label} ({} KiB component)", bytes.bytes.len() / 1024);
    println!(
        "  first compile: engine + compile + link        {}",
        ms(costs.cold)
    );
    println!(
        "  cached: engine + deserialize + link           {} (median of 20)",
        ms(costs.cached_load)
    );
    println!(
        "  then instantiate + info() on that load        {} (median of 20)",
        ms(costs.first_call)
    );
    println!(
        "  cached load + info(), together                {} (median of 20; target < 5 ms)",
        ms(costs.cached_with_call)
    );
    println!(
        "  instantiate + one call (validate)             {} (median of {calls})",
        ms(per_call)
    );

    let project = Project::new();
    let plan = static_site_plan_with(wasm, "");
    let without_gates = &plan[..plan.find("gates = [").expect("the plan has gates")];
    project.write_plan(without_gates);
    project.deploy("warm-up");
    let runs = 15;
    let walls = (0..runs)
        .map(|i| {
            let version = format!("bare-{i}");
            project.write_site(&version);
            let start = Instant::now();
            let run = project.sluice(&["apply", "--env", ENV, "--version", &version]);
            assert_eq!(run.code, 0, "{}", run.all());
            start.elapsed()
        })
        .collect();
    println!(
        "  sluice apply, no gates (whole process, cached) {} (median of {runs})",
        ms(median(walls))
    );
}
