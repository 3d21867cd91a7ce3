//! Images pulled from a registry (`containers.image-pull`): the test images are pushed to a real
//! `docker-registry` on loopback that wants a login, the engine's local copies are removed, and
//! the container strategy deploys `127.0.0.1:PORT/review/web:${version}` blue-green behind Caddy
//! with the credentials from the plan's `[registries]`. What runs is pinned by the digest the
//! registry served, so a rollback after the tag moved runs the same bytes; a wrong password, an
//! unknown tag and a registry that is down each fail before anything is stopped.

use crate::support::docker::docker;
use crate::support::images;
use crate::support::project::ENV;
use crate::support::registry::{self, Registry};
use crate::support::stack::Stack;
use crate::support::{EXIT_ROLLED_BACK, EXIT_SUCCESS, Run};

/// The repository on the registry.
const REPOSITORY: &str = "review/web";
/// The environment variable holding the registry password for sluice.
const PASSWORD_VAR: &str = "SLUICE_TEST_REGISTRY_PASSWORD";

/// A blue-green stack whose image comes from `registry`, which holds `v1` and `v2`.
struct Pulled {
    stack: Stack,
    registry: Registry,
    /// The digests the registry gave `v1` and `v2` when they were pushed.
    digests: [String; 2],
}

impl Pulled {
    fn new(what: &str) -> Pulled {
        let stack = Stack::new(what);
        let registry = Registry::with_login();
        let digests = [images::V1, images::V2]
            .map(|local| registry.push(local, &format!("{REPOSITORY}:{}", tag_of(local))));
        let pulled = Pulled {
            stack,
            registry,
            digests,
        };
        pulled.plan(&format!("{}:${{version}}", pulled.remote()));
        pulled
    }

    /// `127.0.0.1:PORT/review/web`.
    fn remote(&self) -> String {
        self.registry.repository(REPOSITORY)
    }

    /// Writes the stack's blue-green plan running `image`, granted the remote repository, with
    /// the registry's login from a secret.
    fn plan(&self, image: &str) {
        let remote = self.remote();
        self.stack.plan("blue-green", "", None, Some(&remote));
        let path = self.stack.dir.path().join("sluice.toml");
        let written = std::fs::read_to_string(&path).unwrap();
        let local = format!("image = \"{}:${{version}}\"", images::REPOSITORY);
        assert!(written.contains(&local), "{written}");
        let plan = format!(
            "{}\n[secrets.registry]\nenv = \"{PASSWORD_VAR}\"\n\n[registries.\"{}\"]\n\
             username = \"{}\"\npassword_secret = \"registry\"\n",
            written.replace(&local, &format!("image = \"{image}\"")),
            self.registry.host,
            registry::USER
        );
        std::fs::write(path, plan).unwrap();
    }

    /// `sluice ARGS` with the registry password `password`.
    fn sluice_with(&self, password: &str, args: &[&str]) -> Run {
        crate::support::sluice(self.stack.dir.path())
            .env(PASSWORD_VAR, password)
            .args(args)
            .output()
            .unwrap()
            .into()
    }

    fn apply(&self, version: &str) -> Run {
        self.sluice_with(
            registry::PASSWORD,
            &["apply", "--env", ENV, "--version", version],
        )
    }

    fn deploy_ok(&self, version: &str) {
        let run = self.apply(version);
        assert_eq!(run.code, EXIT_SUCCESS, "apply {version}: {}", run.all());
    }

    /// The image reference the live container was created from.
    fn live_image(&self) -> String {
        let name = self.stack.containers();
        let running: Vec<String> = name
            .iter()
            .map(|container| {
                let output = docker()
                    .args(["container", "inspect", "--format", "{{.Config.Image}}"])
                    .arg(container)
                    .output()
                    .unwrap();
                String::from_utf8_lossy(&output.stdout).trim().to_owned()
            })
            .collect();
        assert_eq!(running.len(), 1, "one container left: {running:?}");
        running[0].clone()
    }

    /// What the unit's live state in the state database says it runs.
    fn recorded_state(&self) -> String {
        let db =
            rusqlite::Connection::open(self.stack.dir.path().join(".sluice/state.db")).unwrap();
        db.query_row(
            "SELECT state FROM unit_current WHERE environment = ?1 AND unit = 'web'",
            [ENV],
            |row| row.get(0),
        )
        .unwrap()
    }

