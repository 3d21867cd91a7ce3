//! Figures the benchmarks print.

use std::time::Duration;

/// `d` in milliseconds, three decimals.
pub fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

/// The median of `samples` (which must not be empty).
pub fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}
