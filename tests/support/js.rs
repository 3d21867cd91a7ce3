//! JavaScript/TypeScript plugins built for the tests with the JS SDK's build command
//! (`node sdk/js/build.mjs PLUGIN_DIR OUT.wasm`) and the toolchain `scripts/ensure-js-toolchain.sh`
//! installs into `build/npm-js`, cached as [`components::cached`] says.

use std::path::PathBuf;
use std::process::Command;

use super::components::{self, repo_root};

/// How a plugin is built.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Build {
    /// As documented: `-d http fetch-event`, so the component imports no `wasi:http`.
    Documented,
    /// Without that flag (`SLUICE_JS_FEATURES=keep-http`): the component imports `wasi:http`.
    KeepingHttp,
}

/// The example plugin `examples/plugins/NAME`, built (now unless cached).
pub fn example_component(name: &str, build: Build) -> PathBuf {
    component(&format!("examples/plugins/{name}"), build)
}

/// The test plugin `tests/js-plugins/NAME`, built (now unless cached).
pub fn test_component(name: &str) -> PathBuf {
    component(&format!("tests/js-plugins/{name}"), Build::Documented)
}

/// The directory of the JS toolchain `scripts/ensure-js-toolchain.sh` installs (`build/npm-js`).
pub fn toolchain() -> PathBuf {
    let dir = repo_root().join("build/npm-js");
    assert!(
        dir.join("installed").is_file(),
        "the JS toolchain is not installed in build/npm-js: run `scripts/ensure-js-toolchain.sh` \
         (`SLUICE_SERVICES=1 scripts/ensure-deps.sh`, which make test runs, calls it)"
    );
    dir
}

/// The plugin in `dir` (relative to the repository), built (now unless cached).
fn component(dir: &str, build: Build) -> PathBuf {
    toolchain();
    let mut command = Command::new("node");
    command.arg("sdk/js/build.mjs").arg(dir);
    if build == Build::KeepingHttp {
        command.env("SLUICE_JS_FEATURES", "keep-http");
    }
    let inputs = ["sdk/js", "wit", "build/npm-js/installed"];
    components::cached("js", dir, &inputs, &format!("{build:?}"), command)
}
