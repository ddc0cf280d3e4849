//===- KernelProgram.h - r1 graph lowered to kernel calls -------*- C++ -*-===//
//
// This file declares the kernel-level form of a model: the graph's @forward
// lowered to a list of calls of fused kernels with static model dims
// (hidden, heads, head dims) and a dynamic token count, plus the steps the
// runtime does itself (appending to the caches, MoE routing and dispatch,
// layer-skip and MLA prefill branches, LSH's bucket sort, the memory unit,
// the encoders).
// Values live in slots: f32 (or i32) buffers of `width` elements per token
// (or per encoder-context row), reused once dead.
// Weights are named by their declaration and the layout the consuming kernel
// reads (a linear's weight is packed into 16-wide panels at compile time).
//
// Targets turn KernelSpecs into code; codegen/host compiles the steps into
// model.so's host program, which hands the runtime its own steps;
// describeProgram gives the runtime's view (runtime/Program.h: the
// buffers, weights, kernels and those runtime steps), which the artifact
// writes as program.txt.
//
//===----------------------------------------------------------------------===//

#ifndef R1_CODEGEN_KERNELPROGRAM_H
#define R1_CODEGEN_KERNELPROGRAM_H

#include "runtime/Program.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace mlir::r1 {

/// One kernel with all its static parameters. Two ops that lower to equal
/// specs share one compiled kernel.
struct KernelSpec {
  enum class Kind {
    Embed,     // dims {C, V}: out[n, C] = table[ids[n]]
    RmsNorm,   // dims {C}, params {eps}
    Linear,    // dims {N, K}, {N, K, 1} (a residual input added) or
               // {N, K, 2} (gated: silu(x·Wᵀ) ⊙ x·Upᵀ, Up a second weight
               // input), flag = has bias, params {} or {eps} (the input
               // RMS-normalized, its gain folded into the weights); weights
               // packed in panels
    Rope,      // dims {H, D, R}, flag = interleaved, params {mscale},
               // table = inv_freq (R/2 values)
    Attention, // dims {H, KV, D, Dv}, flag = causal, params {scale};
               // keys and values are the cache rows 0 .. start + n
    Add,       // flat elementwise, any length
    Mul,
    Silu,
    SwiGlu,    // flat: silu(a) · b
    Slice,     // dims {inner, axis, outer, start, size}: a window of one axis
    HeadMatmul,   // dims {H, Din, Dout}: per-head x[h]·W[h] (MLA absorption)
    MlaAttention, // dims {H, r, dr}, flag = causal, params {scale}: absorbed
                  // MLA over the latent and rope-key caches
    GateScore,    // dims {H}: per row, sigmoid(x·w) (a layer-skip gate)
    GateSelect,   // dims {H}, params {threshold}: per row, the layer's
                  // output where the score ≥ threshold, else its input
    ExpertCombine, // dims {K, H}, flag = has base: base + Σ_j w[j]·y[j]
    Concat,    // dims {inner, outer, axis of each input...}: inputs joined
               // along one axis
    Repeat,    // dims {inner, axis, outer, count}: each slice of one axis
               // `count` times (repeat_interleave)
    LshHash,   // dims {H, D, R, B}: per row, round and head the first
               // argmax of [x·Rot, -x·Rot] (i32); table = the rotations
               // [R][H][D][B/2]
    L2Normalize,  // dims {H, D}: each head's row / max(|row|, 1e-6)
    LshAttention, // dims {H, D, R, chunk, before, after}, flag = causal,
                  // params {scale}: per round, each new row attends to the
                  // keys of its sorted chunk window; per (round, head) row
                  // D + 1 values: the mix, then its logsumexp
    MergeRounds,  // dims {H, D, R}: Σ_r softmax_r(logsumexp) · mix
    ExpertAccumulate, // dims {K, H, e}, flag = has base: base + y · (the
                      // row's weight for expert e, 0 if not chosen)
    // Plain (unfused) attention, on 3-d buffers of any extents:
    SwapOuter,   // out(x, y, z) = in(x, z, y) (transpose [1, 0, 2])
    RepeatOuter, // dims {count}: out(x, y, z) = in(x, y, z / count)
    BatchMatmul, // flag = transpose_rhs: per z, a[M, K]·b[K, N] (or b[N, K]ᵀ)
    Scale,       // params {factor}
    CausalMask,  // scores [z][query][key]: key > query + (keys - queries)
                 // gets the lowest float
    Softmax,     // along the innermost dim
  };
  KernelSpec(Kind kind, llvm::ArrayRef<int64_t> dims,
             llvm::ArrayRef<double> params = {})
      : kind(kind), dims(dims), params(params) {}

