//! `make bench` for Python plugins: the release-dir example built with componentize-py through
//! sdk/python. Prints figures; asserts nothing.

#[path = "../../tests/support/mod.rs"]
mod support;

fn main() {
    let wasm = support::python::built(support::python::RELEASE_DIR);
    support::figures::release_dir_figures(
        "Python plugin release-dir (componentize-py 0.25.1)",
        &wasm,
    );
}
