//! A project whose units have a long git history, for the change-detection benches: every unit
//! `uN` has a file `uN/file.txt`, and commits are appended fast through `git fast-import`.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// Makes `dir` a git repository whose first commit holds a file for each of `units` units
/// (`uN/file.txt`) and everything else already there, ignoring what sluice and the units write.
pub fn start(dir: &Path, units: usize) {
    for n in 0..units {
        let unit = dir.join(format!("u{n}"));
        std::fs::create_dir_all(&unit).unwrap();
        std::fs::write(unit.join("file.txt"), "start\n").unwrap();
    }
    std::fs::write(dir.join(".gitignore"), ".sluice/\nwww/\n").unwrap();
    git(dir, &["init", "-q", "-b", "main"]);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "start"]);
}

/// Appends `commits` commits to the repository in `dir`, each changing one file of one of the
/// first `touched` units, through `git fast-import` (seconds, not minutes).
pub fn append(dir: &Path, commits: usize, touched: usize) {
    let mut child = Command::new("git")
        .current_dir(dir)
        .args(["fast-import", "--quiet"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let stdin = child.stdin.as_mut().unwrap();
    for n in 0..commits {
        let unit = n % touched;
        let content = format!("change {n}\n");
        let message = format!("commit {n}\n");
        let from = if n == 0 {
            "from refs/heads/main^0\n".to_owned()
        } else {
            String::new()
        };
        write!(
            stdin,
            "commit refs/heads/main\ncommitter bench <b@example.com> {} +0000\ndata {}\n{message}{from}M 100644 inline u{unit}/file.txt\ndata {}\n{content}\n",
            1_700_000_000 + n,
            message.len(),
            content.len()
        )
        .unwrap();
    }
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
    git(dir, &["reset", "-q", "--hard", "main"]);
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=bench", "-c", "user.email=b@example.com"])
        .args(args)
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}
