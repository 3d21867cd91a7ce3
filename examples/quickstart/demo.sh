#!/usr/bin/env bash
# The quickstart, step by step: validate, plan, deploy v1, deploy it again (nothing to do),
# deploy v2, roll back to v1, and show history and status. A tiny HTTP server (python3) serves
# the release directory on 127.0.0.1:8765 so the health gates can prove each release.
set -euo pipefail
sluice=$(realpath "${1:-sluice}")
cd "$(dirname "$0")"

if (echo >/dev/tcp/127.0.0.1/8765) 2>/dev/null; then echo "port 8765 is already in use: stop whatever listens there and run the demo again" >&2; exit 1; fi

rm -rf .sluice && mkdir -p .sluice/www
python3 -m http.server 8765 --bind 127.0.0.1 --directory .sluice/www >.sluice/http.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do
    (echo >/dev/tcp/127.0.0.1/8765) 2>/dev/null && break
    sleep 0.1
done

step() { printf '\n$ sluice %s\n' "$*"; "$sluice" "$@"; }

step validate
step plan --env local --version v1
step apply --env local --version v1
step apply --env local --version v1
step apply --env local --version v2
step rollback --env local --unit web
step history
step status --env local
echo
echo "live release: $(readlink .sluice/www/current); served at http://127.0.0.1:8765/current/"
