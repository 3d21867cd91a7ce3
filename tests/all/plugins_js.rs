//! A strategy plugin written in TypeScript with the JS SDK (`sdk/js`), built by the SDK's build
//! command with componentize-js 0.23 exactly as docs/writing-a-plugin.md says: the example
//! `examples/plugins/release-dir-ts` deploys, upgrades, rolls back by itself when a live gate
//! fails and on `sluice rollback`; `plugins audit` lists what it imports; and the same plugin
//! built with `--fetch` imports `wasi:http`, which needs the `http` grant like
//! `sluice:deploy/http`: without one it is refused at load naming the import. A test plugin
//! (`tests/js-plugins/capabilities`) shows the SDK's defaults and its `secrets` and `http` helpers, and that a host refusal keeps its kind.

use crate::support::js::{Build, capabilities_project, example_component};
use crate::support::project::{ENV, Project};
use crate::support::release_dir::{
    assert_imports_only_log_and_files, assert_target_inside_source_refused,
    assert_upgrades_and_rolls_back, static_site_plan_with,
};
use crate::support::scripted::ScriptedServer;
use crate::support::{EXIT_INVALID, EXIT_ROLLED_BACK, EXIT_SUCCESS, Run};

#[test]
fn the_typescript_release_dir_deploys_upgrades_rolls_back_on_a_failed_gate_and_on_request() {
    let wasm = example_component("release-dir-ts", Build::Plain);
    assert_upgrades_and_rolls_back(&Project::new(), &|gate| static_site_plan_with(&wasm, gate));
}

#[test]
fn a_tree_of_more_files_than_an_instance_may_hold_open_is_copied_whole() {
    let wasm = example_component("release-dir-ts", Build::Plain);
    let project = Project::new();
    project.write_plan(&static_site_plan_with(&wasm, ""));
    let assets = project.path().join("site/assets");
    std::fs::create_dir_all(&assets).unwrap();
    let files = 600; // the host stops an instance holding more than 256 files or streams open
    for i in 0..files {
        std::fs::write(assets.join(format!("{i}.txt")), format!("asset {i}\n")).unwrap();
    }
    let run = project.deploy("v1");
    assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
    assert!(
        run.all().contains(&format!("{} files", files + 1)),
        "{}",
        run.all()
    );
    let copied = std::fs::read_to_string(project.path().join("www/current/assets/599.txt"));
    assert_eq!(copied.unwrap(), "asset 599\n");
}

#[test]
fn a_target_inside_the_source_is_reported_by_the_typescript_validate_at_its_path() {
    assert_target_inside_source_refused(&example_component("release-dir-ts", Build::Plain));
}

#[test]
fn a_typed_error_thrown_in_typescript_reaches_the_host_as_its_wit_case_and_v1_keeps_serving() {
    let wasm = example_component("release-dir-ts", Build::Plain);
    let project = Project::new();
    project.write_plan(&static_site_plan_with(&wasm, ""));
    assert_eq!(project.deploy("v1").code, EXIT_SUCCESS);

    let bad = project.deploy(".hidden");
    let text = bad.all();
    assert_eq!(bad.code, EXIT_ROLLED_BACK, "{text}");
    assert!(
        text.contains(
            "invalid config: version \".hidden\" cannot name a release directory: it starts with `.`"
        ),
        "InvalidConfig arrives as the `invalid-config` case: {text}"
    );
    assert_eq!(project.live(), (200, "<h1>v1</h1>\n".into()));
}

#[test]
fn plugins_audit_lists_the_typescript_plugins_imports_under_log_and_files_only() {
    let wasm = example_component("release-dir-ts", Build::Plain);
    let project = Project::new();
    project.write_plan(&static_site_plan_with(&wasm, ""));
    assert_imports_only_log_and_files(&project);
}

#[test]
fn the_same_plugin_built_with_fetch_and_no_http_grant_is_refused_at_load_naming_wasi_http() {
    let wasm = example_component("release-dir-ts", Build::Fetch);
    let project = Project::new();
    project.write_plan(&static_site_plan_with(&wasm, ""));
    let run = project.deploy("v1");
    let text = run.all();
    assert_eq!(run.code, EXIT_INVALID, "{text}");
    assert!(
        text.contains("plugin `site` imports `wasi:http/")
            && text.contains("which needs the `http` grant; the plan grants it no http"),
        "{text}"
    );
    assert_eq!(project.live().0, 404, "nothing was deployed");
}

/// `sluice ARGS` in `project` with the secrets' variable set.
fn run(project: &Project, args: &[&str]) -> Run {
    crate::support::sluice(project.path())
        .args(args)
        .env("SLUICE_TEST_TOKEN", "s3cret")
        .output()
        .unwrap()
        .into()
}

const APPLY: &[&str] = &["apply", "--env", ENV, "--version", "v1"];

#[test]
fn the_sdk_defaults_plan_one_update_of_the_unit_and_its_secret_helper_reads_a_granted_secret() {
    let service = ScriptedServer::ok("unused");
    let project = capabilities_project("secret", "token", &[service.origin()]);
    let plan = run(&project, &["plan", "--env", ENV, "--version", "v1"]);
    assert_eq!(plan.code, EXIT_SUCCESS, "{}", plan.all());
    assert!(plan.all().contains("update probe -> v1"), "{}", plan.all());

    let applied = run(&project, APPLY);
    assert_eq!(applied.code, EXIT_SUCCESS, "{}", applied.all());
    assert!(
        applied.all().contains("secret token has 6 characters"),
        "{}",
        applied.all()
    );
}

#[test]
fn the_sdk_http_helper_reaches_a_granted_origin_and_an_ungranted_one_is_denied_as_denied() {
    let service = ScriptedServer::ok("hello from the service");
    let url = format!("{}/status", service.origin());
    let project = capabilities_project("http", &url, &[service.origin()]);
    let applied = run(&project, APPLY);
    assert_eq!(applied.code, EXIT_SUCCESS, "{}", applied.all());
    assert!(
        applied
            .all()
            .contains(&format!("HTTP 200 from {url}: hello from the service")),
        "{}",
        applied.all()
    );

    let elsewhere = ScriptedServer::ok("never reached");
    let project = capabilities_project("http", &elsewhere.origin(), &[service.origin()]);
    let refused = run(&project, APPLY);
    let text = refused.all();
    assert_eq!(refused.code, EXIT_ROLLED_BACK, "{text}");
    assert!(
        text.contains(&format!("denied: GET {}", elsewhere.origin())),
        "the SDK kept the host's `denied`: {text}"
    );
    assert_eq!(elsewhere.requests(), 0);
}

#[test]
fn an_ungranted_secret_read_through_the_sdk_is_denied_as_denied() {
    let service = ScriptedServer::ok("unused");
    let project = capabilities_project("secret", "other", &[service.origin()]);
    let refused = run(&project, APPLY);
    let text = refused.all();
    assert_eq!(refused.code, EXIT_ROLLED_BACK, "{text}");
    assert!(
        text.contains("denied: reading the secret other: secrets: `other` is not granted"),
        "{text}"
    );
}
