//! A hostile plugin tries to make the host spend without bound: a 1 GiB string handed to a host
//! call (with its memory limit raised so it can hold one), headers that alias one small buffer
//! 64 times (1 GiB to copy from a plugin holding 16 MiB: the memory limit alone is no defence),
//! files opened and never closed, and a log flood. The first three are stopped with an error
//! naming the limit, before the host copies or opens anything more, and roll back with v1 still
//! serving; the flood is cut at the log budget with one marker and the deployment goes on.
//! (An infinite loop and a memory bomb: `misbehaving_plugins.rs`.)

use crate::support::project::{ENV, Project, test_plugin_plan};
use crate::support::scripted::ScriptedServer;
use crate::support::{EXIT_ROLLED_BACK, EXIT_SUCCESS, Run, sha256_file, test_plugin};

/// Far below what copying 1 GiB would take: the host must not have copied the argument.
const PEAK_MEMORY_CEILING_KIB: i64 = 512 * 1024;

const HOST_CALL_CAP: &str = "passed more than 80 MiB to one host call (the cap on bytes a call \
                             may hand the host) and was stopped before the host copied them";

/// Deploys v2; returns the run and its peak memory (KiB).
fn deploy_v2(project: &Project) -> (Run, i64) {
    project.sluice_with_peak_memory(&["apply", "--env", ENV, "--version", "v2"])
}

/// Asserts `run` stopped `stage` with `message`, rolled back, and left v1 serving.
fn assert_stopped(project: &Project, run: &Run, message: &str) {
    let text = run.all();
    assert_eq!(run.code, EXIT_ROLLED_BACK, "{text}");
    assert!(
        text.contains(&format!("plugin `bad` stage: {message}")),
        "{text}"
    );
    assert!(!text.contains("ESCAPED"), "{text}");
    assert!(text.contains("rolled back to v1"), "{text}");
    project.assert_v1_still_live();
}

#[test]
fn a_one_gib_string_passed_to_a_host_call_is_refused_before_the_host_copies_it() {
    let project = Project::v1_live_then(
        "hostile-limits",
        "[plugins.bad.limits]\nmemory = \"2GiB\"",
        "attack = \"huge-string\"",
    );
    let (run, peak) = deploy_v2(&project);
    assert_stopped(&project, &run, HOST_CALL_CAP);
    assert!(
        peak < PEAK_MEMORY_CEILING_KIB,
        "sluice peaked at {peak} KiB: the string was copied"
    );
}

#[test]
fn headers_aliasing_one_small_buffer_are_refused_before_the_host_copies_them() {
    let service = ScriptedServer::ok("granted service");
    let project = Project::v1_live_then("hostile-http", "", "");
    let grants = format!("[plugins.bad.grants]\nhttp = [{:?}]", service.origin());
    let config = format!(
        "attack = \"aliased-headers\", args = [\"{}/\"]",
        service.origin()
    );
    project.write_plan(&test_plugin_plan("hostile-http", &grants, &config));
    let (run, peak) = deploy_v2(&project);
    assert_stopped(&project, &run, HOST_CALL_CAP);
    assert_eq!(service.requests(), 0, "nothing was sent");
    assert!(
        peak < PEAK_MEMORY_CEILING_KIB,
        "sluice peaked at {peak} KiB: the headers were copied"
    );
}

#[test]
fn a_plugin_hoarding_open_files_is_stopped_at_the_cap_on_open_resources() {
    let project = Project::v1_live_then(
        "hostile-limits",
        "[plugins.bad.grants]\nfiles = [{ path = \"site\", at = \"/site\" }]",
        "attack = \"hoard-files\", args = [\"/site/index.html\"]",
    );
    let (run, _) = deploy_v2(&project);
    assert_stopped(
        &project,
        &run,
        "held more than 256 resources open at once (files, directories, streams) and was stopped",
    );
}

#[test]
fn a_log_flood_is_cut_at_the_budget_with_one_marker_and_the_deployment_goes_on() {
    let project = Project::new();
    let wasm = test_plugin("hostile-limits");
    project.write_plan(&format!(
        "[project]\nname = \"t\"\n[environments.test]\n[plugins.flood]\nsource = {:?}\nsha256 = \"{}\"\n[units.app]\nplugin = \"flood\"\nconfig = {{ attack = \"log-flood\" }}\n",
        wasm.display().to_string(),
        sha256_file(&wasm)
    ));
    let run = project.sluice(&["apply", "--env", ENV, "--version", "v1"]);
    let text = run.all();
    assert_eq!(
        run.code,
        EXIT_SUCCESS,
        "{}",
        &text[text.len().saturating_sub(2000)..]
    );
    assert_eq!(
        text.matches("[log budget exhausted: further messages from this plugin are dropped]")
            .count(),
        1,
        "one marker"
    );
    let messages = text.matches(&"f".repeat(8 << 10)).count();
    assert!(
        (120..=128).contains(&messages),
        "the 1 MiB budget's worth of the 512 messages was printed: {messages}"
    );
    assert!(!text.contains("ggg"), "nothing past the budget was printed");
    assert!(
        text.len() < (1 << 20) + (256 << 10),
        "output is bounded: {} bytes",
        text.len()
    );
}
