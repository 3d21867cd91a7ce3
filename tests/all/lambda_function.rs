//! The `lambda-function` strategy (Python, plugins/lambda-function, built with componentize-py
//! through sdk/python) against moto's Lambda API, checked with the real AWS CLI: the first deploy
//! publishes version 1 and creates the alias on it; unchanged code publishes nothing; a canary
//! step `weight = 10` leaves the alias on the live version with the new one at weight 0.1, and
//! `sluice resume` moves it over; `sluice abort` and a failing live gate put the alias back with
//! no weights and delete the version they published; `sluice rollback` returns to the version
//! before; an unknown function fails before anything changes.

use std::net::TcpListener;

use serde_json::json;

use crate::support::moto::{Moto, aws_plugin_plan, sluice_with_keys};
use crate::support::pinned::PinnedPlugin;
use crate::support::project::{ENV, Project};
use crate::support::python;
use crate::support::{EXIT_PAUSED, EXIT_ROLLED_BACK, EXIT_SUCCESS, Run};

/// The plugin's directory, relative to the repository root.
const PLUGIN: &str = "plugins/lambda-function";
/// The function the tests deploy, and its alias.
const FUNCTION: &str = "worker";
const ALIAS: &str = "live";

/// A project deploying `code/` as function `worker`'s code to moto.
struct Function {
    project: Project,
    moto: Moto,
    plugin: PinnedPlugin,
}

impl Function {
    /// moto with the function `worker` (no alias, no published version) and the built plugin.
    fn new() -> Function {
        let moto = Moto::start();
        moto.function(FUNCTION);
        let project = Project::new();
        let plugin = PinnedPlugin::copy(
            &python::built(PLUGIN),
            project.path(),
            "lambda-function.wasm",
        );
        let function = Function {
            project,
            moto,
            plugin,
        };
        function.plan(FUNCTION, "");
        function
    }

    /// Writes the plan for function `name`, with `extra` (TOML lines) in the unit.
    fn plan(&self, name: &str, extra: &str) {
        self.project.write_plan(&aws_plugin_plan(
            &self.plugin,
            &self.moto.endpoint,
            r#"files = [{ path = "code", at = "/code" }]"#,
            "worker",
            &format!(r#"function = "{name}", alias = "{ALIAS}", source = "/code""#),
            extra,
        ));
    }

    /// Writes `code/app.py` returning `answer`.
    fn code(&self, answer: &str) {
        let dir = self.project.path().join("code");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("app.py"),
            format!("def handler(event, context):\n    return {answer:?}\n"),
        )
        .unwrap();
    }

    fn sluice(&self, args: &[&str]) -> Run {
        sluice_with_keys(self.project.path(), args)
    }

    fn apply(&self, version: &str) -> Run {
        self.sluice(&["apply", "--env", ENV, "--version", version])
    }

    /// The alias's version and its additional version weights.
    fn alias(&self) -> (String, serde_json::Value) {
        self.moto.alias(FUNCTION, ALIAS)
    }

    fn versions(&self) -> Vec<String> {
        self.moto.versions(FUNCTION)
    }
}

