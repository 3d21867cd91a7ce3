//! Names under `target/`: release directories, work-in-progress entries, and which releases go.

use sluice_sdk::Error;

/// The directory that holds every release.
pub const RELEASES_DIR: &str = "releases";
/// The symlink that names the live release.
pub const CURRENT_LINK: &str = "current";
/// Prefix of a release being copied (`releases/.partial-<deployment>`).
pub const PARTIAL_PREFIX: &str = ".partial-";
/// Prefix of a new `current` link before it is renamed over the old one.
pub const NEXT_LINK_PREFIX: &str = "current.next-";

/// Checks that `version` can name a directory under `releases/` as it is.
pub fn check_version(version: &str) -> Result<(), Error> {
    let reason = if version.is_empty() {
        Some("it is empty")
    } else if version.starts_with('.') {
        Some("it starts with `.` (reserved for work in progress)")
    } else if version.contains(['/', '\\']) {
        Some("it contains a path separator")
    } else if version.chars().any(char::is_control) {
        Some("it contains a control character")
    } else {
        None
    };
    match reason {
        None => Ok(()),
        Some(reason) => Err(Error::InvalidConfig(format!(
            "version {version:?} cannot name a release directory: {reason}"
        ))),
    }
}

/// The directory name for a new release of `version`: the version itself, unless a release of
/// that name is `taken` (on disk: the live one, the same version redeployed, or an older one
/// kept for `sluice rollback`, which a deployment that fails must not have overwritten), then the
/// first free one of `version~2`, `version~3`, ...
pub fn release_name(version: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(version) {
        return version.to_owned();
    }
    let mut n = 2;
    loop {
        let name = format!("{version}~{n}");
        if !taken(&name) {
            return name;
        }
        n += 1;
    }
}

/// The name of the work-in-progress entry `prefix + deployment id`, the id reduced to
/// characters that are safe in a file name.
pub fn work_in_progress(prefix: &str, deployment_id: &str) -> String {
    let safe: String = deployment_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{prefix}{safe}")
}

/// The releases to remove so that at most `keep` remain, oldest first; `releases` is ordered
/// oldest first and `protected` ones (the live and the staged release) are never chosen.
pub fn releases_to_prune(releases: &[String], keep: usize, protected: &[&str]) -> Vec<String> {
    let excess = releases.len().saturating_sub(keep);
    releases
        .iter()
        .filter(|release| !protected.contains(&release.as_str()))
        .take(excess)
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `name` is one of `on_disk`.
    fn among<'a>(on_disk: &'a [&str]) -> impl Fn(&str) -> bool + 'a {
        move |name| on_disk.contains(&name)
    }

    #[test]
    fn a_new_version_is_released_under_its_own_name() {
        assert_eq!(release_name("v2", among(&["v1"])), "v2");
        assert_eq!(release_name("v1", among(&[])), "v1");
    }

    #[test]
    fn redeploying_a_version_on_disk_gets_a_numbered_name() {
        assert_eq!(release_name("v1", among(&["v1"])), "v1~2");
    }

    #[test]
    fn no_release_on_disk_is_ever_overwritten() {
        assert_eq!(release_name("v1", among(&["v1", "v1~2"])), "v1~3");
        assert_eq!(release_name("v1", among(&["v1~2"])), "v1");
    }

    #[test]
    fn versions_that_would_escape_or_hide_are_refused() {
        for bad in ["", ".", "..", ".hidden", "a/b", "a\\b", "a\nb"] {
            assert!(check_version(bad).is_err(), "{bad:?} was accepted");
        }
        for good in ["v1", "1.2.3", "1.0~rc1", "main-4f2a9c1"] {
            assert!(check_version(good).is_ok(), "{good:?} was refused");
        }
    }

    #[test]
    fn deployment_ids_become_safe_file_names() {
        assert_eq!(
            work_in_progress(PARTIAL_PREFIX, "0190-ab/../x"),
            ".partial-0190-ab____x"
        );
    }

    #[test]
    fn pruning_removes_the_oldest_beyond_keep() {
        let releases = ["v1", "v2", "v3", "v4"].map(String::from);
        assert_eq!(releases_to_prune(&releases, 2, &["v4"]), ["v1", "v2"]);
    }

    #[test]
    fn pruning_never_removes_a_protected_release() {
        let releases = ["v1", "v2", "v3"].map(String::from);
        assert_eq!(releases_to_prune(&releases, 1, &["v1", "v3"]), ["v2"]);
    }

    #[test]
    fn nothing_is_pruned_within_keep() {
        let releases = ["v1", "v2"].map(String::from);
        assert!(releases_to_prune(&releases, 3, &[]).is_empty());
    }
}
