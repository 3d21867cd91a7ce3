//! `sluice completions`, `sluice man` and `sluice --version`: generated from the command line,
//! and the version names the commit and every plugin contract version sluice accepts.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::support::{EXIT_SUCCESS, Run, sluice};

fn run(args: &[&str]) -> Run {
    sluice(Path::new(env!("CARGO_MANIFEST_DIR")))
        .args(args)
        .output()
        .unwrap()
        .into()
}

#[test]
fn completions_for_bash_zsh_and_fish_are_printed_and_the_bash_one_parses() {
    for shell in ["bash", "zsh", "fish"] {
        let script = run(&["completions", shell]);
        assert_eq!(script.code, EXIT_SUCCESS, "{shell}: {}", script.all());
        assert!(
            script.stdout.contains("apply") && script.stdout.contains("from-compose"),
            "{shell}: the script completes the subcommands and their options"
        );
    }
    let bash = run(&["completions", "bash"]).stdout;
    let mut check = Command::new("bash")
        .arg("-n")
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut check.stdin.take().unwrap(), bash.as_bytes()).unwrap();
    let checked = check.wait_with_output().unwrap();
    assert!(
        checked.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&checked.stderr)
    );
}

#[test]
fn the_man_page_is_roff_naming_every_subcommand() {
    let page = run(&["man"]);
    assert_eq!(page.code, EXIT_SUCCESS, "{}", page.all());
    assert!(page.stdout.contains(".TH sluice 1"), "{}", page.stdout);
    for subcommand in ["apply", "rollback", "init", "completions"] {
        assert!(
            page.stdout.contains(subcommand),
            "the page lists {subcommand}"
        );
    }
}

#[test]
fn the_version_names_the_commit_and_every_released_contract_version() {
    let version = run(&["--version"]);
    assert_eq!(version.code, EXIT_SUCCESS, "{}", version.all());
    let wit = Path::new(env!("CARGO_MANIFEST_DIR")).join("../wit");
    let mut released: Vec<String> = std::fs::read_dir(&wit)
        .unwrap()
        .filter_map(|e| {
            e.unwrap()
                .file_name()
                .to_str()?
                .strip_prefix("since_v")
                .map(str::to_owned)
        })
        .collect();
    released.sort();
    assert!(!released.is_empty());
    for release in &released {
        assert!(
            version.stdout.contains(release.as_str()),
            "--version names WIT {release}: {}",
            version.stdout
        );
    }
    assert!(
        version
            .stdout
            .contains("plugin contract (WIT): sluice:deploy@"),
        "{}",
        version.stdout
    );
    let commit = version
        .stdout
        .split("(commit ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .unwrap_or_default();
    assert!(
        commit == "unknown"
            || (commit.len() == 12 && commit.chars().all(|c| c.is_ascii_hexdigit())),
        "a commit hash, or unknown outside git: {:?}",
        version.stdout
    );
}
