// --r1-pipeline is the graph pipeline r1c runs, with passes left out by
// its `disable` option.
// RUN: rm -rf %t && %mkckpt llama %t
// RUN: r1c %t --emit=mlir-imported | r1-opt --r1-pipeline | FileCheck %s
// RUN: r1c %t --emit=mlir-imported | r1-opt --r1-pipeline=disable=r1-fuse-attention | FileCheck %s --check-prefix=PLAIN
// RUN: r1c %t --emit=mlir-imported | not r1-opt --r1-pipeline=disable=r1-nothing 2>&1 | FileCheck %s --check-prefix=BAD

// CHECK-COUNT-2: r1.attention
// CHECK-NOT: r1.softmax
// PLAIN: r1.softmax
// PLAIN-NOT: r1.attention
// BAD: 'r1-nothing' is not a pass of the r1 pipeline
