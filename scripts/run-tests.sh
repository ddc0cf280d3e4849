#!/usr/bin/env bash
# Builds r1c and runs every test (lit + FileCheck suites and GoogleTest unit
# tests) through ctest; the last line is ctest's summary. Before that, in
# build folders of their own beside $R1_BUILD (ccache makes a second run
# quick), it builds and runs under sanitizers what reads untrusted bytes:
#   build-asan  ASan+UBSan: the readers', runtime's and tokenizer's unit
#               tests and the hostile-input lit tests (ctest -L asan)
#   build-tsan  TSan: the runtime's concurrent-sessions test (-L tsan)
#   build-fuzz  clang-19 libFuzzer: every fuzz target for
#               R1_FUZZ_SECONDS (default 20) each (-L fuzz)
# Any report (error, leak, race, crash, timeout, out-of-memory) fails the
# run there. R1_SANITIZERS=0 skips the three.
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

# r1_part NAME FOLDER TARGET LABEL CMAKE_ARGS...: configures FOLDER, builds
# TARGET there and runs its ctest entries labelled LABEL, saying how long
# the build and the tests took.
r1_part() {
  local name=$1 dir=$2 target=$3 label=$4
  shift 4
  local start=$SECONDS
  cmake -G Ninja -S "$R1_ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=Release \
    -DR1_TOOLS_DIR="$R1_BUILD/bin" "$@" > /dev/null
  cmake --build "$dir" -j "$(nproc)" --target "$target"
  local built=$SECONDS
  ctest --test-dir "$dir" -L "$label" -j "$(nproc)" --output-on-failure
  echo "r1c tests: $name: build $((built - start)) s, tests $((SECONDS - built)) s"
}

if [[ "${R1_SANITIZERS:-1}" != 0 ]]; then
  # abort_on_error: a report kills the process with SIGABRT, which lit's
  # `not` counts as a failure (an exit code would pass `not r1c ...`).
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
  export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1"
  r1_part asan "$R1_BUILD-asan" r1-asan-tests asan -DR1_ENABLE_ASAN=ON
  r1_part tsan "$R1_BUILD-tsan" r1rt-concurrent-sessions tsan \
    -DR1_ENABLE_TSAN=ON
  r1_part fuzz "$R1_BUILD-fuzz" r1-fuzzers fuzz -DR1_FUZZ=ON \
    -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
    -DR1_FUZZ_SECONDS="${R1_FUZZ_SECONDS:-20}"
  unset ASAN_OPTIONS UBSAN_OPTIONS
fi

cd "$R1_BUILD"
ctest --output-on-failure -j "$(nproc)"
