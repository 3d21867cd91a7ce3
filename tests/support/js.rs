//! JavaScript/TypeScript plugins built for the tests with the JS SDK's build command
//! (`node sdk/js/build.mjs [--fetch] PLUGIN_DIR OUT.wasm`) and the toolchain `scripts/ensure-js-toolchain.sh`
//! installs into `build/npm-js`, cached as [`components::cached`] says.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::components::{self, repo_root};
use super::project::Project;
use super::sha256_file;

/// How a plugin is built.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Build {
    /// Without `fetch()`: the component imports no `wasi:http`.
    Plain,
    /// With `--fetch`: `fetch()` works, and the component imports `wasi:http/outgoing-handler`.
    Fetch,
}

/// The example plugin `examples/plugins/NAME`, built (now unless cached).
pub fn example_component(name: &str, build: Build) -> PathBuf {
    component(&format!("examples/plugins/{name}"), build)
}

/// The test plugin `tests/js-plugins/NAME`, built (now unless cached).
pub fn test_component(name: &str, build: Build) -> PathBuf {
    component(&format!("tests/js-plugins/{name}"), build)
}

/// A project whose plan deploys the one unit `probe` with the plugin `caps`, the component
/// `wasm` pinned by its sha256: `tables` go before the plugin (e.g. `[secrets.*]`), `grants` are
/// the lines of `[plugins.caps.grants]`, and `config` is the inside of the unit's inline config.
pub fn plugin_project(wasm: &Path, tables: &str, grants: &str, config: &str) -> Project {
    let project = Project::new();
    project.write_plan(&format!(
        r#"[project]
name = "t"
[environments.test]
{tables}
[plugins.caps]
source = {:?}
sha256 = "{}"
[plugins.caps.grants]
{grants}
[units.probe]
plugin = "caps"
config = {{ {config} }}
"#,
        wasm.display().to_string(),
        sha256_file(wasm)
    ));
    project
}

/// A project deploying the `capabilities` test plugin (`sluice:deploy/http` and `secrets`
/// through the SDK's helpers) with `probe` and `arg`, granted the secrets `token` and `other`
/// (both read from `SLUICE_TEST_TOKEN`) and the origins `granted`.
pub fn capabilities_project(probe: &str, arg: &str, granted: &[String]) -> Project {
    plugin_project(
        &test_component("capabilities", Build::Plain),
        "[secrets.token]\nenv = \"SLUICE_TEST_TOKEN\"\n[secrets.other]\nenv = \"SLUICE_TEST_TOKEN\"",
        &format!("secrets = [\"token\"]\n{}", http_grant(granted)),
        &format!("probe = \"{probe}\", arg = {arg:?}"),
    )
}

/// The grant line `http = [...]` of `origins`.
pub fn http_grant(origins: &[String]) -> String {
    let quoted: Vec<String> = origins.iter().map(|o| format!("{o:?}")).collect();
    format!("http = [{}]", quoted.join(", "))
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
pub fn component(dir: &str, build: Build) -> PathBuf {
    toolchain();
    let mut command = Command::new("node");
    command.arg("sdk/js/build.mjs");
    if build == Build::Fetch {
        command.arg("--fetch");
    }
    command.arg(dir);
    let inputs = ["sdk/js", "wit", "build/npm-js/installed"];
    components::cached("js", dir, &inputs, &format!("{build:?}"), command)
}
