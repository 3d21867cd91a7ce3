//! `make bench` for JavaScript/TypeScript plugins: the example `release-dir-ts`, built with the JS
//! SDK and componentize-js. Prints figures; asserts nothing.

#[path = "../../tests/support/mod.rs"]
mod support;

use support::js::{Build, example_component};

fn main() {
    let wasm = example_component("release-dir-ts", Build::Documented);
    support::figures::release_dir_figures(
        "JS plugin release-dir-ts (TypeScript, componentize-js 0.23)",
        &wasm,
    );
}
