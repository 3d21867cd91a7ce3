#!/usr/bin/env bash
# Installs what building and testing sluice needs on a fresh machine; cheap when all is there.
set -euo pipefail

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-wasip2; then
    echo "ensure-deps: adding the wasm32-wasip2 target"
    rustup target add wasm32-wasip2
fi

for tool in git python3; do
    command -v "$tool" >/dev/null || { echo "ensure-deps: $tool is required" >&2; exit 1; }
done
