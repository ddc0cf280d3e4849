#!/bin/sh
# concurrent_sessions_tsan.sh BINARY TOOLS WORK: compiles two fixtures with
# TOOLS/r1c (a Llama, and one with the memory unit, whose state sessions
# own) and runs BINARY, r1rt-concurrent-sessions built with ThreadSanitizer,
# on each; TSAN_OPTIONS=halt_on_error=1 makes any race report fail it.
set -eu
bin=$1
tools=$2
work=$3
here=$(dirname "$0")
rm -rf "$work"
mkdir -p "$work"
/usr/bin/python3 "$here/../fixtures/make_checkpoint.py" llama "$work/llama"
/usr/bin/python3 "$here/../fixtures/make_checkpoint.py" r1ext "$work/memory" \
  --features memory
for model in llama memory; do
  "$tools/r1c" "$work/$model" -q -o "$work/$model.r1"
  "$bin" "$work/$model.r1"
done
