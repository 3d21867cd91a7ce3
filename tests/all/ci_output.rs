//! Output for CI systems: GitHub Actions workflow commands and job summary when
//! `GITHUB_ACTIONS=true`, and the `--junit` report that GitLab, Jenkins and Buildkite read,
//! validated against the JUnit schema subset with `xmllint`.

use std::path::Path;
use std::process::Command;

use crate::support::project::{ENV, Project, static_site_plan};
use crate::support::{EXIT_INVALID, EXIT_ROLLED_BACK, EXIT_SUCCESS, Run, sluice};

/// A live gate that can never pass: the deployment of the next version rolls back.
const FAILING_GATE: &str = r#"{ tcp = "127.0.0.1:1", interval = "50ms", deadline = "300ms" }"#;

/// `sluice apply` of `version` as a step of a GitHub Actions job whose summary file is `summary`.
fn apply_in_github_actions(project: &Project, version: &str, summary: &Path) -> Run {
    project.write_site(version);
    sluice(project.path())
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", summary)
        .env("GITHUB_SERVER_URL", "https://github.example")
        .env("GITHUB_REPOSITORY", "acme/shop")
        .env("GITHUB_RUN_ID", "42")
        .args(["apply", "--env", ENV, "--version", version])
        .output()
        .unwrap()
        .into()
}

#[test]
fn in_github_actions_a_unit_is_one_group_a_failure_is_annotated_and_the_summary_has_its_row() {
    let project = Project::new();
    project.write_plan(&static_site_plan(""));
    let summary = project.path().join("summary.md");
    let plain = project.deploy("v1");
    assert_eq!(plain.code, EXIT_SUCCESS, "{}", plain.all());
    assert!(
        !plain.stderr.contains("::"),
        "no workflow commands outside GitHub Actions: {}",
        plain.stderr
    );

    project.write_plan(&static_site_plan(FAILING_GATE));
    let run = apply_in_github_actions(&project, "v2", &summary);
    assert_eq!(run.code, EXIT_ROLLED_BACK, "{}", run.all());
    let lines: Vec<&str> = run.stderr.lines().collect();
    let opened = lines
        .iter()
        .position(|l| l.starts_with("::group::web v2: rolled-back in "))
        .unwrap_or_else(|| panic!("a group for the unit: {}", run.stderr));
    let closed = lines
        .iter()
        .position(|l| *l == "::endgroup::")
        .expect("the group is closed");
    assert!(
        lines[opened + 1..closed]
            .iter()
            .all(|l| l.starts_with("[web]")),
        "the group holds the unit's lines: {:?}",
        &lines[opened..=closed]
    );
    assert!(lines[opened + 1..closed].contains(&"[web] deploying v2"));
    assert!(
        lines
            .iter()
            .any(|l| l
                .starts_with("::error title=web%3A live gate failed::tcp 127.0.0.1:1: failed: ")),
        "the failed gate is annotated: {}",
        run.stderr
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("::error title=web v2%3A rolled-back::")),
        "the rolled-back unit is annotated: {}",
        run.stderr
    );

    let written = std::fs::read_to_string(&summary).unwrap();
    assert!(
        written.starts_with("### sluice apply `test`: rolled-back in "),
        "{written}"
    );
    assert!(
        written.contains("| web | v2 | rolled-back | "),
        "a row per unit: {written}"
    );
    assert!(
        written.contains("- web: failed live gate `tcp 127.0.0.1:1` in "),
        "the gate verdicts: {written}"
    );
    let id = project
        .sluice(&["history", "--env", ENV, "--output", "json"])
        .stdout
        .lines()
        .next()
        .and_then(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .and_then(|v| v["deployment_id"].as_str().map(str::to_owned))
        .expect("the deployment's id in history");
    assert!(
        written.contains(&format!(
            "The deployment's HTML report: `sluice report {id} --html FILE`, uploaded with [this run's artifacts](https://github.example/acme/shop/actions/runs/42#artifacts)."
        )),
        "how to get the report: {written}"
    );
}

#[test]
fn in_github_actions_a_plan_error_is_annotated_at_its_file_line_and_column() {
    let project = Project::new();
    project.write_plan(
        &static_site_plan("").replace("interval = \"50ms\"", "interval = \"5 parsecs\""),
    );
    let run = apply_in_github_actions(&project, "v1", &project.path().join("summary.md"));
    assert_eq!(run.code, EXIT_INVALID, "{}", run.all());
    let annotation = run
        .stderr
        .lines()
        .find(|l| l.starts_with("::error file="))
        .unwrap_or_else(|| panic!("an annotation: {}", run.stderr));
    assert!(
        annotation.starts_with("::error file=sluice.toml,line=16,col=76,title=sluice%3A invalid plan::invalid duration `5 parsecs`"),
        "{annotation}"
    );
}

/// `xmllint --schema tests/fixtures/junit.xsd FILE`: the report is valid JUnit for CI systems.
fn assert_valid_junit(report: &Path) {
    let schema = crate::support::components::repo_root().join("tests/fixtures/junit.xsd");
    let checked = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&schema)
        .arg(report)
        .output()
        .expect("xmllint (Debian's libxml2-utils, installed by scripts/ensure-deps.sh)");
    assert!(
        checked.status.success(),
        "{}",
        String::from_utf8_lossy(&checked.stderr)
    );
}

#[test]
fn the_junit_report_is_valid_for_ci_systems_and_says_what_passed_and_what_rolled_back() {
    let project = Project::new();
    project.write_plan(&static_site_plan(""));
    let report = project.path().join("report.xml");
    project.write_site("v1");
    let junit = ["--junit", report.to_str().unwrap()];
    let passed =
        project.sluice(&[&["apply", "--env", ENV, "--version", "v1"][..], &junit].concat());
    assert_eq!(passed.code, EXIT_SUCCESS, "{}", passed.all());
    assert_valid_junit(&report);
    let xml = std::fs::read_to_string(&report).unwrap();
    assert!(
        xml.contains(
            r#"<testsuite name="apply test" tests="1" failures="0" errors="0" skipped="0""#
        ),
        "{xml}"
    );
    assert!(
        xml.contains(r#"<testcase classname="sluice.test" name="web v1""#),
        "{xml}"
    );
    assert!(!xml.contains("<failure"), "{xml}");

    project.write_plan(&static_site_plan(FAILING_GATE));
    project.write_site("v2");
    let rolled_back =
        project.sluice(&[&["apply", "--env", ENV, "--version", "v2"][..], &junit].concat());
    assert_eq!(rolled_back.code, EXIT_ROLLED_BACK, "{}", rolled_back.all());
    assert_valid_junit(&report);
    let xml = std::fs::read_to_string(&report).unwrap();
    assert!(xml.contains(r#"failures="1""#), "{xml}");
    assert!(
        xml.contains(
            r#"<failure message="live gate tcp 127.0.0.1:1 failed: 3 consecutive failures"#
        ),
        "{xml}"
    );
    assert!(xml.contains(r#"type="rolled-back">"#), "{xml}");
    assert!(
        xml.contains("FAILED gate (live) tcp 127.0.0.1:1: failed: "),
        "the gate verdicts are in the case's output: {xml}"
    );
}
