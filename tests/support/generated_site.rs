//! The built site the static-site benchmarks deploy: 2,000 files of about 50 MB (100 images of
//! 400 KiB, the rest small pages, scripts and styles of 5 KiB) and `version.txt`, each file with
//! its own bytes; a later version changes `version.txt` and the first N small files.

use std::path::Path;

/// Files in the site.
pub const FILES: usize = 2_000;
/// Large files (images) among them; the rest are small text files.
const LARGE: usize = 100;
const LARGE_BYTES: usize = 400 * 1024;
const SMALL_BYTES: usize = 5 * 1024;

/// `len` pseudo-random bytes from `seed` (xorshift), so every file has its own hash.
fn bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// The site of `version` (path, content): the first `changed` small files carry the version.
pub fn files(version: &str, changed: usize) -> Vec<(String, Vec<u8>)> {
    let mut files = vec![("version.txt".to_owned(), version.as_bytes().to_vec())];
    for i in 0..LARGE {
        files.push((format!("img/{i:03}.jpg"), bytes(i as u64, LARGE_BYTES)));
    }
    for i in 0..FILES - LARGE - 1 {
        let salt = if i < changed { version } else { "" };
        let mut content = format!("/* {salt} */\n").into_bytes();
        content.extend(bytes(10_000 + i as u64, SMALL_BYTES));
        let ext = ["html", "js", "css"][i % 3];
        files.push((format!("s/{:02}/{i:04}.{ext}", i / 100), content));
    }
    files
}

/// Writes `files` under `dir`, leaving a file that already holds its content untouched (its
/// mtime too, as a build that writes only what changed does; `aws s3 sync` compares mtimes).
pub fn write_changed(dir: &Path, files: &[(String, Vec<u8>)]) {
    for (name, content) in files {
        let path = dir.join(name);
        if std::fs::read(&path).is_ok_and(|old| old == *content) {
            continue;
        }
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
}
