//! The `plugin` check: a gate plugin's `check`, called once per probe, each call in a fresh
//! instance reaching only what the plan grants that plugin.

use std::sync::Arc;
use std::time::Duration;

use super::probe::{Observation, timed_out};
use crate::caps::Provision;
use crate::plan::model::Inconclusive;
use crate::runtime::LoadedPlugin;
use crate::wit::gate::{GateContext, GateOutcome};

/// The most characters of a gate plugin's evidence (or error) a probe's detail keeps.
const MAX_DETAIL_CHARS: usize = 2048;

/// A gate plugin, ready to be asked again and again about one version.
pub struct PluginGate {
    /// The loaded gate plugin.
    pub plugin: Arc<LoadedPlugin>,
    /// What it may reach: its own grants.
    pub provision: Provision,
    /// What it checks; `attempt` is set per probe.
    pub context: GateContext,
    /// The gate's config as JSON, interpolated (but `${version}`, `${unit}`, `${environment}`).
    pub config: String,
    /// What an inconclusive check counts as.
    pub inconclusive: Inconclusive,
}

impl PluginGate {
    /// Asks the plugin once, as probe number `attempt`, giving up after `timeout`. Its verdict is
    /// the detail (`pass: EVIDENCE`, `fail: EVIDENCE`, `inconclusive: EVIDENCE`), an `error` it
    /// returns is a failure reading `error: ...`, and a trap or limit is a failure naming it. What
    /// the plugin wrote is kept to one line of at most [`MAX_DETAIL_CHARS`] characters.
    pub(super) async fn probe(&self, attempt: u32, timeout: Duration) -> Observation {
        let observation = self.ask(attempt, timeout).await;
        Observation {
            detail: one_line(&observation.detail),
            ..observation
        }
    }

    async fn ask(&self, attempt: u32, timeout: Duration) -> Observation {
        let ctx = GateContext {
            attempt,
            ..self.context.clone()
        };
        let call = self.plugin.check(&self.provision, &ctx, &self.config);
        let verdict = match tokio::time::timeout(timeout, call).await {
            Err(_) => return Observation::failure(timed_out(timeout)),
            Ok(Err(stopped)) => return Observation::failure(stopped.to_string()),
            Ok(Ok(Err(error))) => {
                return Observation::failure(format!("error: {}", crate::wit::error_text(&error)));
            }
            Ok(Ok(Ok(verdict))) => verdict,
        };
        let evidence = verdict.evidence;
        match (verdict.outcome, self.inconclusive) {
            (GateOutcome::Pass, _) => Observation::success(format!("pass: {evidence}")),
            (GateOutcome::Fail, _) => Observation::failure(format!("fail: {evidence}")),
            (GateOutcome::Inconclusive, Inconclusive::Fail) => {
                Observation::failure(format!("inconclusive: {evidence}"))
            }
            (GateOutcome::Inconclusive, Inconclusive::Pass) => {
                Observation::success(format!("inconclusive (counted as a pass): {evidence}"))
            }
        }
    }
}

/// `text` as one line (control characters, line breaks included, become spaces), cut to
/// [`MAX_DETAIL_CHARS`] characters with `…` when longer.
fn one_line(text: &str) -> String {
    let mut line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_DETAIL_CHARS)
        .collect();
    if text.chars().nth(MAX_DETAIL_CHARS).is_some() {
        line.push('…');
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plugins_text_becomes_one_bounded_line() {
        assert_eq!(
            one_line("fail: x\n[web] succeeded\r\u{1b}[2J"),
            "fail: x [web] succeeded  [2J"
        );
        let long = one_line(&"e".repeat(MAX_DETAIL_CHARS + 10));
        assert_eq!(long.chars().count(), MAX_DETAIL_CHARS + 1);
        assert!(long.ends_with('…'));
    }
}
