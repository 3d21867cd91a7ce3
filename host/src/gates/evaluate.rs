//! The probing loop: thresholds, deadline and soak.

use std::time::Duration;

use tokio::time::{Instant, sleep_until, timeout_at};

use super::plugin::PluginGate;
use super::probe::{Observation, Probe, Prober};
use super::target::TargetPolicy;
use super::verdict::{Verdict, count};
use crate::plan::model::{GateCheck, GateTiming};

/// Evaluates one gate the host probes itself (`http`, `tcp`): probes `check` as `timing` says,
/// calling `observe` after every probe. With `soak`, a passed gate keeps probing for
/// `timing.soak` before its verdict is given. With `policy` (the check holds what a plugin
/// staged), every probe's target is checked by it first, and a refusal fails the gate at once. A
/// `plugin` check needs its plugin: see [`evaluate_plugin`].
pub async fn evaluate(
    check: &GateCheck,
    timing: &GateTiming,
    soak: bool,
    policy: Option<&TargetPolicy>,
    observe: &(dyn Fn(&Probe) + Send + Sync),
) -> Verdict {
    match Prober::new(check, timing.timeout, policy) {
        Ok(prober) => probe_and_decide(prober, timing, soak, observe).await,
        Err(error) => Verdict::new(false, format!("failed: {error}"), 0, None),
    }
}

/// Evaluates one gate whose check is a gate plugin's, as [`evaluate`] does.
pub async fn evaluate_plugin(
    gate: &PluginGate,
    timing: &GateTiming,
    soak: bool,
    observe: &(dyn Fn(&Probe) + Send + Sync),
) -> Verdict {
    probe_and_decide(Prober::Plugin(gate), timing, soak, observe).await
}

/// The probing loop of one gate, and its verdict.
async fn probe_and_decide(
    prober: Prober<'_>,
    timing: &GateTiming,
    soak: bool,
    observe: &(dyn Fn(&Probe) + Send + Sync),
) -> Verdict {
    let started = Instant::now();
    let mut run = Run {
        prober,
        timing,
        observe,
        start_period_ends: later(started, timing.start_period),
        tally: Tally::default(),
    };

    let gate = Phase {
        first_probe_at: later(started, timing.initial_delay),
        end: later(started, timing.deadline),
        until: Until::Threshold(timing.success_threshold.max(1)),
    };
    let passed_after = match run.probe_until(&gate).await {
        Ending::Succeeded => run.tally.attempts,
        Ending::Failed => return run.verdict(false, format!("failed: {}", run.failure_streak())),
        Ending::TimeUp => return run.verdict(false, run.deadline_passed()),
        Ending::Refused(reason) => return run.verdict(false, format!("refused: {reason}")),
    };
    let summary = format!(
        "passed: {} after {}",
        count(
            run.tally.successes,
            "consecutive success",
            "consecutive successes"
        ),
        count(passed_after, "probe", "probes"),
    );
    if !soak || timing.soak.is_zero() {
        return run.verdict(true, summary);
    }

    let soak_started = Instant::now();
    let soaking = Phase {
        first_probe_at: later(soak_started, timing.interval),
        end: later(soak_started, timing.soak),
        until: Until::SucceededAtOrAfterEnd,
    };
    run.tally.successes = 0;
    run.tally.failures = 0;
    match run.probe_until(&soaking).await {
        Ending::Failed => run.verdict(
            false,
            format!("failed during soak: {}", run.failure_streak()),
        ),
        Ending::Refused(reason) => run.verdict(false, format!("refused during soak: {reason}")),
        Ending::Succeeded | Ending::TimeUp => {
            let soak_probes = run.tally.attempts - passed_after;
            let watched = Duration::from_millis(
                u64::try_from(soak_started.elapsed().as_millis()).unwrap_or(u64::MAX),
            );
            let summary = format!(
                "{summary}, then soaked {} over {}",
                humantime::format_duration(watched),
                count(soak_probes, "probe", "probes")
            );
            run.verdict(true, summary)
        }
    }
}

/// A stretch of probing: the gate itself, or the soak after it.
struct Phase {
    /// When the first probe runs.
    first_probe_at: Instant,
    /// The gate's deadline, or the end of the soak window.
    end: Instant,
    /// What ends the phase with success.
    until: Until,
}

