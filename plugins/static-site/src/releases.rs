//! The layout under `target/`: `releases/<name>/` directories and the `current` symlink.
//!
//! Every step that changes what is served is one rename: a release is copied under a
//! `.partial-*` name and renamed into place, and `current` is replaced by renaming a new link
//! over it. An interrupted run therefore leaves `current` pointing at a complete release, and
//! its leftovers are cleared by the next `stage`.

use crate::naming::{
    CURRENT_LINK, NEXT_LINK_PREFIX, PARTIAL_PREFIX, RELEASES_DIR, releases_to_prune,
    work_in_progress,
};
use crate::order::ReleaseOrder;
use crate::tree::Tree;
use sluice_sdk::{Error, OrFailed};
use std::fs;
use std::io::{self, ErrorKind};
use std::path::{Component, Path, PathBuf};

/// The releases under one target directory.
#[derive(Debug)]
pub struct Releases {
    target: PathBuf,
    dir: PathBuf,
}

impl Releases {
    /// The releases kept under `target`.
    pub fn at(target: &Path) -> Self {
        Self {
            target: target.to_owned(),
            dir: target.join(RELEASES_DIR),
        }
    }

    /// The directory of the release `name`.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Whether anything is on disk under the name of the release `name`.
    pub fn exists(&self, name: &str) -> bool {
        self.path(name).symlink_metadata().is_ok()
    }