    /// Removes the engine's names of the remote repository (tags and digests), so the next
    /// deploy must pull; the test images' own names stay.
    fn forget_pulled_images(&self) {
        let listed = docker()
            .args(["image", "ls", "--digests", "--format"])
            .arg("{{.Repository}} {{.Tag}} {{.Digest}}")
            .arg(self.remote())
            .output()
            .unwrap();
        for line in String::from_utf8_lossy(&listed.stdout).lines() {
            let [repository, tag, digest] = line.split(' ').collect::<Vec<_>>()[..] else {
                continue;
            };
            let names = [
                (tag != "<none>").then(|| format!("{repository}:{tag}")),
                (digest != "<none>").then(|| format!("{repository}@{digest}")),
            ];
            for name in names.into_iter().flatten() {
                let _ = docker().args(["image", "rm", &name]).output();
            }
        }
    }

    /// `v1` is live and serving, pulled from the registry.
    fn v1_live(what: &str) -> Pulled {
        let pulled = Pulled::new(what);
        pulled.deploy_ok("v1");
        assert_eq!(pulled.stack.served(), (200, "v1\n".into()));
        pulled
    }

    /// An apply of `version` with `password` fails before anything is stopped, saying `why`,
    /// and v1 still serves from the same container.
    fn refused(&self, version: &str, password: &str, why: &str) {
        let before = self.stack.containers();
        let run = self.sluice_with(password, &["apply", "--env", ENV, "--version", version]);
        assert_eq!(run.code, EXIT_ROLLED_BACK, "{}", run.all());
        assert!(run.all().contains(why), "expected `{why}`: {}", run.all());
        assert!(
            !run.all().contains(registry::PASSWORD),
            "the password is never printed: {}",
            run.all()
        );
        assert_eq!(self.stack.served(), (200, "v1\n".into()));
        assert_eq!(
            self.stack.containers(),
            before,
            "nothing was stopped or added"
        );
    }
}

impl Drop for Pulled {
    fn drop(&mut self) {
        self.forget_pulled_images();
    }
}

/// `sluice-test-web:v1` → `v1`.
fn tag_of(local: &str) -> &str {
    local.rsplit_once(':').map_or(local, |(_, tag)| tag)
}

#[test]
fn a_blue_green_deploy_pulls_each_version_with_the_plan_s_login_and_records_its_digest() {
    let pulled = Pulled::new("pull");
    pulled.forget_pulled_images();
    let first = pulled.apply("v1");
    assert_eq!(first.code, EXIT_SUCCESS, "{}", first.all());
    assert!(
        first
            .all()
            .contains(&format!("pulling {}:v1", pulled.remote())),
        "the pull is shown: {}",
        first.all()
    );
    assert_eq!(pulled.stack.served(), (200, "v1\n".into()));
    pulled.deploy_ok("v2");
    assert_eq!(pulled.stack.served(), (200, "v2\n".into()));
    let pinned = format!("{}@{}", pulled.remote(), pulled.digests[1]);
    assert_eq!(pulled.live_image(), pinned, "the container runs the digest");
    assert!(
        pulled.recorded_state().contains(&pinned),
        "the unit's state records {pinned}: {}",
        pulled.recorded_state()
    );
}

#[test]
fn a_rollback_after_the_tag_moved_runs_the_digest_that_was_deployed() {
    let pulled = Pulled::v1_live("moved");
    pulled.deploy_ok("v2");
    // The tag `v1` now names other bytes, and the engine no longer has the old ones.
    pulled
        .registry
        .push(images::FLAKY, &format!("{REPOSITORY}:v1"));
    pulled.forget_pulled_images();
    let back = pulled.sluice_with(
        registry::PASSWORD,
        &["rollback", "--env", ENV, "--unit", "web"],
    );
    assert_eq!(back.code, EXIT_SUCCESS, "{}", back.all());
    assert_eq!(pulled.stack.served(), (200, "v1\n".into()));
    assert_eq!(
        pulled.live_image(),
        format!("{}@{}", pulled.remote(), pulled.digests[0])
    );
}

#[test]
fn an_image_pinned_by_digest_is_pulled_by_that_digest() {
    let pulled = Pulled::new("digest");
    pulled.forget_pulled_images();
    let pinned = format!("{}@{}", pulled.remote(), pulled.digests[1]);
    pulled.plan(&pinned);
    pulled.deploy_ok("v2");
    assert_eq!(pulled.stack.served(), (200, "v2\n".into()));
    assert_eq!(pulled.live_image(), pinned);
}

#[test]
fn a_wrong_password_an_unknown_tag_and_a_registry_that_is_down_fail_before_anything_is_stopped() {
    let mut pulled = Pulled::v1_live("refused");
    pulled.refused(
        "v2",
        "not-the-password",
        "unauthorized: authentication required",
    );
    pulled.refused("v9", registry::PASSWORD, "manifest unknown");
    pulled.registry.stop();
    pulled.refused("v2", registry::PASSWORD, "connection refused");
}
