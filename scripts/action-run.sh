#!/usr/bin/env bash
# The GitHub Action's run step (action.yml): `sluice $SLUICE_ARGS`, the arguments split at
# spaces. sluice inherits the job's environment, GITHUB_* included.
set -euo pipefail
read -ra args <<<"${SLUICE_ARGS:?the input 'args' is empty}"
exec sluice "${args[@]}"
