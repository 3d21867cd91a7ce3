//! Reading a granted directory one level at a time, for plugins that walk a tree.

use crate::Error;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// One entry of a directory.
#[derive(Debug)]
pub struct DirEntry {
    /// Its path: the directory's path joined with its name.
    pub path: PathBuf,
    /// Its name.
    pub name: String,
    /// Whether the entry itself is a symlink (`fs::metadata(&path)` follows it).
    pub is_symlink: bool,
}

/// The entries of `dir`, in the order the filesystem lists them. `unreadable` makes the
/// plugin's error for a path that cannot be read and why; a name that is not UTF-8 is
/// [`Error::Failed`] naming the path.
pub fn read_entries(
    dir: &Path,
    unreadable: impl Fn(&Path, io::Error) -> Error,
) -> Result<Vec<DirEntry>, Error> {
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| unreadable(dir, e))? {
        let entry = entry.map_err(|e| unreadable(dir, e))?;
        let path = entry.path();
        let name = entry
            .file_name()
            .into_string()
            .map_err(|_| Error::Failed(format!("{} is not UTF-8", path.display())))?;
        let is_symlink = entry
            .file_type()
            .map_err(|e| unreadable(&path, e))?
            .is_symlink();
        entries.push(DirEntry {
            path,
            name,
            is_symlink,
        });
    }
    Ok(entries)
}
