//! Every test plugin (`tests/plugins/*`, listed by `sluice-test-plugins`) is used by a test: its
//! name, as a string literal, appears in a test module of `tests/all/` (the way tests name one:
//! `test_plugin("gate-target")`, `test_plugin_plan("hostile-files", ..)`). A plugin no test names
//! is either a test that was lost or dead weight built on every test run. (This file, which
//! names plugins only as examples, is not searched.)

use std::path::{Path, PathBuf};

/// The Rust files under `dir`, recursively.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// The test plugins whose name, quoted, appears in none of `sources`.
fn unused<'a>(plugins: impl IntoIterator<Item = &'a str>, sources: &[String]) -> Vec<&'a str> {
    plugins
        .into_iter()
        .filter(|name| {
            let literal = format!("{name:?}");
            !sources.iter().any(|source| source.contains(&literal))
        })
        .collect()
}

#[test]
fn every_test_plugin_is_used_by_a_test() {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/all");
    let sources: Vec<String> = rust_files(&tests)
        .iter()
        .filter(|file| !file.ends_with("all/test_plugins.rs"))
        .map(|file| std::fs::read_to_string(file).unwrap())
        .collect();
    let plugins = sluice_test_plugins::PLUGINS.iter().map(|(name, _)| *name);

    let unused = unused(plugins, &sources);

    assert!(
        unused.is_empty(),
        "no test in tests/all/ uses the test plugins {unused:?}: use each in a test, or remove it \
         from tests/plugins/"
    );
}

#[test]
fn a_plugin_named_only_outside_a_string_literal_counts_as_unused() {
    let sources =
        ["// named-in-a-comment\nfn named_in_a_comment() { test_plugin(\"used\"); }".to_owned()];

    assert_eq!(
        unused(["named-in-a-comment", "used"], &sources),
        ["named-in-a-comment"]
    );
}
