#!/usr/bin/env bash
# Installs the AWS emulator and the real AWS CLI the AWS strategy tests run against
# (tests/support/moto.rs); cheap when the pinned versions are already there. Needs python3 with
# venv.
#
#   - moto 5.2.5 with its server (PyPI): S3, CloudFront, ECS and Lambda APIs on one loopback port,
#     started per test, never as a service
#   - awscli 1.46.3 (PyPI): the seeds' own commands (`aws s3 sync`, `aws cloudfront ...`) as a
#     cross-check and a benchmark baseline
# Both go into the venv build/py-aws: about 40 s and 150 MB the first time.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
moto_version=5.2.5
awscli_version=1.46.3

venv="$root/build/py-aws"
installed=$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("moto"), m.version("awscli"))' 2>/dev/null || true)
if [ "$installed" != "$moto_version $awscli_version" ]; then
    echo "ensure-deps: installing moto $moto_version and awscli $awscli_version into build/py-aws"
    python3 -m venv --clear "$venv" || { echo "ensure-deps: python3 -m venv failed; install Debian's python3-venv" >&2; exit 1; }
    "$venv/bin/pip" install --quiet --disable-pip-version-check \
        "moto[server]==$moto_version" "awscli==$awscli_version"
fi
