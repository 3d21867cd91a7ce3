#!/usr/bin/env bash
# Pins the sha256 of the component COMPONENT.wasm in sluice.toml: sluice runs only the file whose
# digest the plan names.
#
#   ./pin-sha256.sh COMPONENT.wasm        (in the project directory, beside sluice.toml)
set -euo pipefail
[ $# = 1 ] || { echo "usage: $0 COMPONENT.wasm" >&2; exit 2; }
digest=$( (sha256sum "$1" 2>/dev/null || shasum -a 256 "$1") | cut -d' ' -f1)
sed "s/^sha256 = \"[0-9a-f]*\"/sha256 = \"$digest\"/" sluice.toml >sluice.toml.next
mv sluice.toml.next sluice.toml
echo "built $1, sha256 $digest (pinned in sluice.toml)"
