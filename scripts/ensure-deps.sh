#!/usr/bin/env bash
# Installs and starts what building and testing sluice needs on a fresh machine (CI starts bare);
# cheap when everything is already there. Run by `make demo`, `make test` and `make bench`.
#
#   - the wasm32-wasip2 Rust target (plugins are WebAssembly components)
#   - git and python3 (the quickstart's tiny HTTP server)
#   - with SLUICE_SERVICES=1 (make test, make bench): Debian's docker.io (a running dockerd),
#     caddy and busybox-static, for the container strategy's tests; and wrangler from npm
#     (into build/npm, needs Node >= 20.3 and npm), run against the Cloudflare Pages emulator
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build"
mkdir -p "$build"

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-wasip2; then
    echo "ensure-deps: adding the wasm32-wasip2 target"
    rustup target add wasm32-wasip2
fi

for tool in git python3; do
    command -v "$tool" >/dev/null || { echo "ensure-deps: $tool is required" >&2; exit 1; }
done

[ "${SLUICE_SERVICES:-0}" = 1 ] || exit 0

apt_updated=0
need_package() { # need_package COMMAND PACKAGE
    command -v "$1" >/dev/null && return 0
    if [ "$(id -u)" != 0 ]; then
        echo "ensure-deps: $1 is missing; install Debian's $2 (needs root)" >&2
        exit 1
    fi
    if [ "$apt_updated" = 0 ]; then
        apt-get update -qq
        apt_updated=1
    fi
    echo "ensure-deps: installing $2"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
}
need_package dockerd docker.io
need_package caddy caddy
need_package busybox busybox-static

if ! docker info >/dev/null 2>&1; then
    echo "ensure-deps: starting dockerd (log: build/dockerd.log)"
    nohup dockerd >"$build/dockerd.log" 2>&1 &
    for _ in $(seq 60); do
        docker info >/dev/null 2>&1 && break
        sleep 0.5
    done
    docker info >/dev/null 2>&1 || { echo "ensure-deps: dockerd did not start; see build/dockerd.log" >&2; tail -20 "$build/dockerd.log" >&2; exit 1; }
fi

# wrangler, the real Cloudflare client, proves the Pages emulator faithful (tests/pages_wrangler.rs).
# 4.86.0 is the newest that runs on Node 20; it is installed once into build/npm and reused.
wrangler_version=4.86.0
for tool in node npm; do
    command -v "$tool" >/dev/null || { echo "ensure-deps: $tool is required (Node >= 20.3 with npm) to install wrangler" >&2; exit 1; }
done
node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 3) ? 0 : 1)' \
    || { echo "ensure-deps: wrangler $wrangler_version needs Node >= 20.3, found $(node --version)" >&2; exit 1; }
installed=$(node -p 'require(process.argv[1]).version' "$build/npm/node_modules/wrangler/package.json" 2>/dev/null || true)
if [ "$installed" != "$wrangler_version" ]; then
    echo "ensure-deps: installing wrangler $wrangler_version into build/npm"
    mkdir -p "$build/npm"
    npm install --prefix "$build/npm" --no-audit --no-fund --loglevel=error "wrangler@$wrangler_version" >/dev/null
fi
