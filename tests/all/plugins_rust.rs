//! A strategy plugin written in Rust with the SDK's typed `Strategy`: the example
//! `examples/plugins/release-dir-rust` (the same strategy as the Python, TypeScript and C
//! examples) deploys, upgrades, rolls back by itself when a live gate fails and on
//! `sluice rollback`; its `validate` reports a bad field at its path; `plugins audit` lists what
//! it imports.

use crate::support::project::{ENV, Project, component_plan};
use crate::support::{EXIT_INVALID, EXIT_ROLLED_BACK, EXIT_SUCCESS, test_plugin};

/// A live gate that never passes.
const FAILING_GATE: &str = r#"{ http = "{base}/current/index.html", body = "never-there", interval = "50ms", failure_threshold = 2, deadline = "2s" },"#;

/// A project whose unit `web` deploys with the Rust release-dir example, with `extra_gate`.
fn release_dir_project(extra_gate: &str) -> Project {
    let project = Project::new();
    project.write_plan(&component_plan(
        &test_plugin("release-dir-rust"),
        extra_gate,
    ));
    project
}

#[test]
fn the_rust_release_dir_deploys_upgrades_rolls_back_on_a_failed_gate_and_on_request() {
    let project = release_dir_project("");
    for version in ["v1", "v2"] {
        let run = project.deploy(version);
        assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
        assert_eq!(project.live(), (200, format!("<h1>{version}</h1>\n")));
        assert_eq!(project.live_version("web").as_deref(), Some(version));
    }

    project.write_plan(&component_plan(
        &test_plugin("release-dir-rust"),
        FAILING_GATE,
    ));
    let bad = project.deploy("v3");
    assert_eq!(bad.code, EXIT_ROLLED_BACK, "{}", bad.all());
    assert!(bad.all().contains("rolled back to v2"), "{}", bad.all());
    assert_eq!(project.live(), (200, "<h1>v2</h1>\n".into()));
    assert!(
        !project.path().join("www/releases/v3").exists(),
        "the rollback removed the staged v3 release"
    );

    project.write_plan(&component_plan(&test_plugin("release-dir-rust"), ""));
    let rollback = project.sluice(&["rollback", "--env", ENV, "--unit", "web"]);
    assert_eq!(rollback.code, EXIT_SUCCESS, "{}", rollback.all());
    assert_eq!(project.live(), (200, "<h1>v1</h1>\n".into()));
    assert_eq!(project.live_version("web").as_deref(), Some("v1"));
}

#[test]
fn a_target_inside_the_source_is_reported_by_the_rust_validate_at_its_path() {
    let project = Project::new();
    project.write_plan(
        &component_plan(&test_plugin("release-dir-rust"), "")
            .replace("target = \"/www\"", "target = \"/site/www\""),
    );
    let run = project.deploy("v1");
    assert_eq!(run.code, EXIT_INVALID, "{}", run.all());
    assert!(
        run.all().contains("target") && run.all().contains("must not be inside `source`"),
        "{}",
        run.all()
    );
    assert_eq!(project.live().0, 404, "nothing was deployed");
}

#[test]
fn plugins_audit_lists_the_rust_plugins_imports_under_log_and_files_only() {
    let project = release_dir_project("");
    let run = project.sluice(&["plugins", "audit", "sluice.toml"]);
    assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
    let imported = |capability: &str| {
        let row = run
            .stdout
            .lines()
            .map(|line| line.split_whitespace().collect::<Vec<_>>())
            .find(|words| words.first() == Some(&capability))
            .unwrap_or_else(|| panic!("no audit row for {capability}: {}", run.stdout));
        row[1] == "yes"
    };
    assert!(imported("log") && imported("files"), "{}", run.stdout);
    for capability in [
        "plan-notes",
        "http",
        "secrets",
        "containers",
        "sql",
        "sockets",
    ] {
        assert!(!imported(capability), "{capability}: {}", run.stdout);
    }
}
