//! Each unit's config is checked by its plugin (JSON Schema from `info`, then `validate`) before
//! anything deploys, and errors point at the key in the plan.

use crate::support::EXIT_INVALID;
use crate::support::project::{ENV, Project, static_site_plan};

#[test]
fn a_config_key_the_plugin_schema_does_not_know_is_an_error_at_the_config() {
    let project = Project::new();
    project.write_plan(&static_site_plan("").replace("keep = 3,", "keep = 3, colour = \"blue\","));
    let run = project.sluice(&["validate"]);
    assert_eq!(run.code, EXIT_INVALID, "{}", run.all());
    assert!(run.stderr.contains("sluice.toml:13:10:"), "{}", run.stderr);
    assert!(
        run.stderr.contains("unit `web`") && run.stderr.contains("colour"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_value_the_plugin_rejects_is_an_error_at_that_key_and_nothing_deploys() {
    let project = Project::new();
    project.write_plan(&static_site_plan("").replace("keep = 3,", "keep = 0,"));
    let run = project.deploy("v1");
    assert_eq!(run.code, EXIT_INVALID, "{}", run.all());
    assert!(
        run.stderr.contains("sluice.toml:13:54:") && run.stderr.contains("keep"),
        "{}",
        run.stderr
    );
    assert_eq!(project.live().0, 404);
    let history = project.sluice(&["history", "--env", ENV, "--output", "json"]);
    assert!(
        history.stdout.trim().is_empty(),
        "nothing was recorded: {}",
        history.stdout
    );
}
