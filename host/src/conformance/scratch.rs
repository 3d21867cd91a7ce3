//! The scratch world a plugin is tested in: temporary directories granted at the guest paths its
//! config names, the origins its config names, and a fingerprint of every granted tree to tell
//! whether a call changed anything.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use std::sync::{Arc, Mutex, PoisonError};

use sha2::{Digest, Sha256};

use super::{ConformanceError, Grantable};
use crate::caps::sql::{DatabaseTarget, Snapshot, SnapshotLedger, Snapshots, SqlGrant};
use crate::plan::model::{FileGrant, Grants, HttpGrant};

/// The file every scratch directory starts with, so a strategy that publishes a tree has one.
pub const SEED_FILE: &str = "index.html";
const SEED_CONTENT: &str = "<h1>sluice plugins test</h1>\n";

/// A scratch directory to grant, read-write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScratchDir {
    /// Where the plugin sees it.
    pub guest: String,
    /// The host directory it starts as a copy of; none: it holds [`SEED_FILE`] alone.
    pub from: Option<PathBuf>,
}

/// What a config grants under the harness's rules (see [`super::Grantable`]).
#[derive(Debug, Clone, Default)]
pub struct Derived {
    /// The scratch directories.
    pub dirs: Vec<ScratchDir>,
    /// Names of the databases to grant, each a fresh SQLite file.
    pub databases: Vec<String>,
    /// Origins to grant, internal addresses allowed.
    pub origins: Vec<String>,
}

impl Derived {
    /// What `config` asks for, of the `granted` capabilities: the `trees` (guest path, host
    /// directory to copy), then every absolute path among its string values not under another
    /// one for `files`, and every http(s) URL's origin for `http`.
    pub fn from_config(
        config: &serde_json::Value,
        granted: &[Grantable],
        trees: &[(String, PathBuf)],
    ) -> Derived {
        let mut strings = Vec::new();
        collect_strings(config, &mut strings);
        let mut derived = Derived {
            dirs: trees
                .iter()
                .map(|(guest, from)| ScratchDir {
                    guest: guest.trim_end_matches('/').to_owned(),
                    from: Some(from.clone()),
                })
                .collect(),
            origins: Vec::new(),
            databases: Vec::new(),
        };
        if granted.contains(&Grantable::Files) {
            let mut paths: Vec<&str> = strings
                .iter()
                .map(String::as_str)
                .filter(|s| s.starts_with('/') && !s.contains(char::is_whitespace))
                .collect();
            paths.sort_unstable();
            paths.dedup();
            for path in paths {
                let path = path.trim_end_matches('/');
                let nested = derived
                    .dirs
                    .iter()
                    .any(|dir| Path::new(path).starts_with(&dir.guest));
                if !path.is_empty() && !nested {
                    derived.dirs.push(ScratchDir {
                        guest: path.to_owned(),
                        from: None,
                    });
                }
            }
        }
        if granted.contains(&Grantable::Http) {
            for text in &strings {
                if let Ok(url) = url::Url::parse(text)
                    && matches!(url.scheme(), "http" | "https")
                    && url.has_host()
                {
                    let origin = url.origin().ascii_serialization();
                    if !derived.origins.contains(&origin) {
                        derived.origins.push(origin);
                    }
                }
            }
        }
        derived
    }

    /// The grants for a scratch world rooted in `root`, its directories at `host_dirs`.
    fn grants(&self, granted: &[Grantable], host_dirs: &[PathBuf]) -> Grants {
        Grants {
            files: self
                .dirs
                .iter()
                .zip(host_dirs)
                .map(|(dir, host)| FileGrant {
                    host: host.clone(),
                    guest: dir.guest.clone(),
                    writable: true,
                })
                .collect(),
            databases: self.databases.clone(),
            http: granted.contains(&Grantable::Http).then(|| {
                self.origins
                    .iter()
                    .map(|origin| HttpGrant {
                        origin: origin.clone(),
                        internal: true,
                    })
                    .collect()
            }),
            ..Grants::default()
        }
    }
}

fn collect_strings(value: &serde_json::Value, into: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => into.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_strings(v, into)),
        serde_json::Value::Object(map) => map.values().for_each(|v| collect_strings(v, into)),
        _ => {}
    }
}

/// One fresh scratch world: its directories (removed when it is dropped) and grants.
pub struct Scratch {
    /// Kept for as long as the world is used: dropping it removes the directories.
    _root: tempfile::TempDir,
    /// (guest path, host directory) of each granted directory.
    dirs: Vec<(String, PathBuf)>,
    /// What the plugin is granted in it.
    pub grants: Grants,
    /// Its databases, and where their backups go.
    pub sql: SqlGrant,
}

impl Scratch {
    /// A fresh world for `derived`: one directory per guest path, a copy of its tree or holding
    /// [`SEED_FILE`].
    pub fn new(derived: &Derived, granted: &[Grantable]) -> Result<Scratch, ConformanceError> {
        let root = tempfile::Builder::new()
            .prefix("sluice-plugins-test-")
            .tempdir()
            .map_err(ConformanceError::Scratch)?;
        let mut host_dirs = Vec::new();
        for (i, scratch) in derived.dirs.iter().enumerate() {
            let dir = root.path().join(format!("dir{i}"));
            std::fs::create_dir(&dir).map_err(ConformanceError::Scratch)?;
            match &scratch.from {
                Some(from) => copy_tree(from, &dir).map_err(|e| ConformanceError::Tree {
                    from: from.clone(),
                    source: e,
                })?,
                None => std::fs::write(dir.join(SEED_FILE), SEED_CONTENT)
                    .map_err(ConformanceError::Scratch)?,
            }
            host_dirs.push(dir);
        }
        let sql = SqlGrant {
            databases: derived
                .databases
                .iter()
                .map(|name| {
                    let file = root.path().join(format!("{name}.sqlite"));
                    (name.clone(), Ok(DatabaseTarget::Sqlite(file)))
                })
                .collect(),
            read_only: false,
            snapshots: Some(Snapshots {
                dir: root.path().join("snapshots"),
                ledger: Arc::new(Kept::default()),
            }),
        };
        Ok(Scratch {
            grants: derived.grants(granted, &host_dirs),
            sql,
            dirs: derived
                .dirs
                .iter()
                .map(|dir| dir.guest.clone())
                .zip(host_dirs)
                .collect(),
            _root: root,
        })
    }

