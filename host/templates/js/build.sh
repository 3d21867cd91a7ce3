#!/usr/bin/env bash
# Builds {{name}}.wasm with the SDK's build (jco types, tsc, esbuild, componentize-js) and pins
# its sha256 in sluice.toml.
#
#   ./build.sh
#
# The toolchain is the one `npm install` puts in node_modules (package.json pins it);
# SLUICE_JS_TOOLCHAIN names another directory whose node_modules holds the same versions.
set -euo pipefail
cd "$(dirname "$0")"
SLUICE_WIT=sluice-wit SLUICE_JS_TOOLCHAIN=${SLUICE_JS_TOOLCHAIN:-.} \
    node sluice-sdk/build.mjs . {{name}}.wasm
./pin-sha256.sh {{name}}.wasm
