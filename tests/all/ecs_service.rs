//! The `ecs-service` strategy (TypeScript, plugins/ecs-service, built with componentize-js
//! through sdk/js) against moto's ECS API, checked with the real AWS CLI: a deploy registers a
//! revision with the new image and the service runs it once steady; the same image registers
//! nothing; a failing live gate returns the service to the revision before and deregisters the
//! new one; `sluice rollback` goes back one more; a service whose tasks never all run (moto's
//! model of unhealthy tasks) is not steady in time and rolls back; an unknown service fails
//! before anything is registered; refused credentials fail and the right ones deploy.

use std::net::TcpListener;

use crate::support::js::{self, Build};
use crate::support::moto::{Moto, aws_plugin_plan, sluice_signing_with, sluice_with_keys};
use crate::support::pinned::PinnedPlugin;
use crate::support::project::{ENV, Project};
use crate::support::{EXIT_ROLLED_BACK, EXIT_SUCCESS, Run};

/// The plugin's directory, relative to the repository root.
const PLUGIN: &str = "plugins/ecs-service";
const CLUSTER: &str = "shop";
const SERVICE: &str = "api";

/// A project deploying `shop-api:VERSION` to the ECS service `api` of cluster `shop` in moto.
struct Service {
    project: Project,
    moto: Moto,
    plugin: PinnedPlugin,
}

impl Service {
    /// moto whose services run `running` tasks (moto's model: fewer than desired never gets
    /// steady), with the service on revision 1 (`shop-api:v0`), and the built plugin.
    fn new(running: &str) -> Service {
        let moto = Moto::start_with(&[("MOTO_ECS_SERVICE_RUNNING", running)]);
        moto.ecs_service(CLUSTER, SERVICE, "shop-api:v0");
        let project = Project::new();
        let plugin = PinnedPlugin::copy(
            &js::component(PLUGIN, Build::Plain),
            project.path(),
            "ecs-service.wasm",
        );
        let service = Service {
            project,
            moto,
            plugin,
        };
        service.plan(SERVICE, "");
        service
    }

    /// Writes the plan for service `name`, with `extra` (TOML lines) in the unit; the image is
    /// `shop-api:VERSION`.
    fn plan(&self, name: &str, extra: &str) {
        self.plan_image(name, "shop-api:${version}", extra);
    }

    /// Writes the plan for service `name` running `image`, with `extra` (TOML lines) in the unit.
    fn plan_image(&self, name: &str, image: &str, extra: &str) {
        self.project.write_plan(&aws_plugin_plan(
            &self.plugin,
            &self.moto.endpoint,
            "",
            "api",
            &format!(
                r#"cluster = "{CLUSTER}", service = "{name}", image = "{image}", wait_seconds = 3"#
            ),
            extra,
        ));
    }

    fn sluice(&self, args: &[&str]) -> Run {
        sluice_with_keys(self.project.path(), args)
    }

    fn apply(&self, version: &str) -> Run {
        self.sluice(&["apply", "--env", ENV, "--version", version])
    }

    /// The revision the service runs and its image.
    fn running(&self) -> (String, String) {
        self.moto.ecs_running(CLUSTER, SERVICE)
    }

    fn revisions(&self) -> Vec<String> {
        self.moto.ecs_revisions(SERVICE)
    }
}

fn pair(revision: &str, image: &str) -> (String, String) {
    (revision.to_owned(), image.to_owned())
}

