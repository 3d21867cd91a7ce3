#!/usr/bin/env bash
# Builds {{name}}.wasm (cargo, wasm32-wasip2) and pins its sha256 in sluice.toml.
#
#   ./build.sh
#
# Needs the target once: `rustup target add wasm32-wasip2`. CARGO_TARGET_DIR is honoured.
set -euo pipefail
cd "$(dirname "$0")"
cargo build --release --target wasm32-wasip2
cp "${CARGO_TARGET_DIR:-target}/wasm32-wasip2/release/{{snake_name}}.wasm" {{name}}.wasm
./pin-sha256.sh {{name}}.wasm
