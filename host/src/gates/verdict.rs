//! A gate's verdict and how its reason reads.

/// How a gate ended, and why, in words for people and the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Whether the gate passed.
    pub passed: bool,
    /// Why, e.g. `passed: 3 consecutive successes after 4 probes (last: HTTP 200)` or
    /// `failed: deadline 10s passed after 12 probes (last: connection refused)`.
    pub reason: String,
    /// How many probes ran.
    pub attempts: u32,
    /// What the last probe saw, if any ran.
    pub last: Option<String>,
}

impl Verdict {
    /// A verdict whose reason is `summary` followed by what the last probe saw.
    pub(super) fn new(
        passed: bool,
        summary: String,
        attempts: u32,
        last: Option<String>,
    ) -> Verdict {
        let reason = match &last {
            Some(last) => format!("{summary} (last: {last})"),
            None => summary,
        };
        Verdict {
            passed,
            reason,
            attempts,
            last,
        }
    }
}

/// `1 probe`, `3 probes`.
pub(super) fn count(n: u32, one: &str, many: &str) -> String {
    match n {
        1 => format!("1 {one}"),
        n => format!("{n} {many}"),
    }
}
