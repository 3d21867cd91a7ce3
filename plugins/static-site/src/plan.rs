//! What a deployment would change, for `sluice plan`: nothing here writes.

use crate::config::Config;
use crate::naming::{RELEASES_DIR, release_name, releases_to_prune};
use crate::releases::Releases;
use crate::tree::{FileChange, Tree};
use sluice_sdk::{Change, ChangeAction, Error};

/// File lines shown before the rest is summed up in one line.
const SHOWN_FILE_CHANGES: usize = 50;

/// The changes that deploying `version` from `config.source` would make under `config.target`.
pub fn changes(config: &Config, version: &str) -> Result<Vec<Change>, Error> {
    let releases = Releases::at(&config.target);
    let live = releases.live()?;
    let source = Tree::scan(&config.source)?;
    let live_root = live
        .as_deref()
        .map(|name| releases.path(name))
        .unwrap_or_default();
    let live_tree = match &live {
        Some(_) => Tree::scan(&live_root)?,
        None => Tree::default(),
    };
    let files = source.changes_from(&config.source, &live_tree, &live_root)?;
    if files.is_empty() && live.as_deref() == Some(version) {
        return Ok(vec![Change::new(
            ChangeAction::NoOp,
            format!("{RELEASES_DIR}/{version}"),
            "live, with the same content",
        )]);
    }
    let on_disk = releases.oldest_first()?;
    let name = release_name(version, |name| {
        on_disk.iter().any(|release| release == name)
    });
    let mut changes = file_lines(&files);
    changes.push(release_line(&name, &source));
    changes.push(current_line(live.as_deref(), &name));
    let mut after = on_disk;
    after.push(name.clone());
    let keep = config.keep as usize;
    changes.extend(
        releases_to_prune(&after, keep, &[&name])
            .into_iter()
            .map(|old| {
                Change::new(
                    ChangeAction::Delete,
                    format!("{RELEASES_DIR}/{old}"),
                    format!("beyond keep = {keep}"),
                )
            }),
    );
    Ok(changes)
}

fn file_lines(files: &[FileChange]) -> Vec<Change> {
    if files.is_empty() {
        return vec![Change::new(
            ChangeAction::NoOp,
            "files",
            "same content as the live release",
        )];
    }
    let mut lines: Vec<Change> = files
        .iter()
        .take(SHOWN_FILE_CHANGES)
        .map(file_line)
        .collect();
    let hidden = files.len().saturating_sub(SHOWN_FILE_CHANGES);
    if hidden > 0 {
        lines.push(Change::new(
            ChangeAction::Update,
            format!("{hidden} more files"),
            "not listed one by one",
        ));
    }
    lines
}

fn file_line(change: &FileChange) -> Change {
    match change {
        FileChange::Create { path, size } => {
            Change::new(ChangeAction::Create, path, format!("{size} bytes"))
        }
        FileChange::Update { path, from, to } => {
            Change::new(ChangeAction::Update, path, format!("{from} -> {to} bytes"))
        }
        FileChange::Delete { path } => Change::new(ChangeAction::Delete, path, "removed"),
    }
}

fn release_line(name: &str, source: &Tree) -> Change {
    Change::new(
        ChangeAction::Create,
        format!("{RELEASES_DIR}/{name}"),
        format!(
            "{} files, {} bytes",
            source.file_count(),
            source.total_bytes()
        ),
    )
}

fn current_line(live: Option<&str>, name: &str) -> Change {
    match live {
        None => Change::new(
            ChangeAction::Create,
            "current",
            format!("-> {RELEASES_DIR}/{name}"),
        ),
        Some(old) => Change::new(
            ChangeAction::Update,
            "current",
            format!("{RELEASES_DIR}/{old} -> {RELEASES_DIR}/{name}"),
        ),
    }
}
