//! The release directory on disk: `releases/<name>/` directories and a relative `current` link.
//!
//! The filesystem is the source of truth: the live release is whatever `current` points at.
//! Every change is atomic: a release is copied under a `.partial-` name and renamed into place,
//! and a new link is renamed over `current`.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use sluice_sdk::{Error, OrFailed, read_entries};

const RELEASES: &str = "releases";
const CURRENT: &str = "current";
const PARTIAL_PREFIX: &str = ".partial-";
const NEXT_LINK_PREFIX: &str = "current.next-";

/// The releases under one target directory.
pub struct Releases {
    target: PathBuf,
    dir: PathBuf,
    current: PathBuf,
}

/// `deployment_id` with anything but letters, digits, `-` and `_` replaced, for file names.
fn safe(deployment_id: &str) -> String {
    deployment_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The plugin's error for a path that cannot be read.
fn unreadable(path: &Path, e: io::Error) -> Error {
    Error::Failed(format!("cannot read {}: {e}", path.display()))
}

impl Releases {
    /// The releases under `target`.
    pub fn at(target: &str) -> Releases {
        let target = PathBuf::from(target);
        Releases {
            dir: target.join(RELEASES),
            current: target.join(CURRENT),
            target,
        }
    }

    /// The release `current` points at, if any.
    pub fn live(&self) -> Result<Option<String>, Error> {
        match fs::read_link(&self.current) {
            Ok(link) => Ok(link.file_name().map(|n| n.to_string_lossy().into_owned())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(unreadable(&self.current, e)),
        }
    }

    /// Whether anything is on disk by the name of `releases/<name>`.
    pub fn exists(&self, name: &str) -> bool {
        self.dir.join(name).symlink_metadata().is_ok()
    }

    /// Copies `source` to `releases/<name>` (replacing one by that name); returns the file count.
    pub fn install(&self, source: &str, name: &str, deployment_id: &str) -> Result<u64, Error> {
        fs::create_dir_all(&self.dir).or_failed(|| format!("creating {}", self.dir.display()))?;
        let partial = self
            .dir
            .join(format!("{PARTIAL_PREFIX}{}", safe(deployment_id)));
        remove_tree(&partial)?;
        let files = copy_tree(Path::new(source), &partial)?;
        self.remove(name)?;
        fs::rename(&partial, self.dir.join(name))
            .or_failed(|| "renaming the release into place")?;
        Ok(files)
    }

    /// Fails unless `releases/<name>` exists.
    pub fn require(&self, name: &str, doing: &str) -> Result<(), Error> {
        if self.dir.join(name).is_dir() {
            Ok(())
        } else {
            Err(Error::Failed(format!(
                "cannot {doing}: releases/{name} does not exist"
            )))
        }
    }

    /// Renames a new link to `releases/<name>` over `current`: readers see old or new, never none.
    pub fn point_current_at(&self, name: &str, deployment_id: &str) -> Result<(), Error> {
        let next = self
            .target
            .join(format!("{NEXT_LINK_PREFIX}{}", safe(deployment_id)));
        remove_link(&next)?;
        // `std::os::wasi::fs::symlink_path` is unstable; `soft_link` is the stable spelling of
        // the same WASI `symlink-at` call.
        #[allow(deprecated)]
        fs::soft_link(format!("{RELEASES}/{name}"), &next)
            .or_failed(|| format!("linking {}", next.display()))?;
        fs::rename(&next, &self.current).or_failed(|| "renaming the new link over current")
    }

    /// Removes `current` (nothing was live before the first deployment).
    pub fn unlink_current(&self) -> Result<(), Error> {
        remove_link(&self.current)
    }

    /// Removes `releases/<name>`; whether it existed.
    pub fn remove(&self, name: &str) -> Result<bool, Error> {
        let path = self.dir.join(name);
        let existed = path.is_dir();
        remove_tree(&path)?;
        Ok(existed)
    }

    /// Removes the oldest releases beyond `keep`, never a `protected` one; returns their names.
    pub fn prune(&self, keep: usize, protected: &str) -> Result<Vec<String>, Error> {
        let mut releases: Vec<(SystemTime, String)> = Vec::new();
        if self.dir.is_dir() {
            for entry in read_entries(&self.dir, unreadable)? {
                if entry.name.starts_with('.') {
                    continue;
                }
                let modified = fs::symlink_metadata(&entry.path)
                    .and_then(|m| m.modified())
                    .map_err(|e| unreadable(&entry.path, e))?;
                releases.push((modified, entry.name));
            }
        }
        releases.sort();
        let excess = releases.len().saturating_sub(keep);
        let doomed: Vec<String> = releases
            .into_iter()
            .map(|(_, name)| name)
            .filter(|name| name != protected)
            .take(excess)
            .collect();
        for name in &doomed {
            self.remove(name)?;
        }
        Ok(doomed)
    }

    /// Removes what an interrupted deployment left: partial copies and unrenamed links.
    pub fn clear_leftovers(&self) -> Result<(), Error> {
        for (dir, prefix) in [
            (&self.dir, PARTIAL_PREFIX),
            (&self.target, NEXT_LINK_PREFIX),
        ] {
            if !dir.is_dir() {
                continue;
            }
            for entry in read_entries(dir, unreadable)? {
                if entry.name.starts_with(prefix) {
                    remove_tree(&entry.path)?;
                }
            }
        }
        Ok(())
    }
}

/// Copies the tree `from` to `to` (which must not exist), following no symlinks; returns the
/// number of files copied.
fn copy_tree(from: &Path, to: &Path) -> Result<u64, Error> {
    fs::create_dir(to).or_failed(|| format!("creating {}", to.display()))?;
    let mut files = 0;
    for entry in read_entries(from, unreadable)? {
        if entry.is_symlink {
            continue;
        }
        let target = to.join(&entry.name);
        if entry.path.is_dir() {
            files += copy_tree(&entry.path, &target)?;
        } else {
            fs::copy(&entry.path, &target)
                .or_failed(|| format!("copying {}", entry.path.display()))?;
            files += 1;
        }
    }
    Ok(files)
}

/// Removes the tree or link at `path`; nothing there is fine.
fn remove_tree(path: &Path) -> Result<(), Error> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => {
            fs::remove_dir_all(path).or_failed(|| format!("removing {}", path.display()))
        }
        Ok(_) => remove_link(path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(unreadable(path, e)),
    }
}

/// Removes the file or link at `path`; nothing there is fine.
fn remove_link(path: &Path) -> Result<(), Error> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            Err(Error::Failed(format!("removing {}: {e}", path.display())))
        }
        _ => Ok(()),
    }
}
