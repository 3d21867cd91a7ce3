//! C plugins built for the tests with sdk/c/build.sh and the toolchain
//! `scripts/ensure-c-toolchain.sh` installs (Debian's clang-14 and wasi-libc; wit-bindgen,
//! wasm-tools and the WASI preview-1 adapter in build/c-tools), cached as
//! [`components::cached`] says.

use std::path::PathBuf;
use std::process::Command;

use super::components::{self, repo_root};

/// The example's directory, relative to the repository root.
pub const RELEASE_DIR: &str = "examples/plugins/release-dir-c";

/// The C tools `scripts/ensure-c-toolchain.sh` installs: wit-bindgen, wasm-tools and the WASI
/// preview-1 reactor adapter (`build/c-tools`, what a project's `SLUICE_C_TOOLS` names).
pub fn tools() -> PathBuf {
    let tools = repo_root().join("build/c-tools");
    assert!(
        tools.join(ADAPTER).is_file(),
        "build/c-tools/{ADAPTER} is missing: run `scripts/ensure-c-toolchain.sh` \
         (`SLUICE_SERVICES=1 scripts/ensure-deps.sh`, which make test runs, calls it)"
    );
    tools
}

/// The adapter's file in [`tools`].
const ADAPTER: &str = "wasi_snapshot_preview1.reactor.wasm";

/// The component built from the C plugin in `dir` (relative to the repository root), from the
/// cache when its sources have not changed.
pub fn built(dir: &str) -> PathBuf {
    tools();
    let mut build = Command::new("sdk/c/build.sh");
    build.arg(dir);
    let adapter = format!("build/c-tools/{ADAPTER}");
    let inputs = ["sdk/c", "wit", "build/c-tools/.crates.toml", &adapter];
    components::cached("c", dir, &inputs, "", build)
}
