#!/usr/bin/env bash
# Builds {{name}}.wasm from plugin/ with the C SDK (sluice-sdk/build.sh: wit-bindgen c, clang for
# wasm32-wasi with wasi-libc, wasm-tools and the WASI preview-1 reactor adapter) and pins its
# sha256 in sluice.toml.
#
#   ./build.sh
#
# SLUICE_C_TOOLS is a directory holding bin/wit-bindgen (0.63), bin/wasm-tools (1.262) and
# wasi_snapshot_preview1.reactor.wasm, as sluice's scripts/ensure-c-toolchain.sh installs them
# (default: build/c-tools here); CC is a clang targeting wasm32-wasi with wasi-libc (default:
# clang-14).
set -euo pipefail
cd "$(dirname "$0")"
tools=${SLUICE_C_TOOLS:-build/c-tools}
for needed in bin/wit-bindgen bin/wasm-tools wasi_snapshot_preview1.reactor.wasm; do
    [ -e "$tools/$needed" ] || {
        echo "build.sh: $tools/$needed is missing: see README.md, \"The toolchain\"" >&2
        exit 1
    }
done
SLUICE_WIT=sluice-wit WIT_BINDGEN=$tools/bin/wit-bindgen WASM_TOOLS=$tools/bin/wasm-tools \
    WASI_ADAPTER=$tools/wasi_snapshot_preview1.reactor.wasm \
    sluice-sdk/build.sh plugin {{name}}.wasm
./pin-sha256.sh {{name}}.wasm
