#!/usr/bin/env bash
# The GitHub Action's install step (action.yml): puts sluice $SLUICE_VERSION (default: the ref
# the action is used at) on the job's PATH, through $GITHUB_PATH:
#   1. installed before in this runner's tool cache: nothing to do;
#   2. else the static binary, copied out of the image $SLUICE_IMAGE:$SLUICE_VERSION;
#   3. else `cargo install` from the action's repository at that tag (minutes; needs a Rust
#      toolchain with the wasm32-wasip2 target).
set -euo pipefail
version=${SLUICE_VERSION:-${GITHUB_ACTION_REF:-}}
if [ -z "$version" ]; then
    echo "::error title=sluice action::no version to install: set the input 'version', or use the action at a tag (your-org/sluice@v0.1.0)"
    exit 1
fi
image=${SLUICE_IMAGE:?the input 'image' is empty}
dir="${RUNNER_TOOL_CACHE:-$HOME/.cache}/sluice/$version"
mkdir -p "$dir"

if [ -x "$dir/sluice" ]; then
    echo "sluice $version: already installed in $dir"
elif container=$(docker create "$image:$version" 2>/dev/null); then
    docker cp "$container:/usr/local/bin/sluice" "$dir/sluice" >/dev/null
    docker rm "$container" >/dev/null
    echo "sluice $version: copied out of $image:$version"
else
    echo "sluice $version: $image:$version is not available; building it with cargo"
    repository="${GITHUB_SERVER_URL:-https://github.com}/${GITHUB_ACTION_REPOSITORY:?}"
    cargo install --locked --git "$repository" --tag "$version" --root "$dir/cargo" sluice
    mv "$dir/cargo/bin/sluice" "$dir/sluice"
fi
"$dir/sluice" --version
echo "$dir" >>"${GITHUB_PATH:?the runner sets GITHUB_PATH}"
