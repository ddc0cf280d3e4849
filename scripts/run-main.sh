#!/usr/bin/env bash
# The main job: build r1c, compile the bundled model (models/fortune-v3: a
# small DeepSeek-V3-architecture model — MLA, MoE with the V3 router — and
# its byte-level BPE tokenizer, trained on Debian's fortunes by
# scripts/train_fortune_model.py) for this CPU, and generate text from it
# with r1-run. Also prints its r1 module after the graph pipeline and runs
# r1-opt on the hand-written example examples/tiny-llama.mlir.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

model="$R1_ROOT/models/fortune-v3"
out="$R1_BUILD/models/fortune-v3"
mkdir -p "$(dirname "$out")"
"$R1_BUILD/bin/r1c" "$model" --emit=mlir > "$out.mlir"
"$R1_BUILD/bin/r1c" "$model" -o "$out.r1"
for prompt in "A fool" "The secret of life is" "Q: What is"; do
  echo "r1-run: --prompt \"$prompt\" (temperature 0.8, seed 1)" >&2
  "$R1_BUILD/bin/r1-run" "$out.r1" --prompt "$prompt" -n 80 --temperature 0.8 --top-p 0.95 --seed 1
done
"$R1_BUILD/bin/r1-opt" --r1-infer-shapes "$R1_ROOT/examples/tiny-llama.mlir" > /dev/null
echo "r1c: $out.mlir is its r1 module; $out.r1 holds $(ls "$out.r1" | tr '\n' ' ')" >&2
echo "r1-opt: examples/tiny-llama.mlir verified" >&2
