#!/usr/bin/env bash
# Builds the sluice image (the Dockerfile at the top of the repository, FROM scratch) around a
# static sluice binary: gathers the build context (the binary, this machine's CA certificates,
# the Dockerfile) in a temporary folder, so nothing else of the checkout goes to the engine.
#
#   scripts/build-image.sh BINARY TAG      e.g. scripts/build-image.sh dist/sluice sluice:dev
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
binary=${1:?usage: build-image.sh BINARY TAG}
tag=${2:?usage: build-image.sh BINARY TAG}
certs=/etc/ssl/certs/ca-certificates.crt
[ -f "$certs" ] || { echo "build-image: $certs is missing (Debian's ca-certificates)" >&2; exit 1; }
context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
cp "$binary" "$context/sluice"
cp "$certs" "$context/ca-certificates.crt"
cp "$root/Dockerfile" "$context/Dockerfile"
# The legacy builder: FROM scratch needs nothing pulled.
DOCKER_BUILDKIT=0 docker build --quiet --tag "$tag" "$context" >/dev/null
echo "built $tag from $binary"
