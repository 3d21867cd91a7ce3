//! The test images from `tests/images/` (FROM scratch + Debian's static busybox, no registry):
//! built once per machine by `tests/images/build.sh`, and rebuilt only when their sources change.
//! Every tag carries the label `sluice.test.sources` = a digest of `tests/images/`; when all tags
//! carry the current digest, nothing is built. Needs a reachable Docker Engine (`DOCKER_HOST`).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use sha2::{Digest, Sha256};

use super::docker::docker;

/// The repository of the test web images (grant it in `images`).
pub const REPOSITORY: &str = "sluice-test-web";
/// Healthy; `/` says "v1", `/health` and `/cgi-bin/health` say "ok"; has a Docker HEALTHCHECK.
pub const V1: &str = "sluice-test-web:v1";
/// Healthy; `/` says "v2"; otherwise like [`V1`].
pub const V2: &str = "sluice-test-web:v2";
/// Serves `/` ("bad-health") but `/cgi-bin/health` answers 500 and `/health` 404; no HEALTHCHECK.
pub const BAD_HEALTH: &str = "sluice-test-web:bad-health";
/// Exits at once with code 3 after printing "sluice-test-web: crashing on purpose".
pub const CRASH: &str = "sluice-test-web:crash";
/// Like [`V1`] ("slow" at `/`) but answers, and turns healthy, only after ~3 s.
pub const SLOW: &str = "sluice-test-web:slow";
/// Says "slow-start" at `/`, but listens only after 8 s and has no HEALTHCHECK.
pub const SLOW_START: &str = "sluice-test-web:slow-start";
/// `/` answers 500 to 20% of the requests (every fifth), 200 "flaky" to the others; `/health`
/// says "ok". `FAIL_PERCENT` and `VERSION` in its environment change the share and the body.
pub const FLAKY: &str = "sluice-test-web:flaky";
/// The port the web images listen on inside the container.
pub const PORT: u16 = 8080;

/// Every tag `build.sh` makes.
const TAGS: [&str; 8] = [
    "sluice-test-busybox:latest",
    V1,
    V2,
    BAD_HEALTH,
    CRASH,
    SLOW,
    SLOW_START,
    FLAKY,
];
/// The label holding the digest of the sources an image was built from.
const SOURCES_LABEL: &str = "sluice.test.sources";

/// Builds the test images unless they are up to date; panics (with the build's output) when
/// they cannot be built. Safe to call from every test: the work happens once per process, and
/// concurrent test processes wait for each other.
pub fn ensure() {
    static READY: OnceLock<()> = OnceLock::new();
    READY.get_or_init(|| {
        let lock_path = std::env::temp_dir().join("sluice-test-images.lock");
        let lock = File::create(&lock_path).unwrap();
        lock.lock().unwrap();
        let digest = sources_digest();
        if !up_to_date(&digest) {
            build(&digest);
        }
    });
}

fn images_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/images")
}

fn up_to_date(digest: &str) -> bool {
    let format = format!("{{{{index .Config.Labels \"{SOURCES_LABEL}\"}}}}");
    let Ok(output) = docker()
        .args(["image", "inspect", "--format", &format])
        .args(TAGS)
        .output()
    else {
        return false;
    };
    let labels = String::from_utf8_lossy(&output.stdout);
    output.status.success()
        && labels.lines().count() == TAGS.len()
        && labels.lines().all(|label| label == digest)
}

fn build(digest: &str) {
    let output = Command::new("sh")
        .arg(images_dir().join("build.sh"))
        .arg(digest)
        .env("DOCKER_BUILDKIT", "0")
        .output()
        .unwrap_or_else(|e| panic!("cannot run tests/images/build.sh: {e}"));
    assert!(
        output.status.success(),
        "building the test images failed (is a Docker Engine reachable at DOCKER_HOST?):\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// sha256 over every file under `tests/images/` (paths and contents, in path order).
fn sources_digest() -> String {
    let mut files = Vec::new();
    collect_files(&images_dir(), &mut files);
    files.sort();
    let mut hasher = Sha256::new();
    for file in files {
        hasher.update(
            file.strip_prefix(images_dir())
                .unwrap()
                .to_string_lossy()
                .as_bytes(),
        );
        hasher.update(std::fs::read(&file).unwrap());
    }
    hex::encode(hasher.finalize())[..16].to_owned()
}

fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_files(&path, files);
        } else {
            files.push(path);
        }
    }
}
