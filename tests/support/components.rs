//! Plugins built for the tests and benches by a language's build command (sdk/python/build.sh,
//! sdk/js/build.mjs, sdk/c/build.sh). A build takes seconds, so each component is cached under
//! the target directory, keyed by the sha256 of everything that goes into it (the plugin's files,
//! the SDK, the WIT, the toolchain's version): it is rebuilt only when one of those changes.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use sha2::{Digest, Sha256};

/// The repository's root directory.
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the host crate sits in the repository")
}

/// Held while building: tests of one binary build one component at a time.
static BUILDING: Mutex<()> = Mutex::new(());

/// The component built from the plugin in `dir` (relative to the repository root) by `build`,
/// from the cache `language` when none of `dir` and `inputs` (also relative) changed.
/// `build` is the command without its last argument, the output file; `variant` tells apart
/// builds of the same sources that differ otherwise (an environment variable of `build`).
pub fn cached(
    language: &str,
    dir: &str,
    inputs: &[&str],
    variant: &str,
    mut build: Command,
) -> PathBuf {
    let root = repo_root();
    let mut hasher = Sha256::new();
    hasher.update(variant.as_bytes());
    for input in std::iter::once(&dir).chain(inputs) {
        hash_tree(&root.join(input), &mut hasher);
    }
    let digest = hex::encode(hasher.finalize());
    let name = Path::new(dir)
        .file_name()
        .expect("a plugin directory")
        .to_string_lossy();
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{language}-components"));
    let wasm = cache.join(format!("{name}-{}.wasm", &digest[..16]));
    let _building = BUILDING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if wasm.is_file() {
        return wasm;
    }
    std::fs::create_dir_all(&cache).unwrap();
    let partial = cache.join(format!(
        "{name}-{}.{}.partial",
        &digest[..16],
        std::process::id()
    ));
    let output = build
        .current_dir(root)
        .arg(&partial)
        .output()
        .unwrap_or_else(|e| panic!("building {dir}: {e:#}"));
    assert!(
        output.status.success(),
        "building {dir}:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::rename(&partial, &wasm).unwrap();
    wasm
}

/// Adds the relative path and contents of every file under `path` (sorted, Python's
/// `__pycache__` skipped) to `hasher`.
fn hash_tree(path: &Path, hasher: &mut Sha256) {
    if path.is_dir() {
        let mut children: Vec<PathBuf> = std::fs::read_dir(path)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|child| child.file_name().is_some_and(|n| n != "__pycache__"))
            .collect();
        children.sort();
        for child in children {
            hash_tree(&child, hasher);
        }
    } else {
        let relative = path.strip_prefix(repo_root()).unwrap_or(path);
        hasher.update(relative.to_string_lossy().as_bytes());
        hasher.update([0]);
        hasher.update(std::fs::read(path).unwrap());
        hasher.update([0]);
    }
}
