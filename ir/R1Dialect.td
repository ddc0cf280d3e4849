//===- R1Dialect.td - the r1 dialect ------------------------*- tablegen -*-===//
//
// The r1 dialect describes DeepSeek-R1-family transformer models at graph
// level: tensor ops on ranked tensors, with weights as symbols into the
// model's weight table.
//
//===----------------------------------------------------------------------===//

#ifndef R1_IR_R1DIALECT_TD
#define R1_IR_R1DIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def R1_Dialect : Dialect {
  let name = "r1";
  let cppNamespace = "::mlir::r1";
  let summary = "Graph-level ops of DeepSeek-R1-family transformer models";
  let description = [{
    The r1 dialect holds a whole transformer model at graph level: embeddings,
    norms, projections, rotary embeddings, attention (dense, MLA, LSH, cross),
    a memory unit, routing (MoE, layer-skip gates), output heads and
    quantized weights. Activations are ranked tensors whose leading dims are
    batch/sequence dims and may be dynamic; model dims are static. Weights are
    never inlined: `r1.weight` names a `r1.weight_decl` symbol that the weight
    table (the checkpoint, later `weights.bin`) backs.
  }];
  let useDefaultAttributePrinterParser = 1;
  let dependentDialects = ["::mlir::func::FuncDialect"];
  let extraClassDeclaration = [{
    /// Registers the attributes; lives beside their storage classes.
    void registerAttributes();
  }];
}

class R1_Op<string mnemonic, list<Trait> traits = []>
    : Op<R1_Dialect, mnemonic, traits>;

class R1_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<R1_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

#endif // R1_IR_R1DIALECT_TD
