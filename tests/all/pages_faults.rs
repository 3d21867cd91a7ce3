//! The `cloudflare-pages` strategy when the API misbehaves, as Cloudflare's does: a revoked upload
//! token, gateway timeouts, slow answers, unknown errors, and an API that keeps failing.

use std::time::Duration;

use crate::support::cloudflare::faults::{Endpoint, Fault};
use crate::support::pages::{PROJECT, PagesProject, VERSION_GATES};
use crate::support::{EXIT_ROLLED_BACK, EXIT_SUCCESS, Run};

/// Applies v1 of a nine-file site (three upload buckets), with the version gates, while the
/// emulator has `fault`.
fn apply_with(fault: Fault) -> (PagesProject, Run) {
    let project = PagesProject::new();
    project.write("version.txt", "v1");
    for i in 0..8 {
        project.write(&format!("assets/{i}.js"), format!("console.log({i});\n"));
    }
    project.plan("", VERSION_GATES);
    project.emulator.inject(fault);
    let run = project.apply("v1", &[]);
    (project, run)
}

fn deployed(project: &PagesProject, run: &Run) {
    assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
    assert_eq!(project.production("/version.txt"), (200, b"v1".to_vec()));
    assert_eq!(project.emulator.counters().files_uploaded(), 9);
}

#[test]
fn an_upload_token_revoked_mid_upload_is_fetched_again_and_the_upload_completes() {
    let (project, run) = apply_with(Fault::RevokeTokensOnUpload { nth: 2 });

    deployed(&project, &run);
    let counters = project.emulator.counters();
    assert!(counters.rejected_tokens >= 1, "{counters:?}");
    assert_eq!(
        counters.requests_to(Endpoint::Upload),
        3 + counters.rejected_tokens,
        "each rejected bucket is sent once more"
    );
    assert_eq!(
        counters.upload_tokens, 3,
        "one for plan, one for stage, one fetched again"
    );
}

#[test]
fn a_burst_of_gateway_timeouts_drops_to_one_stream_and_completes() {
    let (project, run) = apply_with(Fault::GatewayTimeouts {
        endpoint: Endpoint::Upload,
        count: 3,
    });

    deployed(&project, &run);
    assert_eq!(project.emulator.counters().requests_to(Endpoint::Upload), 6);
    assert!(
        run.all().contains("uploading one bucket at a time"),
        "{}",
        run.all()
    );
}

#[test]
fn slow_uploads_are_waited_for_with_several_buckets_in_flight() {
    let (project, run) = apply_with(Fault::Slow {
        endpoint: Endpoint::Upload,
        delay: Duration::from_secs(1),
    });

    deployed(&project, &run);
    assert_eq!(project.emulator.counters().max_uploads_in_flight, 3);
}

#[test]
fn an_unknown_error_creating_a_deployment_is_retried() {
    let (project, run) = apply_with(Fault::ServerErrors {
        endpoint: Endpoint::CreateDeployment,
        count: Some(1),
    });

    deployed(&project, &run);
    assert_eq!(
        project
            .emulator
            .counters()
            .requests_to(Endpoint::CreateDeployment),
        3,
        "the preview twice, production once"
    );
}

#[test]
fn uploads_that_keep_failing_give_up_after_the_documented_retries_and_publish_nothing() {
    let (project, run) = apply_with(Fault::ServerErrors {
        endpoint: Endpoint::Upload,
        count: None,
    });

    assert_eq!(run.code, EXIT_ROLLED_BACK, "{}", run.all());
    assert!(
        run.all().contains("giving up after the documented retries")
            && run.all().contains("answered HTTP 500 with code 8000000"),
        "{}",
        run.all()
    );
    assert_eq!(
        project.emulator.counters().requests_to(Endpoint::Upload),
        3 * 6,
        "three buckets, each sent once and retried five times"
    );
    assert!(project.emulator.deployments(PROJECT).is_empty());
    assert_eq!(project.emulator.live(PROJECT), None);
}
