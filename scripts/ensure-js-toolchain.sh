#!/usr/bin/env bash
# Installs the JavaScript/TypeScript plugin toolchain from npm into build/npm-js, for the JS SDK
# (sdk/js), its example and their tests (tests/plugins_js.rs); cheap when the pinned versions are
# already there. Needs Node >= 20 with npm.
#
#   - componentize-js 0.23.0: JS module -> WebAssembly component (its own CLI, src/cli.js)
#   - jco 1.15.4: `jco types`, TypeScript declarations from the WIT (1.35's `types` cannot read
#     a WIT directory on Node 20)
#   - typescript 5.9.3: type-checks a plugin against those declarations
#   - esbuild 0.25.12: TypeScript -> one JavaScript module (the plugin with the SDK bundled in),
#     which is what componentize-js takes
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/build/npm-js"
packages=(@bytecodealliance/componentize-js@0.23.0 @bytecodealliance/jco@1.15.4 typescript@5.9.3 esbuild@0.25.12)

for tool in node npm; do
    command -v "$tool" >/dev/null || { echo "ensure-js-toolchain: $tool is required (Node >= 20 with npm)" >&2; exit 1; }
done
if [ "$(cat "$dir/installed" 2>/dev/null)" != "${packages[*]}" ]; then
    echo "ensure-deps: installing ${packages[*]} into build/npm-js"
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "${packages[@]}" >/dev/null
    echo "${packages[*]}" >"$dir/installed"
fi
