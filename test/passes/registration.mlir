// r1-opt knows every r1 pass and the upstream dialects r1 lowers through.
// RUN: r1-opt --help | FileCheck %s --check-prefix=PASSES
// RUN: r1-opt %s | FileCheck %s

// PASSES-DAG: --r1-absorb-mla
// PASSES-DAG: --r1-fuse-attention
// PASSES-DAG: --r1-infer-shapes
// PASSES-DAG: --r1-specialize-lsh
// PASSES-DAG: --r1-specialize-routing
// PASSES-DAG: --r1-fuse-linear
// PASSES-DAG: --canonicalize

// CHECK-LABEL: func.func @upstream
func.func @upstream(%a: memref<4xf32>, %t: tensor<4xf32>) -> tensor<4xf32> {
  %c0 = arith.constant 0 : index
  // CHECK: scf.for
  scf.for %i = %c0 to %c0 step %c0 {
    %x = memref.load %a[%i] : memref<4xf32>
    %y = math.exp %x : f32
    memref.store %y, %a[%i] : memref<4xf32>
  }
  // CHECK: linalg.generic
  %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                       iterator_types = ["parallel"]} ins(%t : tensor<4xf32>) outs(%t : tensor<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<4xf32>
  // CHECK: vector.broadcast
  %v = vector.broadcast %c0 : index to vector<4xindex>
  return %r : tensor<4xf32>
}

// CHECK: gpu.module
gpu.module @kernels {
  gpu.func @k() kernel {
    // CHECK: nvvm.read.ptx.sreg.tid.x
    %0 = nvvm.read.ptx.sreg.tid.x : i32
    gpu.return
  }
}
// CHECK: llvm.func @ext
llvm.func @ext()
