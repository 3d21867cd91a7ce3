//! Change detection in a real git repository: by default a run deploys the units whose `paths`
//! changed since their last successful deployment to the environment, plus their dependents;
//! `--all` and `--unit` override, and `sluice plan` says why each unit is in or out.

use std::collections::BTreeMap;
use std::process::Command;

use crate::support::project::{ENV, Project, site_plan_preamble};
use crate::support::{EXIT_SUCCESS, Run};

/// Four static-site units: `api` and `web` depend on `lib`; `docs` stands alone.
fn plan() -> String {
    let unit = |name: &str, depends: &str| {
        format!(
            r#"
[units.{name}]
plugin = "site"
paths = ["{name}/**"]
depends_on = [{depends}]
config = {{ source = "/site", target = "/www/{name}" }}
"#
        )
    };
    format!(
        "{}{}{}{}{}",
        site_plan_preamble("changes", &format!("[environments.{ENV}]")),
        unit("lib", ""),
        unit("api", "\"lib\""),
        unit("web", "\"lib\""),
        unit("docs", "")
    )
}

fn git(project: &Project, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(project.path())
        .args(["-c", "user.name=test", "-c", "user.email=test@example.com"])
        .args(args)
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

/// Writes `file` (under the project) and commits it.
fn commit(project: &Project, file: &str, text: &str) {
    edit(project, file, text);
    git(project, &["add", "-A"]);
    git(project, &["commit", "-q", "-m", file]);
}

fn edit(project: &Project, file: &str, text: &str) {
    let path = project.path().join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn repository() -> Project {
    let project = Project::new();
    project.write_plan(&plan());
    project.write_site("site");
    for unit in ["lib", "api", "web", "docs"] {
        edit(&project, &format!("{unit}/source.txt"), unit);
    }
    edit(&project, ".gitignore", ".sluice/\nwww/\n");
    git(&project, &["init", "-q"]);
    commit(&project, "README", "four units");
    project
}

/// `sluice plan --output json` (plus `args`): each unit's choice and reason.
fn selection(project: &Project, args: &[&str]) -> BTreeMap<String, (bool, String)> {
    let mut all = vec![
        "plan",
        "--env",
        ENV,
        "--version",
        "next",
        "--output",
        "json",
    ];
    all.extend(args);
    let run = project.sluice(&all);
    assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
    run.stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|v| v["event"] == "selected")
        .map(|v| {
            (
                v["unit"].as_str().unwrap().to_owned(),
                (
                    v["selected"] == true,
                    v["reason"].as_str().unwrap().to_owned(),
                ),
            )
        })
        .collect()
}

fn chosen(selection: &BTreeMap<String, (bool, String)>) -> Vec<&str> {
    selection
        .iter()
        .filter(|(_, (selected, _))| *selected)
        .map(|(unit, _)| unit.as_str())
        .collect()
}

fn apply(project: &Project, version: &str) -> Run {
    project.sluice(&["apply", "--env", ENV, "--version", version])
}

#[test]
fn a_change_under_one_unit_selects_exactly_it_and_a_shared_dependency_its_dependents() {
    let project = repository();
    let first = selection(&project, &[]);
    assert_eq!(chosen(&first), ["api", "docs", "lib", "web"]);
    assert!(first["api"].1.contains("never deployed"), "{first:?}");
    assert_eq!(apply(&project, "v1").code, EXIT_SUCCESS);

    let nothing = selection(&project, &[]);
    assert!(chosen(&nothing).is_empty(), "{nothing:?}");
    assert!(
        nothing["docs"]
            .1
            .starts_with("nothing under docs/** changed since"),
        "{nothing:?}"
    );

    commit(&project, "api/handler.txt", "new handler");
    let api = selection(&project, &[]);
    assert_eq!(chosen(&api), ["api"]);
    assert!(
        api["api"].1.contains("1 file(s) changed since")
            && api["api"].1.contains("api/handler.txt"),
        "the reason names the changed file: {api:?}"
    );
    let run = apply(&project, "v2");
    assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
    assert!(run.all().contains("[docs] not selected"), "{}", run.all());
    assert_eq!(project.live_version("api").as_deref(), Some("v2"));
    assert_eq!(project.live_version("docs").as_deref(), Some("v1"));

    commit(&project, "lib/shared.txt", "shared change");
    let shared = selection(&project, &[]);
    assert_eq!(chosen(&shared), ["api", "lib", "web"]);
    assert_eq!(shared["web"].1, "depends on lib, which is selected");
    assert!(!shared["docs"].0);
}

#[test]
fn all_and_unit_override_and_uncommitted_changes_count() {
    let project = repository();
    assert_eq!(apply(&project, "v1").code, EXIT_SUCCESS);

    assert_eq!(
        chosen(&selection(&project, &["--all"])),
        ["api", "docs", "lib", "web"]
    );
    assert_eq!(chosen(&selection(&project, &["--unit", "docs"])), ["docs"]);

    edit(&project, "docs/draft.txt", "not committed yet");
    let dirty = selection(&project, &[]);
    assert_eq!(chosen(&dirty), ["docs"]);
    assert!(dirty["docs"].1.contains("docs/draft.txt"), "{dirty:?}");
}

#[test]
fn a_plan_outside_git_selects_every_unit_that_declares_paths_saying_why() {
    let project = Project::new();
    project.write_plan(&plan());
    project.write_site("site");
    assert_eq!(apply(&project, "v1").code, EXIT_SUCCESS);
    let reasons = selection(&project, &[]);
    assert_eq!(chosen(&reasons).len(), 4);
    assert!(
        reasons["lib"].1.contains("recorded no git commit"),
        "{reasons:?}"
    );
}
