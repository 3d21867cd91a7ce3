//! The contract rules a plugin is checked against, and what one check found.

use serde::Serialize;

/// One rule of the plugin contract (`wit/strategy.wit`), as `sluice plugins test` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// `info` returns a config schema that is a valid JSON Schema, and the config satisfies it.
    InfoSchema,
    /// `info`, `validate` and `plan` leave the granted trees as they were, and `info` and
    /// `validate` make no call that changes anything.
    ReadOnlyCalls,
    /// `plan`, called with `dry-run` set, makes no call that changes anything (even one whose
    /// effect it undoes).
    DryRunPlan,
    /// `rollback` of an upgrade succeeds after `prepare`, after `stage` and after `shift 100`,
    /// and a second `rollback` succeeds too and changes nothing more.
    RollbackIdempotent,
    /// The state `finalize` returns is accepted as `current` by the next deployment.
    StateRoundTrip,
    /// The whole lifecycle succeeds when every call runs in a fresh instance (nothing kept in
    /// memory between calls).
    FreshInstance,
}

impl Rule {
    /// Every rule, in the order they are checked and reported.
    pub const ALL: [Rule; 6] = [
        Rule::InfoSchema,
        Rule::ReadOnlyCalls,
        Rule::DryRunPlan,
        Rule::RollbackIdempotent,
        Rule::StateRoundTrip,
        Rule::FreshInstance,
    ];

    /// The rule's name in output.
    pub fn name(self) -> &'static str {
        match self {
            Rule::InfoSchema => "info-schema",
            Rule::ReadOnlyCalls => "read-only-calls",
            Rule::DryRunPlan => "dry-run-plan",
            Rule::RollbackIdempotent => "rollback-idempotent",
            Rule::StateRoundTrip => "state-round-trip",
            Rule::FreshInstance => "fresh-instance",
        }
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What checking a rule found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// The plugin keeps the rule.
    Pass,
    /// The plugin breaks the rule.
    Fail,
    /// The rule could not be checked because a call it needs failed (another rule names it).
    Skipped,
}

impl Status {
    /// The status in human output.
    pub fn label(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::Skipped => "SKIP",
        }
    }
}

/// The finding for one rule, with the evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// The rule.
    pub rule: Rule,
    /// Whether the plugin keeps it.
    pub status: Status,
    /// What was observed, in one line.
    pub evidence: String,
}

impl Verdict {
    /// The plugin keeps `rule`, as `evidence` shows.
    pub fn pass(rule: Rule, evidence: impl Into<String>) -> Verdict {
        Verdict {
            rule,
            status: Status::Pass,
            evidence: evidence.into(),
        }
    }

    /// The plugin breaks `rule`, as `evidence` shows.
    pub fn fail(rule: Rule, evidence: impl Into<String>) -> Verdict {
        Verdict {
            rule,
            status: Status::Fail,
            evidence: evidence.into(),
        }
    }

    /// `rule` could not be checked, for the reason in `evidence`.
    pub fn skipped(rule: Rule, evidence: impl Into<String>) -> Verdict {
        Verdict {
            rule,
            status: Status::Skipped,
            evidence: evidence.into(),
        }
    }
}
