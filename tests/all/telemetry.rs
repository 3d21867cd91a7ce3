//! OpenTelemetry: a deployment is one trace sent over OTLP/HTTP to the collector that
//! `[telemetry] otlp` or the standard `OTEL_EXPORTER_OTLP_*` variables name, checked by a small
//! receiver that decodes what arrives; a collector that is down or silent never fails a
//! deployment nor delays it by more than the flush bound.

use std::time::{Duration, Instant};

use sluice::report::otlp::FLUSH_BOUND;

use crate::support::otlp::{OtlpReceiver, ReceivedSpan, SilentCollector, closed_port_url};
use crate::support::project::{ENV, Project, static_site_plan};
use crate::support::{EXIT_ROLLED_BACK, EXIT_SUCCESS, Run, sluice};

/// A live gate that can never pass: the deployment of the next version rolls back.
const FAILING_GATE: &str = r#"{ tcp = "127.0.0.1:1", interval = "50ms", deadline = "300ms" }"#;

/// [`static_site_plan`] sending traces to the collector at `base`.
fn plan_with_telemetry(base: &str) -> String {
    format!("{}\n[telemetry]\notlp = \"{base}\"\n", static_site_plan(""))
}

/// `sluice apply --output json` of `version` with the environment variables `env`: the run and
/// its events.
fn apply(project: &Project, version: &str, env: &[(&str, &str)]) -> (Run, Vec<serde_json::Value>) {
    project.write_site(version);
    let run: Run = sluice(project.path())
        .envs(env.iter().copied())
        .args(["apply", "--env", ENV, "--version", version])
        .args(["--output", "json"])
        .output()
        .unwrap()
        .into();
    let events = run
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    (run, events)
}

/// The children of `parent` in `spans`, by start time.
fn children<'a>(spans: &'a [ReceivedSpan], parent: &ReceivedSpan) -> Vec<&'a ReceivedSpan> {
    let mut children: Vec<_> = spans
        .iter()
        .filter(|s| s.parent.as_deref() == Some(parent.span_id.as_str()))
        .collect();
    children.sort_by_key(|s| s.start);
    children
}

/// The only root span of `spans`.
fn root(spans: &[ReceivedSpan]) -> &ReceivedSpan {
    let roots: Vec<_> = spans.iter().filter(|s| s.parent.is_none()).collect();
    assert_eq!(roots.len(), 1, "one deployment span: {spans:#?}");
    roots[0]
}

/// The events of `events` called `name`.
fn named<'a>(events: &'a [serde_json::Value], name: &str) -> Vec<&'a serde_json::Value> {
    events.iter().filter(|e| e["event"] == name).collect()
}

