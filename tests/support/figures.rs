//! Figures the benchmarks print.

use std::time::{Duration, Instant};

use sluice::caps::Provision;
use sluice::runtime::LoadedPlugin;

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
