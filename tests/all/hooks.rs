//! Hooks are sandboxed plugins told of lifecycle events: `builtin:webhook` posts to a loopback
//! receiver on success and on rollback (Slack text and the event as JSON) with its URL a secret
//! that never shows; a hook that traps or is denied is a warning and the deployment ends as it
//! would have; a required hook's failure fails the run; a hook written in Python is told of each
//! event.

use crate::support::project::{ENV, Project, static_site_plan};
use crate::support::python;
use crate::support::webhook::Receiver;
use crate::support::{EXIT_FAILED, EXIT_ROLLED_BACK, EXIT_SUCCESS, Run, sha256_file, test_plugin};

/// The secret part of the webhook URL, as a chat's incoming webhook has one.
const TOKEN_PATH: &str = "/services/T0/B0/hook-secret-9f3c1d7e2a4b";

/// A gate that never passes: deploying with it rolls the unit back.
const FAILING_GATE: &str = r#"{ http = "{base}/current/index.html", body = "never-there", interval = "50ms", failure_threshold = 2, deadline = "2s" },"#;

/// The static-site plan with `extra_gate`, the webhook plugin granted `origin` and the secret
/// `hook` (the receiver's URL, read from a file), and `hooks` (TOML tables).
fn plan(project: &Project, receiver: &Receiver, extra_gate: &str, hooks: &str) -> String {
    std::fs::write(
        project.path().join("hook-url.txt"),
        format!("{}{TOKEN_PATH}\n", receiver.origin),
    )
    .unwrap();
    format!(
        r#"{}
[secrets.hook]
file = "hook-url.txt"

[plugins.webhook]
source = "builtin:webhook"
[plugins.webhook.grants]
http = ["{}"]
secrets = ["hook"]

{hooks}"#,
        static_site_plan(extra_gate),
        receiver.origin
    )
}

/// The `hook-failed` events of a `--output json` run.
fn hook_failures(run: &Run) -> Vec<serde_json::Value> {
    run.stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|event| event["event"] == "hook-failed")
        .collect()
}

fn apply_json(project: &Project, version: &str) -> Run {
    project.write_site(version);
    project.sluice(&[
        "apply",
        "--env",
        ENV,
        "--version",
        version,
        "--output",
        "json",
    ])
}

#[test]
fn the_webhook_posts_to_the_granted_origin_on_success_and_on_rollback_and_its_secret_url_never_shows()
 {
    let receiver = Receiver::start();
    let project = Project::new();
    let hooks = r#"[hooks.chat]
plugin = "webhook"
on = ["unit-succeeded", "unit-rolled-back"]
config = { url = "${secret.hook}" }

[hooks.events]
plugin = "webhook"
config = { url = "${secret.hook}?as=json", format = "json" }
"#;
    project.write_plan(&plan(&project, &receiver, "", hooks));
    let good = project.deploy("v1");
    assert_eq!(good.code, EXIT_SUCCESS, "{}", good.all());

    project.write_plan(&plan(&project, &receiver, FAILING_GATE, hooks));
    let bad = project.deploy("v2");
    assert_eq!(bad.code, EXIT_ROLLED_BACK, "{}", bad.all());
    assert_eq!(project.live(), (200, "<h1>v1</h1>\n".into()));

    let posted = receiver.bodies_at(TOKEN_PATH);
    let slack: Vec<&str> = posted
        .iter()
        .filter_map(|body| body.get("text")?.as_str())
        .collect();
    assert_eq!(
        slack.len(),
        2,
        "the chat hook listens to two events: {posted:?}"
    );
    assert!(
        slack[0].starts_with("t test: web v1 succeeded (deployment "),
        "{slack:?}"
    );
    assert!(
        slack[1].starts_with("t test: web v2 failed and was rolled back: ")
            && slack[1].contains("never-there"),
        "the reason names the gate: {slack:?}"
    );

    let events: Vec<&serde_json::Value> = posted
        .iter()
        .filter(|body| body.get("event").is_some())
        .collect();
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "deployment-started",
            "unit-succeeded",
            "deployment-finished",
            "deployment-started",
            "unit-rolled-back",
            "deployment-finished"
        ],
        "every event, in order, to the json hook"
    );
    let rolled_back = events[4];
    assert_eq!(rolled_back["unit"], "web");
    assert_eq!(rolled_back["version"], "v2");
    assert_eq!(rolled_back["outcome"], "rolled-back");
    assert_eq!(rolled_back["environment"], "test");
    assert_eq!(events[5]["outcome"], "rolled-back");
    assert!(rolled_back["deployment_id"].is_string());

    let calls = project.sluice(&["audit", "calls", "--env", ENV, "--output", "json"]);
    assert_eq!(calls.code, EXIT_SUCCESS, "{}", calls.all());
    assert!(
        calls.stdout.contains(r#""unit":"hooks.chat","plugin":"webhook","call":"notify","interface":"http","function":"send","target":"POST [REDACTED]","verdict":"allowed""#),
        "the record names the hook's calls: {}",
        calls.stdout
    );
    for text in [good.all(), bad.all(), calls.all()] {
        assert!(
            !text.contains("hook-secret-9f3c1d7e2a4b"),
            "the secret URL never shows: {text}"
        );
    }
}

