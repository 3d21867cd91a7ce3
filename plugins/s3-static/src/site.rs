//! The built site on the granted directory: every file's key (its path under the directory,
//! `/`-separated), MD5 (what S3 answers as a single-part object's ETag) and content type.

use std::path::Path;

use md5::{Digest, Md5};
use sluice_sdk::{Error, OrFailed, read_entries};

/// A file of the site.
pub struct File {
    /// The key under the release prefix, e.g. `assets/app.js`.
    pub key: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// MD5 of the bytes, lowercase hex.
    pub md5: String,
    /// `text/html`, ...
    pub content_type: String,
}

/// Every file under `dir`, sorted by key. A symlink is refused (it could point outside).
pub fn scan(dir: &str) -> Result<Vec<File>, Error> {
    let mut files = Vec::new();
    walk(Path::new(dir), "", &mut files)?;
    files.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(files)
}

fn walk(dir: &Path, prefix: &str, files: &mut Vec<File>) -> Result<(), Error> {
    let unreadable =
        |path: &Path, e: std::io::Error| Error::Failed(format!("reading {}: {e}", path.display()));
    for entry in read_entries(dir, unreadable)? {
        let key = format!("{prefix}{}", entry.name);
        if entry.is_symlink {
            return Err(Error::Failed(format!(
                "{} is a symlink: the site must be plain files",
                entry.path.display()
            )));
        }
        if entry.path.is_dir() {
            walk(&entry.path, &format!("{key}/"), files)?;
            continue;
        }
        let bytes =
            std::fs::read(&entry.path).or_failed(|| format!("reading {}", entry.path.display()))?;
        let md5 = Md5::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let content_type = mime_guess::from_path(&key)
            .first_or_octet_stream()
            .essence_str()
            .to_owned();
        files.push(File {
            key,
            bytes,
            md5,
            content_type,
        });
    }
    Ok(())
}
