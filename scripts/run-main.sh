#!/usr/bin/env bash
# The main job: build r1c, then run r1-opt on the bundled example model
# (examples/tiny-llama.mlir: the r1 IR of a 2-layer Llama-style decoder) with
# shape inference, printing the refined module.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

"$R1_BUILD/bin/r1-opt" --r1-infer-shapes "$R1_ROOT/examples/tiny-llama.mlir"