#[test]
fn a_hook_that_traps_and_one_that_is_denied_are_warnings_and_the_deployment_ends_as_it_would_have()
{
    let receiver = Receiver::start();
    let project = Project::new();
    let trap = test_plugin("trap-in-hook");
    let hooks = format!(
        r#"[plugins.trap]
source = {:?}
sha256 = "{}"

[plugins.denied]
source = "builtin:webhook"
[plugins.denied.grants]
http = []

[hooks.trap]
plugin = "trap"
on = ["unit-succeeded", "unit-rolled-back"]

[hooks.denied]
plugin = "denied"
on = ["unit-succeeded", "unit-rolled-back"]
config = {{ url = "{}/hook" }}
"#,
        trap.display().to_string(),
        sha256_file(&trap),
        receiver.origin
    );
    project.write_plan(&plan(&project, &receiver, "", &hooks));
    let good = apply_json(&project, "v1");
    assert_eq!(good.code, EXIT_SUCCESS, "{}", good.all());
    assert_eq!(project.live(), (200, "<h1>v1</h1>\n".into()));

    project.write_plan(&plan(&project, &receiver, FAILING_GATE, &hooks));
    let bad = apply_json(&project, "v2");
    assert_eq!(bad.code, EXIT_ROLLED_BACK, "{}", bad.all());

    for (run, on) in [(&good, "unit-succeeded"), (&bad, "unit-rolled-back")] {
        let failures = hook_failures(run);
        assert_eq!(failures.len(), 2, "{}", run.all());
        let trapped = failures.iter().find(|f| f["hook"] == "trap").unwrap();
        assert_eq!(trapped["on"], on);
        assert_eq!(trapped["required"], false);
        let reason = trapped["reason"].as_str().unwrap();
        assert!(
            reason.contains("trapped") && reason.contains(&format!("told of {on}")),
            "{reason}"
        );
        let denied = failures.iter().find(|f| f["hook"] == "denied").unwrap();
        let reason = denied["reason"].as_str().unwrap();
        assert!(
            reason.starts_with("denied: posting to the webhook: ")
                && reason.contains("not granted"),
            "{reason}"
        );
    }
    assert!(
        receiver.posted().is_empty(),
        "the denied hook reached nothing"
    );

    project.write_plan(&plan(&project, &receiver, "", &hooks));
    let human = project.deploy("v3");
    assert_eq!(human.code, EXIT_SUCCESS, "{}", human.all());
    assert!(
        human
            .all()
            .contains("warning: hook trap failed on unit-succeeded: ")
            && human.all().contains("the deployment goes on"),
        "{}",
        human.all()
    );
}

#[test]
fn a_required_hook_that_fails_fails_the_run_with_exit_1_and_says_why() {
    let receiver = Receiver::start();
    let project = Project::new();
    let hooks = r#"[plugins.denied]
source = "builtin:webhook"
[plugins.denied.grants]
http = []

[hooks.audit-trail]
plugin = "denied"
on = ["deployment-finished"]
required = true
config = { url = "http://127.0.0.1:9/hook" }
"#;
    project.write_plan(&plan(&project, &receiver, "", hooks));
    let run = apply_json(&project, "v1");
    assert_eq!(run.code, EXIT_FAILED, "{}", run.all());
    assert_eq!(
        project.live(),
        (200, "<h1>v1</h1>\n".into()),
        "the deployment itself went through"
    );
    let failures = hook_failures(&run);
    assert_eq!(failures.len(), 1, "{}", run.all());
    assert_eq!(failures[0]["hook"], "audit-trail");
    assert_eq!(failures[0]["required"], true);
    let finished: serde_json::Value =
        serde_json::from_str(run.stdout.lines().last().unwrap()).unwrap();
    assert_eq!(finished["event"], "deployment-finished");
    assert_eq!(finished["outcome"], "succeeded");
    assert_eq!(finished["exit_code"], 1);

    let human = project.deploy("v2");
    assert_eq!(human.code, EXIT_FAILED, "{}", human.all());
    assert!(
        human.all().contains(
            "error: hook audit-trail failed on deployment-finished: denied: posting to the webhook"
        ) && human
            .all()
            .contains("the run fails (exit 1): the hook is required"),
        "{}",
        human.all()
    );
}

#[test]
fn a_hook_written_in_python_is_told_of_each_event_and_opens_an_incident_on_rollback() {
    let receiver = Receiver::start();
    let project = Project::new();
    let wasm = python::built("tests/python-plugins/incident-hook");
    let hooks = format!(
        r#"[plugins.incident]
source = {:?}
sha256 = "{}"
[plugins.incident.grants]
http = ["{origin}"]

[hooks.incident]
plugin = "incident"
config = {{ url = "{origin}/incidents" }}
"#,
        wasm.display().to_string(),
        sha256_file(&wasm),
        origin = receiver.origin
    );
    project.write_plan(&plan(&project, &receiver, "", &hooks));
    let good = project.deploy("v1");
    assert_eq!(good.code, EXIT_SUCCESS, "{}", good.all());
    for line in [
        "python hook: deployment-started",
        "python hook: unit-succeeded web succeeded",
        "python hook: deployment-finished succeeded",
    ] {
        assert!(good.all().contains(line), "{line}: {}", good.all());
    }
    assert!(receiver.posted().is_empty(), "no incident for a success");

    project.write_plan(&plan(&project, &receiver, FAILING_GATE, &hooks));
    let bad = project.deploy("v2");
    assert_eq!(bad.code, EXIT_ROLLED_BACK, "{}", bad.all());
    let incidents = receiver.bodies_at("/incidents");
    assert_eq!(incidents.len(), 1, "{incidents:?}");
    assert_eq!(incidents[0]["severity"], "warning");
    let summary = incidents[0]["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("test: web v2 unit-rolled-back: ") && summary.contains("never-there"),
        "{summary}"
    );
}
