#!/usr/bin/env bash
# Builds a Python strategy plugin into a WebAssembly component with componentize-py.
#
#   sdk/python/build.sh PLUGIN_DIR OUTPUT.wasm
#
# PLUGIN_DIR holds `app.py` (the module that ends with `Strategy = sluice_sdk.export(...)`) and
# `wit/world.wit`, the plugin's own world `plugin`, which imports only the sluice:deploy
# interfaces the plugin calls (sluice refuses imports the plan does not grant). Environment:
#   SLUICE_WIT       the sluice:deploy WIT directory (default: the wit/ two levels above this SDK)
#   COMPONENTIZE_PY  the componentize-py to run (default: componentize-py on PATH; sluice's
#                    scripts/ensure-componentize-py.sh installs 0.25.1 into build/py)
set -euo pipefail
[ $# = 2 ] || { echo "usage: $0 PLUGIN_DIR OUTPUT.wasm" >&2; exit 2; }
sdk=$(cd "$(dirname "$0")" && pwd)
plugin=$(cd "$1" && pwd)
wit=${SLUICE_WIT:-$sdk/../../wit}
package=$(sed -n 's/^package \([^;]*\);.*/\1/p' "$plugin/wit/world.wit")
[ -n "$package" ] || { echo "$plugin/wit/world.wit declares no package" >&2; exit 2; }

unversioned=${package%@*}
world="$unversioned/plugin${package#"$unversioned"}" # ns:name/plugin, or ns:name/plugin@VERSION

exec "${COMPONENTIZE_PY:-componentize-py}" -q -d "$wit" -d "$plugin/wit" -w "$world" \
    componentize -p "$plugin" -p "$sdk" app -o "$2"
