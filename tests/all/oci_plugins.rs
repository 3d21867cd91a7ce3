//! Plugins from an OCI registry (Debian's `docker-registry` on loopback): `sluice plugins push`
//! publishes a component as a Wasm OCI artifact, a plan pins it by digest (or names a tag that
//! `sluice plugins lock` pins), and every way the bytes could differ from what was pinned is
//! refused before anything is compiled or stored. Each test has a plugin store of its own, so
//! what one pulled is never what another finds.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::support::project::{ENV, Project};
use crate::support::registry::{self, Registry};
use crate::support::{
    EXIT_FAILED, EXIT_INVALID, EXIT_SUCCESS, Run, sha256_file, sluice, test_plugin,
};

/// The repository the tests push to.
const REPOSITORY: &str = "plugins/release";

/// A project deploying unit `app` with the plugin `release` from `source`, and a plugin store
/// (cache directory) of its own.
struct Pulling {
    project: Project,
    cache: tempfile::TempDir,
}

impl Pulling {
    fn new() -> Pulling {
        let project = Project::new();
        std::fs::create_dir_all(project.path().join("out")).unwrap();
        Pulling {
            project,
            cache: tempfile::tempdir().unwrap(),
        }
    }

    /// Writes the plan: the conforming test plugin's kind of strategy, from `source`.
    fn plan(&self, source: &str, tables: &str) {
        self.project.write_plan(&format!(
            r#"[project]
name = "t"

[environments.{ENV}]

[plugins.release]
source = "{source}"
[plugins.release.grants]
files = [{{ path = "out", at = "/out", mode = "read-write" }}]
{tables}
[units.app]
plugin = "release"
config = {{ target = "/out" }}
"#
        ));
    }

