#!/usr/bin/env bash
# Builds the plugin's pure logic natively (no wasm) with its test and runs it.
#
#   ./test.sh            (CC_NATIVE is the native compiler; default: cc)
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p build
"${CC_NATIVE:-cc}" -Wall -Wextra -Werror -I plugin -o build/test_naming test/test_naming.c plugin/naming.c
build/test_naming
