//! Where plugins come from: builtins, pinned files, and inspection.

use crate::support;
use crate::support::project::{Project, static_site_plan};
use crate::support::{EXIT_INVALID, EXIT_SUCCESS, sha256_file, test_plugin};

fn plan_with_external_plugin(path: &str, sha256: &str) -> String {
    static_site_plan("").replace("plugin = \"site\"", "plugin = \"ext\"")
        + &format!("\n[plugins.ext]\nsource = {path:?}\nsha256 = \"{sha256}\"\n")
}

#[test]
fn an_external_plugin_whose_sha256_differs_from_the_pin_is_refused() {
    let project = Project::new();
    let wasm = test_plugin("gate-target");
    let wrong = "0".repeat(64);
    project.write_plan(&plan_with_external_plugin(
        &wasm.display().to_string(),
        &wrong,
    ));
    let run = project.deploy("v1");
    assert_eq!(run.code, EXIT_INVALID, "{}", run.all());
    let text = run.all();
    assert!(text.contains("sha256 mismatch"), "{text}");
    assert!(
        text.contains(&wrong) && text.contains(&sha256_file(&wasm)),
        "both digests are shown: {text}"
    );
    assert_eq!(project.live().0, 404, "nothing was deployed");
}

#[test]
fn an_external_plugin_matching_its_pin_deploys_and_records_its_digest() {
    let project = Project::new();
    let wasm = test_plugin("gate-target");
    project.write_plan(&format!(
        "[project]\nname = \"t\"\n[environments.test]\n[plugins.ext]\nsource = {:?}\nsha256 = \"{}\"\n[units.app]\nplugin = \"ext\"\n",
        wasm.display().to_string(),
        sha256_file(&wasm)
    ));
    let run = project.sluice(&["apply", "--env", "test", "--version", "v1"]);
    assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
    let history = project.sluice(&["history", "--output", "json"]);
    let record: serde_json::Value =
        serde_json::from_str(history.stdout.lines().next().unwrap()).unwrap();
    assert_eq!(record["plugin_sha256"], sha256_file(&wasm));
}

#[test]
fn a_plugin_built_against_wit_0_1_0_still_loads_deploys_and_rolls_back() {
    let project = Project::new();
    let wasm = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/gate-target-wit-0.1.0.wasm");
    let inspect = project.sluice(&[
        "plugins",
        "inspect",
        &wasm.display().to_string(),
        "--output",
        "json",
    ]);
    assert_eq!(inspect.code, EXIT_SUCCESS, "{}", inspect.all());
    let report: serde_json::Value = serde_json::from_str(inspect.stdout.trim()).unwrap();
    assert_eq!(report["exports"][0], "sluice:deploy/strategy@0.1.0");
    project.write_plan(&format!(
        "[project]\nname = \"t\"\n[environments.test]\n[plugins.old]\nsource = {:?}\nsha256 = \"{}\"\n\
         [plugins.old.grants]\nfiles = [{{ path = \"www\", at = \"/www\", mode = \"read-write\" }}]\n\
         [units.app]\nplugin = \"old\"\nconfig = {{ journal = \"/www/journal\" }}\n\
         gates = [{{ tcp = \"127.0.0.1:1\", phase = \"live\", interval = \"50ms\", deadline = \"1s\" }}]\n",
        wasm.display().to_string(),
        sha256_file(&wasm)
    ));
    let plan = project.sluice(&["plan", "--env", "test", "--version", "v1"]);
    assert_eq!(plan.code, EXIT_SUCCESS, "{}", plan.all());
    let run = project.sluice(&["apply", "--env", "test", "--version", "v1"]);
    assert_eq!(
        run.code,
        support::EXIT_ROLLED_BACK,
        "the live gate fails: {}",
        run.all()
    );
    let journal = std::fs::read_to_string(project.path().join("www/journal")).unwrap();
    assert_eq!(
        journal.lines().collect::<Vec<_>>(),
        ["prepare", "stage", "shift 100", "rollback"],
        "every lifecycle call reached the 0.1.0 plugin"
    );
}

#[test]
fn an_unknown_builtin_is_an_error_at_its_place_in_the_plan() {
    let project = Project::new();
    project
        .write_plan(&static_site_plan("").replace("builtin:static-site", "builtin:no-such-plugin"));
    let run = project.sluice(&["validate"]);
    assert_eq!(run.code, EXIT_INVALID, "{}", run.all());
    let text = run.all();
    assert!(
        text.contains("no builtin plugin `no-such-plugin`"),
        "{text}"
    );
    assert!(
        text.contains("sluice.toml:7:10:"),
        "file:line:col of the source value: {text}"
    );
}

#[test]
fn inspecting_a_plugin_lists_its_imports_with_the_grant_each_needs() {
    let project = Project::new();
    let wasm = test_plugin("ungranted-http");
    let run = project.sluice(&[
        "plugins",
        "inspect",
        &wasm.display().to_string(),
        "--output",
        "json",
    ]);
    assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
    let report: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(report["sha256"], sha256_file(&wasm));
    let http = report["imports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "sluice:deploy/http@0.1.4")
        .unwrap();
    assert_eq!(http["needs"], "needs grant `http`");
    assert_eq!(report["exports"][0], "sluice:deploy/strategy@0.1.4");
    assert_eq!(report["info"]["name"], "ungranted-http");
}

#[test]
fn the_plugins_audit_shows_each_capability_with_its_grant_and_flags_over_grants() {
    let project = Project::new();
    let plan = static_site_plan("").replace(
        "[plugins.site.grants]\n",
        "[plugins.site.grants]\nhttp = [\"https://api.example.com\"]\ncontainers = [\"web-*\"]\n",
    );
    project.write_plan(&plan);
    let run = project.sluice(&["plugins", "audit", "sluice.toml", "--output", "json"]);
    assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
    let rows: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let row = |cap: &str| {
        rows.iter()
            .find(|r| r["capability"] == cap)
            .unwrap()
            .clone()
    };
    assert_eq!(row("http")["granted"][0], "https://api.example.com");
    assert_eq!(
        row("http")["warnings"][0],
        "over-granted: the plugin does not import this capability"
    );
    assert!(
        row("containers")["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w == "wildcard grant `container web-*`")
    );
    assert_eq!(row("log")["imports"][0], "sluice:deploy/log@0.1.4");
    assert!(
        row("files")["granted"][1]
            .as_str()
            .unwrap()
            .ends_with("www at /www (read-write)")
    );
    assert_eq!(row("files")["sha256"].as_str().unwrap().len(), 64);
}