    /// The release `current` points at, or none when there is no `current` yet.
    pub fn live(&self) -> Result<Option<String>, Error> {
        let link = self.target.join(CURRENT_LINK);
        match fs::symlink_metadata(&link) {
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::Failed(format!("reading {}: {e}", link.display()))),
            Ok(metadata) if !metadata.file_type().is_symlink() => {
                return Err(Error::Failed(format!(
                    "{} exists but is not a symlink; move it away so static-site can manage it",
                    link.display()
                )));
            }
            Ok(_) => {}
        }
        let pointee = fs::read_link(&link).or_failed(|| format!("reading {}", link.display()))?;
        release_in_link(&pointee).map(Some).ok_or_else(|| {
            Error::Failed(format!(
                "{} points at {}, not at a release under {RELEASES_DIR}/",
                link.display(),
                pointee.display()
            ))
        })
    }

    /// Fails unless the release `name` is on disk; `purpose` says what it was wanted for.
    pub fn require(&self, name: &str, purpose: &str) -> Result<(), Error> {
        if self.path(name).is_dir() {
            Ok(())
        } else {
            Err(Error::Failed(format!(
                "cannot {purpose}: release {name} is not under {} (pruned by `keep`, or removed)",
                self.dir.display()
            )))
        }
    }

    /// Removes what interrupted runs left behind: half-copied releases and unrenamed links.
    pub fn clear_leftovers(&self) -> Result<(), Error> {
        remove_entries_named(&self.dir, PARTIAL_PREFIX, |path| fs::remove_dir_all(path))?;
        remove_entries_named(&self.target, NEXT_LINK_PREFIX, |path| fs::remove_file(path))
    }

    /// Copies `tree` from `source` into a new release `name` for `deployment_id`, replacing a
    /// release of that name if there is one (the caller makes sure it is not the live one).
    pub fn install(
        &self,
        tree: &Tree,
        source: &Path,
        name: &str,
        deployment_id: &str,
    ) -> Result<(), Error> {
        fs::create_dir_all(&self.dir).or_failed(|| format!("creating {}", self.dir.display()))?;
        let partial = self
            .dir
            .join(work_in_progress(PARTIAL_PREFIX, deployment_id));
        tree.copy(source, &partial)?;
        let release = self.path(name);
        remove_if_present(fs::remove_dir_all(&release))
            .or_failed(|| format!("removing the old {}", release.display()))?;
        fs::rename(&partial, &release)
            .or_failed(|| format!("renaming {} to {}", partial.display(), release.display()))?;
        let mut order = ReleaseOrder::load(&self.dir)?;
        order.push(name);
        order.save()
    }

    /// Points `current` at the release `name` in one atomic rename.
    pub fn point_current_at(&self, name: &str, deployment_id: &str) -> Result<(), Error> {
        let next = self
            .target
            .join(work_in_progress(NEXT_LINK_PREFIX, deployment_id));
        let current = self.target.join(CURRENT_LINK);
        remove_if_present(fs::remove_file(&next))
            .or_failed(|| format!("removing {}", next.display()))?;
        symlink(&format!("{RELEASES_DIR}/{name}"), &next)
            .or_failed(|| format!("creating the link {}", next.display()))?;
        fs::rename(&next, &current)
            .or_failed(|| format!("renaming {} over {}", next.display(), current.display()))
    }

    /// Removes the `current` link, so that nothing is live.
    pub fn unlink_current(&self) -> Result<(), Error> {
        let current = self.target.join(CURRENT_LINK);
        remove_if_present(fs::remove_file(&current))
            .or_failed(|| format!("removing {}", current.display()))
    }

    /// Removes the release `name`; says whether it was there.
    pub fn remove(&self, name: &str) -> Result<bool, Error> {
        let release = self.path(name);
        let existed = release.is_dir();
        remove_if_present(fs::remove_dir_all(&release))
            .or_failed(|| format!("removing {}", release.display()))?;
        let mut order = ReleaseOrder::load(&self.dir)?;
        order.forget(&[name.to_owned()]);
        order.save()?;
        Ok(existed)
    }

    /// The releases on disk, oldest first.
    pub fn oldest_first(&self) -> Result<Vec<String>, Error> {
        let names = match fs::read_dir(&self.dir) {
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
            entries => entries
                .and_then(|entries| {
                    entries
                        .map(|entry| Ok(entry?.file_name().to_string_lossy().into_owned()))
                        .collect::<io::Result<Vec<_>>>()
                })
                .or_failed(|| format!("reading {}", self.dir.display()))?,
        };
        let releases = names
            .into_iter()
            .filter(|name| !name.starts_with('.'))
            .collect();
        Ok(ReleaseOrder::load(&self.dir)?.oldest_first(releases))
    }

    /// Removes the oldest releases beyond `keep`, never one of `protected`; returns their names.
    pub fn prune(&self, keep: usize, protected: &[&str]) -> Result<Vec<String>, Error> {
        let doomed = releases_to_prune(&self.oldest_first()?, keep, protected);
        for name in &doomed {
            let release = self.path(name);
            fs::remove_dir_all(&release).or_failed(|| format!("removing {}", release.display()))?;
        }
        let mut order = ReleaseOrder::load(&self.dir)?;
        order.forget(&doomed);
        order.save()?;
        Ok(doomed)
    }
}

/// The release name in a `current` link's content, which must be `releases/<name>`.
fn release_in_link(pointee: &Path) -> Option<String> {
    let mut components = pointee.components();
    match (components.next(), components.next(), components.next()) {
        (Some(Component::Normal(dir)), Some(Component::Normal(name)), None)
            if dir == RELEASES_DIR =>
        {
            name.to_str().map(str::to_owned)
        }
        _ => None,
    }
}

/// Creates the symlink `link` with the (relative) content `pointee`.
///
/// `std::os::wasi::fs::symlink_path` is still unstable (`wasi_ext`); `std::fs::soft_link` is
/// the stable spelling of the same WASI `symlink-at` call.
#[allow(deprecated)]
fn symlink(pointee: &str, link: &Path) -> io::Result<()> {
    fs::soft_link(pointee, link)
}

