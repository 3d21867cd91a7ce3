//! Canary steps in the plan (`steps = [{ weight = 10 }, { wait = "1m" }, { pause = true }]`, and
//! `shift` as their short form): what `sluice plan` shows, each bad step refused at its place in
//! the file, and a live gate failing at one step rolling the unit back and naming the step.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::http::StatusCode;

use crate::support::http::serve;
use crate::support::project::{ENV, Project, site_plan_preamble};
use crate::support::{EXIT_INVALID, EXIT_ROLLED_BACK, EXIT_SUCCESS};

/// A static-site plan whose unit `web` has `steps` (TOML text) and a staged gate, plus the live
/// gates `live_gates` (TOML inline tables, comma-separated).
pub fn stepped_site_plan(steps: &str, live_gates: &str) -> String {
    site_plan_preamble("t", "[environments.test]\n")
        + &format!(
            r#"
[units.web]
plugin = "site"
config = {{ source = "/site", target = "/www", keep = 3, public_url = "{{base}}" }}
endpoints = ["{{base}}"]
steps = {steps}
gates = [
  {{ http = "${{staged.endpoint}}index.html", body = "${{version}}", interval = "50ms", deadline = "5s" }},
  {live_gates}
]
"#
        )
}

#[test]
fn sluice_plan_shows_every_step_and_the_cut_over_after_them() {
    let project = Project::new();
    project.write_site("v1");
    project.write_plan(&stepped_site_plan(
        r#"[{ weight = 10 }, { wait = "1m" }, { weight = 50 }, { pause = true }]"#,
        "",
    ));

    let human = project.sluice(&["plan", "--env", ENV, "--version", "v1"]);
    assert_eq!(human.code, EXIT_SUCCESS, "{}", human.all());
    assert!(
        human
            .stdout
            .contains("steps: 1. weight 10%, 2. wait 1m, 3. weight 50%, 4. pause, 5. weight 100%"),
        "{}",
        human.stdout
    );

    let json = project.sluice(&["plan", "--env", ENV, "--version", "v1", "--output", "json"]);
    assert_eq!(json.code, EXIT_SUCCESS, "{}", json.all());
    let planned = json
        .stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|event| event["event"] == "plan")
        .unwrap_or_else(|| panic!("a plan event: {}", json.stdout));
    assert_eq!(
        planned["steps"],
        serde_json::json!([
            "weight 10%",
            "wait 1m",
            "weight 50%",
            "pause",
            "weight 100%"
        ])
    );
}

#[test]
fn shift_is_short_for_weight_steps_and_giving_both_is_refused() {
    let project = Project::new();
    project.write_site("v1");
    let shift = stepped_site_plan("[]", "").replace("steps = []", "shift = [10, 50]");
    project.write_plan(&shift);
    let planned = project.sluice(&["plan", "--env", ENV, "--version", "v1"]);
    assert!(
        planned
            .stdout
            .contains("steps: 1. weight 10%, 2. weight 50%, 3. weight 100%"),
        "{}",
        planned.all()
    );

    project.write_plan(&shift.replace(
        "shift = [10, 50]",
        "shift = [10]\nsteps = [{ weight = 50 }]",
    ));
    let both = project.sluice(&["validate"]);
    assert_eq!(both.code, EXIT_INVALID, "{}", both.all());
    assert!(
        both.stderr.contains("`shift` and `steps` both given"),
        "{}",
        both.all()
    );
}

