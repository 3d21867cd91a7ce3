#!/usr/bin/env bash
# Installs the C plugin toolchain, for the C SDK (sdk/c), its example and their tests
# (tests/all/plugins_c.rs); cheap when everything is already there. Needs root for apt-get when
# a Debian package is missing.
#
#   - Debian's clang-14, lld-14 (wasm-ld), wasi-libc and libclang-rt-14-dev-wasm32: C ->
#     a wasm32-wasi core module (a reactor: no `main`)
#   - wit-bindgen-cli 0.63.0 (crates.io, only its `c` generator) into build/c-tools/bin:
#     `wit-bindgen c`, the C bindings of a plugin's world
#   - wasm-tools 1.262.0 (crates.io, only its `component` commands) into build/c-tools/bin:
#     `component embed` and `component new --adapt`; 1.262 is the wit-component 0.262 line
#     that wit-bindgen 0.63 uses
#   - the WASI preview-1 reactor adapter of wasmtime 48, from the crate
#     wasi-preview1-component-adapter-provider 48.0.8 (the file its
#     WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER constant includes), into
#     build/c-tools/wasi_snapshot_preview1.reactor.wasm
#
# The two `cargo install`s compile for several minutes on 2 cores the first time; afterwards
# this script only checks versions.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/build/c-tools"
wit_bindgen_version=0.63.0
wasm_tools_version=1.262.0
adapter_version=48.0.8

missing=()
for file in /usr/bin/clang-14 /usr/bin/wasm-ld-14 /usr/lib/wasm32-wasi/libc.a \
    /usr/lib/llvm-14/lib/clang/14.0.6/lib/wasi/libclang_rt.builtins-wasm32.a; do
    [ -e "$file" ] || missing+=("$file")
done
if [ ${#missing[@]} -gt 0 ]; then
    packages=(clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32)
    if [ "$(id -u)" != 0 ]; then
        echo "ensure-c-toolchain: ${missing[*]} missing; install Debian's ${packages[*]} (needs root)" >&2
        exit 1
    fi
    echo "ensure-deps: installing ${packages[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
fi

# cargo_tool COMMAND CRATE VERSION FEATURE: installs crates.io's CRATE@VERSION, with only FEATURE,
# unless build/c-tools/bin/COMMAND already is that version.
cargo_tool() {
    if [ "$("$tools/bin/$1" --version 2>/dev/null | awk '{print $2}')" != "$3" ]; then
        echo "ensure-deps: installing $2 $3 into build/c-tools (compiles for minutes the first time)"
        cargo install --quiet --root "$tools" --locked --no-default-features --features "$4" "$2@$3"
    fi
}
cargo_tool wit-bindgen wit-bindgen-cli "$wit_bindgen_version" c
cargo_tool wasm-tools wasm-tools "$wasm_tools_version" component

adapter="$tools/wasi_snapshot_preview1.reactor.wasm"
if [ "$(cat "$adapter.version" 2>/dev/null)" != "$adapter_version" ]; then
    echo "ensure-deps: fetching the WASI preview-1 reactor adapter $adapter_version into build/c-tools"
    fetch="$tools/adapter-crate"
    mkdir -p "$fetch"
    cat >"$fetch/Cargo.toml" <<EOF
[package]
name = "fetch-adapter"
version = "0.0.0"
edition = "2021"
publish = false
[lib]
path = "lib.rs"
[dependencies]
wasi-preview1-component-adapter-provider = "=$adapter_version"
[workspace]
EOF
    : >"$fetch/lib.rs"
    # `cargo metadata` downloads the crate (nothing is compiled) and says where its source is.
    crate=$(cargo metadata --quiet --format-version 1 --manifest-path "$fetch/Cargo.toml" | python3 -c '
import json, os, sys
packages = json.load(sys.stdin)["packages"]
print(next(os.path.dirname(p["manifest_path"]) for p in packages
           if p["name"] == "wasi-preview1-component-adapter-provider"))')
    cp "$crate/artefacts/wasi_snapshot_preview1.reactor.wasm" "$adapter"
    echo "$adapter_version" >"$adapter.version"
fi
