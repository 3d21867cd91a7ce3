//! The plan's git repository, asked through the `git` command: the commit a run deploys from, and
//! which files under the plan's directory changed since an earlier commit.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `git ARGS` in `dir`: its trimmed standard output, or what went wrong.
fn run(dir: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).trim().to_owned())
    }
}

/// `git ARGS` in `dir`: its non-empty output, or none (no git, not a repository, an error).
pub fn output(dir: &Path, args: &[&str]) -> Option<String> {
    run(dir, args).ok().filter(|text| !text.is_empty())
}

/// The part of a git repository the plan's directory is.
pub struct Checkout {
    dir: PathBuf,
}

impl Checkout {
    /// The checkout holding `dir`, if `dir` is inside a git work tree.
    pub fn at(dir: &Path) -> Option<Checkout> {
        (output(dir, &["rev-parse", "--is-inside-work-tree"]).as_deref() == Some("true")).then(
            || Checkout {
                dir: dir.to_path_buf(),
            },
        )
    }

    /// The files under the directory (paths relative to it) that differ from `commit`: changed in
    /// later commits, changed in the work tree but not committed, or new and not ignored. An
    /// error says why `commit` cannot be compared (e.g. it is not in a shallow clone).
    pub fn changed_since(&self, commit: &str) -> Result<Vec<String>, String> {
        let changed = run(
            &self.dir,
            &[
                "diff",
                "--name-only",
                "--relative",
                "--no-renames",
                commit,
                "--",
            ],
        )
        .map_err(|why| format!("cannot compare with commit {commit}: {why}"))?;
        let untracked = run(&self.dir, &["ls-files", "--others", "--exclude-standard"])?;
        let mut files: Vec<String> = changed
            .lines()
            .chain(untracked.lines())
            .filter(|line| !line.is_empty())
            .map(str::to_owned)
            .collect();
        files.sort();
        files.dedup();
        Ok(files)
    }
}
