//! Builds every test plugin (the crates in `tests/plugins/` but the shared library `common`) and
//! every Rust example plugin (the crates in `examples/plugins/`) for `wasm32-wasip2` from the
//! guest workspace, and generates, for `src/lib.rs`, a path constant per plugin (`GATE_TARGET` for
//! `gate-target`) and `PLUGINS`, the list of them all. Modelled on wasmtime's
//! `crates/test-programs/artifacts/build.rs`: every guest program has a test.

#[path = "../../host/guest_build.rs"]
mod guest_build;

use std::fmt::Write as _;
use std::path::PathBuf;

/// Crates in `tests/plugins/` that are libraries the plugins share, not plugins.
const NOT_PLUGINS: &[&str] = &["common"];

/// Where the plugins are, relative to the repository root.
const PLUGIN_DIRS: &[&str] = &["tests/plugins", "examples/plugins"];

fn main() {
    let root = guest_build::repository_root(2);
    guest_build::rerun_if_shared_inputs_change(&root);
    let mut plugins: Vec<(&str, String)> = Vec::new();
    for dir in PLUGIN_DIRS {
        let path = root.join(dir);
        println!("cargo:rerun-if-changed={}", path.display());
        plugins.extend(
            guest_build::crate_names(&path, NOT_PLUGINS)
                .into_iter()
                .map(|name| (*dir, name)),
        );
    }
    let names: Vec<String> = plugins.iter().map(|(_, name)| name.clone()).collect();

    let components = guest_build::build(&root, &names);

    let mut code = String::new();
    for ((dir, name), wasm) in plugins.iter().zip(&components) {
        writeln!(
            code,
            "/// The component of `{dir}/{name}`.\npub const {}: &str = {:?};",
            constant(name),
            wasm.display().to_string()
        )
        .expect("writing to a String");
    }
    code.push_str("/// Every plugin: (name, component path), tests first, by name.\npub const PLUGINS: &[(&str, &str)] = &[\n");
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
