//! Plan files with mistakes: each error names `FILE:LINE:COL` and says what was expected.
//! And a full, valid plan loads with the values it spells out.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::support::plans::FULL_PLAN;
use serde_json::json;
use sluice::plan::{
    self, FileGrant, GateCheck, GatePhase, GateTiming, HttpGrant, PluginSource, SecretSource,
    StateConfig, Step,
};

/// A plan file written into a fresh temporary directory.
struct PlanFile {
    dir: tempfile::TempDir,
    path: PathBuf,
}

fn write_plan(text: &str) -> PlanFile {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sluice.toml");
    std::fs::write(&path, text).unwrap();
    PlanFile { dir, path }
}

/// Loads `text` as a plan that must be rejected; returns the error as printed.
fn rejection(text: &str) -> (PlanFile, String) {
    let file = write_plan(text);
    match plan::load(&file.path) {
        Ok(_) => panic!("expected the plan to be rejected:\n{text}"),
        Err(error) => {
            let printed = error.to_string();
            (file, printed)
        }
    }
}

fn at(file: &PlanFile, line: usize, col: usize) -> String {
    format!("{}:{line}:{col}: ", file.path.display())
}

const HEADER: &str = r#"[project]
name = "shop"

[environments.staging]

[plugins.site]
source = "builtin:static-site"
"#;

#[test]
fn a_missing_field_is_an_error_at_its_table() {
    let (file, error) = rejection(&format!("{HEADER}\n[units.web]\nconfig = {{}}\n"));
    assert!(
        error.starts_with(&format!("{}missing field `plugin`", at(&file, 9, 1))),
        "{error}"
    );
    assert!(error.contains("9 | [units.web]"), "{error}");
}

#[test]
fn an_unknown_key_is_an_error_with_its_location() {
    let (file, error) = rejection(&format!(
        "{HEADER}[plugins.site.grants]\nhttp = []\nsecret = [\"x\"]\n"
    ));
    assert!(
        error.starts_with(&format!(
            "{}unknown field `secret`, expected one of",
            at(&file, 10, 1)
        )),
        "{error}"
    );
}

#[test]
fn an_unknown_key_in_a_gate_is_an_error_with_its_location() {
    let (file, error) = rejection(&format!(
        "{HEADER}\n[units.web]\nplugin = \"site\"\ngates = [{{ http = \"http://127.0.0.1/\", stauts = 200 }}]\n"
    ));
    assert!(
        error.starts_with(&format!("{}unknown field `stauts`", at(&file, 11, 40))),
        "{error}"
    );
}

#[test]
fn a_bad_duration_is_an_error_that_shows_the_expected_form() {
    let (file, error) = rejection(&format!(
        "{HEADER}\n[units.web]\nplugin = \"site\"\ngates = [{{ tcp = \"127.0.0.1:80\", deadline = \"5 parsecs\" }}]\n"
    ));
    assert!(
        error.starts_with(&format!(
            "{}invalid duration `5 parsecs`: expected e.g. 500ms, 10s, 2m",
            at(&file, 11, 45)
        )),
        "{error}"
    );
    assert!(
        error.ends_with(&format!("| {}^^^^^^^^^^^", " ".repeat(44))),
        "{error}"
    );
}

#[test]
fn an_unknown_plugin_is_an_error_that_lists_the_declared_ones() {
    let (file, error) = rejection(&format!("{HEADER}\n[units.web]\nplugin = \"stie\"\n"));
    assert!(
        error.starts_with(&format!(
            "{}unknown plugin `stie`: expected one of `site` in `[plugins]`",
            at(&file, 10, 10)
        )),
        "{error}"
    );
}

#[test]
fn a_dependency_cycle_is_an_error_naming_the_cycle() {
    let (file, error) = rejection(&format!(
        "{HEADER}\n[units.api]\nplugin = \"site\"\ndepends_on = [\"web\"]\n\n\
         [units.schema]\nplugin = \"site\"\ndepends_on = [\"api\"]\n\n\
         [units.web]\nplugin = \"site\"\ndepends_on = [\"schema\"]\n"
    ));
    assert!(
        error.starts_with(&format!(
            "{}dependency cycle: api -> web -> schema -> api",
            at(&file, 11, 14)
        )),
        "{error}"
    );
}

#[test]
fn an_undeclared_secret_is_an_error_where_it_is_granted() {
    let (file, error) = rejection(&format!(
        "{HEADER}[plugins.site.grants]\nsecrets = [\"cf_token\"]\n"
    ));
    assert!(
        error.starts_with(&format!(
            "{}undeclared secret `cf_token`: declare it in a `[secrets.cf_token]` table",
            at(&file, 9, 12)
        )),
        "{error}"
    );
}

