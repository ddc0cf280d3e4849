#!/usr/bin/env bash
# ThreadSanitizer check of the runtime: builds the runtime and
# r1rt-stress-sessions with -DR1_ENABLE_TSAN=ON in build-tsan/, compiles
# tiny checkpoints with the regular build's r1c (build/bin/r1c, which must
# exist), and runs the stress test on each with Halide's thread pool and
# without it. Exits non-zero on any TSan report or mismatch.
#   bash scripts/run-tsan.sh [THREADS [ROUNDS]]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
threads="${1:-16}" rounds="${2:-4}"
cmake -G Ninja -S "$root" -B "$root/build-tsan" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DR1_ENABLE_TSAN=ON > /dev/null
ninja -C "$root/build-tsan" r1rt-stress-sessions > /dev/null
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export R1C_CACHE_DIR="$root/build/kernel-cache"
export TSAN_OPTIONS="suppressions=$root/test/runtime/tsan.supp halt_on_error=1"
mk() { /usr/bin/python3 "$root/test/fixtures/make_checkpoint.py" "$@"; }
mk llama "$work/llama"
mk deepseek_v3 "$work/v3"
mk r1ext "$work/memory" --features memory
for m in llama v3 memory; do
  "$root/build/bin/r1c" "$work/$m" -q -o "$work/$m.r1"
done
"$root/build/bin/r1c" "$work/llama" -q -o "$work/replay.r1" --disable-pass=r1-fuse-attention
for m in llama v3 memory replay; do
  for kernel_threads in 0 1; do # 0: all cores (Halide's pool), 1: none
    echo "tsan: $m, kernel threads $kernel_threads"
    "$root/build-tsan/bin/r1rt-stress-sessions" "$work/$m.r1" "$work" \
      "$threads" "$rounds" "$kernel_threads"
  done
done
