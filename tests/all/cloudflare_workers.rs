//! The `cloudflare-workers` strategy (TypeScript, plugins/cloudflare-workers) against the
//! Cloudflare emulator's Workers API, cross-checked with the real wrangler: the first deploy
//! creates the Worker; a canary step serves the new version at 10% beside the old one (Workers'
//! gradual deployments) until `sluice resume`; `sluice abort` and a failing live gate deploy what
//! served before; `sluice rollback` returns to the version before; `wrangler deploy` and sluice
//! upload the same version for the same module; a wrong token or account fails with the API's
//! reason and nothing changes.

use std::net::TcpListener;

use crate::support::cloudflare::workers::serving;
use crate::support::cloudflare::wrangler;
use crate::support::cloudflare::{ACCOUNT, API_TOKEN, Emulator};
use crate::support::js::{self, Build};
use crate::support::pinned::PinnedPlugin;
use crate::support::project::{ENV, Project};
use crate::support::{EXIT_PAUSED, EXIT_ROLLED_BACK, EXIT_SUCCESS, Run, sluice};

/// The plugin's directory, relative to the repository root.
const PLUGIN: &str = "plugins/cloudflare-workers";
const SCRIPT: &str = "shop-edge";
const DATE: &str = "2024-09-01";

/// A project deploying `worker/index.js` as the Worker `shop-edge` to the emulator.
struct Worker {
    project: Project,
    emulator: Emulator,
    plugin: PinnedPlugin,
}

impl Worker {
    fn new() -> Worker {
        let emulator = Emulator::start();
        let project = Project::new();
        let plugin = PinnedPlugin::copy(
            &js::component(PLUGIN, Build::Plain),
            project.path(),
            "cloudflare-workers.wasm",
        );
        let worker = Worker {
            project,
            emulator,
            plugin,
        };
        worker.plan(ACCOUNT, "");
        worker
    }

    /// Writes the plan for account `account`, with `extra` (TOML lines) in the unit.
    fn plan(&self, account: &str, extra: &str) {
        self.project.write_plan(&format!(
            r#"[project]
name = "t"

[environments.{ENV}]

[secrets.cf_token]
env = "SLUICE_TEST_CF_TOKEN"

[plugins.workers]
source = "{}"
sha256 = "{}"
[plugins.workers.grants]
http = ["{}"]
secrets = ["cf_token"]
files = [{{ path = "worker", at = "/worker" }}]

[units.edge]
plugin = "workers"
config = {{ account_id = "{account}", script = "{SCRIPT}", source = "/worker", compatibility_date = "{DATE}", api_token_secret = "cf_token", api = "{}" }}
{extra}
"#,
            self.plugin.file,
            self.plugin.sha256,
            self.emulator.origin(),
            self.emulator.api_base(),
        ));
    }

    /// Writes `worker/index.js`, a Worker answering `text`.
    fn code(&self, text: &str) {
        let dir = self.project.path().join("worker");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("index.js"), module(text)).unwrap();
    }

    fn sluice_with_token(&self, token: &str, args: &[&str]) -> Run {
        let run: Run = sluice(self.project.path())
            .env("SLUICE_TEST_CF_TOKEN", token)
            .args(args)
            .output()
            .unwrap()
            .into();
        assert!(!run.all().contains(token), "{}", run.all());
        run
    }

    fn sluice(&self, args: &[&str]) -> Run {
        self.sluice_with_token(API_TOKEN, args)
    }

    fn apply(&self, version: &str) -> Run {
        self.sluice(&["apply", "--env", ENV, "--version", version])
    }

    /// What serves the Worker: the text each version answers, with its percentage.
    fn serving(&self) -> Vec<(String, f64)> {
        let Some(script) = self.emulator.script(SCRIPT) else {
            return Vec::new();
        };
        let mut shares: Vec<(String, f64)> = serving(&script)
            .into_iter()
            .map(|(id, percentage)| {
                let version = script.versions.iter().find(|v| v.id == id).unwrap();
                let text = String::from_utf8(version.modules[0].bytes.clone()).unwrap();
                (answer_of(&text), percentage)
            })
            .collect();
        shares.sort_by(|a, b| b.1.total_cmp(&a.1));
        shares
    }
}

/// A Worker module answering `text`.
fn module(text: &str) -> String {
    format!("export default {{ async fetch() {{ return new Response({text:?}); }} }};\n")
}

/// The text the module `source` answers.
fn answer_of(source: &str) -> String {
    source.split('"').nth(1).unwrap_or_default().to_owned()
}

fn share(text: &str, percentage: f64) -> (String, f64) {
    (text.to_owned(), percentage)
}

