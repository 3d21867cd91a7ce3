//! The site directory as Pages sees it: which files are assets (wrangler's ignore list), their
//! hashes, sizes and content types, the `_headers` and `_redirects` files, and the limits.

use crate::hash;
use sluice_sdk::{Error, OrFailed, read_entries};
use std::collections::BTreeMap;
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// The largest asset Pages accepts.
pub const MAX_FILE_BYTES: u64 = 25 * 1024 * 1024;
/// The most assets in one deployment, unless the upload token says otherwise.
pub const DEFAULT_MAX_FILES: usize = 20_000;

/// Top-level entries that are never assets (wrangler's list).
const IGNORED_AT_TOP: &[&str] = &[
    "_worker.js",
    "_redirects",
    "_headers",
    "_routes.json",
    "functions",
    ".wrangler",
];
/// Entry names that are never assets, at any depth.
const IGNORED_ANYWHERE: &[&str] = &[".DS_Store", "node_modules", ".git"];

/// One asset of the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asset {
    /// Its path below the site root, `/`-separated, without a leading `/`.
    pub path: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its Pages hash.
    pub hash: String,
    /// The content type Pages serves it with.
    pub content_type: String,
}

/// A scanned site directory.
#[derive(Debug)]
pub struct Site {
    root: PathBuf,
    /// The assets, by path.
    pub assets: Vec<Asset>,
    /// The `_headers` file's text, when it exists and is not empty (read as UTF-8, as wrangler
    /// reads it).
    pub headers: Option<String>,
    /// The `_redirects` file's text, when it exists and is not empty.
    pub redirects: Option<String>,
}

impl Site {
    /// Scans and hashes everything under `root`; a file over 25 MiB is refused, naming it.
    pub fn scan(root: &Path) -> Result<Site, Error> {
        let mut assets = Vec::new();
        walk(root, "", &mut assets)?;
        assets.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(Site {
            root: root.to_owned(),
            headers: special_file(&root.join("_headers"))?,
            redirects: special_file(&root.join("_redirects"))?,
            assets,
        })
    }

    /// Refuses a site with more assets than `limit` (from the upload token), saying how many.
    pub fn check_file_count(&self, limit: usize) -> Result<(), Error> {
        if self.assets.len() > limit {
            return Err(Error::InvalidConfig(format!(
                "{} holds {} files: Pages accepts at most {limit} in one deployment for this project",
                self.root.display(),
                self.assets.len()
            )));
        }
        Ok(())
    }

    /// The manifest Pages deploys: `/path` to hash.
    pub fn manifest(&self) -> BTreeMap<String, String> {
        self.assets
            .iter()
            .map(|asset| (format!("/{}", asset.path), asset.hash.clone()))
            .collect()
    }

    /// Reads one asset's bytes.
    pub fn read(&self, asset: &Asset) -> Result<Vec<u8>, Error> {
        let path = self.root.join(&asset.path);
        fs::read(&path).or_failed(|| format!("reading {}", path.display()))
    }

    /// The total size of the assets, in bytes.
    pub fn total_bytes(&self) -> u64 {
        self.assets.iter().map(|asset| asset.size).sum()
    }
}

fn is_ignored(relative: &str, name: &str) -> bool {
    IGNORED_AT_TOP.contains(&relative) || IGNORED_ANYWHERE.contains(&name)
}

fn walk(dir: &Path, prefix: &str, assets: &mut Vec<Asset>) -> Result<(), Error> {
    for entry in read_entries(dir, unreadable)? {
        let relative = format!("{prefix}{}", entry.name);
        if is_ignored(&relative, &entry.name) {
            continue;
        }
        let path = entry.path;
        let metadata = fs::metadata(&path).map_err(|e| unreadable(&path, e))?;
        if metadata.is_dir() && !entry.is_symlink {
            walk(&path, &format!("{relative}/"), assets)?;
        } else if metadata.is_file() {
            assets.push(asset(&path, relative, metadata.len())?);
        } else {
            return Err(Error::Failed(format!(
                "{} is neither a file nor a directory (symlinks to directories are not deployed)",
                path.display()
            )));
        }
    }
    Ok(())
}

fn asset(path: &Path, relative: String, size: u64) -> Result<Asset, Error> {
    if size > MAX_FILE_BYTES {
        return Err(Error::InvalidConfig(format!(
            "{} is {}: Pages accepts files up to {}",
            path.display(),
            human_size(size),
            human_size(MAX_FILE_BYTES)
        )));
    }
    let file = fs::File::open(path).map_err(|e| unreadable(path, e))?;
    let hash = hash::hash_reader(file, &relative).map_err(|e| unreadable(path, e))?;
    let content_type = mime_guess::from_path(&relative)
        .first_raw()
        .unwrap_or("application/octet-stream")
        .to_owned();
    Ok(Asset {
        path: relative,
        size,
        hash,
        content_type,
    })
}