#[test]
fn an_apply_sends_one_trace_of_the_deployment_its_unit_its_steps_and_gates_and_their_probes() {
    let receiver = OtlpReceiver::start();
    let project = Project::new();
    project.write_plan(&plan_with_telemetry(&receiver.base_url()));
    let (run, events) = apply(&project, "v1", &[]);
    assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
    let spans = receiver.spans();
    let id = named(&events, "deployment-started")[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        spans
            .iter()
            .all(|s| s.trace_id == id.replace('-', "") && s.service == "sluice"),
        "one trace, its id the deployment's {id}, from service sluice: {spans:#?}"
    );

    let deployment = root(&spans);
    assert_eq!(deployment.name, "apply test");
    assert_eq!(deployment.attr("sluice.environment"), ENV);
    assert_eq!(deployment.attr("sluice.deployment.id"), id);
    assert_eq!(deployment.attr("sluice.outcome"), "succeeded");
    assert_eq!(deployment.error, None);

    let units = children(&spans, deployment);
    assert_eq!(units.len(), 1, "{units:#?}");
    let web = units[0];
    assert_eq!(
        (
            web.name.as_str(),
            web.attr("sluice.unit"),
            web.attr("sluice.version")
        ),
        ("web", "web", "v1")
    );
    assert_eq!(web.attr("sluice.outcome"), "succeeded");

    let under_web = children(&spans, web);
    let steps: Vec<&str> = under_web
        .iter()
        .filter(|s| !s.attr("sluice.step").is_empty())
        .map(|s| s.attr("sluice.step"))
        .collect();
    let emitted: Vec<&str> = named(&events, "step")
        .iter()
        .map(|e| e["step"].as_str().unwrap())
        .collect();
    assert_eq!(steps, emitted, "a span per lifecycle step, in order");
    assert!(
        steps.contains(&"stage") && steps.contains(&"finalize"),
        "{steps:?}"
    );

    let gates: Vec<_> = under_web
        .iter()
        .filter(|s| !s.attr("sluice.gate").is_empty())
        .collect();
    let names: Vec<&str> = gates.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["staged gate", "live gate"]);
    for gate in gates {
        assert_eq!(gate.attr("sluice.gate.passed"), "true", "{gate:#?}");
        assert_eq!(gate.error, None);
        let probes = children(&spans, gate);
        let emitted = named(&events, "probe")
            .into_iter()
            .filter(|e| e["gate"] == gate.attr("sluice.gate"))
            .count();
        assert_eq!(probes.len(), emitted, "a span per probe of {}", gate.name);
        let last = probes.last().expect("the gate probed");
        assert_eq!(
            (last.name.as_str(), last.attr("sluice.probe.ok")),
            ("probe", "true")
        );
        assert!(
            last.attr("sluice.probe.detail").starts_with("HTTP 200"),
            "{last:#?}"
        );
    }

    for span in &spans {
        let parent = spans
            .iter()
            .find(|p| Some(&p.span_id) == span.parent.as_ref());
        assert!(span.start <= span.end, "{span:#?}");
        if let Some(parent) = parent {
            assert!(
                parent.start <= span.start && span.end <= parent.end,
                "{} lies within {}",
                span.name,
                parent.name
            );
        }
    }
}

#[test]
fn no_secret_value_reaches_the_collector() {
    const SECRET: &str = "otlp-secret-4fa8c1";
    let receiver = OtlpReceiver::start();
    let project = Project::new();
    let secret_gate = r#"{ http = "{base}/current/index.html?token=${secret.token}", body = "${version}", interval = "50ms", deadline = "5s" }"#;
    let plan = plan_with_telemetry(&receiver.base_url())
        .replace(
            "mode = \"read-write\" }]\n",
            "mode = \"read-write\" }]\nsecrets = [\"token\"]\n",
        )
        .replace(
            "[plugins.site]",
            "[secrets.token]\nenv = \"OTLP_TEST_TOKEN\"\n\n[plugins.site]",
        )
        .replace("  \n]", &format!("  {secret_gate}\n]"));
    project.write_plan(&plan);
    let (run, _) = apply(&project, "v1", &[("OTLP_TEST_TOKEN", SECRET)]);
    assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
    let spans = receiver.spans();
    let gates: Vec<&str> = spans.iter().map(|s| s.attr("sluice.gate")).collect();
    assert!(
        gates.iter().any(|g| g.ends_with("?token=[REDACTED]")),
        "the gate naming the secret is in the trace, its value redacted: {gates:?}"
    );
    let sent = format!("{spans:?}");
    assert!(!sent.contains(SECRET), "{sent}");
}

