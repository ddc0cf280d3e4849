#!/usr/bin/env bash
# Builds r1c and runs every test (lit + FileCheck suites and GoogleTest unit
# tests) through ctest; the last line is ctest's summary.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

cd "$R1_BUILD"
ctest --output-on-failure -j "$(nproc)"
