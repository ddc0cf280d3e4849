//===- R1kDialect.td - the r1k kernel-level dialect ---------*- tablegen -*-===//
//
// r1k is r1's kernel level: a model as the buffers it keeps, the weights it
// reads (and how each derives from checkpoint tensors), the kernels it
// calls with their static parameters, and the call sequence with the
// branches and the steps the runtime performs itself.
//
//===----------------------------------------------------------------------===//

#ifndef R1_IR_R1K_R1KDIALECT_TD
#define R1_IR_R1K_R1KDIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def R1k_Dialect : Dialect {
  let name = "r1k";
  let cppNamespace = "::mlir::r1k";
  let summary = "Kernel-level form of an r1 model: buffers, weights, kernels, calls";
  let description = [{
    An r1k module is what a target compiles and the runtime runs. Its
    module-level ops are symbols:

    - buffers: `r1k.slot` (a per-row buffer a kernel writes and others read:
      `width` elements per token, per encoder-context row, per pair of
      tokens or per (token, context row) pair), `r1k.cache` (`width`
      elements per token the session has seen: KV caches, LSH buckets),
      `r1k.state` (session state a memory unit keeps across calls);
    - `r1k.weight`: a tensor of `weights.bin`, with its storage type, the
      layout its kernel reads, the checkpoint tensors it comes from and the
      derivations applied to them in order;
    - one declaration op per kernel kind (`r1k.kernel.linear`, ...), whose
      attributes are the kernel's static parameters by name; two equal
      declarations are one compiled kernel;
    - `r1k.forward`: the call sequence of one call of the model over its
      `rows` new tokens.

    Inside `r1k.forward`, `r1k.call` runs a kernel on views of buffers
    (`#r1k.view<@buffer, [dims]>`, dims innermost first: a positive dim is
    static, `-r` is r × the buffer's rows, and for a cache `-1` is its
    filled length); `r1k.append` appends a slot's rows to a cache;
    `r1k.layer_skip` and `r1k.fresh_prefill` are branches with regions;
    `r1k.route`, `r1k.experts`, `r1k.lsh_sort`, `r1k.memory_read`,
    `r1k.memory_record` and `r1k.encode` are the steps the runtime performs.
  }];
  let useDefaultAttributePrinterParser = 1;
  let extraClassDeclaration = [{
    void registerAttributes();
  }];
}

class R1k_Op<string mnemonic, list<Trait> traits = []>
    : Op<R1k_Dialect, mnemonic, traits>;

class R1k_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<R1k_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

#endif // R1_IR_R1K_R1KDIALECT_TD
