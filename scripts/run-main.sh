#!/usr/bin/env bash
# The main job: build r1c, generate a small random Llama-style checkpoint
# (test/fixtures/make_checkpoint.py; no trained model is bundled yet), compile
# it for this CPU with r1c, and generate 32 tokens from it with r1-run. Also
# prints the r1 module after the graph pipeline, and runs r1-opt on the
# hand-written example examples/tiny-llama.mlir.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

model="$R1_BUILD/models/tiny-llama"
rm -rf "$model"
/usr/bin/python3 "$R1_ROOT/test/fixtures/make_checkpoint.py" llama "$model"
"$R1_BUILD/bin/r1c" "$model" --emit=mlir > "$model.mlir"
"$R1_BUILD/bin/r1c" "$model" -o "$model.r1"
echo "r1-run: generating 32 tokens after the prompt 1,2,3,4 (ids; the random model has no tokenizer)" >&2
"$R1_BUILD/bin/r1-run" "$model.r1" --tokens 1,2,3,4 -n 32
"$R1_BUILD/bin/r1-opt" --r1-infer-shapes "$R1_ROOT/examples/tiny-llama.mlir" > /dev/null
echo "r1c: $model.mlir is its r1 module; $model.r1 holds $(ls "$model.r1" | tr '\n' ' ')" >&2
echo "r1-opt: examples/tiny-llama.mlir verified" >&2