#[test]
fn each_bad_step_is_refused_at_its_line_and_column() {
    let project = Project::new();
    // `steps = ` is 8 characters: the list opens at column 9, its first table's key at column 11.
    for (steps, column, why) in [
        (
            "[{ weight = 0 }]",
            21,
            "invalid weight 0: expected a percentage from 1 to 100",
        ),
        ("[{ weight = 101 }]", 21, "invalid weight 101"),
        (
            "[{ weight = 50 }, { weight = 10 }]",
            38,
            "weight 10 after 50: expected strictly increasing percentages",
        ),
        (
            "[{ wait = \"0s\" }]",
            19,
            "invalid wait `0s`: expected a positive duration",
        ),
        (
            "[{ pause = true, weigth = 5 }]",
            0,
            "unknown field `weigth`",
        ),
        (
            "[{ weight = 10, pause = true }]",
            10,
            "a step needs exactly one key",
        ),
    ] {
        project.write_plan(&stepped_site_plan(steps, ""));
        let refused = project.sluice(&["validate"]);
        assert_eq!(refused.code, EXIT_INVALID, "{steps}: {}", refused.all());
        let line = std::fs::read_to_string(project.plan_path())
            .unwrap()
            .lines()
            .position(|l| l.starts_with("steps = "))
            .unwrap()
            + 1;
        let at = if column == 0 {
            format!("sluice.toml:{line}:")
        } else {
            format!("sluice.toml:{line}:{column}: {why}")
        };
        assert!(
            refused.stderr.contains(&at) && refused.stderr.contains(why),
            "{steps}: expected `{at}` and `{why}` in {}",
            refused.stderr
        );
    }
}

/// A health endpoint that answers 200 to its first request and 503 to every later one, and
/// counts them.
fn healthy_once() -> (String, Arc<AtomicUsize>, tokio::runtime::Runtime) {
    let served = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&served);
    let app = axum::Router::new().fallback(move || {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        async move {
            if n == 0 {
                (StatusCode::OK, "healthy")
            } else {
                (StatusCode::SERVICE_UNAVAILABLE, "sick")
            }
        }
    });
    let (addr, runtime) = serve(app, 1);
    (format!("http://{addr}/health"), served, runtime)
}

#[test]
fn a_live_gate_failing_at_the_second_weight_step_rolls_back_naming_the_step() {
    let project = Project::new();
    project.write_plan(&stepped_site_plan("[]", ""));
    assert_eq!(project.deploy("v1").code, EXIT_SUCCESS);
    let (health, served, _server) = healthy_once();
    project.write_plan(&stepped_site_plan(
        "[{ weight = 10 }, { weight = 50 }]",
        &format!(
            r#"{{ http = "{health}", interval = "50ms", failure_threshold = 1, deadline = "2s" }}"#
        ),
    ));

    let bad = project.deploy("v2");

    assert_eq!(bad.code, EXIT_ROLLED_BACK, "{}", bad.all());
    let text = bad.all();
    assert!(
        text.contains(&format!("at step 2 of 3 (weight 50%): live gate {health}")),
        "the reason names the step and the gate: {text}"
    );
    assert!(text.contains("HTTP 503"), "{text}");
    assert!(
        text.contains("weight back to 0% (from 50%); rolled back to v1"),
        "{text}"
    );
    assert!(
        served.load(Ordering::SeqCst) >= 2,
        "the gate ran at the first step and again at the second"
    );
    project.assert_v1_still_live();
}

#[test]
fn a_first_deployment_has_no_traffic_to_share_so_it_skips_the_steps_and_pause_and_goes_live() {
    let project = Project::new();
    project.write_plan(&stepped_site_plan(
        "[{ weight = 10 }, { pause = true }, { weight = 50 }]",
        r#"{ http = "{base}/current/index.html", body = "${version}", interval = "50ms", deadline = "5s" }"#,
    ));

    let first = project.deploy("v1");

    assert_eq!(first.code, EXIT_SUCCESS, "{}", first.all());
    assert!(
        first.all().contains(
            "[web] steps: skipped: nothing is live yet, so v1 takes all the traffic at once"
        ),
        "{}",
        first.all()
    );
    assert!(!first.all().contains("shift 10"), "{}", first.all());
    assert_eq!(project.live(), (200, "<h1>v1</h1>\n".into()));
    assert_eq!(project.live_version("web").as_deref(), Some("v1"));
}
