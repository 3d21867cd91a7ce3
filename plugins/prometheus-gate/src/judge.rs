//! The verdict from the values seen: bounds first, then the comparison with the baseline.

use sluice_sdk::Verdict;

use crate::config::{Compare, Config};
use crate::query::Sample;

/// One query as sent for one version, and what it returned.
pub struct Seen {
    /// The version it was asked for.
    pub version: String,
    /// The query, variables replaced.
    pub query: String,
    /// What it returned.
    pub sample: Sample,
}

impl Seen {
    /// `` `QUERY` = 0.25 ``.
    fn equals(&self, value: f64) -> String {
        format!("`{}` = {}", self.query, show(value))
    }

    /// The value, or the verdict when there is no single number to judge: empty and NaN are
    /// inconclusive, several series a failure.
    fn value(&self) -> Result<f64, Verdict> {
        match self.sample {
            Sample::One(value) if value.is_nan() => Err(Verdict::inconclusive(format!(
                "`{}` = NaN (not a number: for a ratio, there was nothing to divide by, such as \
                 no requests yet)",
                self.query
            ))),
            Sample::One(value) => Ok(value),
            Sample::Empty => Err(Verdict::inconclusive(format!(
                "`{}` returned an empty result (no series: no data yet for {}?)",
                self.query, self.version
            ))),
            Sample::Many(count) => Err(Verdict::fail(format!(
                "`{}` returned {count} series, expected one series (aggregate it, e.g. with \
                 sum(...))",
                self.query
            ))),
        }
    }
}

/// The verdict on `canary` by `config`'s bounds, then, with `compare`, against `baseline`
/// (none: there is no baseline version, and the comparison passes saying so).
pub fn judge(config: &Config, canary: &Seen, baseline: Option<&Seen>) -> Verdict {
    let value = match canary.value() {
        Ok(value) => value,
        Err(verdict) => return verdict,
    };
    let seen = canary.equals(value);
    if let Some(min) = config.min
        && value < min
    {
        return Verdict::fail(format!("{seen}, below min {}", show(min)));
    }
    if let Some(max) = config.max
        && value > max
    {
        return Verdict::fail(format!("{seen}, above max {}", show(max)));
    }
    let bounds = match (config.min, config.max) {
        (Some(min), Some(max)) => format!("{seen}, within min {} and max {}", show(min), show(max)),
        (Some(min), None) => format!("{seen}, at least min {}", show(min)),
        (None, Some(max)) => format!("{seen}, at most max {}", show(max)),
        (None, None) => seen,
    };
    let Some(compare) = &config.compare else {
        return Verdict::pass(bounds);
    };
    let Some(baseline) = baseline else {
        return Verdict::pass(format!(
            "{bounds}; no baseline version (a first deployment): nothing to compare with"
        ));
    };
    let base = match baseline.value() {
        Ok(base) => base,
        Err(verdict) => {
            return Verdict {
                evidence: format!("baseline {}: {}", baseline.version, verdict.evidence),
                ..verdict
            };
        }
    };
    let both = format!(
        "{} {bounds}; baseline {} {}",
        canary.version,
        baseline.version,
        baseline.equals(base)
    );
    match worse(compare, value, base) {
        Some(why) => Verdict::fail(format!(
            "{both}: {} is worse than its baseline ({why}; a higher value is worse)",
            canary.version
        )),
        None => Verdict::pass(format!(
            "{both}: not worse than the baseline by more than the margin"
        )),
    }
}

/// Why `value` is worse than `base` by more than `compare` allows, if it is.
fn worse(compare: &Compare, value: f64, base: f64) -> Option<String> {
    if let Some(max_increase) = compare.max_increase {
        let increase = value - base;
        if increase > max_increase {
            return Some(format!(
                "up {} > max_increase {}",
                show(increase),
                show(max_increase)
            ));
        }
    }
    if let Some(max_ratio) = compare.max_ratio {
        let above = if base > 0.0 {
            value / base > max_ratio
        } else {
            value > 0.0
        };
        if above {
            let ratio = if base > 0.0 {
                format!("{}x", show(value / base))
            } else {
                "from 0".to_owned()
            };
            return Some(format!("ratio {ratio} > max_ratio {}", show(max_ratio)));
        }
    }
    None
}

