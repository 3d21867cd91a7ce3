//! `sluice plugins new`: for Rust, Python, TypeScript and C, the quickest path of
//! `docs/writing-a-plugin.md` runs as written in a scratch directory outside the repository: the
//! project is created, builds, its own test passes and its sample plan deploys with no edit; the
//! project's README gives the same commands, and the built component imports only the
//! capabilities the project was created with. It refuses an existing directory (leaving it as it
//! was), an unknown capability, an unknown language and a name no package can have.
//!
//! The commands run with the toolchains of this repository: `sluice` is this build, `npm install`
//! is skipped for the `build/npm-js` toolchain (`SLUICE_JS_TOOLCHAIN`, which the project's
//! `build.sh` honours), componentize-py is `build/py`'s (`COMPONENTIZE_PY`), the C tools are
//! `build/c-tools` (`SLUICE_C_TOOLS`), and cargo builds into
//! one target directory under the repository's `target/`, shared by every run.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::c::tools as c_tools;
use crate::support::components::repo_root;
use crate::support::js::toolchain as js_toolchain;
use crate::support::python::componentize_py;
use crate::support::{
    EXIT_INVALID, EXIT_ROLLED_BACK, EXIT_SUCCESS, Run, doc_block, sha256_file, sluice,
};

/// Every capability a project may import, in the order `plugins audit` lists them.
const OFFERED: &[&str] = &[
    "log",
    "plan-notes",
    "http",
    "secrets",
    "containers",
    "sql",
    "haproxy",
];

/// Runs `sluice plugins new ARGS` in `dir`.
fn plugins_new(dir: &Path, args: &[&str]) -> Run {
    sluice(dir)
        .args(["plugins", "new"])
        .args(args)
        .output()
        .unwrap()
        .into()
}

/// The command lines of `block`, comments stripped.
fn commands(block: &str) -> Vec<String> {
    block
        .lines()
        .map(|line| line.split(" #").next().unwrap_or(line).trim().to_owned())
        .filter(|line| !line.is_empty())
        .collect()
}

/// Runs `command`, one line of the doc, in `project` (see the module's doc for the toolchains).
fn run_command(project: &Path, command: &str) -> Run {
    if let Some(args) = command.strip_prefix("sluice ") {
        return sluice(project)
            .args(args.split_whitespace())
            .output()
            .unwrap()
            .into();
    }
    let mut shell = Command::new("bash");
    shell
        .current_dir(project)
        .args(["-c", command])
        .env("COMPONENTIZE_PY", componentize_py())
        .env("SLUICE_JS_TOOLCHAIN", js_toolchain())
        .env("SLUICE_C_TOOLS", c_tools())
        .env("CARGO_TARGET_DIR", repo_root().join("target/plugins-new"));
    for var in ["RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS", "CARGO_BUILD_TARGET"] {
        shell.env_remove(var);
    }
    shell.output().unwrap().into()
}

/// What following the doc did: the output of each command, by command.
struct Followed {
    runs: Vec<(String, Run)>,
}

impl Followed {
    /// The output of the first command starting with `prefix`.
    fn of(&self, prefix: &str) -> &Run {
        self.runs
            .iter()
            .find(|(command, _)| command.starts_with(prefix))
            .map(|(_, run)| run)
            .unwrap_or_else(|| panic!("the doc runs no `{prefix}`"))
    }
}

/// The project the doc's quickest path in `language` (`Rust`, `Python`, `TypeScript`, `C`)
/// creates.
const NAME: &str = "my-plugin";

/// Runs the doc's quickest path in `language` in a scratch directory: `sluice plugins new`
/// there, `cd` into the project, then the project's commands, each of which must succeed and
/// which must be those of the project's README.
fn follow_the_doc(language: &str) -> (tempfile::TempDir, PathBuf, Followed) {
    let page = std::fs::read_to_string(repo_root().join("docs/writing-a-plugin.md")).unwrap();
    let steps = commands(doc_block(
        &page,
        &format!("The quickest path, in {language}"),
        "sh",
    ));
    let [new, cd, rest @ ..] = steps.as_slice() else {
        panic!("the doc's {language} path is `sluice plugins new`, `cd`, then the commands")
    };
    let scratch = tempfile::tempdir().unwrap();
    let args = new
        .strip_prefix("sluice plugins new ")
        .expect("the path starts with `sluice plugins new`");
    let created = plugins_new(scratch.path(), &args.split_whitespace().collect::<Vec<_>>());
    assert_eq!(created.code, EXIT_SUCCESS, "{}", created.all());
    assert_eq!(cd, &format!("cd {NAME}"));
    let project = scratch.path().join(NAME);

    let readme = std::fs::read_to_string(project.join("README.md")).unwrap();
    assert_eq!(
        commands(doc_block(&readme, "## Build, test, deploy", "sh")),
        rest,
        "the README and the doc give the same commands"
    );
    let mut runs = Vec::new();
    for command in rest {
        if command == "npm install" {
            continue; // the toolchain is the repository's build/npm-js
        }
        let run = run_command(&project, command);
        assert_eq!(run.code, EXIT_SUCCESS, "`{command}`: {}", run.all());
        runs.push((command.clone(), run));
    }
    (scratch, project, Followed { runs })
}

