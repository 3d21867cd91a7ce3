//! JavaScript/TypeScript plugins built for the tests with the JS SDK's build command
//! (`node sdk/js/build.mjs PLUGIN_DIR OUT.wasm`) and the toolchain `scripts/ensure-js-toolchain.sh`
//! installs into `build/npm-js`. A built component is cached under the target directory, keyed
//! by the sha256 of everything it is built from, so only a change to those sources rebuilds it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use sha2::{Digest, Sha256};

/// How a plugin is built.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Build {
    /// As documented: `-d http fetch-event`, so the component imports no `wasi:http`.
    Documented,
    /// Without that flag (`SLUICE_JS_FEATURES=keep-http`): the component imports `wasi:http`.
    KeepingHttp,
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
pub fn test_component(name: &str) -> PathBuf {
    component(&format!("tests/js-plugins/{name}"), Build::Documented)
}

/// The directory of the JS toolchain `scripts/ensure-js-toolchain.sh` installs (`build/npm-js`).
pub fn toolchain() -> PathBuf {
    let dir = repo().join("build/npm-js");
    assert!(
        dir.join("installed").is_file(),
        "the JS toolchain is not installed in build/npm-js: run `scripts/ensure-js-toolchain.sh` \
         (`SLUICE_SERVICES=1 scripts/ensure-deps.sh`, which make test runs, calls it)"
    );
    dir
}

/// The plugin in `dir` (relative to the repository), built (now unless cached).
fn component(dir: &str, build: Build) -> PathBuf {
    let root = repo();
    let plugin = root.join(dir);
    let name = plugin.file_name().unwrap().to_string_lossy().into_owned();
    let installed = toolchain().join("installed");
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
    command
        .current_dir(&root)
        .arg("sdk/js/build.mjs")
        .arg(dir)
        .arg(&partial);
    if build == Build::KeepingHttp {
        command.env("SLUICE_JS_FEATURES", "keep-http");
    }
    let output = command.output().expect("running node");
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