  Kind kind;
  llvm::SmallVector<int64_t, 4> dims;
  llvm::SmallVector<double, 2> params;
  std::vector<double> table;
  bool flag = false;
  /// Linear: the packed weights are bf16 (the checkpoint's values), widened
  /// to f32 as they are read.
  bool bf16Weights = false;

  /// The kernel's symbol: its kind and dims, and a hash of everything else,
  /// so equal specs get equal names ("r1k_linear_512x512_0x1a2b3c4d5e6f7081").
  std::string symbol() const;
  bool operator==(const KernelSpec &other) const {
    return kind == other.kind && dims == other.dims &&
           params == other.params && table == other.table &&
           flag == other.flag && bf16Weights == other.bf16Weights;
  }
};

/// How weights.bin holds a weight.
enum class WeightLayout {
  Plain,    // f32, the declared shape, row-major
  Panels16, // f32 [ceil(N/16)][K][16] of a [N, K] matrix, zero-padded; a
            // stack [E, N, K] is E such blocks, or with params {e} only
            // expert e's
  MlaUk,    // kv_b [H·(dn+dv), r] → W_uk as [H][dn][r] (params {H, dn, dv})
  MlaUv,    // kv_b [H·(dn+dv), r] → W_uv as [H][r][dv] (params {H, dn, dv})
  Matrix,   // a [N, K] matrix (or a stack, with params {e} only expert
            // e's) a linear-like kernel reads, viewed as [K, N]; the
            // target chooses how it is held (Target::chooseLayouts)
};

struct ProgramWeight {
  std::string decl; // the r1.weight_decl symbol (manifest.json's name)
  WeightLayout layout;
  llvm::SmallVector<int64_t, 4> shape; // declared shape
  llvm::SmallVector<int64_t, 3> params; // the layout's
  /// The checkpoint tensors it is made of: one, or several stacked along a
  /// new leading dim (MoE experts).
  std::vector<std::string> sources;
  /// FP8 block-quantized weights are expanded at compile time: one scale
  /// tensor per source ([N/rows, K/cols]) and the block shape {rows, cols}.
  std::vector<std::string> scales;
  llvm::SmallVector<int64_t, 2> block;
  /// A [K] checkpoint tensor each column of a [N, K] weight is multiplied
  /// by (an RMSNorm gain folded in at compile time), or empty.
  std::string columnScale;
  /// Panels16 of a checkpoint's bf16 tensor: stored as bf16, exactly (no
  /// FP8 scales or folded gain to round).
  bool bf16 = false;
  /// Where it is declared (errors about its tensors point there).
  LocationAttr loc;
  bool operator==(const ProgramWeight &other) const {
    return decl == other.decl && layout == other.layout &&
           shape == other.shape && params == other.params &&
           sources == other.sources && scales == other.scales &&
           block == other.block && columnScale == other.columnScale &&
           bf16 == other.bf16;
  }
};

/// An operand of a kernel call: a slot, a weight or a cache, seen as a
/// Halide-style buffer (dims innermost first). A negative dim -r is r × the
/// slot's rows (tokens, or context rows); kTokens (-1) is the row dim itself,
/// and for a cache its filled length. kContext is the encoder context's
/// rows in a cross slot's view.
struct KernelArg {
  using Source = r1rt::Arg::Source; // s, w, c as program.txt numbers them

  static constexpr int64_t kTokens = -1;
  static constexpr int64_t kContext = -(int64_t(1) << 40);
  Source source;
  int64_t index;
  llvm::SmallVector<int64_t, 4> dims;
};

