//! A hostile plugin attacks the files capability: it tries to read outside its directories
//! (`..`, an absolute path, symlinks pointing out, hard links) and to change a directory it may
//! only read (write, create, truncate, rename, remove). Each attempt is refused by the host (the
//! plugin gets an error from WASI and fails with it), the deployment rolls back, v1 keeps
//! serving, and neither the read-only directory nor the one outside the grant changes.

use std::collections::BTreeMap;
use std::path::Path;

use crate::support::project::{ENV, Project, test_plugin_plan};
use crate::support::{EXIT_ROLLED_BACK, Run};

/// What the file outside every grant holds: it must never appear in anything sluice prints.
const SECRET: &str = "outside-the-grant-7f3a";

/// `site` read-only at /site, `scratch` read-write at /scratch; `outside` is not granted.
const GRANTS: &str = "[plugins.bad.grants]\nfiles = [{ path = \"site\", at = \"/site\" }, { path = \"scratch\", at = \"/scratch\", mode = \"read-write\" }]";

/// A project with v1 live, a file outside every grant, and an empty writable scratch directory.
fn project() -> Project {
    let project = Project::v1_live_then("hostile-files", GRANTS, "");
    std::fs::create_dir_all(project.path().join("outside")).unwrap();
    std::fs::write(project.path().join("outside/secret.txt"), SECRET).unwrap();
    std::fs::create_dir_all(project.path().join("scratch")).unwrap();
    project
}

/// Deploys v2 with hostile-files making `attack` on `args` (the site itself is left as v1).
fn attack(project: &Project, attack: &str, args: &[&str]) -> Run {
    let config = format!("attack = {attack:?}, args = {args:?}");
    project.write_plan(&test_plugin_plan("hostile-files", GRANTS, &config));
    project.sluice(&["apply", "--env", ENV, "--version", "v2"])
}

/// Every file under `dir` (symlinks as their targets) and its bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let meta = std::fs::symlink_metadata(&path).unwrap();
        let content = if meta.is_symlink() {
            std::fs::read_link(&path)
                .unwrap()
                .display()
                .to_string()
                .into_bytes()
        } else if meta.is_dir() {
            files.extend(tree(&path));
            continue;
        } else {
            std::fs::read(&path).unwrap()
        };
        files.insert(path.display().to_string(), content);
    }
    files
}

/// Runs `attack` on `args` and asserts it was refused with `error` (the WASI error the host
/// returned), rolled back, and left v1, the read-only site and the outside file as they were.
fn assert_refused(project: &Project, attack_name: &str, args: &[&str], error: &str) {
    let site = tree(&project.path().join("site"));
    let outside = tree(&project.path().join("outside"));
    let run = attack(project, attack_name, args);
    let text = run.all();
    assert_eq!(run.code, EXIT_ROLLED_BACK, "{text}");
    assert!(
        text.contains(&format!(
            "files: {attack_name} {args:?} was refused: {error}"
        )),
        "the refusal names the capability, the attempt and the error: {text}"
    );
    assert!(!text.contains("ESCAPED"), "{text}");
    assert!(!text.contains(SECRET), "the outside file leaked: {text}");
    assert!(text.contains("rolled back to v1"), "{text}");
    project.assert_v1_still_live();
    assert_eq!(
        tree(&project.path().join("site")),
        site,
        "the read-only site changed"
    );
    assert_eq!(
        tree(&project.path().join("outside")),
        outside,
        "the outside directory changed"
    );
}

fn outside_secret(project: &Project) -> String {
    project
        .path()
        .join("outside/secret.txt")
        .display()
        .to_string()
}

#[test]
fn a_path_climbing_out_of_a_preopen_with_dot_dot_is_refused() {
    let project = project();
    assert_refused(
        &project,
        "read",
        &["/site/../outside/secret.txt"],
        "Operation not permitted",
    );
}

#[test]
fn an_absolute_path_outside_every_preopen_is_refused() {
    let project = project();
    let secret = outside_secret(&project);
    assert_refused(&project, "read", &[&secret], "No such file or directory");
}

#[test]
fn a_symlink_in_the_granted_directory_pointing_out_is_not_followed() {
    let project = project();
    let site = project.path().join("site");
    std::os::unix::fs::symlink("../outside/secret.txt", site.join("relative-escape")).unwrap();
    std::os::unix::fs::symlink(outside_secret(&project), site.join("absolute-escape")).unwrap();
    assert_refused(
        &project,
        "read",
        &["/site/relative-escape"],
        "Operation not permitted",
    );
    assert_refused(
        &project,
        "read",
        &["/site/absolute-escape"],
        "Operation not permitted",
    );
}

#[test]
fn a_symlink_the_plugin_makes_pointing_out_is_not_followed() {
    let project = project();
    assert_refused(
        &project,
        "symlink-and-read",
        &["/scratch/relative-escape", "../outside/secret.txt"],
        "Operation not permitted",
    );
    let secret = outside_secret(&project);
    assert_refused(
        &project,
        "symlink-and-read",
        &["/scratch/absolute-escape", &secret],
        "Operation not permitted",
    );
}

#[test]
fn a_hard_link_of_a_read_only_file_into_a_writable_directory_is_refused() {
    let project = project();
    assert_refused(
        &project,
        "hardlink-and-write",
        &["/site/index.html", "/scratch/index.html"],
        "Operation not permitted",
    );
    assert!(
        !project.path().join("scratch/index.html").exists(),
        "no link was made"
    );
}

#[test]
fn a_hard_link_of_a_file_outside_the_preopens_is_refused() {
    let project = project();
    assert_refused(
        &project,
        "hardlink-and-write",
        &["/scratch/../outside/secret.txt", "/scratch/stolen.txt"],
        "Operation not permitted",
    );
    assert!(!project.path().join("scratch/stolen.txt").exists());
}

#[test]
fn writing_to_a_file_in_a_read_only_directory_is_refused() {
    let project = project();
    assert_refused(
        &project,
        "write",
        &["/site/index.html"],
        "Operation not permitted",
    );
}

#[test]
fn creating_a_file_in_a_read_only_directory_is_refused() {
    let project = project();
    assert_refused(
        &project,
        "create",
        &["/site/planted.html"],
        "Operation not permitted",
    );
}

#[test]
fn truncating_a_file_in_a_read_only_directory_is_refused() {
    let project = project();
    assert_refused(
        &project,
        "truncate",
        &["/site/index.html"],
        "Operation not permitted",
    );
}

#[test]
fn renaming_a_file_in_or_out_of_a_read_only_directory_is_refused() {
    let project = project();
    assert_refused(
        &project,
        "rename",
        &["/site/index.html", "/site/moved.html"],
        "Operation not permitted",
    );
    assert_refused(
        &project,
        "rename",
        &["/site/index.html", "/scratch/index.html"],
        "Operation not permitted",
    );
}

#[test]
fn removing_a_file_from_a_read_only_directory_is_refused() {
    let project = project();
    assert_refused(
        &project,
        "remove",
        &["/site/index.html"],
        "Operation not permitted",
    );
}
