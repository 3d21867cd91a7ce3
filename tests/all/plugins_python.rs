//! Python strategy plugins, built with componentize-py through sdk/python exactly as
//! docs/writing-a-plugin.md says: the release-dir example deploys, upgrades, rolls back on a
//! failed gate and on request, and the audit shows CPython's sockets imports as inert; a hostile
//! Python plugin's raw socket and name lookup both fail inside it and reach nothing.

use std::net::TcpListener;

use crate::support::project::{ENV, Project, static_site_plan};
use crate::support::python::{self, RELEASE_DIR};
use crate::support::release_dir::{assert_upgrades_and_rolls_back, sample_plan, sample_project};
use crate::support::{EXIT_INVALID, EXIT_ROLLED_BACK, EXIT_SUCCESS, sha256_file};

#[test]
fn the_python_release_dir_example_upgrades_rolls_back_a_failed_gate_and_rolls_back_on_request() {
    let wasm = python::built(RELEASE_DIR);
    let project = sample_project(RELEASE_DIR, &wasm, "");
    let sha256 = sha256_file(&wasm);
    assert_upgrades_and_rolls_back(&project, &|gate| sample_plan(RELEASE_DIR, &sha256, gate));
}

#[test]
fn the_audit_shows_a_python_plugins_sockets_imports_as_linked_with_every_call_denied() {
    let project = sample_project(RELEASE_DIR, &python::built(RELEASE_DIR), "");
    let audit = project.sluice(&["plugins", "audit"]);
    assert_eq!(audit.code, EXIT_SUCCESS, "{}", audit.all());
    let row = |capability: &str| {
        audit
            .stdout
            .lines()
            .find(|line| line.trim_start().starts_with(&format!("{capability} ")))
            .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
    };
    assert_eq!(
        row("sockets").as_deref(),
        Some("sockets yes linked, every call denied"),
        "{}",
        audit.stdout
    );
    assert_eq!(
        row("log").as_deref(),
        Some("log yes always"),
        "{}",
        audit.stdout
    );
    assert_eq!(
        row("http").as_deref(),
        Some("http no -"),
        "{}",
        audit.stdout
    );
}

#[test]
fn a_python_plugins_raw_socket_and_name_lookup_fail_inside_it_and_reach_no_listener() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let target = listener.local_addr().unwrap();

    let project = Project::new();
    project.write_plan(&static_site_plan(""));
    let first = project.deploy("v1");
    assert_eq!(first.code, EXIT_SUCCESS, "{}", first.all());

    let hostile = project.path().join("hostile-sockets.wasm");
    std::fs::copy(
        python::built("tests/python-plugins/hostile-sockets"),
        &hostile,
    )
    .unwrap();
    project.write_plan(&format!(
        "{}\n[plugins.bad]\nsource = \"hostile-sockets.wasm\"\nsha256 = \"{}\"\n",
        static_site_plan("")
            .replace("plugin = \"site\"", "plugin = \"bad\"")
            .replace(
                "keep = 3,",
                &format!("keep = 3, connect = \"{target}\", lookup = \"localhost\","),
            ),
        sha256_file(&hostile)
    ));
    let run = project.deploy("v2");
    let text = run.all();

    assert_eq!(run.code, EXIT_ROLLED_BACK, "{text}");
    assert!(
        text.contains(&format!("connect to {target} denied: PermissionError")),
        "the plugin saw its connect fail: {text}"
    );
    assert!(
        text.contains("lookup of localhost denied: gaierror"),
        "the plugin saw its name lookup fail: {text}"
    );
    assert!(!text.contains("ESCAPED"), "{text}");
    assert!(
        matches!(listener.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "no connection reached the listener"
    );
    project.assert_v1_still_live();
}

#[test]
fn the_python_sdk_reads_granted_secrets_and_origins_and_gets_typed_denials_for_the_rest() {
    let project = Project::new();
    std::fs::write(
        project.path().join("www/hello.txt"),
        "hello from a granted origin\n",
    )
    .unwrap();
    let wasm = project.path().join("sdk-capabilities.wasm");
    std::fs::copy(
        python::built("tests/python-plugins/sdk-capabilities"),
        &wasm,
    )
    .unwrap();
    project.write_plan(&format!(
        r#"[project]
name = "t"
[environments.{ENV}]
[secrets.token]
env = "SDK_TEST_TOKEN"
[secrets.other]
env = "SDK_TEST_OTHER"
[plugins.sdk]
source = "sdk-capabilities.wasm"
sha256 = "{}"
[plugins.sdk.grants]
secrets = ["token"]
http = ["{{base}}"]
[units.web]
plugin = "sdk"
config = {{ secrets = ["token", "other"], urls = ["{{base}}/hello.txt", "http://127.0.0.1:1/"] }}
"#,
        sha256_file(&wasm)
    ));
    let run: crate::support::Run = crate::support::sluice(project.path())
        .args(["apply", "--env", ENV, "--version", "v1"])
        .env("SDK_TEST_TOKEN", "s3cret-value")
        .env("SDK_TEST_OTHER", "other-value")
        .output()
        .unwrap()
        .into();
    let text = run.all();

    assert!(text.contains("secret token: 12 characters"), "{text}");
    assert!(
        text.contains("secret other: Denied: secrets: `other` is not granted to plugin `sdk`"),
        "{text}"
    );
    let base = project.server.base_url();
    assert!(
        text.contains(&format!(
            "GET {base}/hello.txt: 200 'hello from a granted origin'"
        )),
        "{text}"
    );
    assert!(
        text.contains(
            "GET http://127.0.0.1:1/: Denied: http: origin http://127.0.0.1:1 is not granted"
        ),
        "{text}"
    );
}

#[test]
fn the_python_release_dir_example_reports_a_relative_source_at_its_field_before_deploying() {
    let project = sample_project(RELEASE_DIR, &python::built(RELEASE_DIR), "");
    let plan = std::fs::read_to_string(project.plan_path()).unwrap();
    std::fs::write(
        project.plan_path(),
        plan.replace("source = \"/site\"", "source = \"site\""),
    )
    .unwrap();

    let run = project.deploy("v1");

    assert_eq!(run.code, EXIT_INVALID, "{}", run.all());
    assert!(
        run.all()
            .contains("unit `web`: must be an absolute guest path, got 'site'"),
        "{}",
        run.all()
    );
    assert_eq!(project.live().0, 404, "nothing was deployed");
}
