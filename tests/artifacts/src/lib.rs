//! The test plugins of `tests/plugins/` and the Rust example plugins of `examples/plugins/`,
//! built for `wasm32-wasip2` by this crate's build script (so a host build, release above all,
//! never builds them): where each one's component is, and [`PLUGINS`], the list of them all,
//! against which a test checks that each is used.

use std::path::Path;

include!(concat!(env!("OUT_DIR"), "/plugins.rs"));

/// The component of the plugin `name` (its directory in `tests/plugins/` or `examples/plugins/`).
///
/// # Panics
/// When there is no such test plugin.
pub fn path(name: &str) -> &'static Path {
    PLUGINS
        .iter()
        .find(|(plugin, _)| *plugin == name)
        .map(|(_, wasm)| Path::new(*wasm))
        .unwrap_or_else(|| {
            let known: Vec<&str> = PLUGINS.iter().map(|(plugin, _)| *plugin).collect();
            panic!(
                "no plugin `{name}` in tests/plugins/ or examples/plugins/ (there are {known:?})"
            )
        })
}
