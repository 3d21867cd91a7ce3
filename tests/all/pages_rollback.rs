//! The `cloudflare-pages` strategy going back: a preview that fails its gate or its deploy stage
//! never reaches production, and `sluice rollback` returns production to the previous deployment.

use crate::support::cloudflare::faults::{Endpoint, Fault};
use crate::support::pages::{PROJECT, PagesProject, VERSION_GATES};
use crate::support::{EXIT_ROLLED_BACK, EXIT_SUCCESS};

/// A project with v1 live in production.
fn v1_live() -> PagesProject {
    let project = PagesProject::new();
    project.write("version.txt", "v1");
    project.write("index.html", "<h1>shop v1</h1>\n");
    project.write("health.txt", "ok");
    project.plan("", VERSION_GATES);
    let run = project.apply("v1", &[]);
    assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
    project
}

/// Production still serves v1 from the deployment that served it before.
fn production_is_still_v1(project: &PagesProject, live_before: &Option<String>) {
    assert_eq!(project.production("/version.txt"), (200, b"v1".to_vec()));
    assert_eq!(&project.emulator.live(PROJECT), live_before);
    let status = project.sluice(&["status", "--env", "test", "--output", "json"]);
    assert!(
        status.stdout.contains(r#""version":"v1""#),
        "{}",
        status.all()
    );
}

#[test]
fn a_preview_missing_a_file_its_gate_expects_is_deleted_and_production_is_untouched() {
    let project = v1_live();
    let live_before = project.emulator.live(PROJECT);
    let gates = VERSION_GATES.replacen(
        "[",
        r#"[
  { http = "${staged.endpoint}/health.txt", body = "ok", interval = "50ms", failure_threshold = 2, deadline = "5s" },"#,
        1,
    );
    project.plan("", &gates);
    std::fs::remove_file(project.site().join("health.txt")).unwrap();
    project.write("version.txt", "v2");

    let run = project.apply("v2", &[]);

    assert_eq!(run.code, EXIT_ROLLED_BACK, "{}", run.all());
    assert!(
        run.all().contains("health.txt") && run.all().contains("body did not contain `ok`"),
        "the reason names the gate and what it saw: {}",
        run.all()
    );
    assert!(run.all().contains("rolled back to v1"), "{}", run.all());
    production_is_still_v1(&project, &live_before);
    let branches: Vec<String> = project
        .emulator
        .deployments(PROJECT)
        .into_iter()
        .map(|d| d.branch)
        .collect();
    assert_eq!(
        branches,
        ["sluice-v1", "main"],
        "the v2 preview was deleted"
    );
}

#[test]
fn a_preview_whose_deploy_stage_fails_stops_before_production_quoting_the_log() {
    let project = v1_live();
    let live_before = project.emulator.live(PROJECT);
    project.emulator.inject(Fault::FailingDeployStage {
        message: "the build output is corrupt".into(),
    });
    project.write("version.txt", "v2");

    let run = project.apply("v2", &[]);

    assert_eq!(run.code, EXIT_ROLLED_BACK, "{}", run.all());
    assert!(
        run.all()
            .contains("failed its deploy stage: the build output is corrupt"),
        "{}",
        run.all()
    );
    production_is_still_v1(&project, &live_before);
}

#[test]
fn sluice_rollback_after_a_good_v2_serves_v1_from_its_old_deployment_again() {
    let project = v1_live();
    let v1_deployment = project.emulator.live(PROJECT);
    project.write("version.txt", "v2");
    project.write("index.html", "<h1>shop v2</h1>\n");
    let v2 = project.apply("v2", &[]);
    assert_eq!(v2.code, EXIT_SUCCESS, "{}", v2.all());
    assert_eq!(
        project.production("/index.html"),
        (200, b"<h1>shop v2</h1>\n".to_vec())
    );

    let back = project.sluice(&["rollback", "--env", "test", "--unit", "web"]);

    assert_eq!(back.code, EXIT_SUCCESS, "{}", back.all());
    assert_eq!(
        project.production("/index.html"),
        (200, b"<h1>shop v1</h1>\n".to_vec())
    );
    production_is_still_v1(&project, &v1_deployment);
    assert_eq!(
        project.emulator.counters().requests_to(Endpoint::Rollback),
        1,
        "through Pages' rollback endpoint"
    );
}
