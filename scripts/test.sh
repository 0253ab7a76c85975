#!/usr/bin/env bash
# The whole test suite on a fresh machine: install dependencies, build, run every unit and
# integration test through ctest. Exit status 0 only if everything passed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh
cd "${BUILD_DIR:-build}"
# Integration tests are RUN_SERIAL, so -j only overlaps unit tests.
ctest --output-on-failure -j "${CTEST_JOBS:-2}" --timeout 1200 "$@"
