#!/usr/bin/env bash
# Installs and starts what building and testing sluice needs on a fresh machine (CI starts bare);
# cheap when everything is already there. Run by `make demo`, `make test` and `make bench`.
#
#   - the wasm32-wasip2 Rust target (plugins are WebAssembly components)
#   - git and python3 (the quickstart's tiny HTTP server)
#   - with SLUICE_SERVICES=1 (make test, make bench): Debian's docker.io (a running dockerd),
#     caddy, haproxy (2.6, with its Prometheus exporter; never started as a service: each test
#     starts its own on loopback, tests/support/haproxy.rs), prometheus (never started as a
#     service either, nor its recommended exporters installed: each metric-gate test starts its
#     own, tests/support/prometheus.rs) and busybox-static, for the
#     container strategy's tests (the engine made a single-node swarm on loopback, for the
#     swarm-service strategy's), and the kernel setting
#     net.ipv4.tcp_migrate_req=1 that zero-downtime route switches through Caddy need (see
#     docs/container-strategy.md, "Zero failed requests"); Debian's postgresql and sqlite3,
#     and a throwaway PostgreSQL cluster under build/postgres listening on
#     127.0.0.1:$SLUICE_TEST_PG_PORT (default 55432) when nothing answers there, for the
#     migration tests (the URL they use is in tests/support/database.rs); wrangler from
#     npm (into build/npm, needs Node >= 20.3 and npm), run against the Cloudflare Pages emulator;
#     componentize-py from PyPI (into build/py), which builds the Python plugins
#     (scripts/ensure-componentize-py.sh); the JavaScript/TypeScript plugin toolchain from
#     npm (into build/npm-js, by scripts/ensure-js-toolchain.sh); the C plugin toolchain:
#     Debian's clang-14 and wasi-libc, wit-bindgen and wasm-tools from crates.io and the WASI
#     preview-1 adapter (into build/c-tools, by scripts/ensure-c-toolchain.sh); and Keycloak's
#     own clients, @keycloak/keycloak-admin-client (npm, into build/npm-keycloak) and
#     python-keycloak (PyPI, into build/py-keycloak), by scripts/ensure-keycloak-clients.sh;
#     Debian's libxml2-utils (xmllint validates the JUnit report against its schema); Debian's
#     chromium (headless, it renders the HTML report in tests/all/html_report.rs); Debian's
#     openssh-server (never used as a service: the SSH transport tests start their own sshd on
#     loopback, tests/support/sshd.rs) and openssh-client (ssh:// engines run `ssh`); Debian's
#     docker-registry and apache2-utils (htpasswd), for registries the tests start on loopback;
#     moto (the AWS emulator, server mode) and awscli from PyPI (into build/py-aws), by
#     scripts/ensure-aws-tools.sh
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
    # shellcheck disable=SC2086 # NEED_PACKAGE_OPTIONS holds separate options
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${NEED_PACKAGE_OPTIONS:-} "$2" >/dev/null
}
need_package dockerd docker.io
need_package caddy caddy
need_package haproxy haproxy
# The tests start their own HAProxy per test; the Debian service is not used (installing the
# package may start it where an init system runs).
if [ -x /etc/init.d/haproxy ] && /etc/init.d/haproxy status >/dev/null 2>&1; then
    echo "ensure-deps: stopping the haproxy service (the tests start their own)"
    /etc/init.d/haproxy stop >/dev/null
fi
# Prometheus without its recommends (node exporter and friends would start services of their own).
if ! command -v prometheus >/dev/null; then
    NEED_PACKAGE_OPTIONS=--no-install-recommends need_package prometheus prometheus
fi
# As for HAProxy: each metric-gate test starts its own Prometheus; the Debian service (port 9090)
# is stopped and kept from starting at boot.
if [ -x /etc/init.d/prometheus ] && /etc/init.d/prometheus status >/dev/null 2>&1; then
    echo "ensure-deps: stopping the prometheus service (the tests start their own)"
    /etc/init.d/prometheus stop >/dev/null
fi
if command -v systemctl >/dev/null && systemctl is-enabled prometheus >/dev/null 2>&1; then
    systemctl disable --now prometheus >/dev/null 2>&1 || true
fi
need_package busybox busybox-static
# GNU time measures a command's own peak memory for the tests (`time` alone is the shell's).
need_package /usr/bin/time time
need_package sqlite3 sqlite3
need_package psql postgresql-client
need_package xmllint libxml2-utils
need_package chromium chromium
need_package ssh openssh-client
need_package /usr/sbin/sshd openssh-server
# The CNCF distribution registry and htpasswd: each image-pull test starts its own registry on
# loopback (tests/support/registry.rs); the Debian service is not used.
need_package docker-registry docker-registry
need_package htpasswd apache2-utils
if [ -x /etc/init.d/docker-registry ] && /etc/init.d/docker-registry status >/dev/null 2>&1; then
    echo "ensure-deps: stopping the docker-registry service (the tests start their own)"
    /etc/init.d/docker-registry stop >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
    echo "ensure-deps: starting dockerd (log: build/dockerd.log)"
    nohup dockerd >"$build/dockerd.log" 2>&1 &
    for _ in $(seq 60); do
        docker info >/dev/null 2>&1 && break
        sleep 0.5
    done
    docker info >/dev/null 2>&1 || { echo "ensure-deps: dockerd did not start; see build/dockerd.log" >&2; tail -20 "$build/dockerd.log" >&2; exit 1; }
