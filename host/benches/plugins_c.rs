//! `make bench` for C plugins: the example `release-dir-c`, built with the C SDK (wit-bindgen c,
//! clang-14 and wasi-libc, wasm-tools and the WASI preview-1 reactor adapter). Prints figures;
//! asserts nothing.

#[path = "../../tests/support/mod.rs"]
mod support;

fn main() {
    let wasm = support::c::built(support::c::RELEASE_DIR);
    support::figures::release_dir_figures(
        "C plugin release-dir-c (wit-bindgen 0.63 c, clang-14, wasm-tools 1.262)",
        &wasm,
    );
}
