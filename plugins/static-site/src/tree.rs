//! A directory tree as a list of files: scanning, copying, and comparing two of them.

use sluice_sdk::{Error, OrFailed, read_entries};
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

/// The files under a root, by path relative to it (`/`-separated), with their sizes in bytes,
/// and the directories, parents before children (so empty ones are copied too).
#[derive(Debug, Default)]
pub struct Tree {
    files: BTreeMap<String, u64>,
    dirs: Vec<String>,
}

/// What a deployment does to one file of the live release.
#[derive(Debug, PartialEq, Eq)]
pub enum FileChange {
    /// The file is new.
    Create { path: String, size: u64 },
    /// The file exists with other content.
    Update { path: String, from: u64, to: u64 },
    /// The file goes away.
    Delete { path: String },
}

impl Tree {
    /// Scans everything under `root`. Symlinks to files count as files; symlinks to
    /// directories are refused (they could loop or leave the granted tree).
    pub fn scan(root: &Path) -> Result<Self, Error> {
        let mut tree = Self::default();
        tree.scan_dir(root, "")?;
        Ok(tree)
    }

    /// How many files the tree holds.
    pub fn file_count(&self) -> usize {
        self.files.len()
    }

    /// The total size of its files in bytes.
    pub fn total_bytes(&self) -> u64 {
        self.files.values().sum()
    }

    /// Copies the tree from `from` (where it was scanned) to `to`, which must not exist yet.
    pub fn copy(&self, from: &Path, to: &Path) -> Result<(), Error> {
        fs::create_dir(to).or_failed(|| format!("creating {}", to.display()))?;
        for dir in &self.dirs {
            let path = to.join(dir);
            fs::create_dir(&path).or_failed(|| format!("creating {}", path.display()))?;
        }
        for file in self.files.keys() {
            let (source, dest) = (from.join(file), to.join(file));
            fs::copy(&source, &dest)
                .or_failed(|| format!("copying {} to {}", source.display(), dest.display()))?;
        }
        Ok(())
    }

    /// What turns the tree `old` (rooted at `old_root`) into `self` (rooted at `new_root`):
    /// files are compared by size, then by content.
    pub fn changes_from(
        &self,
        new_root: &Path,
        old: &Tree,
        old_root: &Path,
    ) -> Result<Vec<FileChange>, Error> {
        let mut changes = Vec::new();
        for (path, &size) in &self.files {
            match old.files.get(path) {
                None => changes.push(FileChange::Create {
                    path: path.clone(),
                    size,
                }),
                Some(&old_size) => {
                    if old_size != size
                        || !same_content(&new_root.join(path), &old_root.join(path))?
                    {
                        changes.push(FileChange::Update {
                            path: path.clone(),
                            from: old_size,
                            to: size,
                        });
                    }
                }
            }
        }
        changes.extend(
            old.files
                .keys()
                .filter(|path| !self.files.contains_key(*path))
                .map(|path| FileChange::Delete { path: path.clone() }),
        );
        Ok(changes)
    }

    fn scan_dir(&mut self, dir: &Path, prefix: &str) -> Result<(), Error> {
        let unreadable = |path: &Path, e| Error::Failed(format!("reading {}: {e}", path.display()));
        for entry in read_entries(dir, unreadable)? {
            let (path, is_link) = (entry.path, entry.is_symlink);
            let relative = format!("{prefix}{}", entry.name);
            let metadata =
                fs::metadata(&path).or_failed(|| format!("reading {}", path.display()))?;
            if metadata.is_file() {
                self.files.insert(relative, metadata.len());
            } else if metadata.is_dir() && !is_link {
                let nested = format!("{relative}/");
                self.dirs.push(relative);
                self.scan_dir(&path, &nested)?;
            } else {
                return Err(unsupported(&path));
            }
        }
        Ok(())
    }
}

fn unsupported(path: &Path) -> Error {
    Error::Failed(format!(
        "{} is neither a file nor a directory (symlinks to directories are not published)",
        path.display()
    ))
}

fn same_content(a: &Path, b: &Path) -> Result<bool, Error> {
    let read = |path: &Path| fs::read(path).or_failed(|| format!("reading {}", path.display()));
    Ok(read(a)? == read(b)?)
}