fi

# The swarm-service strategy's tests need the engine to be a swarm manager: a single-node swarm
# advertising loopback, left on (idempotent: nothing happens when the node is already in a swarm;
# tests/support/swarm.rs does the same on a machine where this script did not run). Swarm mode
# leaves plain containers alone. Its routing mesh needs IPVS in the kernel; without it, services
# publish in host mode only (docs/swarm-service.md).
if [ "$(docker info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null)" != active ]; then
    echo "ensure-deps: making the engine a single-node swarm on 127.0.0.1 (docker swarm init)"
    docker swarm init --advertise-addr 127.0.0.1 >/dev/null
fi

# Caddy reloads its config on every route switch by opening a new SO_REUSEPORT listener and closing
# the old one; without this setting Linux resets the connections still queued on the old one.
migrate=/proc/sys/net/ipv4/tcp_migrate_req
if [ "$(cat "$migrate" 2>/dev/null)" != 1 ]; then
    echo "ensure-deps: setting net.ipv4.tcp_migrate_req=1 (queued connections survive Caddy reloads)"
    echo 1 >"$migrate" || { echo "ensure-deps: cannot set net.ipv4.tcp_migrate_req (needs root)" >&2; exit 1; }
fi

# PostgreSQL for the migration tests: a throwaway cluster owned by the `postgres` user (initdb
# refuses to run as root), loopback only, password auth for the superuser `sluice`.
pg_port=${SLUICE_TEST_PG_PORT:-55432}
pg_password=sluice-test-password
pg_bindir() { ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1 | xargs -r dirname; }
if [ -z "$(pg_bindir)" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "ensure-deps: PostgreSQL is missing; install Debian's postgresql (needs root)" >&2
        exit 1
    fi
    [ "$apt_updated" = 1 ] || apt-get update -qq
    echo "ensure-deps: installing postgresql"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
bindir=$(pg_bindir)
if ! "$bindir/pg_isready" -q -h 127.0.0.1 -p "$pg_port"; then
    cluster="$build/postgres"
    as_postgres=()
    [ "$(id -u)" = 0 ] && as_postgres=(runuser -u postgres --)
    if [ ! -f "$cluster/data/PG_VERSION" ]; then
        echo "ensure-deps: creating a PostgreSQL cluster in build/postgres"
        rm -rf "$cluster"
        mkdir -p "$cluster"
        printf '%s\n' "$pg_password" >"$cluster/password"
        if [ "$(id -u)" = 0 ]; then
            chown -R postgres: "$cluster"
            runuser -u postgres -- test -w "$cluster" || {
                echo "ensure-deps: the postgres user cannot reach $cluster (a parent directory is private?)" >&2; exit 1; }
        fi
        "${as_postgres[@]}" "$bindir/initdb" -D "$cluster/data" -U sluice --pwfile="$cluster/password" \
            --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$cluster/initdb.log" 2>&1 \
            || { echo "ensure-deps: initdb failed; see build/postgres/initdb.log" >&2; tail -20 "$cluster/initdb.log" >&2; exit 1; }
    fi
    echo "ensure-deps: starting PostgreSQL on 127.0.0.1:$pg_port (log: build/postgres/server.log)"
    "${as_postgres[@]}" "$bindir/pg_ctl" -D "$cluster/data" -l "$cluster/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $pg_port -k '' -c max_connections=200" start >/dev/null \
        || { echo "ensure-deps: PostgreSQL did not start; see build/postgres/server.log" >&2; tail -20 "$cluster/server.log" >&2; exit 1; }
fi

# wrangler, the real Cloudflare client, proves the Pages emulator faithful (tests/all/pages_wrangler.rs).
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

# componentize-py builds the Python plugins, componentize-js the JavaScript/TypeScript ones,
# sdk/c/build.sh the C ones (tests/all/plugins_python.rs, plugins_js.rs, plugins_c.rs).
"$root/scripts/ensure-componentize-py.sh"
"$root/scripts/ensure-js-toolchain.sh"
"$root/scripts/ensure-c-toolchain.sh"

# Keycloak's own clients check the Keycloak emulator (tests/all/keycloak_vendor_client.rs).
"$root/scripts/ensure-keycloak-clients.sh"

# moto (the AWS emulator) and the real AWS CLI, for the AWS strategies (tests/all/s3_static.rs).
"$root/scripts/ensure-aws-tools.sh"
