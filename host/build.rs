//! Builds the guest workspace (`plugins/`: the standard strategy plugins, the SDK and the test
//! plugins in `tests/plugins/`) for `wasm32-wasip2`, and embeds the standard plugins in the
//! binary as `builtin:NAME`.
//!
//! The guests build into `target/guests` (beside the host's own target dir), so debug and release
//! host builds share them. `SLUICE_GUEST_DIR` is exported to the crate (tests load the test
//! plugins from there).

use std::path::{Path, PathBuf};
use std::process::Command;

/// Guest crates in `plugins/` that are not standard plugins.
const NOT_PLUGINS: &[&str] = &["sdk", "target"];

fn main() {
    let manifest_dir = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    let root = manifest_dir
        .parent()
        .expect("host/ has a parent")
        .to_path_buf();
    let plugins_dir = root.join("plugins");
    let guest_target = root.join("target").join("guests");

    println!("cargo:rerun-if-changed={}", root.join("wit").display());
    println!(
        "cargo:rerun-if-changed={}",
        plugins_dir.join("Cargo.toml").display()
    );
    println!(
        "cargo:rerun-if-changed={}",
        plugins_dir.join("Cargo.lock").display()
    );
    let plugins = crate_dirs(&plugins_dir);
    for dir in plugins
        .iter()
        .chain(crate_dirs(&root.join("tests").join("plugins")).iter())
    {
        println!("cargo:rerun-if-changed={}", dir.display());
    }
    println!(
        "cargo:rerun-if-changed={}",
        plugins_dir.join("sdk").display()
    );

    build_guests(&plugins_dir, &guest_target);

    let wasm_dir = guest_target.join("wasm32-wasip2").join("release");
    let mut table = String::from(
        "/// The embedded plugins: (name, component bytes).\npub static BUILTINS: &[(&str, &[u8])] = &[\n",
    );
    for dir in &plugins {
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .expect("plugin directory names are UTF-8");
        let wasm = wasm_dir.join(format!("{}.wasm", name.replace('-', "_")));
        assert!(
            wasm.is_file(),
            "building the guests did not produce {}",
            wasm.display()
        );
        table.push_str(&format!(
            "    ({name:?}, include_bytes!({:?})),\n",
            wasm.display().to_string()
        ));
    }
    table.push_str("];\n");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("builtins.rs"), table).expect("write builtins.rs");
    println!("cargo:rustc-env=SLUICE_GUEST_DIR={}", wasm_dir.display());
}

/// The crate directories directly under `dir` (standard plugins, or test plugins).
fn crate_dirs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("Cargo.toml").is_file())
        .filter(|p| {
            !NOT_PLUGINS
                .iter()
                .any(|n| p.file_name().is_some_and(|f| f == *n))
        })
        .collect();
    dirs.sort();
    dirs
}

fn build_guests(plugins_dir: &Path, target_dir: &Path) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args([
        "build",
        "--release",
        "--workspace",
        "--target",
        "wasm32-wasip2",
        "--manifest-path",
    ])
    .arg(plugins_dir.join("Cargo.toml"))
    .arg("--target-dir")
    .arg(target_dir);
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
}
