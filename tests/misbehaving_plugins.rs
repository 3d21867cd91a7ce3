//! Plugins that misbehave in `stage`: each ends with a clear error, an automatic rollback, the
//! host still working, and the old version still live.

mod support;

use support::project::{Project, static_site_plan};
use support::{EXIT_INVALID, EXIT_ROLLED_BACK, EXIT_SUCCESS, sha256_file, test_plugin};

/// A project with v1 live (deployed by static-site), whose plan then switches unit `web` to the
/// test plugin `name` with `limits`.
fn project_with_v1_then(name: &str, limits: &str) -> Project {
    let project = Project::new();
    project.write_plan(&static_site_plan(""));
    let first = project.deploy("v1");
    assert_eq!(first.code, EXIT_SUCCESS, "{}", first.all());

    let wasm = test_plugin(name);
    let switched = static_site_plan("").replace("plugin = \"site\"", "plugin = \"bad\"")
        + &format!(
            "\n[plugins.bad]\nsource = {:?}\nsha256 = \"{}\"\n[plugins.bad.limits]\n{limits}\n",
            wasm.display().to_string(),
            sha256_file(&wasm)
        );
    project.write_plan(&switched);
    project
}

fn assert_v1_still_live(project: &Project) {
    assert_eq!(project.live(), (200, "<h1>v1</h1>\n".into()));
    assert_eq!(project.live_version("web").as_deref(), Some("v1"));
}

#[test]
fn a_plugin_that_traps_in_stage_is_rolled_back_with_its_panic_message() {
    let project = project_with_v1_then("trap-in-stage", "");
    let run = project.deploy("v2");
    assert_eq!(run.code, EXIT_ROLLED_BACK, "{}", run.all());
    let text = run.all();
    assert!(text.contains("plugin `bad` stage: trapped"), "{text}");
    assert!(
        text.contains("trapping on purpose while staging v2"),
        "the plugin's own message is shown: {text}"
    );
    assert!(text.contains("rolled back to v1"), "{text}");
    assert_v1_still_live(&project);
}

#[test]
fn a_plugin_that_loops_forever_is_stopped_at_its_deadline_and_rolled_back() {
    let project = project_with_v1_then("loop-forever", "deadline = \"1s\"");
    let run = project.deploy("v2");
    assert_eq!(run.code, EXIT_ROLLED_BACK, "{}", run.all());
    let text = run.all();
    assert!(
        text.contains("plugin `bad` stage: ran past its deadline of 1s and was stopped"),
        "{text}"
    );
    assert!(
        text.contains("rolled back to v1"),
        "the host kept working and ran rollback: {text}"
    );
    assert_v1_still_live(&project);
}

#[test]
fn a_plugin_that_allocates_past_its_memory_cap_is_stopped_and_rolled_back() {
    let project = project_with_v1_then("memory-hog", "memory = \"32MiB\"");
    let run = project.deploy("v2");
    assert_eq!(run.code, EXIT_ROLLED_BACK, "{}", run.all());
    let text = run.all();
    assert!(
        text.contains("plugin `bad` stage: exceeded its memory limit of 32 MiB"),
        "{text}"
    );
    assert_v1_still_live(&project);
}

#[test]
fn a_plugin_importing_an_ungranted_capability_is_refused_at_load_naming_the_import() {
    let project = project_with_v1_then("ungranted-http", "");
    let run = project.deploy("v2");
    assert_eq!(run.code, EXIT_INVALID, "{}", run.all());
    let text = run.all();
    assert!(
        text.contains("imports `sluice:deploy/http@0.1.1`"),
        "{text}"
    );
    assert!(text.contains("needs the `http` grant"), "{text}");
    assert!(
        text.contains("sluice.toml:"),
        "the error points into the plan: {text}"
    );
    assert_v1_still_live(&project);
}
