//! Building packages of the guest workspace (`plugins/Cargo.toml`) for `wasm32-wasip2`: shared by
//! `host/build.rs` (the standard plugins it embeds) and `tests/artifacts/build.rs` (the test
//! plugins). Both build into `target/guests`, release profile; cargo's lock on that directory
//! orders the two when they run at once.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root, from the `CARGO_MANIFEST_DIR` of a crate `depth` levels below it.
pub fn repository_root(depth: usize) -> PathBuf {
    let mut root = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    for _ in 0..depth {
        root = root
            .parent()
            .expect("the crate is inside the repository")
            .to_path_buf();
    }
    root
}

/// Asks cargo to run the build script again when anything every guest depends on changes: the
/// WIT files, the workspace manifest and lock file, and the SDK.
pub fn rerun_if_shared_inputs_change(root: &Path) {
    let plugins = root.join("plugins");
    for input in [
        root.join("wit"),
        plugins.join("Cargo.toml"),
        plugins.join("Cargo.lock"),
        plugins.join("sdk"),
    ] {
        println!("cargo:rerun-if-changed={}", input.display());
    }
}

/// The names of the crate directories directly under `dir` but those in `skip`, sorted (each
/// directory is named after its package).
pub fn crate_names(dir: &Path, skip: &[&str]) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("Cargo.toml").is_file())
        .map(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .expect("crate directory names are UTF-8")
                .to_owned()
        })
        .filter(|name| !skip.contains(&name.as_str()))
        .collect();
    names.sort();
    names
}

/// Builds the guest packages `names` and returns the component of each, in the same order.
pub fn build(root: &Path, names: &[String]) -> Vec<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "--release", "--target", "wasm32-wasip2"]);
    for name in names {
        cmd.args(["-p", name]);
    }
    cmd.arg("--manifest-path")
        .arg(root.join("plugins").join("Cargo.toml"))
        .arg("--target-dir")
        .arg(root.join("target").join("guests"));
    // Settings meant for the host build must not leak into the guest build.
    for var in [
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_PROFILE_RELEASE_DEBUG",
    ] {
        cmd.env_remove(var);
    }
    let status = cmd.status().expect("run cargo to build the guest plugins");
    assert!(
        status.success(),
        "building the guest plugins failed (is the target installed? `rustup target add wasm32-wasip2`)"
    );
    let wasm_dir = root
        .join("target")
        .join("guests")
        .join("wasm32-wasip2")
        .join("release");
    names
        .iter()
        .map(|name| {
            let wasm = wasm_dir.join(format!("{}.wasm", name.replace('-', "_")));
            assert!(
                wasm.is_file(),
                "building the guests did not produce {}",
                wasm.display()
            );
            wasm
        })
        .collect()
}
