//! What a deployment would change, for `sluice plan`: files new, changed and removed against
//! the live manifest, and what would be uploaded.

use crate::site::human_size;
use crate::upload::Uploaded;
use sluice_sdk::{Change, ChangeAction};
use std::collections::BTreeMap;

/// File lines shown before the rest is summed up in one line.
const SHOWN_FILE_CHANGES: usize = 50;

/// How a new manifest differs from the live one, by path.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Diff {
    /// Paths only the new manifest has.
    pub new: Vec<String>,
    /// Paths whose hash changes.
    pub changed: Vec<String>,
    /// Paths only the live manifest has.
    pub removed: Vec<String>,
}

impl Diff {
    /// The difference from `live` to `next`.
    pub fn between(live: &BTreeMap<String, String>, next: &BTreeMap<String, String>) -> Diff {
        let mut diff = Diff::default();
        for (path, hash) in next {
            match live.get(path) {
                None => diff.new.push(path.clone()),
                Some(old) if old != hash => diff.changed.push(path.clone()),
                Some(_) => {}
            }
        }
        diff.removed = live
            .keys()
            .filter(|path| !next.contains_key(*path))
            .cloned()
            .collect();
        diff
    }

    /// Whether the manifests are the same.
    pub fn is_empty(&self) -> bool {
        self.new.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }
}

/// What a deployment changes.
#[derive(Debug)]
pub struct Outlook<'a> {
    /// The project.
    pub project: &'a str,
    /// The version to deploy.
    pub version: &'a str,
    /// The live version and production deployment id, if any.
    pub live: Option<(&'a str, &'a str)>,
    /// The files against the live manifest.
    pub diff: Diff,
    /// Files in the site.
    pub files: usize,
    /// What the project lacks and would be uploaded.
    pub upload: Uploaded,
}

impl Outlook<'_> {
    /// The plan lines: each file (up to 50), the upload, the preview and production deployments.
    pub fn changes(&self) -> Vec<Change> {
        if self.diff.is_empty()
            && self
                .live
                .is_some_and(|(version, _)| version == self.version)
        {
            return vec![Change::new(
                ChangeAction::NoOp,
                format!("{} production", self.project),
                format!(
                    "{} is live with the same {} files",
                    self.version, self.files
                ),
            )];
        }
        let mut lines = self.file_lines();
        lines.push(self.upload_line());
        lines.push(Change::new(
            ChangeAction::Create,
            format!("{} preview", self.project),
            format!("a preview deployment of {}", self.version),
        ));
        lines.push(match self.live {
            None => Change::new(
                ChangeAction::Create,
                format!("{} production", self.project),
                format!("the first production deployment, {}", self.version),
            ),
            Some((version, id)) => Change::new(
                ChangeAction::Update,
                format!("{} production", self.project),
                format!("{version} (deployment {id}) -> {}", self.version),
            ),
        });
        lines
    }

    fn file_lines(&self) -> Vec<Change> {
        let all = self
            .diff
            .new
            .iter()
            .map(|path| Change::new(ChangeAction::Create, path, "new"))
            .chain(
                self.diff
                    .changed
                    .iter()
                    .map(|path| Change::new(ChangeAction::Update, path, "changed")),
            )
            .chain(
                self.diff
                    .removed
                    .iter()
                    .map(|path| Change::new(ChangeAction::Delete, path, "removed")),
            );
        let mut lines: Vec<Change> = all.take(SHOWN_FILE_CHANGES).collect();
        let count = self.diff.new.len() + self.diff.changed.len() + self.diff.removed.len();
        if count > SHOWN_FILE_CHANGES {
            lines.push(Change::new(
                ChangeAction::Update,
                format!("{} more files", count - SHOWN_FILE_CHANGES),
                "not listed one by one",
            ));
        }
        lines
    }

    fn upload_line(&self) -> Change {
        let kept = self.files - self.upload.files;
        let mut detail = format!(
            "{} new, {} changed, {} removed; upload {} of {} files ({})",
            self.diff.new.len(),
            self.diff.changed.len(),
            self.diff.removed.len(),
            self.upload.files,
            self.files,
            human_size(self.upload.bytes),
        );
        if kept > 0 {
            detail.push_str(&format!("; Pages has the other {kept}"));
        }
        let action = if self.upload.files == 0 {
            ChangeAction::NoOp
        } else {
            ChangeAction::Create
        };
        Change::new(action, format!("{} assets", self.project), detail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(entries: &[(&str, &str)]) -> BTreeMap<String, String> {
        entries
            .iter()
            .map(|(p, h)| (p.to_string(), h.to_string()))
            .collect()
    }

    #[test]
    fn files_are_new_changed_or_removed_by_path_and_hash() {
        let live = manifest(&[("/a", "1"), ("/b", "2"), ("/c", "3")]);
        let next = manifest(&[("/a", "1"), ("/b", "9"), ("/d", "4")]);
        assert_eq!(
            Diff::between(&live, &next),
            Diff {
                new: vec!["/d".into()],
                changed: vec!["/b".into()],
                removed: vec!["/c".into()],
            }
        );
    }

    #[test]
    fn the_live_version_with_the_same_files_is_one_no_op() {
        let outlook = Outlook {
            project: "shop",
            version: "v1",
            live: Some(("v1", "d1")),
            diff: Diff::default(),
            files: 3,
            upload: Uploaded::default(),
        };
        let changes = outlook.changes();
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].action, ChangeAction::NoOp);
    }

    #[test]
    fn the_upload_line_counts_files_and_bytes_and_production_names_both_versions() {
        let outlook = Outlook {
            project: "shop",
            version: "v2",
            live: Some(("v1", "d1")),
            diff: Diff {
                new: vec![],
                changed: vec!["/a".into(), "/b".into(), "/c".into()],
                removed: vec![],
            },
            files: 10,
            upload: Uploaded {
                files: 3,
                bytes: 1536,
            },
        };
        let changes = outlook.changes();
        let details: Vec<&str> = changes.iter().map(|c| c.detail.as_str()).collect();
        assert_eq!(details[..3], ["changed", "changed", "changed"]);
        assert!(
            details[3]
                == "0 new, 3 changed, 0 removed; upload 3 of 10 files (1.5 KiB); Pages has the other 7",
            "{details:?}"
        );
        assert_eq!(details[5], "v1 (deployment d1) -> v2");
    }

    #[test]
    fn more_than_fifty_file_lines_are_summed_up() {
        let next: BTreeMap<String, String> = (0..60)
            .map(|i| (format!("/f{i}"), "h".to_owned()))
            .collect();
        let outlook = Outlook {
            project: "shop",
            version: "v1",
            live: None,
            diff: Diff::between(&BTreeMap::new(), &next),
            files: 60,
            upload: Uploaded {
                files: 60,
                bytes: 60,
            },
        };
        let changes = outlook.changes();
        assert_eq!(changes[SHOWN_FILE_CHANGES].resource, "10 more files");
    }
}
