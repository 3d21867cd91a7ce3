#!/usr/bin/env bash
# Builds {{name}}.wasm from plugin/ with componentize-py and pins its sha256 in sluice.toml.
#
#   ./build.sh
#
# COMPONENTIZE_PY is the componentize-py to run; without it, componentize-py 0.25.1 is installed
# from PyPI into build/py on the first build.
set -euo pipefail
cd "$(dirname "$0")"
if [ -z "${COMPONENTIZE_PY:-}" ]; then
    COMPONENTIZE_PY=build/py/bin/componentize-py
    if [ ! -x "$COMPONENTIZE_PY" ]; then
        python3 -m venv build/py
        build/py/bin/pip install --quiet componentize-py==0.25.1
    fi
fi
COMPONENTIZE_PY=$COMPONENTIZE_PY SLUICE_WIT=sluice-wit sluice-sdk/build.sh plugin {{name}}.wasm
./pin-sha256.sh {{name}}.wasm
