//! The repository's GitHub Action (`action.yml`), its steps run the way the runner runs a
//! composite action's: each `run` in `bash -eo pipefail` with its `env` (`${{ inputs.* }}`
//! filled in), the job's `GITHUB_*` variables, and the folders earlier steps added to
//! `$GITHUB_PATH` on `PATH`. The image it installs from is the tests' image of the static binary.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::components::repo_root;
use crate::support::dist::{TEST_IMAGE, image, static_binary};
use crate::support::project::{ENV, Project, static_site_plan};
use crate::support::{EXIT_SUCCESS, Run, sha256_file};

/// The action, parsed.
fn action() -> Value {
    serde_norway::from_str(&std::fs::read_to_string(repo_root().join("action.yml")).unwrap())
        .unwrap()
}

/// A job on a simulated runner: its tool cache, `$GITHUB_PATH` and `$GITHUB_STEP_SUMMARY`.
struct Job {
    dir: tempfile::TempDir,
}

impl Job {
    fn new() -> Job {
        Job {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The folders steps added to `$GITHUB_PATH`, in order.
    fn added_paths(&self) -> Vec<String> {
        std::fs::read_to_string(self.file("github_path"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// Runs every step of the action with `inputs` in `workdir`; each step's run, until one fails.
    fn uses(&self, inputs: &[(&str, &str)], workdir: &Path) -> Vec<Run> {
        let action = action();
        assert_eq!(action["runs"]["using"], "composite");
        let inputs: BTreeMap<String, String> = action["inputs"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(name, input)| {
                let given = inputs.iter().find(|(n, _)| n == name).map(|(_, v)| *v);
                let value = given
                    .or(input["default"].as_str())
                    .unwrap_or_else(|| panic!("the required input {name} was not given"));
                (name.clone(), value.to_owned())
            })
            .collect();
        let fill = |text: &str| {
            inputs.iter().fold(text.to_owned(), |text, (name, value)| {
                text.replace(&format!("${{{{ inputs.{name} }}}}"), value)
            })
        };
        let mut runs = Vec::new();
        for step in action["runs"]["steps"].as_array().unwrap() {
            assert_eq!(step["shell"], "bash", "{step}");
            let path: Vec<String> = self
                .added_paths()
                .into_iter()
                .rev()
                .chain(["/usr/bin".into(), "/bin".into()])
                .collect();
            let mut command = Command::new("bash");
            command
                .args(["--noprofile", "--norc", "-eo", "pipefail", "-c"])
                .arg(step["run"].as_str().unwrap())
                .current_dir(workdir)
                .env_clear()
                .env("PATH", path.join(":"))
                .env("HOME", self.dir.path())
                .env("GITHUB_ACTIONS", "true")
                .env("GITHUB_ACTION_PATH", repo_root())
                .env("GITHUB_ACTION_REPOSITORY", "your-org/sluice")
                .env("GITHUB_PATH", self.file("github_path"))
                .env("GITHUB_STEP_SUMMARY", self.file("summary.md"))
                .env("RUNNER_TOOL_CACHE", self.file("tool-cache"));
            for (name, value) in step["env"].as_object().into_iter().flatten() {
                command.env(name, fill(value.as_str().unwrap()));
            }
            let run: Run = command.output().unwrap().into();
            let failed = run.code != EXIT_SUCCESS;
            runs.push(run);
            if failed {
                break;
            }
        }
        runs
    }
}

/// The inputs that install from the tests' image.
fn from_test_image(args: &str) -> Vec<(&'static str, String)> {
    let (repository, tag) = image().split_once(':').unwrap();
    vec![
        ("image", repository.to_owned()),
        ("version", tag.to_owned()),
        ("args", args.to_owned()),
    ]
}

fn refs<'a>(inputs: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    inputs.iter().map(|(n, v)| (*n, v.as_str())).collect()
}

#[test]
fn the_action_installs_the_static_binary_from_the_image_and_its_apply_writes_the_job_summary() {
    let project = Project::new();
    project.write_plan(&static_site_plan(""));
    project.write_site("v1");
    let job = Job::new();
    let inputs = from_test_image(&format!("apply --env {ENV} --version v1"));
    let runs = job.uses(&refs(&inputs), project.path());
    assert_eq!(runs.len(), 2);
    for run in &runs {
        assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
    }
    assert!(
        runs[0]
            .stdout
            .contains(&format!("copied out of {TEST_IMAGE}")),
        "{}",
        runs[0].all()
    );
    let added = job.added_paths();
    assert_eq!(added.len(), 1, "{added:?}");
    let installed = Path::new(&added[0]).join("sluice");
    assert_eq!(
        sha256_file(&installed),
        sha256_file(&static_binary()),
        "the image's binary is the static one"
    );
    assert!(
        runs[1].stderr.contains("::group::web v1: succeeded"),
        "GITHUB_ACTIONS reached sluice: {}",
        runs[1].all()
    );
    let summary = std::fs::read_to_string(job.file("summary.md")).unwrap();
    assert!(
        summary.starts_with(&format!("### sluice apply `{ENV}`: succeeded in ")),
        "{summary}"
    );
    assert_eq!(project.live_version("web").as_deref(), Some("v1"));

    let again = job.uses(&refs(&from_test_image("validate")), project.path());
    assert!(
        again[0].stdout.contains("already installed"),
        "a second job step finds the tool cache: {}",
        again[0].all()
    );
    assert_eq!(again[1].code, EXIT_SUCCESS, "{}", again[1].all());
}

#[test]
fn the_action_without_a_version_or_a_ref_to_take_it_from_stops_with_an_annotation() {
    let project = Project::new();
    let job = Job::new();
    let runs = job.uses(&[("args", "validate"), ("version", "")], project.path());
    assert_eq!(runs.len(), 1, "the run step did not start");
    assert_ne!(runs[0].code, EXIT_SUCCESS);
    assert!(
        runs[0]
            .stdout
            .contains("::error title=sluice action::no version to install"),
        "{}",
        runs[0].all()
    );
    assert!(job.added_paths().is_empty());
}
