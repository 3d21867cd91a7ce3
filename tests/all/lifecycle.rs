//! The lifecycle end to end with the builtin static-site strategy: deploy, no-op, upgrade,
//! rollback, and automatic rollback when a gate fails.

use crate::support;
use crate::support::project::{ENV, Project, static_site_plan};
use crate::support::release_dir::assert_upgrades_and_rolls_back;
use crate::support::{EXIT_ROLLED_BACK, EXIT_SUCCESS};

#[test]
fn apply_history_noop_upgrade_and_rollback_bring_v1_back() {
    let project = Project::new();
    project.write_plan(&static_site_plan(""));

    let first = project.deploy("v1");
    assert_eq!(first.code, EXIT_SUCCESS, "{}", first.all());
    assert_eq!(project.live(), (200, "<h1>v1</h1>\n".into()));

    let history = project.sluice(&["history", "--output", "json"]);
    let records: Vec<serde_json::Value> = history
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["version"], "v1");
    assert_eq!(records[0]["outcome"], "succeeded");

    let again = project.deploy("v1");
    assert_eq!(again.code, EXIT_SUCCESS, "{}", again.all());
    assert!(
        again.all().contains("v1 is already live"),
        "{}",
        again.all()
    );
    let journal_dirs = std::fs::read_dir(project.path().join("www/releases"))
        .unwrap()
        .count();

    let second = project.deploy("v2");
    assert_eq!(second.code, EXIT_SUCCESS, "{}", second.all());
    assert_eq!(project.live(), (200, "<h1>v2</h1>\n".into()));
    assert_eq!(project.live_version("web").as_deref(), Some("v2"));
    assert!(
        std::fs::read_dir(project.path().join("www/releases"))
            .unwrap()
            .count()
            > journal_dirs
    );

    let rollback = project.sluice(&["rollback", "--env", ENV, "--unit", "web"]);
    assert_eq!(rollback.code, EXIT_SUCCESS, "{}", rollback.all());
    assert_eq!(project.live(), (200, "<h1>v1</h1>\n".into()));
    assert_eq!(project.live_version("web").as_deref(), Some("v1"));

    let history = project.sluice(&["history", "--output", "json"]);
    let kinds: Vec<(String, String, String)> = history
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|v| {
            (
                v["kind"].as_str().unwrap().into(),
                v["version"].as_str().unwrap().into(),
                v["outcome"].as_str().unwrap().into(),
            )
        })
        .collect();
    let expected = [
        ("rollback", "v1", "succeeded"),
        ("apply", "v2", "succeeded"),
        ("apply", "v1", "unchanged"),
        ("apply", "v1", "succeeded"),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(kinds, expected);
}

#[test]
fn a_gate_that_never_passes_rolls_back_and_the_previous_release_keeps_serving() {
    let project = Project::new();
    project.write_plan(&static_site_plan(""));
    assert_eq!(project.deploy("v1").code, EXIT_SUCCESS);

    project.write_plan(&static_site_plan(
        r#"{ http = "{base}/current/index.html", body = "never-there", interval = "50ms", failure_threshold = 2, deadline = "2s" },"#,
    ));
    let bad = project.deploy("v2");

    assert_eq!(bad.code, EXIT_ROLLED_BACK, "{}", bad.all());
    let text = bad.all();
    assert!(
        text.contains("/current/index.html"),
        "the reason names the gate: {text}"
    );
    assert!(
        text.contains("HTTP 200") && text.contains("never-there"),
        "the reason gives the last status: {text}"
    );
    assert!(text.contains("rolled back to v1"), "{text}");
    assert_eq!(project.live(), (200, "<h1>v1</h1>\n".into()));
    assert_eq!(project.live_version("web").as_deref(), Some("v1"));
}

#[test]
fn the_static_site_deploys_upgrades_rolls_back_a_failed_gate_and_a_failed_redeploy_and_rolls_back_on_request()
 {
    assert_upgrades_and_rolls_back(&Project::new(), &static_site_plan);
}

