//! Builds every test plugin (the crates in `tests/plugins/` but the shared library `common`) for
//! `wasm32-wasip2` from the guest workspace, and generates, for `src/lib.rs`, a path constant per
//! plugin (`GATE_TARGET` for `gate-target`) and `PLUGINS`, the list of them all. Modelled on
//! wasmtime's `crates/test-programs/artifacts/build.rs`.

#[path = "../../host/guest_build.rs"]
mod guest_build;

use std::fmt::Write as _;
use std::path::PathBuf;

/// Crates in `tests/plugins/` that are libraries the plugins share, not plugins.
const NOT_PLUGINS: &[&str] = &["common"];

fn main() {
    let root = guest_build::repository_root(2);
    let plugins_dir = root.join("tests").join("plugins");
    guest_build::rerun_if_shared_inputs_change(&root);
    println!("cargo:rerun-if-changed={}", plugins_dir.display());
    let names = guest_build::crate_names(&plugins_dir, NOT_PLUGINS);

    let components = guest_build::build(&root, &names);

    let mut code = String::new();
    for (name, wasm) in names.iter().zip(&components) {
        writeln!(
            code,
            "/// The component of `tests/plugins/{name}`.\npub const {}: &str = {:?};",
            constant(name),
            wasm.display().to_string()
        )
        .expect("writing to a String");
    }
    code.push_str("/// Every test plugin: (name, component path), by name.\npub const PLUGINS: &[(&str, &str)] = &[\n");
    for name in &names {
        writeln!(code, "    ({name:?}, {}),", constant(name)).expect("writing to a String");
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("plugins.rs"), code).expect("write plugins.rs");
}

/// The constant naming plugin `name`'s component: `gate-target` is `GATE_TARGET`.
fn constant(name: &str) -> String {
    name.replace('-', "_").to_uppercase()
}