/// What ends a phase with success (a failure streak of `failure_threshold` always ends it).
enum Until {
    /// The gate: this many consecutive successes, before `end`. A probe still running at `end`
    /// is abandoned, uncounted, and the phase ends at `end`.
    Threshold(u32),
    /// The soak: a successful probe that started at or after `end`, so the whole window is
    /// watched and the last word is a success.
    SucceededAtOrAfterEnd,
}

/// How a phase ended.
enum Ending {
    /// The success threshold was reached.
    Succeeded,
    /// The failure threshold was reached.
    Failed,
    /// The end came first.
    TimeUp,
    /// The gate target policy refused the target, for this reason.
    Refused(String),
}

/// Counts of the probes so far.
#[derive(Default)]
struct Tally {
    /// Probes run.
    attempts: u32,
    /// The current streak of successes.
    successes: u32,
    /// The current streak of failures (those that count: see [`Run::start_period_ends`]).
    failures: u32,
    /// Whether any probe has succeeded.
    succeeded_once: bool,
    /// What the last probe saw.
    last: Option<String>,
}

/// One gate being evaluated.
struct Run<'a> {
    prober: Prober<'a>,
    timing: &'a GateTiming,
    observe: &'a (dyn Fn(&Probe) + Send + Sync),
    /// Until then, failures before the first success do not count toward the threshold.
    start_period_ends: Instant,
    tally: Tally,
}

impl Run<'_> {
    /// Probes every `interval` from `phase.first_probe_at` until the phase ends as
    /// [`Until`] says, or a failure streak reaches the threshold.
    async fn probe_until(&mut self, phase: &Phase) -> Ending {
        let failure_threshold = self.timing.failure_threshold.max(1);
        let mut probe_at = phase.first_probe_at;
        loop {
            if matches!(phase.until, Until::Threshold(_)) && probe_at >= phase.end {
                return Ending::TimeUp;
            }
            sleep_until(probe_at).await;
            let probe_started = Instant::now();
            let probe = self
                .prober
                .probe(self.tally.attempts + 1, self.timing.timeout);
            let observation = match phase.until {
                Until::Threshold(_) => match timeout_at(phase.end, probe).await {
                    Ok(observation) => observation,
                    Err(_) => return Ending::TimeUp,
                },
                Until::SucceededAtOrAfterEnd => probe.await,
            };
            let ok = observation.ok;
            let refused = observation.refused.then(|| observation.detail.clone());
            self.record(observation, probe_started);
            if let Some(reason) = refused {
                return Ending::Refused(reason);
            }
            let succeeded = match phase.until {
                Until::Threshold(threshold) => self.tally.successes >= threshold,
                Until::SucceededAtOrAfterEnd => ok && probe_started >= phase.end,
            };
            if succeeded {
                return Ending::Succeeded;
            }
            if self.tally.failures >= failure_threshold {
                return Ending::Failed;
            }
            probe_at = later(probe_started, self.timing.interval);
        }
    }

    /// Counts one probe (started at `started`) and shows it to the observer.
    fn record(&mut self, observation: Observation, started: Instant) {
        let tally = &mut self.tally;
        tally.attempts += 1;
        if observation.ok {
            tally.successes += 1;
            tally.failures = 0;
            tally.succeeded_once = true;
        } else {
            tally.successes = 0;
            if tally.succeeded_once || started >= self.start_period_ends {
                tally.failures += 1;
            }
        }
        (self.observe)(&Probe {
            attempt: tally.attempts,
            ok: observation.ok,
            detail: observation.detail.clone(),
        });
        tally.last = Some(observation.detail);
    }

    /// `3 consecutive failures`.
    fn failure_streak(&self) -> String {
        count(
            self.tally.failures,
            "consecutive failure",
            "consecutive failures",
        )
    }

    /// `deadline 10s passed after 12 probes`.
    fn deadline_passed(&self) -> String {
        let deadline = humantime::format_duration(self.timing.deadline);
        match self.tally.attempts {
            0 => format!("failed: deadline {deadline} passed before any probe completed"),
            attempts => format!(
                "failed: deadline {deadline} passed after {}",
                count(attempts, "probe", "probes")
            ),
        }
    }

    /// The verdict, with what the last probe saw.
    fn verdict(&self, passed: bool, summary: String) -> Verdict {
        Verdict::new(
            passed,
            summary,
            self.tally.attempts,
            self.tally.last.clone(),
        )
    }
}

/// `at + wait`, or a moment far enough away to never come when that cannot be represented.
fn later(at: Instant, wait: Duration) -> Instant {
    const CENTURY: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);
    at.checked_add(wait).unwrap_or_else(|| at + CENTURY)
}
