//! A strategy plugin written in C with the C SDK (`sdk/c`), built by `sdk/c/build.sh` exactly as
//! docs/writing-a-plugin.md says (wit-bindgen c, Debian's clang-14 and wasi-libc, wasm-tools and
//! the WASI preview-1 reactor adapter): the example `examples/plugins/release-dir-c` deploys,
//! upgrades, rolls back by itself when a live gate fails and on `sluice rollback`, and prunes
//! beyond `keep`; its `validate` reports a bad field at its path; a typed error keeps its WIT
//! case; the SDK's default `plan` is one `update`; and `plugins audit` lists what the adapted
//! component imports (the adapter imports no `wasi:sockets`).

use crate::support::c::{RELEASE_DIR, built};
use crate::support::project::ENV;
use crate::support::release_dir::{
    assert_imports_only_log_and_files, assert_upgrades_and_rolls_back, sample_plan, sample_project,
};
use crate::support::{EXIT_INVALID, EXIT_ROLLED_BACK, EXIT_SUCCESS, sha256_file};

#[test]
fn the_c_release_dir_example_upgrades_rolls_back_a_failed_gate_and_rolls_back_on_request() {
    let wasm = built(RELEASE_DIR);
    let project = sample_project(RELEASE_DIR, &wasm, "");
    let sha256 = sha256_file(&wasm);
    assert_upgrades_and_rolls_back(&project, &|gate| sample_plan(RELEASE_DIR, &sha256, gate));
}

#[test]
fn the_c_release_dir_example_reports_a_relative_source_at_its_field_before_deploying() {
    let project = sample_project(RELEASE_DIR, &built(RELEASE_DIR), "");
    let plan = std::fs::read_to_string(project.plan_path())
        .unwrap()
        .replace("source = \"/site\"", "source = \"site\"");
    std::fs::write(project.plan_path(), &plan).unwrap();
    let (line, column) = plan
        .lines()
        .enumerate()
        .find_map(|(i, text)| {
            let key = "source = ";
            text.find(&format!("{key}\"site\""))
                .map(|col| (i + 1, col + key.len() + 1))
        })
        .expect("the plan has the relative source");

    let run = project.deploy("v1");

    assert_eq!(run.code, EXIT_INVALID, "{}", run.all());
    assert!(
        run.all().contains(&format!(
            "sluice.toml:{line}:{column}: unit `web`: must be an absolute guest path, got 'site'"
        )),
        "the error points at `source`: {}",
        run.all()
    );
    assert_eq!(project.live().0, 404, "nothing was deployed");
}

#[test]
fn an_error_a_c_plugin_returns_reaches_the_host_as_its_wit_case_and_v1_keeps_serving() {
    let project = sample_project(RELEASE_DIR, &built(RELEASE_DIR), "");
    assert_eq!(project.deploy("v1").code, EXIT_SUCCESS);

    let bad = project.deploy(".hidden");
    let text = bad.all();

    assert_eq!(bad.code, EXIT_ROLLED_BACK, "{text}");
    assert!(
        text.contains("invalid config: version \".hidden\" cannot name a release directory"),
        "SLUICE_KIND_INVALID_CONFIG arrives as the `invalid-config` case: {text}"
    );
    assert_eq!(project.live(), (200, "<h1>v1</h1>\n".into()));
}

#[test]
fn plugins_audit_lists_the_c_plugins_imports_under_log_and_files_only() {
    let project = sample_project(RELEASE_DIR, &built(RELEASE_DIR), "");
    assert_imports_only_log_and_files(&project);
}

#[test]
fn the_c_sdks_default_plan_is_one_update_of_the_unit_and_touches_nothing() {
    let project = sample_project(RELEASE_DIR, &built(RELEASE_DIR), "");
    let run = project.sluice(&["plan", "--env", ENV, "--version", "v1"]);
    assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
    assert!(run.all().contains("update web deploy v1"), "{}", run.all());
    assert_eq!(
        std::fs::read_dir(project.path().join("www"))
            .unwrap()
            .count(),
        0,
        "plan wrote nothing under the target"
    );
}

#[test]
fn the_c_release_dir_keeps_the_newest_releases_and_prunes_the_oldest_beyond_keep() {
    let project = sample_project(RELEASE_DIR, &built(RELEASE_DIR), "");
    let plan = std::fs::read_to_string(project.plan_path()).unwrap();
    std::fs::write(project.plan_path(), plan.replace("keep = 3", "keep = 2")).unwrap();

    for version in ["v1", "v2", "v3"] {
        let run = project.deploy(version);
        assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
    }
    let last = project.deploy("v4");

    assert_eq!(last.code, EXIT_SUCCESS, "{}", last.all());
    assert!(
        last.all().contains("pruned releases/v2 beyond keep = 2"),
        "{}",
        last.all()
    );
    let mut kept: Vec<String> = std::fs::read_dir(project.path().join("www/releases"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    kept.sort();
    assert_eq!(kept, ["v3", "v4"]);
    assert_eq!(project.live(), (200, "<h1>v4</h1>\n".into()));
}