#[test]
fn the_first_deploy_creates_the_worker_and_a_canary_step_serves_the_new_version_at_ten_percent_until_resume()
 {
    let worker = Worker::new();
    worker.code("v1");
    let first = worker.apply("v1");
    assert_eq!(first.code, EXIT_SUCCESS, "{}", first.all());
    assert_eq!(worker.serving(), [share("v1", 100.0)]);

    worker.plan(ACCOUNT, "steps = [{ weight = 10 }, { pause = true }]");
    worker.code("v2");
    let paused = worker.apply("v2");
    assert_eq!(paused.code, EXIT_PAUSED, "{}", paused.all());
    assert_eq!(worker.serving(), [share("v1", 90.0), share("v2", 10.0)]);

    let resumed = worker.sluice(&["resume", "--env", ENV, "--unit", "edge"]);
    assert_eq!(resumed.code, EXIT_SUCCESS, "{}", resumed.all());
    assert_eq!(worker.serving(), [share("v2", 100.0)]);
}

#[test]
fn abort_and_a_failing_gate_deploy_what_served_before_and_sluice_rollback_returns_to_the_version_before()
 {
    let worker = Worker::new();
    for version in ["v1", "v2"] {
        worker.code(version);
        let run = worker.apply(version);
        assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
    }

    worker.plan(ACCOUNT, "steps = [{ weight = 25 }, { pause = true }]");
    worker.code("v3");
    let paused = worker.apply("v3");
    assert_eq!(paused.code, EXIT_PAUSED, "{}", paused.all());
    assert_eq!(worker.serving(), [share("v2", 75.0), share("v3", 25.0)]);
    let aborted = worker.sluice(&["abort", "--env", ENV, "--unit", "edge"]);
    assert_eq!(aborted.code, EXIT_SUCCESS, "{}", aborted.all());
    assert_eq!(worker.serving(), [share("v2", 100.0)]);

    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    worker.plan(
        ACCOUNT,
        &format!(
            "steps = [{{ weight = 10 }}]\ngates = [{{ tcp = \"{closed}\", interval = \"50ms\", deadline = \"1s\" }}]"
        ),
    );
    worker.code("v4");
    let failed = worker.apply("v4");
    assert_eq!(failed.code, EXIT_ROLLED_BACK, "{}", failed.all());
    assert_eq!(worker.serving(), [share("v2", 100.0)]);

    worker.plan(ACCOUNT, "");
    let back = worker.sluice(&["rollback", "--env", ENV, "--unit", "edge"]);
    assert_eq!(back.code, EXIT_SUCCESS, "{}", back.all());
    assert_eq!(worker.serving(), [share("v1", 100.0)]);
}

#[test]
fn wrangler_deploy_and_sluice_upload_the_same_version_for_the_same_module() {
    let worker = Worker::new();
    worker.code("same");
    let run = worker.apply("v1");
    assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());

    let by_wrangler = wrangler::deploy(
        &worker.emulator,
        &worker.project.path().join("worker"),
        "index.js",
        "shop-edge-wrangler",
        DATE,
    );
    assert_eq!(by_wrangler.code, 0, "{}", by_wrangler.all());

    let ours = worker.emulator.script(SCRIPT).unwrap().versions;
    let theirs = worker
        .emulator
        .script("shop-edge-wrangler")
        .unwrap()
        .versions;
    assert_eq!(ours.len(), 1);
    assert_eq!(theirs.len(), 1);
    assert_eq!(ours[0].metadata, theirs[0].metadata);
    assert_eq!(ours[0].modules, theirs[0].modules);
}

#[test]
fn a_wrong_token_or_account_fails_with_the_apis_reason_and_nothing_changes() {
    let worker = Worker::new();
    worker.code("v1");
    let run = worker.apply("v1");
    assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());

    worker.code("v2");
    let refused =
        worker.sluice_with_token("not-the-token", &["apply", "--env", ENV, "--version", "v2"]);
    assert_ne!(refused.code, EXIT_SUCCESS, "{}", refused.all());
    assert!(
        refused
            .all()
            .contains("HTTP 403, code 10000: Authentication error"),
        "{}",
        refused.all()
    );

    worker.plan("another-account", "");
    let elsewhere = worker.apply("v2");
    assert_ne!(elsewhere.code, EXIT_SUCCESS, "{}", elsewhere.all());
    assert!(
        elsewhere.all().contains("HTTP 404, code 7003"),
        "{}",
        elsewhere.all()
    );
    assert_eq!(worker.serving(), [share("v1", 100.0)]);
    assert_eq!(worker.emulator.script(SCRIPT).unwrap().versions.len(), 1);
}
