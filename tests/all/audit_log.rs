//! The audit log is a hash chain: `sluice audit verify` finds an edited, deleted or reordered
//! record and names the first bad one; `sluice audit export` prints it as JSON lines.

use crate::support::project::{Project, static_site_plan};
use crate::support::{EXIT_FAILED, EXIT_SUCCESS};

fn deployed_twice() -> Project {
    let project = Project::new();
    project.write_plan(&static_site_plan(""));
    assert_eq!(project.deploy("v1").code, EXIT_SUCCESS);
    assert_eq!(project.deploy("v2").code, EXIT_SUCCESS);
    project
}

fn tamper(project: &Project, sql: &str) {
    let db = rusqlite::Connection::open(project.path().join(".sluice/state.db")).unwrap();
    db.execute_batch(sql).unwrap();
}

#[test]
fn every_deployment_event_is_in_the_exported_chain() {
    let project = deployed_twice();
    let export = project.sluice(&["audit", "export"]);
    assert_eq!(export.code, EXIT_SUCCESS, "{}", export.all());
    let records: Vec<serde_json::Value> = export
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let events: Vec<&str> = records
        .iter()
        .map(|r| r["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        [
            "deployment-started",
            "unit-finished",
            "deployment-finished",
            "deployment-started",
            "unit-finished",
            "deployment-finished"
        ]
    );
    assert_eq!(records[4]["actor"], "test");
    assert!(
        records[4]["detail"]
            .as_str()
            .unwrap()
            .contains("\"version\":\"v2\"")
    );
    for pair in records.windows(2) {
        assert_eq!(pair[1]["prev_hash"], pair[0]["hash"]);
    }
    let verify = project.sluice(&["audit", "verify"]);
    assert_eq!(verify.code, EXIT_SUCCESS, "{}", verify.all());
    assert!(
        verify.stdout.contains("audit log intact: 6 record(s)"),
        "{}",
        verify.stdout
    );
}

#[test]
fn an_edited_record_is_named_by_verify() {
    let project = deployed_twice();
    tamper(
        &project,
        "UPDATE audit SET detail = replace(detail, 'v2', 'v9') WHERE seq = 5",
    );
    let verify = project.sluice(&["audit", "verify"]);
    assert_eq!(verify.code, EXIT_FAILED, "{}", verify.all());
    assert!(
        verify.stderr.contains("audit log broken at record #5") && verify.stderr.contains("edited"),
        "{}",
        verify.stderr
    );
}

#[test]
fn a_deleted_record_is_found_where_it_was() {
    let project = deployed_twice();
    tamper(&project, "DELETE FROM audit WHERE seq = 2");
    let verify = project.sluice(&["audit", "verify", "--output", "json"]);
    assert_eq!(verify.code, EXIT_FAILED, "{}", verify.all());
    let result: serde_json::Value = serde_json::from_str(verify.stdout.trim()).unwrap();
    assert_eq!(result["intact"], false);
    assert_eq!(result["record"], 3);
}

#[test]
fn reordered_records_are_found() {
    let project = deployed_twice();
    tamper(
        &project,
        "UPDATE audit SET seq = -1 WHERE seq = 2; UPDATE audit SET seq = 2 WHERE seq = 3; UPDATE audit SET seq = 3 WHERE seq = -1;",
    );
    let verify = project.sluice(&["audit", "verify"]);
    assert_eq!(verify.code, EXIT_FAILED, "{}", verify.all());
    assert!(verify.stderr.contains("record #2"), "{}", verify.stderr);
}
