//! Builds the standard strategy plugins (the crates in `plugins/` but the SDK) for
//! `wasm32-wasip2` from the guest workspace, and embeds them in the binary as `builtin:NAME`.
//!
//! It also embeds the project templates of `sluice plugins new` (see `scaffold_templates.rs`),
//! and the git commit and WIT versions `sluice --version` prints (see `build_info.rs`).
//!
//! The guests build into `target/guests` (beside the host's own target dir), so debug and release
//! host builds share them. The test plugins of the same workspace (`tests/plugins/`) are not built
//! here: `tests/artifacts` builds them, for the tests only.

mod build_info;
mod guest_build;
mod scaffold_templates;

use std::path::PathBuf;

/// Guest crates in `plugins/` that are not standard plugins.
const NOT_PLUGINS: &[&str] = &["sdk", "target"];

fn main() {
    let root = guest_build::repository_root(1);
    let plugins_dir = root.join("plugins");
    guest_build::rerun_if_shared_inputs_change(&root);
    let names = guest_build::crate_names(&plugins_dir, NOT_PLUGINS);
    for name in &names {
        println!(
            "cargo:rerun-if-changed={}",
            plugins_dir.join(name).display()
        );
    }

    let components = guest_build::build(&root, &names);

    let mut table = String::from(
        "/// The embedded plugins: (name, component bytes).\npub static BUILTINS: &[(&str, &[u8])] = &[\n",
    );
    for (name, wasm) in names.iter().zip(&components) {
        table.push_str(&format!(
            "    ({name:?}, include_bytes!({:?})),\n",
            wasm.display().to_string()
        ));
    }
    table.push_str("];\n");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("builtins.rs"), table).expect("write builtins.rs");
    scaffold_templates::embed(&root, &out);
    build_info::emit(&root);
}
