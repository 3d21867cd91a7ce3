#!/usr/bin/env bash
# Builds the example's two TypeScript plugins (plugins/ecs-service, plugins/cloudflare-workers)
# with the JS SDK into OUT/plugins/, and renders sluice.toml.in into OUT/sluice.toml with their
# sha256. OUT defaults to this directory.
#
#   examples/aws-release/build.sh [OUT]
#
# Needs node and the JS toolchain (scripts/ensure-js-toolchain.sh installs it into build/npm-js).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=$(mkdir -p "${1:-$here}" && cd "${1:-$here}" && pwd)
mkdir -p "$out/plugins"
plan=$(cat "$here/sluice.toml.in")
for plugin in ecs-service cloudflare-workers; do
    node "$repo/sdk/js/build.mjs" "$repo/plugins/$plugin" "$out/plugins/$plugin.wasm"
    digest=$(sha256sum "$out/plugins/$plugin.wasm" | cut -d' ' -f1)
    placeholder="@$(echo "$plugin" | tr 'a-z-' 'A-Z_')_SHA256@"
    plan=${plan//$placeholder/$digest}
done
printf '%s\n' "$plan" > "$out/sluice.toml"
echo "wrote $out/sluice.toml"
