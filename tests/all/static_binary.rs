//! The static binary (`make dist`, `make static`) runs where no Rust toolchain is, and the image
//! built `FROM scratch` around it (the repository's `Dockerfile`) runs the quickstart's
//! `validate` and `plan` inside a container.

use std::process::Command;

use crate::support::dist::{has_interpreter, image, quickstart, static_binary};
use crate::support::docker::docker;
use crate::support::{EXIT_SUCCESS, Run};

/// A `PATH` with the system's tools and no Rust toolchain (rustup's is in `~/.cargo/bin`).
const SYSTEM_PATH: &str = "/usr/bin:/bin";

/// Asserts that `run` (sluice with its arguments, in a copy of the quickstart) validates the
/// plan and plans both of its units.
fn validates_and_plans_the_quickstart(run: impl Fn(&[&str]) -> Run) {
    let validate = run(&["validate"]);
    assert_eq!(validate.code, EXIT_SUCCESS, "{}", validate.all());
    let plan = run(&["plan", "--env", "local", "--version", "v1"]);
    assert_eq!(plan.code, EXIT_SUCCESS, "{}", plan.all());
    assert!(
        plan.stdout.contains("web") && plan.stdout.contains("schema"),
        "the plan shows both units: {}",
        plan.all()
    );
}

#[test]
fn the_static_binary_names_no_dynamic_loader_and_runs_validate_and_plan_with_no_rust_toolchain() {
    let binary = static_binary();
    assert!(
        !has_interpreter(&binary),
        "{} asks for a dynamic loader",
        binary.display()
    );
    let toolchain = Command::new("sh")
        .args(["-c", "command -v cargo rustc rustup || true"])
        .env("PATH", SYSTEM_PATH)
        .output()
        .unwrap();
    assert!(
        toolchain.stdout.is_empty(),
        "a Rust toolchain on {SYSTEM_PATH}: {}",
        String::from_utf8_lossy(&toolchain.stdout)
    );

    let project = quickstart();
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| -> Run {
        Command::new(&binary)
            .args(args)
            .current_dir(project.path())
            .env_clear()
            .env("PATH", SYSTEM_PATH)
            .env("HOME", home.path())
            .output()
            .unwrap()
            .into()
    };
    validates_and_plans_the_quickstart(run);
    let version = run(&["--version"]);
    assert!(version.stdout.contains("WIT"), "{}", version.all());
}

#[test]
fn the_image_from_scratch_runs_validate_and_plan_on_the_quickstart_inside_a_container() {
    let image = image();
    let project = quickstart();
    let run = |args: &[&str]| -> Run {
        docker()
            .args(["run", "--rm", "--network", "none", "-v"])
            .arg(format!("{}:/work", project.path().display()))
            .arg(image)
            .args(args)
            .output()
            .unwrap()
            .into()
    };
    validates_and_plans_the_quickstart(run);

    let size: u64 = String::from_utf8_lossy(
        &docker()
            .args(["image", "inspect", "--format", "{{.Size}}", image])
            .output()
            .unwrap()
            .stdout,
    )
    .trim()
    .parse()
    .unwrap();
    let contents = std::fs::metadata(static_binary()).unwrap().len()
        + std::fs::metadata("/etc/ssl/certs/ca-certificates.crt")
            .unwrap()
            .len();
    assert!(
        size <= contents + 64 * 1024,
        "FROM scratch: the binary and the CA certificates ({contents} bytes), nothing else; the image has {size}"
    );
}
