//! Figures the benchmarks print.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sluice::caps::Provision;
use sluice::plan::model::{Grants, Limits};
use sluice::runtime::{ComponentBytes, LoadedPlugin, Runtime};

use super::project::{ENV, Project};
use super::release_dir::static_site_plan_with;

/// One deploy as a benchmark compares it with a vendor's tool: its wall time and the bytes it
/// sent.
pub struct Upload {
    pub wall: Duration,
    pub bytes: u64,
}

/// Prints one row comparing sluice's `ours` with the tool `tool`'s `theirs` (`aws cli`,
/// `wrangler`): seconds, MiB, and the ratios sluice / tool (NaN bytes when the tool sent none).
pub fn comparison_row(what: &str, ours: &Upload, tool: &str, theirs: &Upload) {
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    println!(
        "  {what:<22} sluice {:>7.2} s {:>7.2} MiB | {tool} {:>7.2} s {:>7.2} MiB | time ratio {:.2}, bytes ratio {:.2}",
        ours.wall.as_secs_f64(),
        mib(ours.bytes),
        theirs.wall.as_secs_f64(),
        mib(theirs.bytes),
        ours.wall.as_secs_f64() / theirs.wall.as_secs_f64(),
        if theirs.bytes == 0 {
            f64::NAN
        } else {
            ours.bytes as f64 / theirs.bytes as f64
        },
    );
}

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

/// What `make bench` measures of one language's release-dir example.
pub struct LanguageFigures {
    /// The component's size, in bytes.
    pub size: usize,
    /// Its first compile and its cached loads.
    pub load: LoadCosts,
    /// Instantiate + one lifecycle call (`validate`), from one load (median of 100).
    pub call: Duration,
    /// A whole `sluice apply` with no gates, compiled component cached (median of 15).
    pub apply: Duration,
}

/// Measures [`LanguageFigures`] for the release-dir example built to `wasm`.
pub fn release_dir_figures(wasm: &Path) -> LanguageFigures {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let bytes = ComponentBytes::file("site", wasm, None).expect("the component is readable");
    let provision = Provision::deny_all("site", "bench", Arc::new(super::DiscardLogs));
    let (load, plugin) = load_costs(&rt, &bytes, &provision);
    let config = r#"{"source":"/site","target":"/www"}"#;
    let call = median_validate(&rt, &plugin, &provision, config, 100);

    let project = Project::new();
    let plan = static_site_plan_with(wasm, "");
    let without_gates = &plan[..plan.find("gates = [").expect("the plan has gates")];
    project.write_plan(without_gates);
    project.deploy("warm-up");
    let walls = (0..15)
        .map(|i| {
            let version = format!("bare-{i}");
            project.write_site(&version);
            let start = Instant::now();
            let run = project.sluice(&["apply", "--env", ENV, "--version", &version]);
            assert_eq!(run.code, 0, "{}", run.all());
            start.elapsed()
        })
        .collect();
    LanguageFigures {
        size: bytes.bytes.len(),
        load,
        call,
        apply: median(walls),
    }
}