#[test]
fn a_rolled_back_deployment_sent_to_the_environments_collector_marks_its_unit_and_gate_as_errors() {
    let receiver = OtlpReceiver::start();
    let project = Project::new();
    project.write_plan(&static_site_plan(""));
    assert_eq!(project.deploy("v1").code, EXIT_SUCCESS);
    assert!(
        receiver.spans().is_empty(),
        "no collector named, nothing sent"
    );

    project.write_plan(&static_site_plan(FAILING_GATE));
    let base = receiver.base_url();
    let (run, events) = apply(&project, "v2", &[("OTEL_EXPORTER_OTLP_ENDPOINT", &base)]);
    assert_eq!(run.code, EXIT_ROLLED_BACK, "{}", run.all());
    let spans = receiver.spans();
    let deployment = root(&spans);
    assert_eq!(deployment.attr("sluice.outcome"), "rolled-back");
    assert!(deployment.error.is_some(), "{deployment:#?}");
    let web = children(&spans, deployment)[0];
    assert_eq!(web.attr("sluice.outcome"), "rolled-back");
    let reason = web.error.as_deref().expect("the unit span is an error");
    assert!(reason.contains("tcp 127.0.0.1:1"), "{reason}");
    let failed: Vec<_> = children(&spans, web)
        .into_iter()
        .filter(|s| s.error.is_some())
        .collect();
    let verdicts = named(&events, "gate");
    let failed_verdicts = verdicts.iter().filter(|v| v["passed"] == false).count();
    assert!(failed_verdicts >= 1);
    assert_eq!(
        failed.len(),
        failed_verdicts,
        "an error span per failed verdict: {failed:#?}"
    );
    for gate in &failed {
        assert_eq!(gate.name, "live gate");
        assert_eq!(gate.attr("sluice.gate"), "tcp 127.0.0.1:1");
        assert_eq!(gate.attr("sluice.gate.passed"), "false");
        assert_eq!(gate.error.as_deref(), Some(gate.attr("sluice.reason")));
    }
    assert!(
        children(&spans, web)
            .iter()
            .any(|s| s.attr("sluice.step") == "rollback"),
        "the rollback is a step of the trace"
    );
    assert_eq!(project.live(), (200, "<h1>v1</h1>\n".into()));
}

#[test]
fn with_the_collector_down_apply_succeeds_and_warns_that_the_trace_was_not_sent() {
    let project = Project::new();
    project.write_plan(&static_site_plan(""));
    let traces = format!("{}/v1/traces", closed_port_url());
    let (run, _) = apply(
        &project,
        "v1",
        &[("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", &traces)],
    );
    assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
    assert_eq!(project.live(), (200, "<h1>v1</h1>\n".into()));
    assert!(
        run.stderr.contains(&format!(
            "could not send the deployment's trace to {traces}"
        )),
        "{}",
        run.stderr
    );
}

#[test]
fn a_collector_that_never_answers_delays_apply_by_no_more_than_the_flush_bound() {
    let silent = SilentCollector::start();
    let project = Project::new();
    project.write_plan(&static_site_plan(""));
    let timed = |version: &str, plan: &str| {
        project.write_plan(plan);
        let start = Instant::now();
        let (run, _) = apply(&project, version, &[]);
        assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
        (start.elapsed(), run)
    };
    let (without, _) = timed("v1", &static_site_plan(""));
    let (with, run) = timed("v2", &plan_with_telemetry(&silent.base_url()));
    assert_eq!(project.live(), (200, "<h1>v2</h1>\n".into()));
    assert!(silent.connections() >= 1, "sluice tried to send the trace");
    // Whichever gives up first, sluice's wait or the request's timeout (both 2 s), says so.
    let traces = format!("{}/v1/traces", silent.base_url());
    assert!(
        run.stderr
            .contains(&format!("was not sent to {traces} within"))
            || run.stderr.contains(&format!(
                "could not send the deployment's trace to {traces}"
            )),
        "{}",
        run.stderr
    );
    // The documented bound, plus a generous margin for a loaded machine: an unbounded wait (the
    // SDK's own flush timeout, or a client without a timeout) would exceed it.
    let margin = Duration::from_millis(2500);
    assert!(
        with.saturating_sub(without) < FLUSH_BOUND + margin,
        "apply took {with:?} with a silent collector, {without:?} without telemetry"
    );
}
