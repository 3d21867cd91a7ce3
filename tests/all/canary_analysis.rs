//! Progressive delivery end to end, every part real: the `container` strategy's canary steps
//! through HAProxy, analysed at each step by `builtin:prometheus-gate` on a Prometheus that
//! scrapes HAProxy's per-server counters, under continuous load. A version that fails a fifth of
//! its requests (`sluice-test-web:flaky`) is stopped at its first step, by an error-rate bound and
//! by the comparison with the version it would replace.

use crate::support::canary::Canary;
use crate::support::prometheus::quoted_value;

#[test]
fn a_canary_erring_on_a_fifth_of_its_requests_is_stopped_at_its_first_step_by_the_error_rate_gate()
{
    let canary = Canary::of_the_flaky_version("canary-rate", "max = 0.05");
    canary.assert_stopped_at_the_first_step();
    let text = canary.run.all();
    let rate = quoted_value(&text, &canary.query("flaky"));
    assert!(
        (0.1..=0.3).contains(&rate),
        "the reason quotes the query and an error rate near 20%: {text}"
    );
    assert!(text.contains("above max 0.05"), "{text}");
    assert!(
        text.contains("at step 1 of 3 (weight 10%)") && text.contains("weight back to 0%"),
        "the reason names the step and the weight going back to 0: {text}"
    );
}

#[test]
fn a_canary_erring_on_a_fifth_of_its_requests_is_stopped_at_its_first_step_by_the_comparison_with_its_baseline()
 {
    let canary =
        Canary::of_the_flaky_version("canary-compare", "compare = { max_increase = 0.05 }");
    canary.assert_stopped_at_the_first_step();
    let text = canary.run.all();
    assert!(
        text.contains("flaky is worse than its baseline (up "),
        "the comparison judged the canary against v1: {text}"
    );
    let canary_rate = quoted_value(&text, &canary.query("flaky"));
    let baseline_rate = quoted_value(&text, &canary.query("v1"));
    assert!((0.1..=0.3).contains(&canary_rate), "{text}");
    assert_eq!(baseline_rate, 0.0, "the baseline's value is quoted: {text}");
}
