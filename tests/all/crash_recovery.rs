//! The crash matrix: `sluice apply` killed (SIGKILL, through the `SLUICE_CRASH_AFTER` drill)
//! right after each lifecycle transition in turn, with the static-site and the container
//! strategies. Each time the next run (`sluice recover`, or `sluice apply`) must reach a
//! consistent state: one complete version serving (the old one if the cut-over had not begun,
//! the new one otherwise), nothing left behind, and history saying what happened.

use std::path::Path;

use crate::support::project::{ENV, Project, static_site_plan};
use crate::support::stack::{Stack, deploy_ok};
use crate::support::{EXIT_ROLLED_BACK, EXIT_SUCCESS, Run, sluice};

/// Every journal step of a unit with a staged and a live gate, in lifecycle order; from
/// `shift 100` on, the cut-over has begun and recovery completes it.
const STEPS: [&str; 10] = [
    "plan",
    "prepare",
    "prepared",
    "stage",
    "staged",
    "gate:staged",
    "shift 100",
    "gate:live",
    "finalize",
    "record",
];

fn cut_over_begun(step: &str) -> bool {
    let at = |name: &str| STEPS.iter().position(|s| *s == name);
    at(step) >= at("shift 100")
}

/// `sluice apply` of `version` in `dir`, killed right after `step`.
fn crashed_apply(dir: &Path, version: &str, step: &str) {
    let run: Run = sluice(dir)
        .args(["apply", "--env", ENV, "--version", version])
        .env("SLUICE_CRASH_AFTER", step)
        .output()
        .unwrap()
        .into();
    assert_eq!(
        run.code,
        -1,
        "apply was killed after {step} (no exit code): {}",
        run.all()
    );
}

/// `sluice recover`, which must end the interrupted deployment: rolled back (exit 3) before
/// the cut-over, completed (exit 0) from it on.
fn recover(dir: &Path, step: &str) {
    let run: Run = sluice(dir)
        .args(["recover", "--env", ENV])
        .output()
        .unwrap()
        .into();
    let expected = if cut_over_begun(step) {
        EXIT_SUCCESS
    } else {
        EXIT_ROLLED_BACK
    };
    assert_eq!(run.code, expected, "recover after {step}: {}", run.all());
}

/// The newest history entry of `version`: its outcome and reason.
fn recorded(dir: &Path, version: &str) -> (String, String) {
    let run: Run = sluice(dir)
        .args(["history", "--output", "json"])
        .output()
        .unwrap()
        .into();
    run.stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|entry| entry["version"] == version)
        .map(|entry| {
            let text = |key: &str| entry[key].as_str().unwrap_or_default().to_owned();
            (text("outcome"), text("reason"))
        })
        .unwrap_or_else(|| panic!("history has {version}: {}", run.stdout))
}

fn assert_history_says_it_was_interrupted(dir: &Path, version: &str, step: &str) {
    let (outcome, reason) = recorded(dir, version);
    let expected = if cut_over_begun(step) {
        "succeeded"
    } else {
        "rolled-back"
    };
    assert_eq!(outcome, expected, "after {step}: {reason}");
    assert!(reason.contains("interrupted"), "after {step}: {reason}");
}

#[test]
fn a_static_site_deploy_killed_after_any_transition_is_recovered_to_one_complete_release() {
    let project = Project::new();
    project.write_plan(&static_site_plan(""));
    assert_eq!(project.deploy("base").code, EXIT_SUCCESS);
    let mut live = "base".to_owned();
    for step in STEPS {
        let version = format!("after-{}", step.replace([' ', ':'], "-"));
        project.write_site(&version);
        crashed_apply(project.path(), &version, step);
        recover(project.path(), step);

        let expected = if cut_over_begun(step) {
            version.clone()
        } else {
            live.clone()
        };
        assert_eq!(
            project.live(),
            (200, format!("<h1>{expected}</h1>\n")),
            "after {step}"
        );
        assert_eq!(project.live_version("web"), Some(expected.clone()));
        let release = project.path().join("www/releases").join(&version);
        assert_eq!(
            release.exists(),
            cut_over_begun(step),
            "after {step}, releases/{version} exists only if it went live"
        );
        assert_history_says_it_was_interrupted(project.path(), &version, step);
        live = expected;
    }
    let after = project.deploy("final");
    assert_eq!(after.code, EXIT_SUCCESS, "{}", after.all());
}

#[test]
fn a_blue_green_deploy_killed_after_any_transition_is_recovered_to_one_container() {
    let stack = Stack::new("recovery");
    stack.plan("blue-green", "", None, None);
    deploy_ok(&stack, "v1");
    let mut live = "v1";
    for step in STEPS {
        let version = if live == "v1" { "v2" } else { "v1" };
        crashed_apply(stack.dir.path(), version, step);
        recover(stack.dir.path(), step);

        let expected = if cut_over_begun(step) { version } else { live };
        assert_eq!(
            stack.served(),
            (200, format!("{expected}\n")),
            "after {step}"
        );
        assert_eq!(stack.live_version().as_deref(), Some(expected));
        assert_eq!(
            stack.containers().len(),
            1,
            "after {step}, only the live color is left: {:?}",
            stack.containers()
        );
        assert_history_says_it_was_interrupted(stack.dir.path(), version, step);
        live = expected;
    }
}

#[test]
fn the_next_apply_recovers_an_interrupted_deployment_before_it_deploys() {
    let project = Project::new();
    project.write_plan(&static_site_plan(""));
    assert_eq!(project.deploy("v1").code, EXIT_SUCCESS);
    project.write_site("v2");
    crashed_apply(project.path(), "v2", "staged");

    let next = project.deploy("v3");
    assert_eq!(next.code, EXIT_SUCCESS, "{}", next.all());
    assert!(
        next.all().contains("interrupted before the cut-over"),
        "the recovery is reported: {}",
        next.all()
    );
    assert_eq!(project.live(), (200, "<h1>v3</h1>\n".into()));
    assert!(!project.path().join("www/releases/v2").exists());
    assert_eq!(recorded(project.path(), "v2").0, "rolled-back");
}
