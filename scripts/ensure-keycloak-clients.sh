#!/usr/bin/env bash
# Installs Keycloak's own clients, which check the Keycloak emulator against Keycloak's idea of
# its Admin REST API (tests/all/keycloak_vendor_client.rs); cheap when the pinned versions are
# already there. Needs Node >= 18 with npm, and python3 with venv.
#
#   - @keycloak/keycloak-admin-client 26.7.4 (npm, the Keycloak project's admin client; engines:
#     node >= 18) into build/npm-keycloak: about 2 s and 7 MB
#   - python-keycloak 7.1.1 (PyPI) into the venv build/py-keycloak: about 15 s and 55 MB
# The versions are also in tests/support/keycloak/vendor.rs, which refuses any other.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
admin_client_version=26.7.4
python_keycloak_version=7.1.1

npm_dir="$root/build/npm-keycloak"
manifest="$npm_dir/node_modules/@keycloak/keycloak-admin-client/package.json"
installed=$(node -p 'require(process.argv[1]).version' "$manifest" 2>/dev/null || true)
if [ "$installed" != "$admin_client_version" ]; then
    echo "ensure-deps: installing @keycloak/keycloak-admin-client $admin_client_version into build/npm-keycloak"
    mkdir -p "$npm_dir"
    npm install --prefix "$npm_dir" --no-audit --no-fund --loglevel=error \
        "@keycloak/keycloak-admin-client@$admin_client_version" >/dev/null
fi

venv="$root/build/py-keycloak"
installed=$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("python-keycloak"))' 2>/dev/null || true)
if [ "$installed" != "$python_keycloak_version" ]; then
    echo "ensure-deps: installing python-keycloak $python_keycloak_version into build/py-keycloak"
    python3 -m venv --clear "$venv" || { echo "ensure-deps: python3 -m venv failed; install Debian's python3-venv" >&2; exit 1; }
    "$venv/bin/pip" install --quiet --disable-pip-version-check "python-keycloak==$python_keycloak_version"
fi