/// What the sample plan deployed: the `current` link, and the page it serves.
fn deployed(project: &Path) -> (PathBuf, String) {
    let www = project.join("www");
    (
        std::fs::read_link(www.join("current")).unwrap(),
        std::fs::read_to_string(www.join("current/index.html")).unwrap(),
    )
}

/// `plugins audit`'s IMPORTED column for each capability a project may import.
fn imported(project: &Path) -> Vec<(String, bool)> {
    let audit: Run = sluice(project)
        .args(["plugins", "audit"])
        .output()
        .unwrap()
        .into();
    assert_eq!(audit.code, EXIT_SUCCESS, "{}", audit.all());
    OFFERED
        .iter()
        .map(|capability| {
            let row = audit
                .stdout
                .lines()
                .map(|line| line.split_whitespace().collect::<Vec<_>>())
                .find(|words| words.first() == Some(capability))
                .unwrap_or_else(|| panic!("no {capability} row: {}", audit.stdout));
            ((*capability).to_owned(), row.get(1) == Some(&"yes"))
        })
        .collect()
}

/// `chosen` as [`imported`] shows it when exactly those are imported.
fn only(chosen: &[&str]) -> Vec<(String, bool)> {
    OFFERED
        .iter()
        .map(|capability| ((*capability).to_owned(), chosen.contains(capability)))
        .collect()
}

/// The checks every language's project passes once the doc was followed: v1 deployed with the
/// component `build.sh` pinned; then v2, behind a gate that fails, rolled back to v1 by the
/// strategy's own `rollback`.
fn assert_deployed_pinned_and_rolled_back(project: &Path, followed: &Followed) {
    assert!(
        followed
            .of("sluice apply")
            .all()
            .contains("result: succeeded"),
        "{}",
        followed.of("sluice apply").all()
    );
    assert_eq!(
        deployed(project),
        (
            PathBuf::from("releases/v1"),
            format!("<h1>Deployed by {NAME}</h1>\n")
        )
    );
    let plan = std::fs::read_to_string(project.join("sluice.toml")).unwrap();
    let digest = sha256_file(&project.join(format!("{NAME}.wasm")));
    assert!(
        plan.contains(&format!("sha256 = \"{digest}\"")),
        "build.sh pinned the component it built: {plan}"
    );

    let unit_config = "config = { source = \"/site\", target = \"/www\" }\n";
    let failing_gate = "gates = [{ tcp = \"127.0.0.1:1\", phase = \"live\", interval = \"50ms\", \
                        deadline = \"1s\" }]\n";
    assert!(plan.contains(unit_config), "{plan}");
    std::fs::write(
        project.join("sluice.toml"),
        plan.replace(unit_config, &format!("{unit_config}{failing_gate}")),
    )
    .unwrap();
    let v2: Run = sluice(project)
        .args(["apply", "--env", "dev", "--version", "v2"])
        .output()
        .unwrap()
        .into();
    assert_eq!(v2.code, EXIT_ROLLED_BACK, "{}", v2.all());
    assert_eq!(deployed(project).0, PathBuf::from("releases/v1"));
    assert!(
        !project.join("www/releases/v2").exists(),
        "rollback removed the staged release"
    );
}

#[test]
fn a_new_python_plugin_builds_passes_its_test_deploys_and_rolls_back_importing_what_was_chosen() {
    let (_scratch, project, followed) = follow_the_doc("Python");
    assert!(
        followed
            .of("python3 -m unittest")
            .stderr
            .contains("Ran 1 test"),
        "{}",
        followed.of("python3 -m unittest").all()
    );
    assert_deployed_pinned_and_rolled_back(&project, &followed);
    assert_eq!(imported(&project), only(&["log", "http", "secrets"]));
}

#[test]
fn a_new_typescript_plugin_builds_passes_its_test_deploys_and_rolls_back_importing_what_was_chosen()
{
    let (_scratch, project, followed) = follow_the_doc("TypeScript");
    assert!(
        followed.of("npm test").stdout.contains("# pass 1"),
        "{}",
        followed.of("npm test").all()
    );
    assert_deployed_pinned_and_rolled_back(&project, &followed);
    assert_eq!(imported(&project), only(&["log", "plan-notes", "sql"]));
}

