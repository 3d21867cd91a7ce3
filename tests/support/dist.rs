//! The static sluice binary (`make static` builds it unoptimised, `make dist` optimised), the
//! image built around it, and a copy of the quickstart to run them on.

use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use super::components::repo_root;

/// The musl target the static binary is built for.
pub const MUSL: &str = "x86_64-unknown-linux-musl";

/// The image the tests build from the static binary (see [`image`]).
pub const TEST_IMAGE: &str = "sluice-test:static";

/// The static binary `make static` built (`make test` builds it before the tests run).
pub fn static_binary() -> PathBuf {
    // The target directory is the one this test binary was built in (`CARGO_TARGET_DIR` too).
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target directory holds tmp/");
    let binary = target.join(MUSL).join("debug/sluice");
    assert!(
        binary.is_file(),
        "{} is missing: `make test` builds it first (`make static`)",
        binary.display()
    );
    binary
}

/// [`TEST_IMAGE`], built once per test run by `scripts/build-image.sh` from [`static_binary`]
/// (the way `make image` builds `sluice:dev` from `dist/sluice`).
pub fn image() -> &'static str {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let output = Command::new(repo_root().join("scripts/build-image.sh"))
            .arg(static_binary())
            .arg(TEST_IMAGE)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "build-image.sh: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    });
    TEST_IMAGE
}

/// A copy of `examples/quickstart` (its plan, site and migrations) in a new folder, with the
/// release folder its plan grants made, as `demo.sh` makes it.
pub fn quickstart() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let from = repo_root().join("examples/quickstart");
    copy_tree(&from, dir.path(), &[".sluice"]);
    std::fs::create_dir_all(dir.path().join(".sluice/www")).unwrap();
    dir
}

fn copy_tree(from: &Path, to: &Path, skip: &[&str]) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if skip.iter().any(|s| name == *s) {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target, &[]);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Whether the ELF executable at `path` names a program interpreter (a dynamic loader): a static
/// binary does not.
pub fn has_interpreter(path: &Path) -> bool {
    const PT_INTERP: u32 = 3;
    // Only the headers are read: the debug static binary is hundreds of MiB.
    let file = std::fs::File::open(path).unwrap();
    let read_at = |at: usize, len: usize| {
        let mut bytes = vec![0; len];
        file.read_exact_at(&mut bytes, at as u64).unwrap();
        bytes
    };
    let header = read_at(0, 64);
    assert_eq!(
        &header[..4],
        b"\x7fELF",
        "{} is not an ELF file",
        path.display()
    );
    assert_eq!(header[4], 2, "64-bit ELF");
    let u16_at = |at: usize| u16::from_le_bytes([header[at], header[at + 1]]) as usize;
    let phoff = u64::from_le_bytes(header[0x20..0x28].try_into().unwrap()) as usize;
    let (size, count) = (u16_at(0x36), u16_at(0x38));
    let table = read_at(phoff, size * count);
    table
        .chunks_exact(size)
        .any(|entry| u32::from_le_bytes(entry[..4].try_into().unwrap()) == PT_INTERP)
}
