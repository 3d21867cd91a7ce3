//! JavaScript/TypeScript plugins built for the tests with the JS SDK's build command
//! (`node sdk/js/build.mjs [--fetch] PLUGIN_DIR OUT.wasm`) and the toolchain `scripts/ensure-js-toolchain.sh`
//! installs into `build/npm-js`. A built component is cached under the target directory, keyed
//! by the sha256 of everything it is built from, so only a change to those sources rebuilds it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use sha2::{Digest, Sha256};

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

/// One build at a time: two tests wanting the same component build it once.
static BUILDING: Mutex<()> = Mutex::new(());

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host/ has a parent")
        .to_owned()
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

/// The plugin in `dir` (relative to the repository), built (now unless cached).
fn component(dir: &str, build: Build) -> PathBuf {
    let root = repo();
    let plugin = root.join(dir);
    let name = plugin.file_name().unwrap().to_string_lossy().into_owned();
    let installed = root.join("build/npm-js/installed");
    assert!(
        installed.is_file(),
        "the JS toolchain is not installed in build/npm-js: run `scripts/ensure-js-toolchain.sh` \
         (`SLUICE_SERVICES=1 scripts/ensure-deps.sh`, which make test runs, calls it)"
    );
    let mut hasher = Sha256::new();
    hasher.update(format!("{build:?}"));
    for input in [
        plugin.clone(),
        root.join("sdk/js"),
        root.join("wit"),
        installed,
    ] {
        hash_tree(&input, &mut hasher);
    }
    let digest = hex::encode(hasher.finalize());
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("js-plugins");
    let wasm = cache.join(format!("{name}-{}.wasm", &digest[..16]));
    let _one_at_a_time = BUILDING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if wasm.is_file() {
        return wasm;
    }
    std::fs::create_dir_all(&cache).unwrap();
    let partial = wasm.with_extension("partial");
    let mut command = Command::new("node");
    command.current_dir(&root).arg("sdk/js/build.mjs");
    if build == Build::Fetch {
        command.arg("--fetch");
    }
    let output = command
        .arg(dir)
        .arg(&partial)
        .output()
        .expect("running node");
    assert!(
        output.status.success(),
        "building {name} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::rename(&partial, &wasm).unwrap();
    wasm
}

/// Adds every file under `path` (names and contents, in sorted order) to `hasher`.
fn hash_tree(path: &Path, hasher: &mut Sha256) {
    if path.is_dir() {
        let mut children: Vec<PathBuf> = std::fs::read_dir(path)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .collect();
        children.sort();
        for child in children {
            hash_tree(&child, hasher);
        }
    } else {
        hasher.update(path.to_string_lossy().as_bytes());
        hasher.update(std::fs::read(path).unwrap());
    }
}