#[test]
fn a_state_url_of_an_unknown_kind_is_an_error_naming_the_kinds_accepted() {
    let (file, error) = rejection(&format!(
        "{HEADER}\n[state]\nurl = \"mysql://deploy@db/sluice\"\n"
    ));
    assert!(
        error.starts_with(&format!(
            "{}invalid state url `mysql://deploy@db/sluice`: expected sqlite:PATH, postgres://",
            at(&file, 10, 7)
        )),
        "{error}"
    );
}

#[test]
fn a_file_that_cannot_be_read_is_an_error_naming_it() {
    let missing = Path::new("/nonexistent/sluice.toml");
    let error = plan::load(missing).err().unwrap().to_string();
    assert!(
        error.starts_with("/nonexistent/sluice.toml: cannot read the plan file:"),
        "{error}"
    );
}

#[test]
fn a_full_plan_loads_with_the_values_it_spells_out() {
    let file = write_plan(FULL_PLAN);
    let plan = plan::load(&file.path).unwrap();
    let dir = file.dir.path();

    assert_eq!(plan.project.name, "shop");
    assert_eq!(plan.dir, dir);
    assert_eq!(plan.hash.len(), 64);
    assert_eq!(plan.state, StateConfig::Sqlite(dir.join("var/state.db")));
    assert!(plan.environments["production"].approval);
    assert_eq!(
        plan.environments["production"].promote_from.as_deref(),
        Some("staging")
    );
    assert_eq!(
        plan.secrets["cf_token"],
        SecretSource::Env("CF_API_TOKEN".to_owned())
    );
    assert_eq!(
        plan.secrets["db_password"],
        SecretSource::File(dir.join("secrets/db.txt"))
    );
    assert_eq!(
        plan.databases["main"].url,
        format!("sqlite:{}", dir.join("data/app.db").display())
    );

    let site = &plan.plugins["site"];
    assert_eq!(site.source, PluginSource::Builtin("static-site".to_owned()));
    assert_eq!(
        site.grants.http,
        Some(vec![
            HttpGrant {
                origin: "http://127.0.0.1:2019".to_owned(),
                internal: false
            },
            HttpGrant {
                origin: "http://kong.internal:8001".to_owned(),
                internal: true
            }
        ])
    );
    assert_eq!(site.grants.docker, vec!["remote"]);
    assert_eq!(plan.docker["remote"].url, "tcp://10.0.0.5:2375");
    assert_eq!(
        site.grants.files,
        vec![
            FileGrant {
                host: dir.join("site"),
                guest: "/site".to_owned(),
                writable: false
            },
            FileGrant {
                host: dir.join("www"),
                guest: "/www".to_owned(),
                writable: true
            },
        ]
    );
    assert_eq!(site.grants.containers, vec!["shop-api", "shop-api-*"]);
    assert_eq!(site.grants.databases, vec!["main"]);
    assert_eq!(site.limits.deadline, Duration::from_secs(30));
    assert_eq!(site.limits.memory, 128 * 1024 * 1024);
    assert_eq!(
        plan.plugins["migrate"].source,
        PluginSource::Path(dir.join("plugins/migrate.wasm"))
    );

    let web = plan.unit("web").unwrap();
    assert_eq!(plan.plugin_for(web).name, "site");
    assert_eq!(
        web.config,
        json!({ "source": "/site", "target": "/www", "token": "${secret.cf_token}", "tag": "v${version}" })
    );
    assert_eq!(web.depends_on, vec!["schema"]);
    assert_eq!(web.paths, vec!["site/**"]);
    assert_eq!(web.steps, vec![Step::Weight(10), Step::Weight(50)]);
    assert_eq!(
        web.gates[0].check,
        GateCheck::Http {
            url: "${staged.endpoint}index.html".to_owned(),
            status: 200,
            body: Some("Hello".to_owned()),
        }
    );
    assert_eq!(web.gates[0].phase, GatePhase::Staged);
    assert_eq!(
        web.gates[0].timing,
        GateTiming {
            interval: Duration::from_millis(200),
            success_threshold: 2,
            deadline: Duration::from_secs(10),
            start_period: Duration::from_secs(10),
            ..GateTiming::default()
        }
    );
    assert_eq!(web.gates[1].phase, GatePhase::Live);
    assert_eq!(web.gates[1].timing.soak, Duration::from_secs(2));

    let all: Vec<String> = plan.units.keys().cloned().collect();
    assert_eq!(
        plan::graph::waves(&plan, &all),
        vec![vec!["schema".to_owned()], vec!["web".to_owned()]]
    );
}

#[test]
fn a_plan_without_a_state_table_keeps_its_state_beside_the_plan() {
    let file = write_plan(HEADER);
    let plan = plan::load(&file.path).unwrap();
    assert_eq!(
        plan.state,
        StateConfig::Sqlite(file.dir.path().join(".sluice/state.db"))
    );
}