    /// `sluice ARGS` in the project, with this test's plugin store; `stdin` is its input.
    fn sluice_with(&self, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Run {
        let mut child = sluice(self.project.path())
            .env("SLUICE_CACHE_DIR", self.cache.path())
            .envs(env.iter().copied())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap().into()
    }

    fn sluice(&self, args: &[&str]) -> Run {
        self.sluice_with(args, "", &[])
    }

    fn apply(&self, version: &str) -> Run {
        self.sluice(&["apply", "--env", ENV, "--version", version])
    }

    /// The release file the plugin wrote for `version`, if any.
    fn released(&self, version: &str) -> Option<String> {
        std::fs::read_to_string(self.project.path().join("out/releases").join(version)).ok()
    }

    /// `sluice plugins push COMPONENT oci://HOST/REPOSITORY:TAG`; the pinned reference printed.
    fn push(&self, component: &Path, registry: &Registry, tag: &str) -> String {
        let target = format!("oci://{}/{REPOSITORY}:{tag}", registry.host);
        let run = self.sluice(&["plugins", "push", &component.display().to_string(), &target]);
        assert_eq!(run.code, EXIT_SUCCESS, "push: {}", run.all());
        let pinned = run.stdout.trim().to_owned();
        assert!(
            pinned.starts_with(&format!("{target}@sha256:")),
            "push printed {pinned:?}"
        );
        pinned
    }
}

/// The conforming test plugin: a strategy that writes `releases/VERSION` under its target.
fn component() -> PathBuf {
    test_plugin("conforming")
}

/// The registry's manifest for `reference` (`REPOSITORY:TAG` or `REPOSITORY@DIGEST`), as JSON.
fn manifest(registry: &Registry, reference: &str) -> serde_json::Value {
    let (repository, tag) = reference
        .split_once('@')
        .or_else(|| reference.split_once(':'))
        .unwrap();
    let output = Command::new("curl")
        .args([
            "-sf",
            "-H",
            "Accept: application/vnd.oci.image.manifest.v1+json",
        ])
        .arg(format!(
            "http://{}/v2/{repository}/manifests/{tag}",
            registry.host
        ))
        .output()
        .unwrap();
    assert!(output.status.success(), "curl: {output:?}");
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn a_pushed_plugin_deploys_by_digest_and_the_next_run_loads_it_from_the_store_without_the_registry()
{
    let mut registry = Registry::open();
    let pulling = Pulling::new();
    let pinned = pulling.push(&component(), &registry, "1.0");
    // What the registry holds is a Wasm OCI artifact: a wasm config and the component as its
    // one layer, byte for byte.
    let held = manifest(&registry, &format!("{REPOSITORY}:1.0"));
    assert_eq!(
        held["config"]["mediaType"],
        "application/vnd.wasm.config.v0+json"
    );
    let layers = held["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 1, "{held}");
    assert_eq!(layers[0]["mediaType"], "application/wasm");
    assert_eq!(
        layers[0]["digest"],
        format!("sha256:{}", sha256_file(&component()))
    );

    pulling.plan(&pinned, "");
    let first = pulling.apply("v1");
    assert_eq!(first.code, EXIT_SUCCESS, "{}", first.all());
    assert!(
        first.stderr.contains("pulled plugin `release` from"),
        "{}",
        first.all()
    );
    assert_eq!(pulling.released("v1").as_deref(), Some("v1"));

    // The store answers now: with the registry gone, the next deployment runs the same bytes.
    registry.stop();
    let second = pulling.apply("v2");
    assert_eq!(second.code, EXIT_SUCCESS, "{}", second.all());
    assert!(!second.stderr.contains("pulled plugin"), "{}", second.all());
    assert_eq!(pulling.released("v2").as_deref(), Some("v2"));
}

#[test]
fn a_tag_alone_is_refused_until_plugins_lock_pins_it_and_the_lock_holds_after_the_tag_moves() {
    let registry = Registry::open();
    let pulling = Pulling::new();
    let pinned = pulling.push(&component(), &registry, "stable");
    let tag_only = format!("oci://{}/{REPOSITORY}:stable", registry.host);
    pulling.plan(&tag_only, "");

    let unpinned = pulling.apply("v1");
    assert_eq!(unpinned.code, EXIT_INVALID, "{}", unpinned.all());
    assert!(
        unpinned.stderr.contains("sluice.toml:7:")
            && unpinned.stderr.contains("is not pinned")
            && unpinned.stderr.contains("sluice plugins lock"),
        "{}",
        unpinned.all()
    );
    assert_eq!(pulling.released("v1"), None);

    let lock = pulling.sluice(&["plugins", "lock"]);
    assert_eq!(lock.code, EXIT_SUCCESS, "{}", lock.all());
    let digest = pinned.rsplit_once('@').unwrap().1;
    let lockfile = std::fs::read_to_string(pulling.project.path().join("sluice.lock")).unwrap();
    assert!(
        lockfile.contains(&format!("\"{tag_only}\" = \"{digest}\"")),
        "{lockfile}"
    );
    let locked = pulling.apply("v1");
    assert_eq!(locked.code, EXIT_SUCCESS, "{}", locked.all());
    assert_eq!(pulling.released("v1").as_deref(), Some("v1"));

    // Another component moves the tag; the plan still runs the locked bytes, and says so.
    let moved = pulling.push(&test_plugin("gate-target"), &registry, "stable");
    assert_ne!(moved, pinned);
    let audit = pulling.sluice(&["plugins", "audit"]);
    assert_eq!(audit.code, EXIT_SUCCESS, "{}", audit.all());
    assert!(
        audit
            .stdout
            .contains(&format!("{tag_only} (locked: {digest})")),
        "{}",
        audit.all()
    );
    let again = pulling.apply("v2");
    assert_eq!(again.code, EXIT_SUCCESS, "{}", again.all());
    assert_eq!(pulling.released("v2").as_deref(), Some("v2"));
}

#[test]
fn a_changed_blob_a_wrong_digest_a_container_image_and_a_registry_that_is_down_are_refused() {
    let mut registry = Registry::open();
    let pulling = Pulling::new();
    let pinned = pulling.push(&component(), &registry, "1.0");

    // A digest the registry does not have: the registry says so.
    let (at, digest) = pinned.rsplit_once('@').unwrap();
    let wrong = format!("{at}@sha256:{}", "0".repeat(64));
    assert_ne!(wrong, pinned);
    pulling.plan(&wrong, "");
    let run = pulling.apply("v1");
    assert_eq!(run.code, EXIT_FAILED, "{}", run.all());
    assert!(
        run.stderr.contains("cannot pull plugin `release`")
            && run.stderr.contains("manifest unknown"),
        "{}",
        run.all()
    );

    // The registry serves other bytes under the component's digest: refused, nothing stored,
    // so the next run is refused the same way (it does not find half a plugin).
    let layer = format!("sha256:{}", sha256_file(&component()));
    let blob = registry.blob(&layer);
    let mut bytes = std::fs::read(&blob).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&blob, &bytes).unwrap();
    pulling.plan(&pinned, "");
    for _ in 0..2 {
        let run = pulling.apply("v1");
        assert_eq!(run.code, EXIT_INVALID, "{}", run.all());
        assert!(
            run.stderr
                .contains("component layer served by the registry has digest")
                && run.stderr.contains(&format!("not {layer}")),
            "{}",
            run.all()
        );
    }
    assert_eq!(pulling.released("v1"), None);
    assert!(
        !pulling
            .cache
            .path()
            .join("oci")
            .join(digest.replace(':', "-"))
            .exists(),
        "a refused plugin was stored"
    );

    // A container image is not a plugin.
    crate::support::images::ensure();
    let image = registry.push(crate::support::images::V1, "plugins/image:v1");
    pulling.plan(
        &format!("oci://{}/plugins/image:v1@{image}", registry.host),
        "",
    );
    let run = pulling.apply("v1");
    assert_ne!(run.code, EXIT_SUCCESS, "{}", run.all());
    assert!(
        run.stderr.contains("not a Wasm component artifact"),
        "{}",
        run.all()
    );

    // Nothing answers where the registry was.
    registry.stop();
    pulling.plan(&pinned, "");
    let run = pulling.apply("v1");
    assert_eq!(run.code, EXIT_FAILED, "{}", run.all());
    assert!(
        run.stderr.contains("cannot pull plugin `release`")
            && run.stderr.to_lowercase().contains("connection refused"),
        "{}",
        run.all()
    );
    assert_eq!(pulling.released("v1"), None);
}

#[test]
fn a_registry_that_wants_a_login_gets_the_plans_credentials_and_push_reads_its_password_from_stdin()
{
    let registry = Registry::with_login();
    let pulling = Pulling::new();
    let target = format!("oci://{}/{REPOSITORY}:1.0", registry.host);
    let file = component().display().to_string();
    let anonymous = pulling.sluice(&["plugins", "push", &file, &target]);
    assert_eq!(anonymous.code, EXIT_FAILED, "{}", anonymous.all());
    let pushed = pulling.sluice_with(
        &[
            "plugins",
            "push",
            &file,
            &target,
            "--username",
            registry::USER,
        ],
        &format!("{}\n", registry::PASSWORD),
        &[],
    );
    assert_eq!(pushed.code, EXIT_SUCCESS, "{}", pushed.all());
    let pinned = pushed.stdout.trim();

    let login = format!(
        "[secrets.registry]\nenv = \"SLUICE_TEST_OCI_PASSWORD\"\n\n[registries.\"{}\"]\n\
         username = \"{}\"\npassword_secret = \"registry\"\n",
        registry.host,
        registry::USER
    );
    pulling.plan(pinned, &login);
    let wrong = pulling.sluice_with(
        &["apply", "--env", ENV, "--version", "v1"],
        "",
        &[("SLUICE_TEST_OCI_PASSWORD", "not-the-password")],
    );
    assert_eq!(wrong.code, EXIT_FAILED, "{}", wrong.all());
    assert!(
        wrong.stderr.contains("cannot pull plugin `release`"),
        "{}",
        wrong.all()
    );
    assert!(!wrong.all().contains("not-the-password"), "{}", wrong.all());
    let right = pulling.sluice_with(
        &["apply", "--env", ENV, "--version", "v1"],
        "",
        &[("SLUICE_TEST_OCI_PASSWORD", registry::PASSWORD)],
    );
    assert_eq!(right.code, EXIT_SUCCESS, "{}", right.all());
    assert_eq!(pulling.released("v1").as_deref(), Some("v1"));
}
