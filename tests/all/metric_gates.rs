//! Metric gates: `builtin:prometheus-gate` against a real Prometheus scraping a real HAProxy in
//! front of test containers that fail a set share of requests (`sluice-test-web:flaky`), the
//! comparison with the baseline version, what each kind of trouble reads like, and gate plugins
//! as sandboxed as strategies (their grants, their world).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::support::docker::{ContainersGuard, docker, free_ports, unique_name};
use crate::support::haproxy::HaProxy;
use crate::support::http::get;
use crate::support::images::{self, FLAKY, PORT};
use crate::support::load::Load;
use crate::support::project::{Project, static_site_plan};
use crate::support::prometheus::{Prometheus, quoted_value};
use crate::support::{EXIT_INVALID, EXIT_ROLLED_BACK, EXIT_SUCCESS, sha256_file, test_plugin};

/// The share of a version's responses that were errors over the last 10 s, from HAProxy's
/// per-server counters: each server of the backend is named after the version it serves.
const ERROR_RATE: &str = r#"sum(rate(haproxy_server_http_responses_total{proxy="web",server="${version}",code="5xx"}[10s])) / sum(rate(haproxy_server_http_responses_total{proxy="web",server="${version}"}[10s]))"#;

/// `[plugins.prometheus]`: the standard gate plugin, granted the origin of `prometheus` alone.
fn prometheus_plugin(origin: &str) -> String {
    format!(
        "\n[plugins.prometheus]\nsource = \"builtin:prometheus-gate\"\n[plugins.prometheus.grants]\nhttp = [\"{origin}\"]\n"
    )
}

/// The static-site plan with one more live gate, `gate` (a TOML inline table), and `tables`.
fn plan_with_gate(gate: &str, tables: &str) -> String {
    static_site_plan(gate) + tables
}

/// A gate of `builtin:prometheus-gate` on `prometheus` with `config` (TOML pairs besides `url`).
fn prometheus_gate(prometheus: &str, config: &str, timing: &str) -> String {
    format!(
        "{{ plugin = \"prometheus\", config = {{ url = \"{prometheus}\", {config} }}, {timing} }}"
    )
}

/// Versions served side by side behind one HAProxy backend (a server per version, named after
/// it, equal weights), under steady load, with a Prometheus scraping HAProxy every second.
struct Served {
    haproxy: HaProxy,
    prometheus: Prometheus,
    load: Option<Load>,
    _containers: ContainersGuard,
}

