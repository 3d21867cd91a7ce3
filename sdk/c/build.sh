#!/usr/bin/env bash
# Builds a C strategy plugin into a WebAssembly component.
#
#   sdk/c/build.sh PLUGIN_DIR OUTPUT.wasm
#
# PLUGIN_DIR holds the plugin's `*.c` and `*.h` files (one of them defines `sluice_plugin`, see
# sluice.h) and `wit/world.wit`, the plugin's own world `plugin`, which imports
# sluice:deploy/log and only the other sluice:deploy interfaces the plugin calls. The steps:
#
#   1. wit-bindgen c: the world's bindings (plugin.h, plugin.c) and plugin_component_type.o, an
#      object file holding the world's type information
#   2. clang --target=wasm32-wasi -mexec-model=reactor -Wl,--strip-all: the plugin, the SDK and the bindings
#      into one core module with no `main`, the type information linked in
#   3. wasm-tools component new --adapt: a component, WASI preview 1 (what wasi-libc calls)
#      adapted to preview 2 by the reactor adapter
#
# Environment (defaults: what scripts/ensure-c-toolchain.sh installs):
#   SLUICE_WIT   the sluice:deploy WIT directory (default: the wit/ two levels above this SDK)
#   CC           a clang that targets wasm32-wasi with wasi-libc (default: clang-14)
#   WIT_BINDGEN  wit-bindgen 0.63 (default: build/c-tools/bin/wit-bindgen)
#   WASM_TOOLS   wasm-tools 1.262 (default: build/c-tools/bin/wasm-tools)
#   WASI_ADAPTER the reactor adapter (default: build/c-tools/wasi_snapshot_preview1.reactor.wasm)
set -euo pipefail
[ $# = 2 ] || { echo "usage: $0 PLUGIN_DIR OUTPUT.wasm" >&2; exit 2; }
sdk=$(cd "$(dirname "$0")" && pwd)
tools="$sdk/../../build/c-tools"
plugin=$(cd "$1" && pwd)
output=$2
wit=${SLUICE_WIT:-$sdk/../../wit}
cc=${CC:-clang-14}
wit_bindgen=${WIT_BINDGEN:-$tools/bin/wit-bindgen}
wasm_tools=${WASM_TOOLS:-$tools/bin/wasm-tools}
adapter=${WASI_ADAPTER:-$tools/wasi_snapshot_preview1.reactor.wasm}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The plugin's world, with sluice:deploy as a dependency package.
mkdir -p "$work/wit/deps"
cp "$plugin/wit/world.wit" "$work/wit/"
ln -s "$(cd "$wit" && pwd)" "$work/wit/deps/sluice-deploy"

"$wit_bindgen" c --out-dir "$work/bindings" --world plugin "$work/wit" 2>&1 | { grep -v '^Generating' || true; } >&2
"$cc" --target=wasm32-wasi -mexec-model=reactor -O2 -Wl,--strip-all -Wall -Wextra -Werror \
    -I "$sdk" -I "$work/bindings" -I "$plugin" \
    -o "$work/core.wasm" "$plugin"/*.c "$sdk"/*.c "$work/bindings/plugin.c" "$work/bindings/plugin_component_type.o"
"$wasm_tools" component new "$work/core.wasm" \
    --adapt "wasi_snapshot_preview1=$adapter" -o "$output"