#[test]
fn a_failed_staged_gate_never_touches_the_live_release() {
    let project = Project::new();
    project.write_plan(&static_site_plan(""));
    assert_eq!(project.deploy("v1").code, EXIT_SUCCESS);

    project.write_plan(&static_site_plan(
        r#"{ http = "${staged.endpoint}missing.html", interval = "50ms", failure_threshold = 2, deadline = "2s" },"#,
    ));
    let bad = project.deploy("v2");

    assert_eq!(bad.code, EXIT_ROLLED_BACK, "{}", bad.all());
    assert!(
        bad.all().contains("staged gate") && bad.all().contains("HTTP 404"),
        "{}",
        bad.all()
    );
    assert_eq!(project.live(), (200, "<h1>v1</h1>\n".into()));
    let releases: Vec<String> = std::fs::read_dir(project.path().join("www/releases"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    assert_eq!(
        releases,
        vec!["v1".to_owned()],
        "the staged v2 release was removed"
    );
}

#[test]
fn json_output_is_one_event_per_line_ending_with_the_exit_code() {
    let project = Project::new();
    project.write_plan(&static_site_plan(""));
    project.write_site("v1");
    let run = project.sluice(&["apply", "--env", ENV, "--version", "v1", "--output", "json"]);
    assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
    let events: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.first().unwrap()["event"], "deployment-started");
    let last = events.last().unwrap();
    assert_eq!(last["event"], "deployment-finished");
    assert_eq!(last["outcome"], "succeeded");
    assert_eq!(last["exit_code"], 0);
    assert!(
        events
            .iter()
            .any(|e| e["event"] == "gate" && e["passed"] == true)
    );
}

#[test]
fn a_deploy_killed_while_staging_leaves_current_on_a_complete_release() {
    let project = Project::new();
    project.write_plan(&static_site_plan(""));
    assert_eq!(project.deploy("v1").code, EXIT_SUCCESS);

    let assets = project.path().join("site/assets");
    std::fs::create_dir_all(&assets).unwrap();
    for i in 0..4000 {
        std::fs::write(
            assets.join(format!("file-{i}.txt")),
            format!("asset {i}\n").repeat(50),
        )
        .unwrap();
    }
    project.write_site("v2");
    let mut child = support::sluice(project.path())
        .args(["apply", "--env", ENV, "--version", "v2"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let releases = project.path().join("www/releases");
    let staging_started = (0..2000).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(5));
        std::fs::read_dir(&releases).unwrap().any(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(".partial-")
        })
    });
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        staging_started,
        "the deploy was killed before staging began"
    );

    let current = std::fs::read_link(project.path().join("www/current")).unwrap();
    assert_eq!(current, std::path::Path::new("releases/v1"));
    assert_eq!(project.live(), (200, "<h1>v1</h1>\n".into()));

    let retry = project.deploy("v2");
    assert_eq!(retry.code, EXIT_SUCCESS, "{}", retry.all());
    assert_eq!(project.live(), (200, "<h1>v2</h1>\n".into()));
    let leftovers: Vec<String> = std::fs::read_dir(&releases)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".partial-"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "the next deploy cleaned the interrupted one: {leftovers:?}"
    );
}

#[test]
fn a_failing_unit_skips_its_dependents_and_independent_units_still_deploy() {
    let project = Project::new();
    let wasm = support::test_plugin("gate-target");
    project.write_plan(&format!(
        r#"[project]
name = "t"
[environments.test]
[plugins.target]
source = {:?}
sha256 = "{}"
[units.db]
plugin = "target"
gates = [{{ tcp = "127.0.0.1:1", interval = "50ms", failure_threshold = 2, deadline = "2s" }}]
[units.api]
plugin = "target"
depends_on = ["db"]
[units.docs]
plugin = "target"
"#,
        wasm.display().to_string(),
        support::sha256_file(&wasm)
    ));
    let run = project.sluice(&["apply", "--env", ENV, "--version", "v1", "--output", "json"]);
    assert_eq!(run.code, EXIT_ROLLED_BACK, "{}", run.all());
    let outcomes: std::collections::BTreeMap<String, String> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|e| e["event"] == "unit-finished")
        .map(|e| {
            (
                e["unit"].as_str().unwrap().to_owned(),
                e["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(outcomes["db"], "rolled-back");
    assert_eq!(outcomes["api"], "skipped");
    assert_eq!(outcomes["docs"], "succeeded");
    assert!(
        run.stdout.contains("depends on db, which did not deploy"),
        "{}",
        run.stdout
    );
}
