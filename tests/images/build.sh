#!/bin/sh
# Builds the test images from scratch (no registry needed) with the legacy builder:
#   sluice-test-busybox:latest   Debian's static busybox (the base of the others)
#   sluice-test-web:v1, :v2      healthy httpd on :8080 saying "v1" / "v2", with a HEALTHCHECK
#   sluice-test-web:bad-health   /cgi-bin/health answers 500, /health 404
#   sluice-test-web:crash        exits at once with code 3
#   sluice-test-web:slow         answers (and turns healthy) only after ~3 s
#   sluice-test-web:slow-start   listens only after 8 s, no HEALTHCHECK
#   sluice-test-web:flaky        `/` answers 500 to 20% of requests (evenly), 200 "flaky" otherwise
# Usage: tests/images/build.sh [SOURCES]   (SOURCES is recorded as the label sluice.test.sources)
# BUSYBOX overrides the static busybox binary (default /bin/busybox).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
sources=${1:-manual}
busybox=${BUSYBOX:-/bin/busybox}

context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
cp -R "$here/web/." "$context/"
cp "$busybox" "$context/busybox"

export DOCKER_BUILDKIT=0
build() { # TAG DOCKERFILE [ARGS...]
    tag=$1 dockerfile=$2
    shift 2
    docker build --quiet --build-arg "SOURCES=$sources" "$@" \
        -t "$tag" -f "$context/$dockerfile" "$context" >/dev/null
    echo "built $tag"
}

build sluice-test-busybox:latest Dockerfile.base
build sluice-test-web:v1 Dockerfile.good --build-arg VERSION=v1
build sluice-test-web:v2 Dockerfile.good --build-arg VERSION=v2
build sluice-test-web:bad-health Dockerfile.bad-health
build sluice-test-web:crash Dockerfile.crash
build sluice-test-web:slow Dockerfile.slow
build sluice-test-web:slow-start Dockerfile.slow-start
build sluice-test-web:flaky Dockerfile.flaky --build-arg VERSION=flaky --build-arg FAIL_PERCENT=20
