//! Secrets: a plugin reads only what it is granted, and a granted value never appears in anything
//! sluice writes — terminal output, JSON events, the state database (history, journal, current
//! state, audit log), error messages — even when the plugin logs it, returns it or fails with it.

use std::path::Path;

use crate::support;
use crate::support::plans::secrets_plan;
use crate::support::project::{ENV, Project};
use crate::support::{EXIT_ROLLED_BACK, EXIT_SUCCESS, Run};

const TOKEN: &str = "tok-5ecret-VALUE-81f3";
const OTHER: &str = "other-5ecret-VALUE-27aa";

fn leaky_project() -> Project {
    let project = Project::new();
    project.write_plan(&secrets_plan("leaky-secrets", ""));
    project
}

fn sluice(project: &Project, args: &[&str]) -> Run {
    sluice_with(project, TOKEN, args)
}

/// `sluice ARGS` with the secret `token` set to `token` (and `other` to [`OTHER`]).
fn sluice_with(project: &Project, token: &str, args: &[&str]) -> Run {
    support::sluice(project.path())
        .args(args)
        .env("SLUICE_TEST_TOKEN", token)
        .env("SLUICE_TEST_OTHER", OTHER)
        .output()
        .unwrap()
        .into()
}

/// Every file under `dir` whose bytes contain `needle`.
fn files_containing(dir: &Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files_containing(&path, needle));
        } else if std::fs::read(&path)
            .unwrap()
            .windows(needle.len())
            .any(|w| w == needle.as_bytes())
        {
            found.push(path.display().to_string());
        }
    }
    found
}

#[test]
fn a_secret_the_plugin_logs_returns_and_fails_with_is_redacted_everywhere() {
    let project = leaky_project();
    let runs = [
        sluice(&project, &["apply", "--env", ENV, "--version", "v1", "-vv"]),
        sluice(
            &project,
            &[
                "apply",
                "--env",
                ENV,
                "--version",
                "v2",
                "--output",
                "json",
                "-vv",
            ],
        ),
        sluice(&project, &["history"]),
        sluice(&project, &["history", "--output", "json"]),
        sluice(&project, &["status", "--env", ENV, "--output", "json"]),
        sluice(&project, &["audit", "export"]),
        sluice(&project, &["plan", "--env", ENV, "--version", "v3"]),
    ];
    assert_eq!(runs[0].code, EXIT_ROLLED_BACK, "{}", runs[0].all());
    assert_eq!(runs[1].code, EXIT_ROLLED_BACK, "{}", runs[1].all());
    let everything: String = runs.iter().map(Run::all).collect();

    assert!(
        everything.contains("the token is [REDACTED]"),
        "the log line arrived, redacted: {everything}"
    );
    assert!(
        everything.contains("could not deploy with token [REDACTED]"),
        "the error arrived, redacted"
    );
    for secret in [TOKEN, OTHER] {
        assert!(
            !everything.contains(secret),
            "a secret leaked to the output:\n{everything}"
        );
        let files = files_containing(project.path(), secret);
        assert!(files.is_empty(), "a secret leaked into {files:?}");
    }
}

#[test]
fn a_secret_not_granted_is_refused_naming_it() {
    let project = leaky_project();
    let run = sluice(&project, &["apply", "--env", ENV, "--version", "v1"]);
    assert!(
        run.all().contains(
            "other secret refused: Error::Denied(\"secrets: `other` is not granted to plugin `leaky`"
        ),
        "{}",
        run.all()
    );
}

#[test]
fn a_secret_too_short_to_redact_is_named_by_validate_and_left_as_it_is_in_the_output() {
    let project = leaky_project();
    let short = "k3y";

    let validate = sluice_with(&project, short, &["validate"]);
    assert_eq!(validate.code, EXIT_SUCCESS, "{}", validate.all());
    assert!(
        validate.stderr.contains(
            "warning: secret `token` is 3 characters long: values shorter than 8 are not redacted"
        ),
        "{}",
        validate.all()
    );
    assert!(
        !validate.stderr.contains("secret `other`"),
        "a long secret is not warned about: {}",
        validate.all()
    );

    let apply = sluice_with(&project, short, &["apply", "--env", ENV, "--version", "v1"]);
    assert!(
        apply.all().contains("the token is k3y"),
        "short values are not redacted, so `k` and `y` are not blanked out everywhere: {}",
        apply.all()
    );
    assert!(!apply.all().contains(OTHER), "{}", apply.all());
}

#[test]
fn a_trace_of_every_host_call_and_its_arguments_shows_no_secret_value() {
    let project = leaky_project();
    let run: Run = support::sluice(project.path())
        .args(["apply", "--env", ENV, "--version", "v1"])
        .env("SLUICE_TEST_TOKEN", TOKEN)
        .env("SLUICE_TEST_OTHER", OTHER)
        .env("SLUICE_LOG", "trace")
        .output()
        .unwrap()
        .into();
    assert!(
        run.stderr.contains("wit-bindgen import") && run.stderr.contains("[REDACTED]"),
        "the host calls were traced, the token they carried redacted: {}",
        run.stderr
    );
    assert!(!run.all().contains(TOKEN), "{}", run.all());
}
