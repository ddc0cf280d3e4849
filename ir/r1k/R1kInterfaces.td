//===- R1kInterfaces.td - r1k op interfaces -----------------*- tablegen -*-===//

#ifndef R1_IR_R1K_R1KINTERFACES_TD
#define R1_IR_R1K_R1KINTERFACES_TD

include "mlir/IR/OpBase.td"

def R1k_KernelInterface : OpInterface<"KernelInterface"> {
  let cppNamespace = "::mlir::r1k";
  let description = [{
    A kernel declaration (`r1k.kernel.*`): the number of buffers a call
    passes it before its output, which every target's kernel of that kind
    takes in the order the kind's description gives.
  }];
  let methods = [
    InterfaceMethod<"the views a call passes before its output", "int64_t",
                    "getNumInputs">,
  ];
}

#endif // R1_IR_R1K_R1KINTERFACES_TD