#[test]
fn a_new_c_plugin_builds_passes_its_test_deploys_and_rolls_back_importing_only_what_it_calls() {
    let (_scratch, project, followed) = follow_the_doc("C");
    assert!(
        followed
            .of("./test.sh")
            .stdout
            .contains("ok: release names are versions and never leave releases/"),
        "{}",
        followed.of("./test.sh").all()
    );
    assert_deployed_pinned_and_rolled_back(&project, &followed);
    let world = std::fs::read_to_string(project.join("plugin/wit/world.wit")).unwrap();
    assert!(world.contains("import sluice:deploy/secrets@"), "{world}");
    assert_eq!(
        imported(&project),
        only(&["log"]),
        "the linker keeps only the imports the code calls"
    );
}

#[test]
fn a_new_rust_plugin_builds_passes_its_test_deploys_and_rolls_back_importing_only_the_log() {
    let (_scratch, project, followed) = follow_the_doc("Rust");
    assert!(
        followed
            .of("cargo test")
            .stdout
            .contains("test result: ok. 1 passed"),
        "{}",
        followed.of("cargo test").all()
    );
    assert_deployed_pinned_and_rolled_back(&project, &followed);
    assert_eq!(imported(&project), only(&["log"]));
}

#[test]
fn an_existing_directory_is_refused_and_left_exactly_as_it_was() {
    let scratch = tempfile::tempdir().unwrap();
    let existing = scratch.path().join("site");
    std::fs::create_dir(&existing).unwrap();
    std::fs::write(existing.join("notes.txt"), "mine").unwrap();

    let run = plugins_new(scratch.path(), &["site", "--lang", "python"]);
    assert_eq!(run.code, EXIT_INVALID, "{}", run.all());
    assert!(
        run.stderr
            .contains("site already exists: `sluice plugins new` writes a new directory"),
        "{}",
        run.stderr
    );
    let entries: Vec<_> = std::fs::read_dir(&existing)
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(entries, ["notes.txt"]);
    assert_eq!(
        std::fs::read_to_string(existing.join("notes.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn an_unknown_capability_is_refused_naming_those_a_plugin_may_import_and_nothing_is_written() {
    let scratch = tempfile::tempdir().unwrap();
    let run = plugins_new(
        scratch.path(),
        &["site", "--lang", "js", "--capabilities", "http,network"],
    );
    assert_eq!(run.code, EXIT_INVALID, "{}", run.all());
    assert!(
        run.stderr.contains(
            "unknown capability `network`: choose from log, plan-notes, http, secrets, containers, sql, haproxy"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read_dir(scratch.path()).unwrap().count(), 0);
}

#[test]
fn an_unknown_language_and_a_bad_name_are_refused() {
    let scratch = tempfile::tempdir().unwrap();
    let go = plugins_new(scratch.path(), &["site", "--lang", "go"]);
    assert_eq!(go.code, EXIT_INVALID, "{}", go.all());
    assert!(
        go.stderr.contains("invalid value 'go'")
            && go.stderr.contains("[possible values: rust, python, js, c]"),
        "{}",
        go.stderr
    );

    let bad = plugins_new(scratch.path(), &["My_Site", "--lang", "rust"]);
    assert_eq!(bad.code, EXIT_INVALID, "{}", bad.all());
    assert!(
        bad.stderr.contains(
            "plugin name `My_Site` is not allowed: use lowercase words of letters and digits \
             joined by `-`"
        ),
        "{}",
        bad.stderr
    );
    assert_eq!(std::fs::read_dir(scratch.path()).unwrap().count(), 0);
}

#[test]
fn a_new_project_goes_where_dir_says_parents_included_is_reported_as_json_and_grants_its_imports() {
    use std::os::unix::fs::PermissionsExt;

    let scratch = tempfile::tempdir().unwrap();
    let args = "web --lang python --capabilities sql --dir plugins/web -o json";
    let run = plugins_new(scratch.path(), &args.split_whitespace().collect::<Vec<_>>());
    assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
    let event: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(
        event,
        serde_json::json!({
            "event": "plugin-created", "name": "web", "language": "python",
            "dir": "plugins/web", "capabilities": ["log", "sql"],
        })
    );
    let project = scratch.path().join("plugins/web");
    let world = std::fs::read_to_string(project.join("plugin/wit/world.wit")).unwrap();
    let imports: Vec<&str> = world
        .lines()
        .filter_map(|line| line.trim().strip_prefix("import "))
        .collect();
    assert_eq!(
        imports,
        ["sluice:deploy/log@0.1.4;", "sluice:deploy/sql@0.1.4;"]
    );
    let plan = std::fs::read_to_string(project.join("sluice.toml")).unwrap();
    assert!(
        plan.contains("databases = [\"main\"]\n") && plan.contains("[databases.main]\n"),
        "{plan}"
    );
    for script in ["build.sh", "pin-sha256.sh", "sluice-sdk/build.sh"] {
        let mode = std::fs::metadata(project.join(script))
            .unwrap()
            .permissions()
            .mode();
        assert_ne!(mode & 0o111, 0, "{script} is executable");
    }
}