/// A size for people: `18 B`, `3.5 KiB`, `26.0 MiB`.
pub fn human_size(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    match bytes as f64 {
        b if b < KIB => format!("{bytes} B"),
        b if b < KIB * KIB => format!("{:.1} KiB", b / KIB),
        b => format!("{:.1} MiB", b / (KIB * KIB)),
    }
}

/// A read failure, saying that a path outside the granted directory cannot be read.
fn unreadable(path: &Path, error: std::io::Error) -> Error {
    let hint = match error.kind() {
        ErrorKind::PermissionDenied | ErrorKind::NotFound => {
            " (only the directory granted to the plugin can be read; a symlink may not lead out of it)"
        }
        _ => "",
    };
    Error::Failed(format!("cannot read {}: {error}{hint}", path.display()))
}

fn special_file(path: &Path) -> Result<Option<String>, Error> {
    match fs::read(path) {
        Ok(bytes) if bytes.is_empty() => Ok(None),
        Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(unreadable(path, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh site directory for one test.
    fn site_dir(test: &str, files: &[(&str, &[u8])]) -> PathBuf {
        let root =
            std::env::temp_dir().join(format!("cloudflare-pages-{}-{test}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        for (path, content) in files {
            let path = root.join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, content).unwrap();
        }
        root
    }

    #[test]
    fn wranglers_ignore_list_applies_at_the_top_or_anywhere_as_it_says() {
        let root = site_dir(
            "ignore",
            &[
                ("index.html", b"<h1>hi</h1>"),
                ("_headers", b"/*\n  X-Test: 1\n"),
                ("_redirects", b""),
                ("_worker.js", b"export default {}"),
                ("functions/api.js", b"x"),
                ("docs/_headers", b"kept: only the top-level one is special"),
                ("docs/.DS_Store", b"x"),
                ("node_modules/x/index.js", b"x"),
                ("a/node_modules/y.js", b"x"),
                (".git/HEAD", b"x"),
                (".well-known/security.txt", b"contact"),
            ],
        );
        let site = Site::scan(&root).unwrap();
        let paths: Vec<&str> = site.assets.iter().map(|a| a.path.as_str()).collect();
        assert_eq!(
            paths,
            [".well-known/security.txt", "docs/_headers", "index.html"]
        );
        assert_eq!(site.headers.as_deref(), Some("/*\n  X-Test: 1\n"));
        assert_eq!(site.redirects, None, "an empty _redirects is not sent");
    }

    #[test]
    fn the_manifest_maps_rooted_paths_to_hashes_with_content_types_from_the_name() {
        let root = site_dir("manifest", &[("img/logo.png", b"foobar")]);
        let site = Site::scan(&root).unwrap();
        assert_eq!(
            site.manifest().get("/img/logo.png").map(String::as_str),
            Some("2082190357cfd3617ccfe04f340c6247")
        );
        assert_eq!(site.assets[0].content_type, "image/png");
        assert_eq!(site.total_bytes(), 6);
    }

    #[test]
    fn a_file_over_25_mib_is_refused_naming_it() {
        let root = site_dir("big", &[("ok.txt", b"ok")]);
        let big = fs::File::create(root.join("video.mp4")).unwrap();
        big.set_len(MAX_FILE_BYTES + 1).unwrap();
        let error = Site::scan(&root).unwrap_err().to_string();
        assert!(
            error.contains("video.mp4") && error.contains("up to 25.0 MiB"),
            "{error}"
        );
    }

    #[test]
    fn sizes_read_in_the_unit_that_fits() {
        assert_eq!(human_size(18), "18 B");
        assert_eq!(human_size(3584), "3.5 KiB");
        assert_eq!(human_size(26 * 1024 * 1024), "26.0 MiB");
    }

    #[test]
    fn a_site_over_the_file_count_limit_is_refused_saying_how_many() {
        let root = site_dir(
            "count",
            &[("a.txt", b"a"), ("b.txt", b"b"), ("c.txt", b"c")],
        );
        let site = Site::scan(&root).unwrap();
        site.check_file_count(3).unwrap();
        let error = site.check_file_count(2).unwrap_err().to_string();
        assert!(
            error.contains("holds 3 files") && error.contains("at most 2"),
            "{error}"
        );
    }
}
