//! Plugins that misbehave in `stage`: each ends with a clear error, an automatic rollback, the
//! host still working, and the old version still live.

use crate::support::project::Project;
use crate::support::{EXIT_INVALID, EXIT_ROLLED_BACK};

/// A project with v1 live, whose plan then switches unit `web` to the test plugin `name` with
/// `limits`.
fn project_with_v1_then(name: &str, limits: &str) -> Project {
    Project::v1_live_then(name, &format!("[plugins.bad.limits]\n{limits}"), "")
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
    project.assert_v1_still_live();
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
    project.assert_v1_still_live();
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
    project.assert_v1_still_live();
}

#[test]
fn a_plugin_importing_an_ungranted_capability_is_refused_at_load_naming_the_import() {
    let project = project_with_v1_then("ungranted-http", "");
    let run = project.deploy("v2");
    assert_eq!(run.code, EXIT_INVALID, "{}", run.all());
    let text = run.all();
    assert!(
        text.contains("imports `sluice:deploy/http@0.1.4`"),
        "{text}"
    );
    assert!(text.contains("needs the `http` grant"), "{text}");
    assert!(
        text.contains("sluice.toml:"),
        "the error points into the plan: {text}"
    );
    project.assert_v1_still_live();
}