/// A live gate on a loopback port nothing answers: the new version's checks fail.
fn failing_gate() -> String {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!(r#"gates = [{{ tcp = "127.0.0.1:{port}", interval = "50ms", deadline = "1s" }}]"#)
}

#[test]
fn a_function_gets_a_version_and_its_alias_unchanged_code_publishes_nothing_and_a_canary_step_weighs_the_new_version_a_tenth()
 {
    let function = Function::new();
    function.code("v1");
    let first = function.apply("v1");
    assert_eq!(first.code, EXIT_SUCCESS, "{}", first.all());
    assert!(
        first
            .all()
            .contains("published version 1 of worker: 1 files"),
        "{}",
        first.all()
    );
    assert_eq!(function.alias(), ("1".to_owned(), json!({})));

    let same = function.apply("v1.1");
    assert_eq!(same.code, EXIT_SUCCESS, "{}", same.all());
    assert!(
        same.all()
            .contains("code unchanged (1 files): version 1 is live already"),
        "{}",
        same.all()
    );
    assert_eq!(function.versions(), ["1"]);

    function.plan(FUNCTION, "steps = [{ weight = 10 }, { pause = true }]");
    function.code("v2");
    let paused = function.apply("v2");
    assert_eq!(paused.code, EXIT_PAUSED, "{}", paused.all());
    assert_eq!(function.alias(), ("1".to_owned(), json!({"2": 0.1})));

    let resumed = function.sluice(&["resume", "--env", ENV, "--unit", "worker"]);
    assert_eq!(resumed.code, EXIT_SUCCESS, "{}", resumed.all());
    assert_eq!(function.alias(), ("2".to_owned(), json!({})));
    assert_eq!(function.versions(), ["1", "2"]);
}

#[test]
fn abort_and_a_failing_gate_put_the_alias_back_without_weights_and_sluice_rollback_returns_to_the_version_before()
 {
    let function = Function::new();
    for version in ["v1", "v2"] {
        function.code(version);
        let run = function.apply(version);
        assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
    }
    assert_eq!(function.alias(), ("2".to_owned(), json!({})));

    function.plan(FUNCTION, "steps = [{ weight = 25 }, { pause = true }]");
    function.code("v3");
    let paused = function.apply("v3");
    assert_eq!(paused.code, EXIT_PAUSED, "{}", paused.all());
    assert_eq!(function.alias(), ("2".to_owned(), json!({"3": 0.25})));
    let aborted = function.sluice(&["abort", "--env", ENV, "--unit", "worker"]);
    assert_eq!(aborted.code, EXIT_SUCCESS, "{}", aborted.all());
    assert_eq!(function.alias(), ("2".to_owned(), json!({})));
    assert_eq!(
        function.versions(),
        ["1", "2"],
        "the aborted version was left"
    );

    function.plan(
        FUNCTION,
        &format!("steps = [{{ weight = 10 }}]\n{}", failing_gate()),
    );
    function.code("v4");
    let failed = function.apply("v4");
    assert_eq!(failed.code, EXIT_ROLLED_BACK, "{}", failed.all());
    assert_eq!(function.alias(), ("2".to_owned(), json!({})));
    assert_eq!(
        function.versions(),
        ["1", "2"],
        "the failed version was left"
    );

    function.plan(FUNCTION, "");
    let back = function.sluice(&["rollback", "--env", ENV, "--unit", "worker"]);
    assert_eq!(back.code, EXIT_SUCCESS, "{}", back.all());
    assert_eq!(function.alias(), ("1".to_owned(), json!({})));
}

#[test]
fn an_unknown_function_fails_with_lambdas_reason_and_the_alias_is_untouched() {
    let function = Function::new();
    function.code("v1");
    let run = function.apply("v1");
    assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());

    function.plan("no-such-function", "");
    function.code("v2");
    let run = function.apply("v2");
    assert_ne!(run.code, EXIT_SUCCESS, "{}", run.all());
    assert!(
        run.all().contains("function no-such-function:$LATEST: 404"),
        "{}",
        run.all()
    );
    assert!(
        run.all().contains("ResourceNotFoundException"),
        "{}",
        run.all()
    );
    assert_eq!(function.alias(), ("1".to_owned(), json!({})));
    assert_eq!(function.versions(), ["1"]);
}

#[test]
fn credentials_aws_refuses_fail_with_its_reason_before_anything_changes() {
    let function = Function::new();
    function.code("v1");
    function.moto.assert_credentials_refused(
        function.project.path(),
        &["apply", "--env", ENV, "--version", "v1"],
        |code| format!("AWS refused the credentials for function worker:$LATEST: 403 {code}"),
    );
    assert!(function.versions().is_empty());
}
