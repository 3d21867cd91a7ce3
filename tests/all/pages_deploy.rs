//! The `cloudflare-pages` strategy against the Pages emulator: what a first deploy, a redeploy
//! with a few changed files and a deploy with no change upload, and what production serves.

use crate::support;
use crate::support::cloudflare::faults::Endpoint;
use crate::support::pages::{PagesProject, VERSION_GATES, files_under};
use crate::support::{EXIT_SUCCESS, Run};

/// A site of 12 files in nested directories (a binary one among them), plus `_headers`.
fn site(project: &PagesProject, version: &str) {
    project.write("version.txt", version);
    project.write("index.html", "<h1>shop</h1>\n");
    project.write("_headers", "/*\n  X-Frame-Options: DENY\n");
    project.write(
        "img/logo.png",
        (0..=255u8).cycle().take(3000).collect::<Vec<_>>(),
    );
    for i in 0..9 {
        project.write(&format!("docs/page-{i}.html"), format!("<p>page {i}</p>\n"));
    }
}

fn succeeded(run: &Run) {
    assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
}

/// A project whose site, as v1, is live.
fn v1_live() -> PagesProject {
    let project = PagesProject::new();
    site(&project, "v1");
    project.plan("", VERSION_GATES);
    succeeded(&project.apply("v1", &[]));
    project
}

/// Every file of the site (but `_headers`) is served by production, byte for byte.
fn production_serves_the_site(project: &PagesProject) {
    for (path, bytes) in files_under(&project.site()) {
        if path == "_headers" {
            continue;
        }
        assert_eq!(
            project.production(&format!("/{path}")),
            (200, bytes),
            "/{path}"
        );
    }
}

#[test]
fn a_first_deploy_uploads_every_file_previews_it_then_publishes_the_same_manifest() {
    let project = v1_live();

    production_serves_the_site(&project);
    let counters = project.emulator.counters();
    assert_eq!(
        counters.files_uploaded(),
        12,
        "every asset once, _headers not among them"
    );
    let deployments = project.emulator.deployments(support::pages::PROJECT);
    let environments: Vec<&str> = deployments.iter().map(|d| d.environment.as_str()).collect();
    assert_eq!(environments, ["preview", "production"]);
    assert_eq!(deployments[0].branch, "sluice-v1");
    assert_eq!(deployments[0].manifest, deployments[1].manifest);
    assert_eq!(deployments[1].manifest.len(), 12);
    assert!(deployments[1].live);
    assert_eq!(
        deployments[1].headers.as_deref(),
        Some("/*\n  X-Frame-Options: DENY\n")
    );
    assert_eq!(
        counters.requests_to(Endpoint::Upload),
        3,
        "a small site still goes over three streams"
    );
}

#[test]
fn a_redeploy_with_three_changed_files_uploads_exactly_those_three() {
    let project = v1_live();
    project.emulator.reset_counters();

    project.write("version.txt", "v2");
    project.write("docs/page-3.html", "<p>page 3, rewritten</p>\n");
    project.write("img/logo.png", b"a new logo");
    let plan = project.sluice(&["plan", "--env", "test", "--version", "v2"]);
    assert!(
        plan.all()
            .contains("0 new, 3 changed, 0 removed; upload 3 of 12 files"),
        "{}",
        plan.all()
    );
    succeeded(&project.apply("v2", &[]));

    let manifest = project.live_manifest();
    let mut expected: Vec<String> = ["/version.txt", "/docs/page-3.html", "/img/logo.png"]
        .iter()
        .map(|path| manifest[*path].clone())
        .collect();
    expected.sort();
    let mut uploaded = project.emulator.counters().uploaded;
    uploaded.sort();
    assert_eq!(uploaded, expected);
    production_serves_the_site(&project);
}

#[test]
fn a_deploy_with_no_change_uploads_nothing_and_still_publishes() {
    let project = v1_live();
    let before = project.emulator.live(support::pages::PROJECT);
    project.emulator.reset_counters();

    succeeded(&project.apply("v1", &["--force"]));

    let counters = project.emulator.counters();
    assert_eq!(counters.files_uploaded(), 0);
    assert_eq!(counters.requests_to(Endpoint::Upload), 0);
    assert_eq!(
        counters.requests_to(Endpoint::CheckMissing),
        2,
        "plan and stage ask"
    );
    let after = project.emulator.live(support::pages::PROJECT);
    assert_ne!(after, before, "a new production deployment");
    production_serves_the_site(&project);
}