// The buffers the runtime allocates and the steps it performs are the
// runtime schema's records (runtime/Program.h, which says what each means);
// describeProgram copies them into the program.txt it describes.
using ProgramSlot = r1rt::Program::Slot;
using ProgramCache = r1rt::Program::Cache;
using ProgramState = r1rt::Program::State;  // memory-unit session state
using EncoderPart = r1rt::Program::Encoder; // the r1 extension's encoders
using RouteStep = r1rt::Route;              // MoE router selection
using ExpertsStep = r1rt::Experts;          // routed experts
using MemoryStep = r1rt::Memory;            // memory-unit read, record
using LshSortStep = r1rt::LshSort;          // LSH bucket sort

/// A layer-skip branch: when no row's score (slot `score`, one per row)
/// reaches `threshold`, the next `count` steps (the layer) are skipped.
struct SkipStep {
  int64_t score;
  double threshold;
  int64_t count;
};

/// A choice between two forms of one computation. Prefill: unless the call
/// starts the sequence (position 0) with at least `minRows` rows, the next
/// `count` steps are skipped. Jump: the next `count` steps are skipped.
struct BranchStep {
  int64_t minRows = 0;
  int64_t count = 0;
};

struct ProgramStep {
  enum class Kind {
    Call,
    Encode, // the encoder parts → `slot` (the context)
    CacheAppend,
    Route,
    Experts,
    Skip,
    MemoryRead,
    MemoryRecord,
    LshSort,
    Prefill,
    Jump
  };
  explicit ProgramStep(Kind kind) : kind(kind) {}
  Kind kind;
  int64_t kernel = -1;                    // Call: index into kernels
  llvm::SmallVector<KernelArg, 4> inputs; // Call
  KernelArg output{};                     // Call
  int64_t cache = -1, slot = -1;          // CacheAppend: slot rows → cache
  RouteStep route{};
  ExpertsStep experts{};
  SkipStep skip{};
  BranchStep branch{};
  MemoryStep memory{};
  LshSortStep lshSort{};
};

/// The whole model as kernel calls.
struct KernelProgram {
  std::vector<KernelSpec> kernels;
  std::vector<ProgramWeight> weights;
  std::vector<ProgramSlot> slots;
  std::vector<ProgramCache> caches;
  std::vector<ProgramState> states;
  std::vector<EncoderPart> encoders;
  std::vector<ProgramStep> steps;
  int64_t idsSlot = 0, positionsSlot = 1, logitsSlot = -1;
  /// Steps from here on are row-wise (norms, linears, elementwise): when only
  /// the last token's logits are wanted they run on the last row alone.
  int64_t rowwiseTail = 0;
  int64_t vocab = 0;
  /// The most tokens a session may hold (config.json's
  /// max_position_embeddings, from the module's r1.max_positions).
  int64_t contextLength = 0;
  /// Attention runs over the call's own rows (plain attention, no KV
  /// cache): every call re-runs the whole sequence from position 0.
  bool replay = false;
  /// The classification head (@classify) on the decoder's final hidden
  /// slot.
  r1rt::Program::Classifier classifier;
};

/// Lowers `module`'s @forward (after the graph pipeline) to a kernel
/// program. Ops the kernels do not cover yet are reported as errors naming
/// the op.
FailureOr<KernelProgram> lowerToKernels(ModuleOp module);

/// Whether the runtime performs steps of `kind` (program.txt's step
/// records, numbered in program order) rather than the host program.
bool isRuntimeStep(ProgramStep::Kind kind);

/// The program as the runtime reads it (runtime/Program.h, program.txt's
/// one schema): its buffers, weights (at `weightRanges`, the (offset,
/// bytes) of each in weights.bin), kernels and runtime steps; not the steps
/// the host program compiles (calls, appends, branches). The target and the
/// files are the artifact writer's to fill in.
r1rt::Program
describeProgram(const KernelProgram &program,
                llvm::ArrayRef<std::pair<uint64_t, uint64_t>> weightRanges);

} // namespace mlir::r1

#endif // R1_CODEGEN_KERNELPROGRAM_H
