//! From staging to production: promotion (`promote_from`, `sluice promote`) and approvals bound
//! to the plan (`sluice plan --out`, `sluice approve`, `sluice apply PLAN`).

use crate::support;
use crate::support::project::{Project, site_plan_preamble};
use crate::support::{EXIT_INVALID, EXIT_SUCCESS, Run};

/// Awaiting approval.
const EXIT_AWAITING_APPROVAL: i32 = 5;

/// A static site deployed to `staging` and `production` (each under `www/<environment>`), with
/// `production` declaring `production_rules`.
fn plan(production_rules: &str) -> String {
    let environments =
        format!("[environments.staging]\n[environments.production]\n{production_rules}");
    format!(
        r#"{}
[units.web]
plugin = "site"
config = {{ source = "/site", target = "/www/${{environment}}", public_url = "{{base}}/${{environment}}" }}
gates = [{{ http = "{{base}}/${{environment}}/current/index.html", body = "${{version}}", interval = "50ms", deadline = "5s" }}]
"#,
        site_plan_preamble("pipeline", &environments)
    )
}

fn project(production_rules: &str) -> Project {
    let project = Project::new();
    for environment in ["staging", "production"] {
        std::fs::create_dir_all(project.path().join("www").join(environment)).unwrap();
    }
    project.write_plan(&plan(production_rules));
    project
}

fn apply(project: &Project, environment: &str, version: &str) -> Run {
    project.write_site(version);
    project.sluice(&["apply", "--env", environment, "--version", version])
}

/// `sluice plan --env production --version v1 --out plan.json` (plus `args`).
fn plan_out(project: &Project, args: &[&str]) -> Run {
    let mut all = vec![
        "plan",
        "--env",
        "production",
        "--version",
        "v1",
        "--out",
        "plan.json",
    ];
    all.extend(args);
    let run = project.sluice(&all);
    assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
    run
}

fn served(project: &Project, environment: &str) -> String {
    support::http::get(
        project.server.addr,
        &format!("/{environment}/current/index.html"),
    )
    .1
}

#[test]
fn production_takes_only_a_version_that_succeeded_on_staging_and_promote_deploys_it() {
    let project = project("promote_from = \"staging\"");
    let early = apply(&project, "production", "v1");
    assert_eq!(early.code, EXIT_INVALID, "{}", early.all());
    assert!(
        early.all().contains("v1 never succeeded there for web"),
        "{}",
        early.all()
    );

    assert_eq!(apply(&project, "staging", "v1").code, EXIT_SUCCESS);
    let promoted = project.sluice(&["promote", "--from", "staging", "--to", "production"]);
    assert_eq!(promoted.code, EXIT_SUCCESS, "{}", promoted.all());
    assert_eq!(served(&project, "production"), "<h1>v1</h1>\n");
    assert_eq!(
        project.live_version_in("production", "web").as_deref(),
        Some("v1")
    );

    let other = project.sluice(&["promote", "--from", "production", "--to", "production"]);
    assert_eq!(other.code, EXIT_INVALID, "{}", other.all());
}

#[test]
fn an_approved_plan_deploys_and_a_changed_input_voids_the_approval() {
    let project = project("approval = true");
    let unplanned = apply(&project, "production", "v1");
    assert_eq!(
        unplanned.code,
        EXIT_AWAITING_APPROVAL,
        "{}",
        unplanned.all()
    );
    assert!(unplanned.all().contains("deploys only an approved plan"));

    let planned = plan_out(&project, &["--output", "json"]);
    let saved: serde_json::Value = planned
        .stdout
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .find(|v: &serde_json::Value| v["event"] == "plan-saved")
        .unwrap_or_else(|| panic!("plan --out says its hash: {}", planned.stdout));
    let hash = saved["hash"].as_str().unwrap().to_owned();

    let before = project.sluice(&["apply", "plan.json"]);
    assert_eq!(before.code, EXIT_AWAITING_APPROVAL, "{}", before.all());
    assert!(
        before.all().contains(&format!("sluice approve {hash}")),
        "says how to approve: {}",
        before.all()
    );
    assert!(
        served(&project, "production").is_empty(),
        "nothing deployed"
    );

    let approved = project.sluice(&["approve", &hash, "--actor", "alice"]);
    assert_eq!(approved.code, EXIT_SUCCESS, "{}", approved.all());
    let run = project.sluice(&["apply", "plan.json"]);
    assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
    assert_eq!(served(&project, "production"), "<h1>v1</h1>\n");

    let history = project.sluice(&["history", "--env", "production", "--output", "json"]);
    let newest: serde_json::Value =
        serde_json::from_str(history.stdout.lines().next().unwrap()).unwrap();
    assert_eq!(newest["approved_by"], "alice", "{newest}");
    let audit = project.sluice(&["audit", "export"]);
    assert!(
        audit.stdout.contains("plan-approved") && audit.stdout.contains(&hash),
        "{}",
        audit.stdout
    );

    let plan_text = std::fs::read_to_string(project.plan_path()).unwrap();
    std::fs::write(
        project.plan_path(),
        plan_text.replace("deadline = \"5s\"", "deadline = \"6s\""),
    )
    .unwrap();
    let stale = project.sluice(&["apply", "plan.json"]);
    assert_eq!(stale.code, EXIT_AWAITING_APPROVAL, "{}", stale.all());
    assert!(
        stale.all().contains("no longer matches") && stale.all().contains("plan file changed"),
        "{}",
        stale.all()
    );
}

#[test]
fn a_plan_file_edited_by_hand_is_refused() {
    let project = project("approval = true");
    project.write_site("v1");
    plan_out(&project, &[]);
    let path = project.path().join("plan.json");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("\"v1\"", "\"v2\"")).unwrap();
    let run = project.sluice(&["apply", "plan.json"]);
    assert_eq!(run.code, EXIT_INVALID, "{}", run.all());
    assert!(run.all().contains("edited after"), "{}", run.all());
}
