//! What the `cloudflare-pages` plugin cannot do: reach any origin but the granted API base, or
//! read anything outside the granted site directory.

use std::net::TcpListener;

use crate::support::cloudflare::faults::{Endpoint, Fault};
use crate::support::pages::{PROJECT, PagesProject, VERSION_GATES};
use crate::support::{EXIT_FAILED, Run};

/// Writes the plan with `from` replaced by `to`.
fn plan_with(project: &PagesProject, from: &str, to: &str) {
    project.plan("", VERSION_GATES);
    let path = project.dir.path().join("sluice.toml");
    let plan = std::fs::read_to_string(&path).unwrap();
    assert!(plan.contains(from), "{plan}");
    std::fs::write(path, plan.replace(from, to)).unwrap();
}

fn failed_having_published_nothing(project: &PagesProject, run: &Run) {
    assert_eq!(run.code, EXIT_FAILED, "{}", run.all());
    assert_eq!(project.emulator.counters().files_uploaded(), 0);
    assert!(project.emulator.deployments(PROJECT).is_empty());
}

#[test]
fn an_api_base_outside_the_grant_is_denied_naming_the_origin() {
    let project = PagesProject::new();
    project.write("version.txt", "v1");
    plan_with(
        &project,
        &format!(r#"api_base = "{}""#, project.emulator.api_base()),
        r#"api_base = "https://api.cloudflare.com/client/v4""#,
    );

    let run = project.apply("v1", &[]);

    failed_having_published_nothing(&project, &run);
    assert!(
        run.all().contains("denied")
            && run
                .all()
                .contains("origin https://api.cloudflare.com:443 is not granted"),
        "{}",
        run.all()
    );
}

#[test]
fn a_redirect_from_the_api_to_another_origin_is_denied_and_never_followed() {
    let elsewhere = TcpListener::bind("127.0.0.1:0").unwrap();
    elsewhere.set_nonblocking(true).unwrap();
    let project = PagesProject::new();
    project.write("version.txt", "v1");
    project.plan("", VERSION_GATES);
    project.emulator.inject(Fault::Redirect {
        endpoint: Endpoint::CheckMissing,
        location: format!("http://{}/collect", elsewhere.local_addr().unwrap()),
    });

    let run = project.apply("v1", &[]);

    failed_having_published_nothing(&project, &run);
    assert!(
        run.all().contains("reached by a redirect from"),
        "{}",
        run.all()
    );
    assert!(
        elsewhere.accept().is_err(),
        "nothing connected to the other origin"
    );
    assert_eq!(
        project
            .emulator
            .counters()
            .requests_to(Endpoint::CheckMissing),
        1,
        "a denial is not retried"
    );
}

#[test]
fn a_directory_that_is_not_granted_cannot_be_read() {
    let project = PagesProject::new();
    project.write("version.txt", "v1");
    plan_with(&project, r#"directory = "/site""#, r#"directory = "/etc""#);

    let run = project.apply("v1", &[]);

    failed_having_published_nothing(&project, &run);
    assert!(run.all().contains("cannot read /etc"), "{}", run.all());
}

#[test]
fn a_symlink_leading_out_of_the_site_is_not_followed_and_its_target_never_uploaded() {
    let project = PagesProject::new();
    project.write("version.txt", "v1");
    std::os::unix::fs::symlink(
        project.dir.path().join("cf-token"),
        project.site().join("token.txt"),
    )
    .unwrap();
    project.plan("", VERSION_GATES);

    let run = project.apply("v1", &[]);

    failed_having_published_nothing(&project, &run);
    assert!(
        run.all().contains("cannot read /site/token.txt"),
        "{}",
        run.all()
    );
}
