#!/usr/bin/env bash
# Builds r1c and runs every test (lit + FileCheck suites and GoogleTest unit
# tests) through ctest; the last line is ctest's summary.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

# The tokenizer's differential test compares with HuggingFace's tokenizers.js
# from the npm registry; without network it is skipped, not failed.
js="$R1_BUILD/js/node_modules/@huggingface/tokenizers"
if [[ ! -d "$js" ]] && command -v npm > /dev/null; then
  npm install --silent --ignore-scripts --prefix "$R1_BUILD/js" @huggingface/tokenizers \
    > /dev/null 2>&1 || echo "r1c tests: tokenizers.js not installed; its differential test will be skipped"
fi
export R1_TOKENIZERS_JS="$js"

cd "$R1_BUILD"
ctest --output-on-failure -j "$(nproc)"