    /// A fingerprint of every granted tree now.
    pub fn tree(&self) -> Result<Tree, ConformanceError> {
        let mut entries = BTreeMap::new();
        for (guest, host) in &self.dirs {
            walk(host, guest, &mut entries).map_err(ConformanceError::Scratch)?;
        }
        Ok(Tree(entries))
    }
}

/// The backups taken in one scratch world, kept in memory.
#[derive(Default)]
struct Kept(Mutex<Vec<Snapshot>>);

impl SnapshotLedger for Kept {
    fn record(&self, snapshot: &Snapshot) -> Result<(), String> {
        let mut kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        kept.push(snapshot.clone());
        Ok(())
    }

    fn find(&self, id: &str) -> Result<Option<Snapshot>, String> {
        let kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(kept.iter().find(|snapshot| snapshot.id == id).cloned())
    }

    fn restoring(&self, _snapshot: &Snapshot) -> Result<(), String> {
        Ok(())
    }
}

/// Every path of the granted trees (as the plugin sees it) and what is there: a directory, a
/// file's sha256, a symlink's target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tree(BTreeMap<String, String>);

impl Tree {
    /// How many paths it holds.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// What changed from `self` to `after`, one `+ path`, `- path` or `~ path` each.
    pub fn changes(&self, after: &Tree) -> Vec<String> {
        let mut changes = Vec::new();
        for (path, was) in &self.0 {
            match after.0.get(path) {
                None => changes.push(format!("- {path}")),
                Some(now) if now != was => changes.push(format!("~ {path}")),
                Some(_) => {}
            }
        }
        for path in after.0.keys() {
            if !self.0.contains_key(path) {
                changes.push(format!("+ {path}"));
            }
        }
        changes
    }
}

/// Copies the tree `from` into the existing directory `to`: directories, files, symlinks.
fn copy_tree(from: &Path, to: &Path) -> io::Result<()> {
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type()?;
        if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&source)?, &target)?;
        } else if kind.is_dir() {
            std::fs::create_dir(&target)?;
            copy_tree(&source, &target)?;
        } else {
            std::fs::copy(&source, &target)?;
        }
    }
    Ok(())
}

fn walk(dir: &Path, guest: &str, into: &mut BTreeMap<String, String>) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let at = format!("{guest}/{}", entry.file_name().to_string_lossy());
        let kind = entry.file_type()?;
        if kind.is_symlink() {
            let target = std::fs::read_link(&path)?;
            into.insert(at, format!("symlink {}", target.display()));
        } else if kind.is_dir() {
            into.insert(at.clone(), "directory".to_owned());
            walk(&path, &at, into)?;
        } else {
            let digest = hex::encode(Sha256::digest(std::fs::read(&path)?));
            into.insert(at, format!("file {digest}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_grants_its_absolute_paths_not_nested_and_its_urls_origins() {
        let config = serde_json::json!({
            "source": "/site", "target": "/www/", "journal": "/www/log",
            "note": "/ not a path", "keep": 3,
            "hooks": [{ "url": "http://127.0.0.1:8080/deploy" }, "https://example.com/x"],
        });
        let all = Derived::from_config(&config, &[Grantable::Files, Grantable::Http], &[]);
        let guests: Vec<&str> = all.dirs.iter().map(|d| d.guest.as_str()).collect();
        assert_eq!(guests, ["/site", "/www"]);
        assert_eq!(
            all.origins,
            ["http://127.0.0.1:8080", "https://example.com"]
        );
        let none = Derived::from_config(&config, &[], &[]);
        assert!(none.dirs.is_empty() && none.origins.is_empty());
        let tree = ("/www".to_owned(), PathBuf::from("fixtures/www"));
        let copied = Derived::from_config(&config, &[Grantable::Files], &[tree]);
        let www = ScratchDir {
            guest: "/www".into(),
            from: Some("fixtures/www".into()),
        };
        let site = ScratchDir {
            guest: "/site".into(),
            from: None,
        };
        assert_eq!(copied.dirs, [www, site]);
    }

    #[test]
    fn the_tree_tells_a_written_a_removed_and_a_relinked_path() {
        let derived = Derived {
            dirs: vec![ScratchDir {
                guest: "/www".into(),
                from: None,
            }],
            ..Derived::default()
        };
        let scratch = Scratch::new(&derived, &[Grantable::Files]).unwrap();
        let dir = scratch.dirs[0].1.clone();
        std::os::unix::fs::symlink("a", dir.join("current")).unwrap();
        let before = scratch.tree().unwrap();
        std::fs::write(dir.join(SEED_FILE), "changed").unwrap();
        std::fs::remove_file(dir.join("current")).unwrap();
        std::os::unix::fs::symlink("b", dir.join("current")).unwrap();
        std::fs::create_dir(dir.join("releases")).unwrap();
        let after = scratch.tree().unwrap();
        assert_eq!(
            before.changes(&after),
            ["~ /www/current", "~ /www/index.html", "+ /www/releases"]
        );
        assert!(after.changes(&after).is_empty());
    }
}