impl Served {
    /// Starts a `sluice-test-web:flaky` container per `(version, fail_percent)`, puts them behind
    /// HAProxy, starts the load and waits until Prometheus has an error rate for every version.
    fn start(what: &str, versions: &[(&str, u32)]) -> Served {
        images::ensure();
        let prefix = unique_name(what);
        let containers = ContainersGuard {
            prefix: prefix.clone(),
        };
        let haproxy = HaProxy::start();
        for (version, fail_percent) in versions {
            let addr = run_flaky(&format!("{prefix}-{version}"), version, *fail_percent);
            haproxy.add_server(version, addr, 100);
        }
        let prometheus = Prometheus::start(&[("haproxy", haproxy.metrics, "/metrics")]);
        let load = Load::start(haproxy.http, "/", 4, 200_000, Duration::from_millis(5));
        // Every version has answered through HAProxy before its rate is waited for.
        load.wait_for(100 * versions.len());
        prometheus.wait_until_scraped("haproxy");
        for (version, _) in versions {
            let rate = ERROR_RATE.replace("${version}", version);
            prometheus.wait_for_value(&rate, f64::is_finite);
        }
        Served {
            haproxy,
            prometheus,
            load: Some(load),
            _containers: containers,
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(load) = self.load.take() {
            load.finish();
        }
    }
}

/// Runs `sluice-test-web:flaky` as `name`, answering `version` and failing `fail_percent`% of
/// requests, on a free loopback port; returns its address once it answers.
fn run_flaky(name: &str, version: &str, fail_percent: u32) -> SocketAddr {
    let [port] = free_ports();
    let output = docker()
        .args(["run", "-d", "--name", name])
        .args(["-e", &format!("VERSION={version}")])
        .args(["-e", &format!("FAIL_PERCENT={fail_percent}")])
        .args(["-p", &format!("127.0.0.1:{port}:{PORT}"), FLAKY])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "docker run: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let started = Instant::now();
    while get(addr, "/health").0 != 200 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{name} never answered on {addr}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    addr
}

/// The value a reason quotes for [`ERROR_RATE`] of `version`.
fn quoted_rate(text: &str, version: &str) -> f64 {
    quoted_value(text, &ERROR_RATE.replace("${version}", version))
}

#[test]
fn a_prometheus_gate_passes_a_good_version_and_fails_one_erring_on_a_fifth_of_its_requests() {
    let served = Served::start("metric-gate", &[("v1", 0), ("v2", 20)]);
    let url = served.prometheus.url();
    let project = Project::new();
    let gate = prometheus_gate(
        &url,
        &format!("query = '{ERROR_RATE}', max = 0.05"),
        "interval = \"1s\", deadline = \"30s\"",
    );
    project.write_plan(&plan_with_gate(&gate, &prometheus_plugin(&url)));

    let good = project.deploy("v1");
    assert_eq!(good.code, EXIT_SUCCESS, "{}", good.all());
    assert_eq!(quoted_rate(&good.all(), "v1"), 0.0, "{}", good.all());
    assert!(good.all().contains("at most max 0.05"), "{}", good.all());

    let flaky = project.deploy("v2");
    assert_eq!(flaky.code, EXIT_ROLLED_BACK, "{}", flaky.all());
    let text = flaky.all();
    let rate = quoted_rate(&text, "v2");
    assert!(
        (0.1..=0.3).contains(&rate),
        "the reason quotes an error rate near 20%: {text}"
    );
    assert!(
        text.contains("fail: `") && text.contains(", above max 0.05"),
        "{text}"
    );
    assert_eq!(project.live(), (200, "<h1>v1</h1>\n".into()), "v1 is back");
    assert!(served.haproxy.get("/").0 != 0, "HAProxy still serves");
}

#[test]
fn the_comparison_gate_fails_a_flaky_canary_against_its_good_baseline_and_passes_a_good_one() {
    let served = Served::start("compare-gate", &[("v1", 0), ("v2", 20), ("v3", 0)]);
    let url = served.prometheus.url();
    let project = Project::new();
    let gate = prometheus_gate(
        &url,
        &format!("query = '{ERROR_RATE}', compare = {{ max_increase = 0.05 }}"),
        "interval = \"1s\", deadline = \"30s\"",
    );
    project.write_plan(&plan_with_gate(&gate, &prometheus_plugin(&url)));

    let first = project.deploy("v1");
    assert_eq!(first.code, EXIT_SUCCESS, "{}", first.all());
    assert!(
        first
            .all()
            .contains("no baseline version (a first deployment): nothing to compare with"),
        "{}",
        first.all()
    );

    let flaky = project.deploy("v2");
    assert_eq!(flaky.code, EXIT_ROLLED_BACK, "{}", flaky.all());
    let text = flaky.all();
    assert!(
        text.contains("v2 is worse than its baseline (up ")
            && text.contains("> max_increase 0.05; a higher value is worse)"),
        "{text}"
    );
    assert!((0.1..=0.3).contains(&quoted_rate(&text, "v2")), "{text}");
    assert_eq!(
        quoted_rate(&text, "v1"),
        0.0,
        "the baseline's value is quoted: {text}"
    );
    assert_eq!(project.live(), (200, "<h1>v1</h1>\n".into()));

    let good = project.deploy("v3");
    assert_eq!(good.code, EXIT_SUCCESS, "{}", good.all());
    assert!(
        good.all()
            .contains("not worse than the baseline by more than the margin")
            && good.all().contains("baseline v1"),
        "{}",
        good.all()
    );
}

#[test]
fn an_empty_result_an_unreachable_prometheus_and_invalid_promql_each_fail_with_their_own_reason() {
    let prometheus = Prometheus::start(&[]);
    let url = prometheus.url();
    let [closed] = free_ports();
    let closed_url = format!("http://127.0.0.1:{closed}");
    let project = Project::new();
    let fast = "interval = \"100ms\", failure_threshold = 1, deadline = \"10s\"";
    let tables = format!(
        "\n[plugins.prometheus]\nsource = \"builtin:prometheus-gate\"\n[plugins.prometheus.grants]\nhttp = [\"{url}\", \"{closed_url}\"]\n"
    );
    let reason = |prometheus_url: &str, query: &str| {
        let gate = prometheus_gate(prometheus_url, &format!("query = '{query}', max = 1"), fast);
        project.write_plan(&plan_with_gate(&gate, &tables));
        let run = project.deploy("v1");
        assert_eq!(run.code, EXIT_ROLLED_BACK, "{}", run.all());
        run.all()
    };

    let empty = reason(
        &url,
        r#"up{job="nothing-scrapes-this",version="${version}"}"#,
    );
    assert!(
        empty.contains(
            r#"inconclusive: `up{job="nothing-scrapes-this",version="v1"}` returned an empty result"#
        ),
        "{empty}"
    );
    let unreachable = reason(&closed_url, "vector(0)");
    assert!(
        unreachable.contains(&format!(
            "error: unavailable: querying Prometheus at {closed_url}:"
        )),
        "{unreachable}"
    );
    let invalid = reason(&url, "sum(rate(");
    assert!(
        invalid.contains("error: invalid config: Prometheus refused `sum(rate(` (bad_data): "),
        "{invalid}"
    );
}

#[test]
fn a_gate_plugin_reaches_the_origin_it_is_granted_and_is_denied_any_other() {
    let project = Project::new();
    std::fs::write(project.path().join("www/ok.txt"), "ok\n").unwrap();
    let [other] = free_ports();
    let granted = project.server.base_url();
    let wasm = test_plugin("gate-reach");
    let gate = format!(
        "{{ plugin = \"reach\", config = {{ allowed = \"{granted}/ok.txt\", forbidden = \"http://127.0.0.1:{other}/\" }}, interval = \"100ms\", failure_threshold = 1 }}"
    );
    let tables = format!(
        "\n[plugins.reach]\nsource = {:?}\nsha256 = \"{}\"\n[plugins.reach.grants]\nhttp = [\"{granted}\"]\n",
        wasm.display().to_string(),
        sha256_file(&wasm)
    );
    project.write_plan(&plan_with_gate(&gate, &tables));

    let run = project.deploy("v1");
    assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
    let text = run.all();
    assert!(
        text.contains(&format!(
            "pass: v1 (baseline none), attempt 1: {granted}/ok.txt -> HTTP 200;"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("http://127.0.0.1:{other}/ -> Error::Denied(")),
        "the ungranted origin is denied, and the denial shows in the evidence: {text}"
    );

    let second = project.deploy("v2");
    assert_eq!(second.code, EXIT_SUCCESS, "{}", second.all());
    assert!(
        second.all().contains("pass: v2 (baseline v1), attempt 1:"),
        "the gate context names the baseline: {}",
        second.all()
    );
}

#[test]
fn a_strategy_plugin_used_as_a_gate_and_a_gate_plugin_used_as_a_strategy_are_refused_where_the_plan_uses_them()
 {
    let project = Project::new();
    project.write_plan(&plan_with_gate("{ plugin = \"site\", config = {} }", ""));
    let run = project.deploy("v1");
    assert_eq!(run.code, EXIT_INVALID, "{}", run.all());
    assert!(
        run.stderr.contains(
            "plugin `site` is a strategy plugin (it exports `strategy`): a gate's `plugin` \
             checks with it, which needs a gate plugin"
        ),
        "{}",
        run.all()
    );
    assert!(
        run.stderr.contains("sluice.toml:18:14:"),
        "the gate's line: {}",
        run.all()
    );

    let as_strategy = static_site_plan("").replace("plugin = \"site\"", "plugin = \"prometheus\"")
        + &prometheus_plugin("http://127.0.0.1:9090");
    project.write_plan(&as_strategy);
    let run = project.deploy("v1");
    assert_eq!(run.code, EXIT_INVALID, "{}", run.all());
    assert!(
        run.stderr.contains(
            "plugin `prometheus` is a gate plugin (it exports `gate`): a unit's `plugin` deploys \
             it, which needs a strategy plugin"
        ),
        "{}",
        run.all()
    );
    assert!(
        run.stderr.contains("sluice.toml:12:10:"),
        "the unit's `plugin` line: {}",
        run.all()
    );
}

#[test]
fn a_gate_plugins_config_is_checked_by_its_schema_and_its_validate_where_the_plan_writes_it() {
    let project = Project::new();
    let url = "http://127.0.0.1:9";
    let validate = |config: &str| {
        let gate = prometheus_gate(url, config, "interval = \"1s\"");
        project.write_plan(&plan_with_gate(&gate, &prometheus_plugin(url)));
        let run = project.sluice(&["validate"]);
        assert_eq!(run.code, EXIT_INVALID, "{}", run.all());
        run.stderr
    };

    let misspelt = validate("query = 'up', maks = 1");
    assert!(
        misspelt.contains("unit `web`, gate 3: config: Additional properties are not allowed ('maks' was unexpected)"),
        "{misspelt}"
    );
    let no_bounds = validate("query = 'up'");
    assert!(
        no_bounds
            .contains("unit `web`, gate 3: nothing to judge by: set `min`, `max` or `compare`"),
        "{no_bounds}"
    );
    assert!(no_bounds.contains("sluice.toml:18:"), "{no_bounds}");
}

#[test]
fn an_inconclusive_check_fails_a_gate_by_default_and_passes_one_that_says_inconclusive_pass() {
    let prometheus = Prometheus::start(&[]);
    let url = prometheus.url();
    let project = Project::new();
    let config = r#"query = 'up{job="nothing-scrapes-this"}', max = 1"#;
    let timing = "interval = \"100ms\", failure_threshold = 1, deadline = \"10s\"";
    let deploy = |inconclusive: &str| {
        let gate = prometheus_gate(&url, config, &format!("{timing}{inconclusive}"));
        project.write_plan(&plan_with_gate(&gate, &prometheus_plugin(&url)));
        project.deploy("v1")
    };

    let strict = deploy("");
    assert_eq!(strict.code, EXIT_ROLLED_BACK, "{}", strict.all());
    assert!(
        strict.all().contains("(last: inconclusive: `up{"),
        "{}",
        strict.all()
    );
    let lenient = deploy(", inconclusive = \"pass\"");
    assert_eq!(lenient.code, EXIT_SUCCESS, "{}", lenient.all());
    assert!(
        lenient
            .all()
            .contains("inconclusive (counted as a pass): `up{"),
        "{}",
        lenient.all()
    );
}
