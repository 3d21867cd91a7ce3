//! What `sluice --version` says besides the version: the git commit the binary was built from
//! (`unknown` outside a git checkout, e.g. from a release tarball) and the WIT versions of the
//! contract it accepts (every released copy `wit/since_v*/` and the current `wit/`).

use std::path::Path;
use std::process::Command;

/// Sets `SLUICE_GIT_COMMIT` and `SLUICE_WIT_VERSIONS` for the crate.
pub fn emit(root: &Path) {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(root)
            .output()
            .ok()
            .filter(|output| output.status.success())
            .and_then(|output| String::from_utf8(output.stdout).ok())
            .map(|text| text.trim().to_owned())
            .filter(|text| !text.is_empty())
    };
    // Rebuilt when HEAD moves: HEAD itself, and the branch it names (in a worktree too).
    let branch = git(&["symbolic-ref", "-q", "HEAD"]);
    for name in ["HEAD"].into_iter().chain(branch.as_deref()) {
        if let Some(path) = git(&["rev-parse", "--path-format=absolute", "--git-path", name])
            && Path::new(&path).exists()
        {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    let commit = git(&["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=SLUICE_GIT_COMMIT={commit}");

    let wit = root.join("wit");
    println!("cargo:rerun-if-changed={}", wit.display());
    let mut versions: Vec<String> = std::fs::read_dir(&wit)
        .expect("read wit/")
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            name.strip_prefix("since_v").map(str::to_owned)
        })
        .collect();
    let world = std::fs::read_to_string(wit.join("world.wit")).expect("read wit/world.wit");
    let current = world
        .lines()
        .find_map(|line| {
            line.strip_prefix("package sluice:deploy@")?
                .strip_suffix(';')
        })
        .expect("wit/world.wit names its package version");
    versions.push(current.to_owned());
    versions.sort_by_key(|v| {
        v.split('.')
            .map(|n| n.parse::<u32>().unwrap_or(0))
            .collect::<Vec<_>>()
    });
    versions.dedup();
    println!(
        "cargo:rustc-env=SLUICE_WIT_VERSIONS={}",
        versions.join(", ")
    );
}
