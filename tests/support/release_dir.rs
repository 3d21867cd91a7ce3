//! The release-dir examples (`examples/plugins/release-dir-*`): one strategy written in each
//! plugin language, deployed by one scenario, from its sample plan or from the static-site plan.

use std::path::Path;

use super::components::repo_root;
use super::project::{ENV, Project, static_site_plan};
use super::{EXIT_INVALID, EXIT_ROLLED_BACK, EXIT_SUCCESS, sha256_file};

/// A live gate that never passes.
pub const FAILING_GATE: &str = r#"{ http = "{base}/current/index.html", body = "never-there", interval = "50ms", failure_threshold = 2, deadline = "2s" },"#;

/// Where the sample plans expect `www/` to be served.
const SAMPLE_URL: &str = "http://127.0.0.1:8765";

/// The sample plan (`sluice.toml`) of the example in `example` as a reader fills it in: the
/// sha256 pinned, the test's server as `public_url`, and `extra_gate` added to the gates.
pub fn sample_plan(example: &str, sha256: &str, extra_gate: &str) -> String {
    let sample = std::fs::read_to_string(repo_root().join(example).join("sluice.toml")).unwrap();
    sample
        .lines()
        .map(|line| {
            if line.starts_with("sha256 = ") {
                format!("sha256 = \"{sha256}\"")
            } else if line == "gates = [" {
                format!("gates = [\n  {extra_gate}")
            } else {
                line.replace(SAMPLE_URL, "{base}")
                    .replace("[environments.staging]", &format!("[environments.{ENV}]"))
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A project deploying `site/` with the example in `example`, built to `wasm`: its sample plan
/// with the component copied beside it as `release-dir.wasm`, and `extra_gate` first in the
/// unit's gates.
pub fn sample_project(example: &str, wasm: &Path, extra_gate: &str) -> Project {
    let project = Project::new();
    let copy = project.path().join("release-dir.wasm");
    std::fs::copy(wasm, &copy).unwrap();
    project.write_plan(&sample_plan(example, &sha256_file(&copy), extra_gate));
    project
}

/// [`static_site_plan`] with the plugin `site` being the component `wasm`, pinned by its sha256.
pub fn static_site_plan_with(wasm: &Path, extra_gate: &str) -> String {
    static_site_plan(extra_gate).replace(
        "source = \"builtin:static-site\"",
        &format!(
            "source = {:?}\nsha256 = \"{}\"",
            wasm.display().to_string(),
            sha256_file(wasm)
        ),
    )
}

/// Deploys v1 and v2 with the plans `plan(extra_gate)` writes into `project`, then a v3 whose
/// live gate never passes, then v1 again with the same gate (its kept release must survive),
/// then `sluice rollback`; asserts what `current` serves and links to, what the host records as
/// live, and which releases are on disk after each step.
pub fn assert_upgrades_and_rolls_back(project: &Project, plan: &dyn Fn(&str) -> String) {
    let releases = project.path().join("www/releases");
    let current = || std::fs::read_link(project.path().join("www/current")).ok();
    project.write_plan(&plan(""));

    for version in ["v1", "v2"] {
        let run = project.deploy(version);
        assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
        assert!(
            run.all()
                .contains(&format!("staged releases/{version}: 1 files")),
            "{}",
            run.all()
        );
        assert_eq!(project.live(), (200, format!("<h1>{version}</h1>\n")));
        assert_eq!(project.live_version("web").as_deref(), Some(version));
        assert_eq!(current(), Some(format!("releases/{version}").into()));
    }
    assert!(releases.join("v1/index.html").is_file(), "v1 is kept");

    project.write_plan(&plan(FAILING_GATE));
    let bad = project.deploy("v3");
    assert_eq!(bad.code, EXIT_ROLLED_BACK, "{}", bad.all());
    assert!(
        bad.all().contains("never-there"),
        "the reason names the gate: {}",
        bad.all()
    );
    assert!(bad.all().contains("rolled back to v2"), "{}", bad.all());
    assert_eq!(project.live(), (200, "<h1>v2</h1>\n".into()));
    assert_eq!(project.live_version("web").as_deref(), Some("v2"));
    assert_eq!(current(), Some("releases/v2".into()));
    assert!(
        !releases.join("v3").exists(),
        "the rollback removed the staged v3 release"
    );

    let again = project.deploy("v1");
    assert_eq!(again.code, EXIT_ROLLED_BACK, "{}", again.all());
    assert_eq!(current(), Some("releases/v2".into()));
    assert_eq!(
        std::fs::read_to_string(releases.join("v1/index.html")).ok(),
        Some("<h1>v1</h1>\n".into()),
        "the failed redeploy of v1 left v1's kept release whole: {}",
        again.all()
    );

    project.write_plan(&plan(""));
    let rollback = project.sluice(&["rollback", "--env", ENV, "--unit", "web"]);
    assert_eq!(rollback.code, EXIT_SUCCESS, "{}", rollback.all());
    assert_eq!(project.live(), (200, "<h1>v1</h1>\n".into()));
    assert_eq!(project.live_version("web").as_deref(), Some("v1"));
    assert_eq!(current(), Some("releases/v1".into()));
}

/// Runs `sluice plugins audit --output json` in `project` and asserts that its one plugin
/// imports (at whatever version its toolchain chose) the log and the WASI filesystem (where the `files` grants are mounted), and nothing
/// of any other capability: no HTTP, secrets, containers, SQL or sockets.
pub fn assert_imports_only_log_and_files(project: &Project) {
    let run = project.sluice(&["plugins", "audit", "sluice.toml", "--output", "json"]);
    assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
    let rows: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let of = |capability: &str| -> Vec<String> {
        let row = rows
            .iter()
            .find(|row| row["capability"] == capability)
            .unwrap_or_else(|| panic!("no audit row for {capability}: {}", run.stdout));
        let mut names: Vec<String> = row["imports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|name| {
                let name = name.as_str().unwrap();
                name.split_once('@')
                    .map_or(name, |(unversioned, _)| unversioned)
                    .to_owned()
            })
            .collect();
        names.sort();
        names
    };
    assert_eq!(of("log"), ["sluice:deploy/log"]);
    assert_eq!(
        of("files"),
        ["wasi:filesystem/preopens", "wasi:filesystem/types"]
    );
    for capability in [
        "plan-notes",
        "http",
        "secrets",
        "containers",
        "sql",
        "sockets",
    ] {
        assert_eq!(of(capability), Vec::<String>::new(), "{capability}");
    }
}

/// Deploys, with the release-dir component `wasm`, a config whose `target` lies inside its
/// `source`: the plugin's own `validate` refuses it at its path (exit 2) and nothing is deployed.
pub fn assert_target_inside_source_refused(wasm: &Path) {
    let project = Project::new();
    project.write_plan(
        &static_site_plan_with(wasm, "").replace("target = \"/www\"", "target = \"/site/www\""),
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