/// Treats "it was not there" as done.
fn remove_if_present(removal: io::Result<()>) -> io::Result<()> {
    match removal {
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// Removes every entry of `dir` whose name starts with `prefix`, with `remove`.
fn remove_entries_named(
    dir: &Path,
    prefix: &str,
    remove: impl Fn(&Path) -> io::Result<()>,
) -> Result<(), Error> {
    let entries = match fs::read_dir(dir) {
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
        entries => entries.or_failed(|| format!("reading {}", dir.display()))?,
    };
    for entry in entries {
        let path = entry
            .or_failed(|| format!("reading {}", dir.display()))?
            .path();
        let leftover = path
            .file_name()
            .and_then(|name| name.to_str())
            .is_some_and(|name| name.starts_with(prefix));
        if leftover {
            sluice_sdk::info!("removing {} left by an interrupted run", path.display());
            remove_if_present(remove(&path))
                .or_failed(|| format!("removing {}", path.display()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory for one test, with a `site/` holding two files and an empty `www/`.
    fn scratch(test: &str) -> (PathBuf, PathBuf) {
        let root = std::env::temp_dir().join(format!("static-site-{}-{test}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        let (site, www) = (root.join("site"), root.join("www"));
        fs::create_dir_all(site.join("css")).unwrap();
        fs::create_dir_all(&www).unwrap();
        fs::write(site.join("index.html"), "Hello from sluice").unwrap();
        fs::write(site.join("css/style.css"), "body {}").unwrap();
        (site, www)
    }

    fn install(releases: &Releases, site: &Path, name: &str) {
        let tree = Tree::scan(site).unwrap();
        releases.install(&tree, site, name, "deployment-1").unwrap();
    }

    #[test]
    fn an_installed_release_goes_live_when_current_points_at_it() {
        let (site, www) = scratch("live");
        let releases = Releases::at(&www);
        install(&releases, &site, "v1");
        assert_eq!(releases.live().unwrap(), None);
        releases.point_current_at("v1", "deployment-1").unwrap();
        assert_eq!(releases.live().unwrap(), Some("v1".into()));
        assert_eq!(
            fs::read_link(www.join("current")).unwrap(),
            Path::new("releases/v1")
        );
        let served = fs::read_to_string(www.join("current/css/style.css")).unwrap();
        assert_eq!(served, "body {}");
    }

    #[test]
    fn pointing_current_again_replaces_the_link_in_place() {
        let (site, www) = scratch("repoint");
        let releases = Releases::at(&www);
        install(&releases, &site, "v1");
        install(&releases, &site, "v2");
        releases.point_current_at("v1", "deployment-1").unwrap();
        releases.point_current_at("v2", "deployment-2").unwrap();
        assert_eq!(releases.live().unwrap(), Some("v2".into()));
        let entries: Vec<_> = fs::read_dir(&www)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            entries.len(),
            2,
            "only current and releases remain: {entries:?}"
        );
    }

    #[test]
    fn pruning_removes_the_oldest_releases_but_never_the_live_one() {
        let (site, www) = scratch("prune");
        let releases = Releases::at(&www);
        for name in ["v1", "v2", "v3", "v4"] {
            install(&releases, &site, name);
        }
        releases.point_current_at("v1", "deployment-1").unwrap();
        let pruned = releases.prune(2, &["v1"]).unwrap();
        assert_eq!(pruned, ["v2", "v3"]);
        assert_eq!(releases.oldest_first().unwrap(), ["v1", "v4"]);
    }

    #[test]
    fn a_current_that_is_not_a_symlink_is_refused() {
        let (_site, www) = scratch("not-a-link");
        fs::create_dir(www.join("current")).unwrap();
        let error = Releases::at(&www).live().unwrap_err();
        assert!(error.to_string().contains("not a symlink"), "{error}");
    }

    #[test]
    fn a_current_link_names_its_release() {
        assert_eq!(
            release_in_link(Path::new("releases/v1~2")),
            Some("v1~2".into())
        );
    }

    #[test]
    fn a_current_link_elsewhere_names_no_release() {
        for pointee in [
            "/www/releases/v1",
            "releases",
            "releases/v1/x",
            "other/v1",
            "../v1",
        ] {
            assert_eq!(release_in_link(Path::new(pointee)), None, "{pointee}");
        }
    }
}
