//! Python plugins built for the tests with sdk/python/build.sh and the componentize-py that
//! `scripts/ensure-deps.sh` installs into build/py, cached as [`components::cached`] says.

use std::path::PathBuf;
use std::process::Command;

use super::components::{self, repo_root};

/// The componentize-py `scripts/ensure-componentize-py.sh` installs.
pub fn componentize_py() -> PathBuf {
    let tool = repo_root().join("build/py/bin/componentize-py");
    assert!(
        tool.is_file(),
        "{} is missing: run `SLUICE_SERVICES=1 scripts/ensure-deps.sh` (or \
         scripts/ensure-componentize-py.sh) first",
        tool.display()
    );
    tool
}

/// The component built from the Python plugin in `dir` (relative to the repository root),
/// from the cache when its sources have not changed.
pub fn built(dir: &str) -> PathBuf {
    let mut build = Command::new("sdk/python/build.sh");
    build.arg(dir).env("COMPONENTIZE_PY", componentize_py());
    components::cached("python", dir, &["sdk/python", "wit"], "", build)
}

/// The example's directory, relative to the repository root.
pub const RELEASE_DIR: &str = "examples/plugins/release-dir-python";