#[test]
fn a_deploy_registers_a_revision_with_the_new_image_the_service_runs_it_and_the_same_image_registers_nothing()
 {
    let service = Service::new("2");
    let first = service.apply("v1");
    assert_eq!(first.code, EXIT_SUCCESS, "{}", first.all());
    assert!(
        first
            .all()
            .contains("registered api:2: app runs shop-api:v1 (was shop-api:v0)"),
        "{}",
        first.all()
    );
    assert_eq!(service.running(), pair("api:2", "shop-api:v1"));

    // A new version of the plan whose image did not change (a config-only release, say).
    service.plan_image(SERVICE, "shop-api:v1", "");
    let again = service.apply("v1.1");
    assert_eq!(again.code, EXIT_SUCCESS, "{}", again.all());
    assert!(
        again
            .all()
            .contains("image unchanged: api:2 runs shop-api:v1 already"),
        "{}",
        again.all()
    );
    assert_eq!(service.revisions(), ["api:1", "api:2"]);

    service.plan(SERVICE, "");
    let second = service.apply("v2");
    assert_eq!(second.code, EXIT_SUCCESS, "{}", second.all());
    assert_eq!(service.running(), pair("api:3", "shop-api:v2"));
}

#[test]
fn a_failing_gate_returns_the_service_to_the_revision_before_and_sluice_rollback_goes_back_one_more()
 {
    let service = Service::new("2");
    for version in ["v1", "v2"] {
        let run = service.apply(version);
        assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
    }
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    service.plan(
        SERVICE,
        &format!(r#"gates = [{{ tcp = "{closed}", interval = "50ms", deadline = "1s" }}]"#),
    );
    let failed = service.apply("v3");
    assert_eq!(failed.code, EXIT_ROLLED_BACK, "{}", failed.all());
    assert_eq!(service.running(), pair("api:3", "shop-api:v2"));
    assert_eq!(
        service.revisions(),
        ["api:1", "api:2", "api:3"],
        "the failed revision is still registered"
    );

    service.plan(SERVICE, "");
    let back = service.sluice(&["rollback", "--env", ENV, "--unit", "api"]);
    assert_eq!(back.code, EXIT_SUCCESS, "{}", back.all());
    assert_eq!(service.running(), pair("api:2", "shop-api:v1"));
}

#[test]
fn tasks_that_never_all_run_are_not_steady_in_time_and_the_service_returns_to_its_revision() {
    let service = Service::new("0");
    let run = service.apply("v1");
    assert_eq!(run.code, EXIT_ROLLED_BACK, "{}", run.all());
    assert!(
        run.all().contains(
            "service api did not reach a steady state in 3s: rollout in progress (0 of 2 tasks running)"
        ),
        "{}",
        run.all()
    );
    assert_eq!(service.running(), pair("api:1", "shop-api:v0"));
    assert_eq!(service.revisions(), ["api:1"]);
}

#[test]
fn an_unknown_service_fails_before_anything_is_registered() {
    let service = Service::new("2");
    service.plan("no-such-service", "");
    let run = service.apply("v1");
    assert_ne!(run.code, EXIT_SUCCESS, "{}", run.all());
    assert!(
        run.all()
            .contains("service no-such-service in cluster shop: MISSING"),
        "{}",
        run.all()
    );
    assert_eq!(service.revisions(), ["api:1"]);
    assert_eq!(service.running(), pair("api:1", "shop-api:v0"));
}

#[test]
fn credentials_aws_refuses_fail_with_its_reason_and_the_right_ones_deploy() {
    let service = Service::new("2");
    let runs = service.moto.checking_credentials(|key, secret| {
        [
            (key, "not-the-secret"),
            ("AKIDUNKNOWN", secret),
            (key, secret),
        ]
        .map(|keys| {
            sluice_signing_with(
                service.project.path(),
                keys,
                &["apply", "--env", ENV, "--version", "v1"],
            )
        })
    });
    let [wrong, unknown, right] = &runs;
    for (run, code) in [
        (wrong, "SignatureDoesNotMatch"),
        (unknown, "InvalidClientTokenId"),
    ] {
        assert_ne!(run.code, EXIT_SUCCESS, "{}", run.all());
        assert!(
            run.all().contains(&format!(
                "AWS refused the credentials for describing service api in cluster shop: 403 {code}"
            )),
            "{}",
            run.all()
        );
    }
    assert_eq!(right.code, EXIT_SUCCESS, "{}", right.all());
    assert_eq!(service.running(), pair("api:2", "shop-api:v1"));
}
