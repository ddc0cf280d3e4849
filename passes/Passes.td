//===- Passes.td - r1 passes -------------------------------*- tablegen -*-===//
//
// Every r1 pass, declared once here: flag, summary, options. One .cpp per
// pass in this folder; one lit test per pass in test/passes.
//
//===----------------------------------------------------------------------===//

#ifndef R1_PASSES_PASSES_TD
#define R1_PASSES_PASSES_TD

include "mlir/Pass/PassBase.td"

def InferShapes : Pass<"r1-infer-shapes", "::mlir::ModuleOp"> {
  let summary = "refine dynamic dims of r1 results from their operands";
  let description = [{
    Re-runs the shape inference of every r1 op in program order and narrows
    result types to what the operands imply (for example, a `tensor<?x64xf32>`
    result of an op whose input is `tensor<8x64xf32>` becomes
    `tensor<8x64xf32>`). Function signatures are updated to the refined
    types of their returns. Types only ever get more static.
  }];
  let dependentDialects = ["::mlir::r1::R1Dialect"];
}

#endif // R1_PASSES_PASSES_TD
