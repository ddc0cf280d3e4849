#!/usr/bin/env bash
# The main job: build r1c, generate a small random Llama-style checkpoint
# (test/fixtures/make_checkpoint.py; there is no bundled trained model yet),
# and import it with r1c into the r1 dialect through the default graph
# pipeline, printing the module; write its artifact folder (weights.bin,
# manifest.json, model.mlir). Also runs r1-opt with shape inference on the
# hand-written example examples/tiny-llama.mlir.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

model="$R1_BUILD/models/tiny-llama"
rm -rf "$model"
/usr/bin/python3 "$R1_ROOT/test/fixtures/make_checkpoint.py" llama "$model"
"$R1_BUILD/bin/r1c" "$model" --emit=mlir
"$R1_BUILD/bin/r1c" "$model" --emit=artifact -o "$model.r1"
"$R1_BUILD/bin/r1-opt" --r1-infer-shapes "$R1_ROOT/examples/tiny-llama.mlir" > /dev/null
echo "r1c: imported $model, wrote $model.r1 ($(ls "$model.r1" | tr '\n' ' '))" >&2
echo "r1-opt: examples/tiny-llama.mlir verified" >&2
