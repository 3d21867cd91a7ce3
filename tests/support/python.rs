//! Python plugins built for the tests with sdk/python/build.sh and the componentize-py that
//! `scripts/ensure-deps.sh` installs into build/py. A build takes seconds, so each component is
//! cached under the target directory, keyed by the sha256 of everything that goes into it (the
//! plugin's files, the SDK, the WIT): it is rebuilt only when one of those changes. Also the
//! release-dir example's sample plan, as a reader fills it in.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use super::project::{ENV, Project};
use super::sha256_file;

/// The repository's root directory.
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the host crate sits in the repository")
}

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

/// Held while building: tests of one binary build one component at a time.
static BUILDING: Mutex<()> = Mutex::new(());

/// The component built from the Python plugin in `dir` (relative to the repository root),
/// from the cache when its sources have not changed.
pub fn built(dir: &str) -> PathBuf {
    let root = repo_root();
    let digest = sources_digest(&[&root.join(dir), &root.join("sdk/python"), &root.join("wit")]);
    let name = Path::new(dir)
        .file_name()
        .expect("a plugin directory")
        .to_string_lossy();
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("python-components");
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
    let build = Command::new(root.join("sdk/python/build.sh"))
        .arg(root.join(dir))
        .arg(&partial)
        .env("COMPONENTIZE_PY", componentize_py())
        .output()
        .unwrap();
    assert!(
        build.status.success(),
        "building {dir}: {}{}",
        String::from_utf8_lossy(&build.stdout),
        String::from_utf8_lossy(&build.stderr)
    );
    std::fs::rename(&partial, &wasm).unwrap();
    wasm
}

/// sha256 over the relative path and contents of every file under `dirs` (caches excluded).
fn sources_digest(dirs: &[&Path]) -> String {
    let mut hasher = Sha256::new();
    for dir in dirs {
        for file in files_under(dir) {
            hasher.update(
                file.strip_prefix(repo_root())
                    .unwrap()
                    .to_string_lossy()
                    .as_bytes(),
            );
            hasher.update([0]);
            hasher.update(std::fs::read(&file).unwrap());
            hasher.update([0]);
        }
    }
    hex::encode(hasher.finalize())
}

/// Every file under `dir`, sorted, skipping Python's `__pycache__` directories.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "__pycache__") {
                files.extend(files_under(&path));
            }
        } else {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// The example's directory, relative to the repository root.
pub const RELEASE_DIR: &str = "examples/plugins/release-dir-python";

/// Where the example's sample plan expects `www/` to be served.
const SAMPLE_URL: &str = "http://127.0.0.1:8765";

/// A project deploying `site/` with the built release-dir example: its sample plan, with the
/// built component's sha256 pinned, `www/` served by the test's server, and `extra_gate` first in
/// the unit's gates.
pub fn release_dir_project(extra_gate: &str) -> Project {
    let project = Project::new();
    let wasm = project.path().join("release-dir.wasm");
    std::fs::copy(built(RELEASE_DIR), &wasm).unwrap();
    project.write_plan(&release_dir_plan(&sha256_file(&wasm), extra_gate));
    project
}

/// The example's sluice.toml as a reader would fill it in: the sha256 pinned, the test's server
/// as `public_url`, and `extra_gate` added to the gates.
pub fn release_dir_plan(sha256: &str, extra_gate: &str) -> String {
    let sample =
        std::fs::read_to_string(repo_root().join(RELEASE_DIR).join("sluice.toml")).unwrap();
    sample
        .lines()
        .map(|line| {
            if line.starts_with("sha256 = ") {
                format!("sha256 = \"{sha256}\"")
            } else if line == "gates = [" {
                format!("gates = [\n  {extra_gate}")
            } else {
                line.replace(SAMPLE_URL, "{base}")
                    .replace("[environments.staging]", &format!("[environments.{ENV}]"))
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}
