//! The Rust SDK from outside the repository: the `version-file` plugin of
//! `docs/writing-a-plugin.md`, its `Cargo.toml` and `src/lib.rs` taken from the page, builds
//! against a copy of `plugins/sdk` alone with the page's build command, then deploys, plans and
//! rolls back with the plan the page shows.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{
    EXIT_INVALID, EXIT_ROLLED_BACK, EXIT_SUCCESS, Run, doc_block as block, sha256_file, sluice,
};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Copies the directory `from` (files and subdirectories) to `to`.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

/// Builds the page's crate in `scratch/version-file` beside `scratch/sluice/plugins/sdk` (the
/// SDK copied alone) with the page's command; returns the component. Only the target directory
/// differs from the page: a persistent one under the repository's `target/`, so a second run
/// compiles only the plugin.
fn build_the_pages_plugin(page: &str, scratch: &Path) -> PathBuf {
    copy_tree(
        &repo().join("plugins/sdk/src"),
        &scratch.join("sluice/plugins/sdk/src"),
    );
    copy_tree(
        &repo().join("plugins/sdk/wit"),
        &scratch.join("sluice/plugins/sdk/wit"),
    );
    std::fs::copy(
        repo().join("plugins/sdk/Cargo.toml"),
        scratch.join("sluice/plugins/sdk/Cargo.toml"),
    )
    .unwrap();
    let krate = scratch.join("version-file");
    std::fs::create_dir_all(krate.join("src")).unwrap();
    std::fs::write(
        krate.join("Cargo.toml"),
        block(page, "`Cargo.toml`:", "toml"),
    )
    .unwrap();
    std::fs::write(
        krate.join("src/lib.rs"),
        block(page, "`src/lib.rs`:", "rust"),
    )
    .unwrap();
    // The guest workspace's lock pins the same dependency versions it builds with.
    std::fs::copy(repo().join("plugins/Cargo.lock"), krate.join("Cargo.lock")).unwrap();
    let target = repo().join("target/sdk-example");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut build = Command::new(cargo);
    build
        .current_dir(&krate)
        .args(["build", "--release", "--target", "wasm32-wasip2"])
        .env("CARGO_TARGET_DIR", &target);
    for var in ["RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS", "CARGO_BUILD_TARGET"] {
        build.env_remove(var);
    }
    let output = build.output().unwrap();
    assert!(
        output.status.success(),
        "the page's plugin builds against the SDK copied alone: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    target.join("wasm32-wasip2/release/version_file.wasm")
}

/// A project with the page's plan (its pin filled in) and `gates` added to the unit.
fn write_plan(project: &Path, page: &str, wasm: &Path, gates: &str) {
    let plan = block(page, "runs unnoticed:", "toml")
        .replace("3b1f...e9", &sha256_file(wasm))
        .replace(
            "config = { file = \"/d/VERSION\" }\n",
            &format!("config = {{ file = \"/d/VERSION\" }}\n{gates}"),
        );
    std::fs::write(
        project.join("sluice.toml"),
        format!("[project]\nname = \"example\"\n[environments.test]\n\n{plan}"),
    )
    .unwrap();
}

/// Builds the page's plugin and lays out a project for it in `scratch/project`: the component
/// where the page's plan expects it, the granted `deployed/` directory.
fn example_project(page: &str, scratch: &Path) -> (PathBuf, PathBuf) {
    let wasm = build_the_pages_plugin(page, scratch);
    let project = scratch.join("project");
    std::fs::create_dir_all(project.join("plugins")).unwrap();
    std::fs::create_dir_all(project.join("deployed")).unwrap();
    std::fs::copy(&wasm, project.join("plugins/version_file.wasm")).unwrap();
    (project, wasm)
}

fn run(project: &Path, args: &[&str]) -> Run {
    sluice(project).args(args).output().unwrap().into()
}

#[test]
fn the_pages_rust_plugin_builds_outside_the_repository_and_deploys_plans_and_rolls_back() {
    let page = std::fs::read_to_string(repo().join("docs/writing-a-plugin.md")).unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let (project, wasm) = example_project(&page, scratch.path());
    let version = || std::fs::read_to_string(project.join("deployed/VERSION")).unwrap();

    write_plan(&project, &page, &wasm, "");
    let first = run(&project, &["apply", "--env", "test", "--version", "v1"]);
    assert_eq!(first.code, EXIT_SUCCESS, "{}", first.all());
    assert_eq!(version(), "v1");

    let plan = run(&project, &["plan", "--env", "test", "--version", "v2"]);
    assert_eq!(plan.code, EXIT_SUCCESS, "{}", plan.all());
    assert!(
        plan.all().contains("/d/VERSION") && plan.all().contains("v1 -> v2"),
        "plan reads the live version: {}",
        plan.all()
    );

    write_plan(
        &project,
        &page,
        &wasm,
        "gates = [{ tcp = \"127.0.0.1:1\", phase = \"live\", interval = \"50ms\", deadline = \"1s\" }]\n",
    );
    let failed = run(&project, &["apply", "--env", "test", "--version", "v2"]);
    assert_eq!(failed.code, EXIT_ROLLED_BACK, "{}", failed.all());
    assert_eq!(version(), "v1", "rollback wrote the previous version back");
}

#[test]
fn the_pages_rust_plugin_reports_its_config_problems_through_the_sdks_validate() {
    let page = std::fs::read_to_string(repo().join("docs/writing-a-plugin.md")).unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let (project, wasm) = example_project(&page, scratch.path());
    write_plan(&project, &page, &wasm, "");
    let plan = std::fs::read_to_string(project.join("sluice.toml"))
        .unwrap()
        .replace("file = \"/d/VERSION\"", "file = \"VERSION\"");
    std::fs::write(project.join("sluice.toml"), plan).unwrap();
    let run = run(&project, &["validate"]);
    assert_eq!(run.code, EXIT_INVALID, "{}", run.all());
    assert!(
        run.all().contains("must be an absolute guest path"),
        "{}",
        run.all()
    );
}
