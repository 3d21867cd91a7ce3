//! The typed gate a gate plugin implements, and the adapter that exports it as the untyped WIT
//! `gate` interface.

use std::marker::PhantomData;

use crate::raw_gate::Guest;
use crate::{Diagnostic, Error, GateContext, GateOutcome, PluginInfo, UnitConfig, Verdict};

/// A gate: one check of a deployed version, asked at every probe of a gate naming the plugin.
///
/// The SDK parses the gate's config JSON into [`Gate::Config`] (and runs its
/// [`UnitConfig::problems`]) before every `check`, so a gate never sees a config that does not
/// parse; one that does not is `invalid-config` without calling it. Every call gets a fresh
/// instance, so the functions take no `self`.
pub trait Gate {
    /// The gate's `config` table.
    type Config: UnitConfig;

    /// Name, version, description, config schema and features. Must not touch anything.
    fn info() -> PluginInfo;

    /// Checks a gate's config beyond its JSON Schema. Must not touch anything.
    /// By default: every problem of [`UnitConfig::check`].
    fn validate(config: &str) -> Result<(), Vec<Diagnostic>> {
        Self::Config::check(config)
    }

    /// Checks `ctx.version` once: pass, fail or inconclusive, with the evidence.
    fn check(ctx: &GateContext, config: &Self::Config) -> Result<Verdict, Error>;
}

/// The untyped WIT gate of `G`: what [`export_gate!`](crate::export_gate) exports.
pub struct ExportedGate<G>(PhantomData<G>);

impl<G: Gate> Guest for ExportedGate<G> {
    fn info() -> PluginInfo {
        G::info()
    }

    fn validate(config: String) -> Result<(), Vec<Diagnostic>> {
        G::validate(&config)
    }

    fn check(ctx: GateContext, config: String) -> Result<Verdict, Error> {
        G::check(&ctx, &G::Config::load(&config)?)
    }
}

impl Verdict {
    /// A passing check, with what it saw.
    pub fn pass(evidence: impl Into<String>) -> Verdict {
        Verdict::new(GateOutcome::Pass, evidence)
    }

    /// A failing check, with what it saw.
    pub fn fail(evidence: impl Into<String>) -> Verdict {
        Verdict::new(GateOutcome::Fail, evidence)
    }

    /// A check that could not tell, with why.
    pub fn inconclusive(evidence: impl Into<String>) -> Verdict {
        Verdict::new(GateOutcome::Inconclusive, evidence)
    }

    fn new(outcome: GateOutcome, evidence: impl Into<String>) -> Verdict {
        Verdict {
            outcome,
            evidence: evidence.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    /// Needs `max`, not negative.
    #[derive(Deserialize)]
    struct Max {
        max: f64,
    }

    impl UnitConfig for Max {
        fn problems(&self) -> Vec<Diagnostic> {
            if self.max < 0.0 {
                vec![Diagnostic::new("max", "must not be negative")]
            } else {
                Vec::new()
            }
        }
    }

    /// Passes when the attempt number is at most `max`.
    struct Attempts;

    impl Gate for Attempts {
        type Config = Max;

        fn info() -> PluginInfo {
            PluginInfo {
                name: "attempts".into(),
                version: "0.1.0".into(),
                description: "test".into(),
                config_schema: "{}".into(),
                features: Vec::new(),
            }
        }

        fn check(ctx: &GateContext, config: &Max) -> Result<Verdict, Error> {
            let evidence = format!("attempt {} against max {}", ctx.attempt, config.max);
            Ok(if f64::from(ctx.attempt) <= config.max {
                Verdict::pass(evidence)
            } else {
                Verdict::fail(evidence)
            })
        }
    }

    type Plugin = ExportedGate<Attempts>;

    fn ctx(attempt: u32) -> GateContext {
        GateContext {
            deployment_id: "d1".into(),
            environment: "staging".into(),
            unit: "web".into(),
            version: "v2".into(),
            baseline_version: Some("v1".into()),
            attempt,
        }
    }

    #[test]
    fn check_gets_the_config_parsed_into_the_gates_type() {
        let verdict = Plugin::check(ctx(2), r#"{"max": 1}"#.into()).unwrap();
        assert!(matches!(verdict.outcome, GateOutcome::Fail));
        assert_eq!(verdict.evidence, "attempt 2 against max 1");
        let verdict = Plugin::check(ctx(1), r#"{"max": 1}"#.into()).unwrap();
        assert!(matches!(verdict.outcome, GateOutcome::Pass));
    }

    #[test]
    fn a_config_with_a_problem_is_invalid_before_the_gate_runs() {
        let Err(Error::InvalidConfig(message)) = Plugin::check(ctx(1), r#"{"max": -1}"#.into())
        else {
            panic!("a config with a problem was accepted");
        };
        assert_eq!(message, "max: must not be negative");
        assert_eq!(
            Plugin::validate(r#"{"max": -1}"#.into()).unwrap_err()[0].path,
            "max"
        );
    }
}
