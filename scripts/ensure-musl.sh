#!/usr/bin/env bash
# What building the static sluice (`make dist`, `make static`) needs beyond ensure-deps.sh: the
# x86_64-unknown-linux-musl Rust target, and Debian's musl-tools (musl-gcc compiles the C in
# ring and the bundled SQLite for that target). Cheap when both are there.
set -euo pipefail
if ! rustup target list --installed 2>/dev/null | grep -qx x86_64-unknown-linux-musl; then
    echo "ensure-musl: adding the x86_64-unknown-linux-musl target"
    rustup target add x86_64-unknown-linux-musl
fi
if ! command -v musl-gcc >/dev/null; then
    echo "ensure-musl: installing musl-tools"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq musl-tools >/dev/null
fi
