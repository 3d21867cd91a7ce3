//! `make bench` for metric gates: the median round trip of one `check` of
//! `builtin:prometheus-gate` (a fresh instance, one PromQL query through the `http` capability to
//! a real Prometheus on loopback, the verdict back), beside the same query sent straight from the
//! host, and a comparison gate's two queries; then how long a bad canary's errors reach users:
//! from its first failing request to HAProxy giving it weight 0 (`support::canary`). Prints
//! figures; asserts nothing but that the checks pass and the canary is stopped.

#[path = "../../tests/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use sluice::caps::Provision;
use sluice::plan::model::{Grants, HttpGrant, Limits};
use sluice::runtime::{ComponentBytes, LoadedPlugin, Runtime};
use sluice::wit::gate::{GateContext, GateOutcome};
use support::DiscardLogs;
use support::canary::Canary;
use support::figures::{median, ms};
use support::haproxy::HaProxy;
use support::prometheus::Prometheus;

/// Round trips measured per figure.
const CALLS: usize = 200;
/// A query over real series (the scraped HAProxy's `up`).
const QUERY: &str = r#"sum(up{job="haproxy"})"#;

fn main() {
    let haproxy = HaProxy::start();
    let prometheus = Prometheus::start(&[("haproxy", haproxy.metrics, "/metrics")]);
    prometheus.wait_until_scraped("haproxy");
    let rt = support::http::runtime(2);
    let cache = tempfile::tempdir().expect("a temporary cache directory");
    let runtime = Runtime::new(cache.path().to_path_buf()).expect("the runtime starts");
    let grants = Grants {
        http: Some(vec![HttpGrant {
            origin: prometheus.url(),
            internal: false,
        }]),
        ..Grants::default()
    };
    let bytes = ComponentBytes::builtin("prometheus-gate").expect("the builtin is embedded");
    let plugin = runtime
        .load("prometheus", &bytes, Some(&grants), Limits::default())
        .expect("the gate plugin loads");
    let mut provision = Provision::deny_all("prometheus", "bench", Arc::new(DiscardLogs));
    provision.grants = grants;

    let direct = median(
        (0..CALLS)
            .map(|_| {
                let start = Instant::now();
                let (status, _) = prometheus.query(QUERY);
                assert_eq!(status, 200);
                start.elapsed()
            })
            .collect(),
    );
    let url = prometheus.url();
    let bounds = median_check(
        &rt,
        &plugin,
        &provision,
        &format!(r#"{{"url":"{url}","query":{QUERY:?},"max":1}}"#),
    );
    let compare = median_check(
        &rt,
        &plugin,
        &provision,
        &format!(r#"{{"url":"{url}","query":{QUERY:?},"compare":{{"max_increase":0}}}}"#),
    );

    println!(
        "metric gate evaluation: builtin:prometheus-gate against a real Prometheus on loopback (median of {CALLS})"
    );
    println!(
        "  the query sent straight from the host             {}",
        ms(direct)
    );
    println!(
        "  one check (fresh instance, one query, verdict)    {}",
        ms(bounds)
    );
    println!(
        "  one comparison check (two queries: new, baseline) {}",
        ms(compare)
    );

    let canary = Canary::of_the_flaky_version("bench-canary", "max = 0.05");
    canary.assert_stopped_at_the_first_step();
    println!(
        "a canary erring on 1 request in 5, at 10% through HAProxy, error-rate gate (interval 1s, start period 4s, 3 failures), Prometheus scraping every 1s"
    );
    match canary.first_error_to_weight_0() {
        Some(took) => println!(
            "  from its first failing request to weight 0      {}",
            ms(took)
        ),
        None => println!("  from its first failing request to weight 0      not seen"),
    }
}

/// The median time of one `check` of `plugin` with `config`, each a fresh instance.
fn median_check(
    rt: &tokio::runtime::Runtime,
    plugin: &LoadedPlugin,
    provision: &Provision,
    config: &str,
) -> Duration {
    let ctx = GateContext {
        deployment_id: "bench".into(),
        environment: "bench".into(),
        unit: "web".into(),
        version: "v2".into(),
        baseline_version: Some("v1".into()),
        attempt: 1,
    };
    median(
        (0..CALLS)
            .map(|_| {
                let start = Instant::now();
                let verdict = rt
                    .block_on(plugin.check(provision, &ctx, config))
                    .expect("the plugin runs")
                    .expect("the check is made");
                let elapsed = start.elapsed();
                assert!(
                    matches!(verdict.outcome, GateOutcome::Pass),
                    "{}",
                    verdict.evidence
                );
                elapsed
            })
            .collect(),
    )
}
