//! Progressive delivery end to end, every part real: the `container` strategy's canary steps
//! through HAProxy, analysed at each step by `builtin:prometheus-gate` on a Prometheus that
//! scrapes HAProxy's per-server counters, under continuous load. A version that fails a fifth of
//! its requests (`sluice-test-web:flaky`) is stopped at its first step, by an error-rate bound and
//! by the comparison with the version it would replace.

use std::time::Duration;

use crate::support::haproxy::Polls;
use crate::support::images;
use crate::support::load::{Load, LoadReport};
use crate::support::prometheus::{Prometheus, quoted_value};
use crate::support::stack::{Stack, deploy_ok};
use crate::support::{EXIT_ROLLED_BACK, Run};

/// The share of one version's responses that were errors over the last 10 s, from HAProxy's
/// per-server counters (the container plugin names a version's server `<name>-<version>`;
/// `NAME` is the stack's name, `${version}` is filled in by the gate plugin).
const ERROR_RATE: &str = r#"sum(rate(haproxy_server_http_responses_total{proxy="web",server="NAME-${version}",code="5xx"}[10s])) / sum(rate(haproxy_server_http_responses_total{proxy="web",server="NAME-${version}"}[10s]))"#;

/// A canary of the flaky version behind a stack whose v1 serves, analysed by a Prometheus gate:
/// the run, the weights HAProxy had meanwhile, the load report, when the run ended (on the
/// load's clock), and the pid of the HAProxy process that answered before.
struct Canary {
    stack: Stack,
    run: Run,
    polls: Polls,
    report: LoadReport,
    ended: Duration,
    pid: u32,
}

impl Canary {
    /// Deploys v1, then the flaky version with `judgement` (TOML pairs of the gate's config
    /// besides `url` and `query`), under load.
    fn of_the_flaky_version(what: &str, judgement: &str) -> Canary {
        images::ensure();
        let stack = Stack::behind_haproxy(what);
        let haproxy = stack.haproxy();
        let pid = haproxy.answering_pid();
        let prometheus = Prometheus::start(&[("haproxy", haproxy.metrics, "/metrics")]);
        let query = ERROR_RATE.replace("NAME", &stack.name);
        let gates = format!(
            r#"  {{ http = "${{staged.endpoint}}/health", interval = "100ms", deadline = "10s" }},
  {{ plugin = "prometheus", phase = "live", config = {{ url = "{url}", query = '{query}', {judgement} }}, interval = "1s", start_period = "4s", deadline = "40s" }},"#,
            url = prometheus.url()
        );
        stack.plan_haproxy("steps = [{ weight = 10 }, { weight = 50 }]", &gates, None);
        let plan = stack.dir.path().join("sluice.toml");
        let mut text = std::fs::read_to_string(&plan).unwrap();
        text.push_str(&format!(
            "\n[plugins.prometheus]\nsource = \"builtin:prometheus-gate\"\n[plugins.prometheus.grants]\nhttp = [\"{}\"]\n",
            prometheus.url()
        ));
        std::fs::write(&plan, text).unwrap();

        let load = Load::start(haproxy.http, "/", 2, 200_000, Duration::from_millis(2));
        load.wait_for(200);
        deploy_ok(&stack, "v1");
        prometheus.wait_until_scraped("haproxy");
        let (run, polls) = haproxy.recording_weights(|| load.elapsed(), || stack.apply("flaky"));
        let ended = load.elapsed();
        load.wait_for(load.sent() + 500);
        let report = load.finish();
        Canary {
            stack,
            run,
            polls,
            report,
            ended,
            pid,
        }
    }

    /// The query as the gate plugin asked it for `version`.
    fn query(&self, version: &str) -> String {
        ERROR_RATE
            .replace("NAME", &self.stack.name)
            .replace("${version}", version)
    }

    /// The canary was stopped at its first step: exit 3, HAProxy gave the flaky server 10% and
    /// never 50%, then only v1 served, from the same HAProxy process.
    fn assert_stopped_at_the_first_step(&self) {
        assert_eq!(self.run.code, EXIT_ROLLED_BACK, "{}", self.run.all());
        let flaky = self.stack.haproxy_server("flaky");
        let weights: Vec<u32> = self
            .polls
            .iter()
            .filter_map(|(_, weights)| weights.get(&flaky).copied())
            .collect();
        assert!(
            weights.contains(&10) && !weights.contains(&50),
            "the canary reached 10% and no further: {weights:?}"
        );
        assert!(
            self.report.samples.iter().any(|s| s.body == "flaky"),
            "the canary served some requests: {:?}",
            self.report.bodies()
        );
        let afterwards: Vec<(u16, &str)> = self
            .report
            .samples
            .iter()
            .filter(|s| s.at > self.ended)
            .map(|s| (s.status, s.body.as_str()))
            .collect();
        assert!(
            afterwards.len() >= 100 && afterwards.iter().all(|&sample| sample == (200, "v1")),
            "only v1 serves after the rollback: {:?}",
            self.report.bodies()
        );
        self.stack
            .assert_served_alone_through_haproxy("v1", self.pid);
    }
}

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
