//! Health gates: `http` and `tcp` probed from the host (never from a plugin), and `plugin`
//! gates, whose every probe is one `check` call of a sandboxed gate plugin. An `http` or `tcp`
//! gate holding what a plugin staged is probed only where [`TargetPolicy`] allows.
//!
//! [`evaluate`] waits `initial_delay`, then probes every `interval` (each probe limited by
//! `timeout`) until `success_threshold` consecutive successes pass the gate, `failure_threshold`
//! consecutive failures fail it, or the `deadline` (counted from the start, initial delay
//! included) passes first. With soak, a passed gate keeps probing for `soak`, and a failure
//! streak during that time fails it after all. The [`Verdict`] says why in one line.

mod evaluate;
mod http;
mod plugin;
mod probe;
mod target;
mod tcp;
#[cfg(test)]
mod tests;
mod verdict;

pub use evaluate::{evaluate, evaluate_plugin};
pub use plugin::PluginGate;
pub use probe::Probe;
pub use target::{Decision, Target, TargetPolicy};
pub use verdict::Verdict;