/// A value as people read it: at most 4 decimals, no trailing zeros.
fn show(value: f64) -> String {
    if value.is_infinite() {
        return if value > 0.0 { "+Inf" } else { "-Inf" }.to_owned();
    }
    let text = format!("{value:.4}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_owned()
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sluice_sdk::GateOutcome;

    fn config(min: Option<f64>, max: Option<f64>, compare: Option<Compare>) -> Config {
        Config {
            url: "http://p:9090".into(),
            query: "q".into(),
            min,
            max,
            compare,
        }
    }

    /// A config with `compare` only.
    fn comparing(max_increase: Option<f64>, max_ratio: Option<f64>) -> Config {
        config(
            None,
            None,
            Some(Compare {
                max_increase,
                max_ratio,
            }),
        )
    }

    fn seen(version: &str, sample: Sample) -> Seen {
        Seen {
            version: version.into(),
            query: format!("errors{{version=\"{version}\"}}"),
            sample,
        }
    }

    fn outcome(verdict: &Verdict) -> &'static str {
        match verdict.outcome {
            GateOutcome::Pass => "pass",
            GateOutcome::Fail => "fail",
            GateOutcome::Inconclusive => "inconclusive",
        }
    }

    #[test]
    fn a_value_within_max_passes_and_one_above_fails_quoting_query_and_value() {
        let max = config(None, Some(0.05), None);
        let ok = judge(&max, &seen("v2", Sample::One(0.01)), None);
        assert_eq!(outcome(&ok), "pass");
        assert_eq!(
            ok.evidence,
            r#"`errors{version="v2"}` = 0.01, at most max 0.05"#
        );
        let bad = judge(&max, &seen("v2", Sample::One(0.2)), None);
        assert_eq!(outcome(&bad), "fail");
        assert_eq!(
            bad.evidence,
            r#"`errors{version="v2"}` = 0.2, above max 0.05"#
        );
        let low = judge(
            &config(Some(1.0), None, None),
            &seen("v2", Sample::One(0.5)),
            None,
        );
        assert_eq!(low.evidence, r#"`errors{version="v2"}` = 0.5, below min 1"#);
    }

    #[test]
    fn empty_and_nan_are_inconclusive_and_several_series_fail_each_saying_so() {
        let max = config(None, Some(1.0), None);
        let empty = judge(&max, &seen("v2", Sample::Empty), None);
        assert_eq!(outcome(&empty), "inconclusive");
        assert!(
            empty.evidence.contains("returned an empty result"),
            "{}",
            empty.evidence
        );
        let nan = judge(&max, &seen("v2", Sample::One(f64::NAN)), None);
        assert_eq!(outcome(&nan), "inconclusive");
        assert!(nan.evidence.contains("= NaN"), "{}", nan.evidence);
        let many = judge(&max, &seen("v2", Sample::Many(3)), None);
        assert_eq!(outcome(&many), "fail");
        assert!(
            many.evidence
                .contains("returned 3 series, expected one series"),
            "{}",
            many.evidence
        );
    }

    #[test]
    fn a_canary_worse_than_its_baseline_by_more_than_the_margin_fails() {
        let compare = comparing(Some(0.05), None);
        let baseline = seen("v1", Sample::One(0.0));
        let bad = judge(&compare, &seen("v2", Sample::One(0.2)), Some(&baseline));
        assert_eq!(outcome(&bad), "fail");
        assert_eq!(
            bad.evidence,
            r#"v2 `errors{version="v2"}` = 0.2; baseline v1 `errors{version="v1"}` = 0: v2 is worse than its baseline (up 0.2 > max_increase 0.05; a higher value is worse)"#
        );
        let good = judge(&compare, &seen("v2", Sample::One(0.01)), Some(&baseline));
        assert_eq!(outcome(&good), "pass");
    }

    #[test]
    fn the_ratio_margin_compares_multiples_and_any_rise_from_zero_exceeds_it() {
        let ratio = comparing(None, Some(1.5));
        let verdict = |value, base| {
            outcome(&judge(
                &ratio,
                &seen("v2", Sample::One(value)),
                Some(&seen("v1", Sample::One(base))),
            ))
        };
        assert_eq!(verdict(0.14, 0.1), "pass");
        assert_eq!(verdict(0.16, 0.1), "fail");
        assert_eq!(verdict(0.0, 0.0), "pass");
        assert_eq!(verdict(0.01, 0.0), "fail");
    }

    #[test]
    fn without_a_baseline_the_comparison_passes_saying_there_was_nothing_to_compare() {
        let compare = comparing(Some(0.0), None);
        let verdict = judge(&compare, &seen("v2", Sample::One(0.3)), None);
        assert_eq!(outcome(&verdict), "pass");
        assert!(
            verdict.evidence.contains("nothing to compare with"),
            "{}",
            verdict.evidence
        );
    }

    #[test]
    fn a_baseline_without_data_makes_the_comparison_inconclusive_naming_the_baseline() {
        let compare = comparing(Some(0.0), None);
        let verdict = judge(
            &compare,
            &seen("v2", Sample::One(0.0)),
            Some(&seen("v1", Sample::Empty)),
        );
        assert_eq!(outcome(&verdict), "inconclusive");
        assert!(
            verdict.evidence.starts_with("baseline v1: "),
            "{}",
            verdict.evidence
        );
    }
}
