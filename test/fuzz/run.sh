#!/usr/bin/env bash
# Runs one fuzz target for a fixed time on its seeds and its growing corpus.
#
#   test/fuzz/run.sh NAME SECONDS [BUILD] [libFuzzer flags...]
#
# BUILD is the -DR1_FUZZ=ON build folder (default: build-fuzz beside this
# checkout's build/). Seeds, dictionaries and fixtures are in
# BUILD/test/fuzz/data (make_seeds.py; `ctest --test-dir BUILD -R fuzz.seeds`
# writes them). New inputs go to data/corpus/NAME, crashes to
# data/crashes/NAME-*. Exits non-zero on any crash, leak, timeout (10 s on
# one input) or out-of-memory (2 GiB), as libFuzzer does.
set -euo pipefail
name="$1"
seconds="$2"
build="${3:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build-fuzz}"
shift $(($# < 3 ? $# : 3))
data="$build/test/fuzz/data"
fuzzer="$build/bin/r1-fuzz-$name"
[[ -x "$fuzzer" ]] || { echo "run.sh: no $fuzzer (ninja -C $build r1-fuzzers)" >&2; exit 2; }
[[ -d "$data/seeds/$name" ]] || { echo "run.sh: no seeds in $data (ctest --test-dir $build -R fuzz.seeds)" >&2; exit 2; }
mkdir -p "$data/corpus/$name" "$data/crashes"
dict=()
[[ -f "$data/dicts/$name.dict" ]] && dict=(-dict="$data/dicts/$name.dict")
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
exec "$fuzzer" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
  -print_final_stats=1 -artifact_prefix="$data/crashes/$name-" "${dict[@]}" "$@" \
  "$data/corpus/$name" "$data/seeds/$name"
