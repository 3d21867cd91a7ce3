//! A canary analysed end to end, every part real: the `container` strategy's canary steps
//! through HAProxy (10%, then 50%), judged at each step by `builtin:prometheus-gate` on a
//! Prometheus that scrapes HAProxy's per-server counters, under continuous load, deploying the
//! version that fails one request in five (`sluice-test-web:flaky`) over v1. Used by
//! `tests/all/canary_analysis.rs` and the metric-gate bench.

use std::time::Duration;

use super::haproxy::Polls;
use super::images;
use super::load::{Load, LoadReport};
use super::prometheus::Prometheus;
use super::stack::{Stack, deploy_ok};
use super::{EXIT_ROLLED_BACK, Run};

/// The share of one version's responses that were errors over the last 10 s, from HAProxy's
/// per-server counters (the container plugin names a version's server `<name>-<version>`;
/// `NAME` is the stack's name, `${version}` is filled in by the gate plugin).
const ERROR_RATE: &str = r#"sum(rate(haproxy_server_http_responses_total{proxy="web",server="NAME-${version}",code="5xx"}[10s])) / sum(rate(haproxy_server_http_responses_total{proxy="web",server="NAME-${version}"}[10s]))"#;

/// A canary of the flaky version behind a stack whose v1 serves, analysed by a Prometheus gate:
/// the run, the weights HAProxy had meanwhile, the load report, when the run ended (on the
/// load's clock), and the pid of the HAProxy process that answered before.
pub struct Canary {
    /// The stack: v1 behind HAProxy.
    pub stack: Stack,
    /// `sluice apply` of the flaky version.
    pub run: Run,
    /// HAProxy's weights meanwhile, on the load's clock.
    pub polls: Polls,
    /// Every request of the load.
    pub report: LoadReport,
    /// When the apply ended, on the load's clock.
    pub ended: Duration,
    /// The HAProxy process that answered before.
    pub pid: u32,
}

impl Canary {
    /// Deploys v1, then the flaky version with `judgement` (TOML pairs of the gate's config
    /// besides `url` and `query`), under load.
    pub fn of_the_flaky_version(what: &str, judgement: &str) -> Canary {
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
    pub fn query(&self, version: &str) -> String {
        ERROR_RATE
            .replace("NAME", &self.stack.name)
            .replace("${version}", version)
    }

    /// The canary was stopped at its first step: exit 3, HAProxy gave the flaky server 10% and
    /// never 50%, then only v1 served, from the same HAProxy process.
    pub fn assert_stopped_at_the_first_step(&self) {
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

    /// From the canary's first failing request to the moment HAProxy gave its server no more
    /// traffic (weight 0, or the server gone): how long users met the bad version's errors.
    pub fn first_error_to_weight_0(&self) -> Option<Duration> {
        let first_error = self
            .report
            .samples
            .iter()
            .filter(|s| s.status >= 500 && s.body == "flaky")
            .map(|s| s.at)
            .min()?;
        let flaky = self.stack.haproxy_server("flaky");
        let off = self
            .polls
            .iter()
            .find(|(at, weights)| *at > first_error && weights.get(&flaky).is_none_or(|w| *w == 0))?
            .0;
        Some(off - first_error)
    }
}
