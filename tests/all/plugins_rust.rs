//! A strategy plugin written in Rust with the SDK's typed `Strategy`: the example
//! `examples/plugins/release-dir-rust` (the same strategy as the Python, TypeScript and C
//! examples, built by `tests/artifacts`) deploys, upgrades, rolls back by itself when a live gate
//! fails and on `sluice rollback`; its `validate` reports a bad field at its path; `plugins audit`
//! lists what it imports.

use crate::support::project::Project;
use crate::support::release_dir::{
    assert_imports_only_log_and_files, assert_target_inside_source_refused,
    assert_upgrades_and_rolls_back, static_site_plan_with,
};
use crate::support::test_plugin;

#[test]
fn the_rust_release_dir_deploys_upgrades_rolls_back_on_a_failed_gate_and_on_request() {
    let wasm = test_plugin("release-dir-rust");
    assert_upgrades_and_rolls_back(&Project::new(), &|gate| static_site_plan_with(&wasm, gate));
}

#[test]
fn a_target_inside_the_source_is_reported_by_the_rust_validate_at_its_path() {
    assert_target_inside_source_refused(&test_plugin("release-dir-rust"));
}

#[test]
fn plugins_audit_lists_the_rust_plugins_imports_under_log_and_files_only() {
    let project = Project::new();
    project.write_plan(&static_site_plan_with(&test_plugin("release-dir-rust"), ""));
    assert_imports_only_log_and_files(&project);
}
