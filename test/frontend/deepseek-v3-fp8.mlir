// DeepSeek-V3 FP8 checkpoints load as shipped: e4m3 weights with their
// 128×128 block scales (weight_scale_inv), expanded by r1.dequantize;
// stacked experts keep per-expert scales.
// RUN: rm -rf %t && %mkckpt deepseek_v3 %t --fp8 --dtype bf16
// RUN: r1c %t --emit=mlir-imported 2>&1 | FileCheck %s

// CHECK-NOT: warning
// CHECK-DAG: r1.weight_decl @model.layers.0.self_attn.q_a_proj.weight : tensor<32x64xf8E4M3FN> {quant = #r1.quant<fp8_e4m3, block = [128, 128]>}
// CHECK-DAG: r1.weight_decl @model.layers.0.self_attn.q_a_proj.weight_scale_inv : tensor<1x1xf32>
// CHECK-DAG: r1.weight_decl @model.layers.1.mlp.experts.down_proj.weight : tensor<8x64x32xf8E4M3FN> {quant = #r1.quant<fp8_e4m3, block = [128, 128]>, stack = [
// CHECK-DAG: r1.weight_decl @model.layers.1.mlp.experts.down_proj.weight_scale_inv : tensor<8x1x1xf32> {stack = [
// CHECK-DAG: r1.weight_decl @model.embed_tokens.weight : tensor<256x64xbf16>
// CHECK-LABEL: func.func private @decoder
// CHECK: r1.dequantize {{.*}} : (tensor<32x64xf8E4M3FN>, tensor<1x1xf32>) -> tensor<32x64xbf16>
// CHECK: r1.dequantize {{.*}} : (tensor<8x64x32xf8E4M3FN>, tensor<8x1x1xf32>) -> tensor<8x64x32xbf16>
