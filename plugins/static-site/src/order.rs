//! `releases/.order`: release names oldest first, so pruning does not depend on clocks or
//! directory times.

use sluice_sdk::{Error, OrFailed};
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

const ORDER_FILE: &str = ".order";
const ORDER_FILE_NEXT: &str = ".order.next";

/// The recorded order in which releases were staged.
#[derive(Debug)]
pub struct ReleaseOrder {
    dir: PathBuf,
    names: Vec<String>,
}

impl ReleaseOrder {
    /// Reads the order kept in `releases_dir`; a missing or unreadable file is an empty order
    /// (releases it does not list then count as the oldest).
    pub fn load(releases_dir: &Path) -> Result<Self, Error> {
        let path = releases_dir.join(ORDER_FILE);
        let names = match fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).unwrap_or_else(|e| {
                sluice_sdk::warn!("ignoring unreadable {}: {e}", path.display());
                Vec::new()
            }),
            Err(e) if e.kind() == ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(Error::Failed(format!("reading {}: {e}", path.display()))),
        };
        Ok(Self {
            dir: releases_dir.to_owned(),
            names,
        })
    }

    /// Sorts the release names found on disk oldest first: those the order does not know
    /// (left by an interrupted run) by name, then the known ones in the recorded order.
    pub fn oldest_first(&self, mut on_disk: Vec<String>) -> Vec<String> {
        on_disk.sort_by_key(|name| (self.position(name), name.clone()));
        on_disk
    }

    /// Records `name` as the newest release.
    pub fn push(&mut self, name: &str) {
        self.names.retain(|known| known != name);
        self.names.push(name.to_owned());
    }

    /// Forgets releases that were removed.
    pub fn forget(&mut self, removed: &[String]) {
        self.names.retain(|known| !removed.contains(known));
    }

    /// Writes the order, atomically (a new file renamed over the old one).
    pub fn save(&self) -> Result<(), Error> {
        let (next, path) = (self.dir.join(ORDER_FILE_NEXT), self.dir.join(ORDER_FILE));
        let text = serde_json::to_string(&self.names).or_failed(|| "encoding the release order")?;
        fs::write(&next, text).or_failed(|| format!("writing {}", next.display()))?;
        fs::rename(&next, &path).or_failed(|| format!("replacing {}", path.display()))
    }

    fn position(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|known| known == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(names: &[&str]) -> ReleaseOrder {
        ReleaseOrder {
            dir: PathBuf::new(),
            names: names.iter().map(|name| name.to_string()).collect(),
        }
    }

    #[test]
    fn releases_are_sorted_by_the_recorded_order_not_by_name() {
        let order = order(&["v10", "v2", "v9"]);
        let on_disk = ["v2", "v9", "v10"].map(String::from).to_vec();
        assert_eq!(order.oldest_first(on_disk), ["v10", "v2", "v9"]);
    }

    #[test]
    fn releases_the_order_does_not_know_count_as_the_oldest() {
        let order = order(&["v1", "v2"]);
        let on_disk = ["v2", "stray", "v1"].map(String::from).to_vec();
        assert_eq!(order.oldest_first(on_disk), ["stray", "v1", "v2"]);
    }

    #[test]
    fn pushing_a_known_release_makes_it_the_newest() {
        let mut order = order(&["v1", "v2"]);
        order.push("v1");
        assert_eq!(order.names, ["v2", "v1"]);
    }
}
