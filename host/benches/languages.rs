//! `make bench` for plugin languages: the same release-dir strategy written in Rust, Python,
//! TypeScript and C (`examples/plugins/release-dir-*`), each built by its language's documented
//! toolchain, measured the same way and printed as one table. Asserts nothing.

#[path = "../../tests/support/mod.rs"]
mod support;

use std::path::PathBuf;

use support::figures::{LanguageFigures, ms, release_dir_figures};

/// One row: the language, its toolchain, and how its component is built.
struct Language {
    name: &'static str,
    toolchain: &'static str,
    build: fn() -> PathBuf,
}

const LANGUAGES: &[Language] = &[
    Language {
        name: "Rust",
        toolchain: "rustc wasm32-wasip2, sluice-sdk",
        build: || support::test_plugin("release-dir-rust"),
    },
    Language {
        name: "Python",
        toolchain: "componentize-py 0.25.1",
        build: || support::python::built(support::python::RELEASE_DIR),
    },
    Language {
        name: "TypeScript",
        toolchain: "componentize-js 0.23",
        build: || support::js::example_component("release-dir-ts", support::js::Build::Plain),
    },
    Language {
        name: "C",
        toolchain: "clang-14, wit-bindgen c, wasm-tools",
        build: || support::c::built(support::c::RELEASE_DIR),
    },
];

fn main() {
    println!(
        "Plugin languages: the release-dir example in each (medians; target: load + info() < 5 ms)"
    );
    println!(
        "  {:10} {:36} {:>9} {:>13} {:>11} {:>9} {:>10} {:>12} {:>12}",
        "LANGUAGE",
        "TOOLCHAIN",
        "SIZE",
        "FIRST COMPILE",
        "CACHED LOAD",
        "+ INFO()",
        "LOAD+INFO",
        "INST.+CALL",
        "APPLY"
    );
    for language in LANGUAGES {
        let LanguageFigures {
            size,
            load,
            call,
            apply,
        } = release_dir_figures(&(language.build)());
        println!(
            "  {:10} {:36} {:>5} KiB {:>13} {:>11} {:>9} {:>10} {:>12} {:>12}",
            language.name,
            language.toolchain,
            size / 1024,
            ms(load.cold),
            ms(load.cached_load),
            ms(load.first_call),
            ms(load.cached_with_call),
            ms(call),
            ms(apply)
        );
    }
    println!(
        "  (CACHED LOAD: a new engine, deserialize, link; + INFO(): instantiate and call info() on \
         it; INST.+CALL: instantiate + validate() from one load, as each lifecycle call runs; \
         APPLY: a whole `sluice apply` process with no gates)"
    );
}
