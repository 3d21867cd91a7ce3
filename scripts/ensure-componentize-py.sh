#!/usr/bin/env bash
# Installs componentize-py (the Python -> WebAssembly component compiler, from PyPI) into a venv
# at build/py, for the Python plugin SDK, its example and their tests (tests/plugins_python.rs).
# Cheap when the pinned version is already there. Prints nothing on success unless it installed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/build/py"
version=0.25.1

installed=$("$venv/bin/componentize-py" --version 2>/dev/null | awk '{print $2}' || true)
if [ "$installed" != "$version" ]; then
    echo "ensure-deps: installing componentize-py $version into build/py"
    python3 -m venv --clear "$venv" || { echo "ensure-deps: python3 -m venv failed; install Debian's python3-venv" >&2; exit 1; }
    "$venv/bin/pip" install --quiet --disable-pip-version-check "componentize-py==$version"
fi
