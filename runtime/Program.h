//===- Program.h - the artifact's program.txt -------------------*- C++ -*-===//
//
// program.txt is the kernel-level model r1c writes and the runtime runs,
// one record per line, fields separated by single spaces:
//
//   r1-program VERSION
//   target NAME FEATURE,FEATURE,...   ("-" for none)
//   file NAME BYTES SHA256            (model.so, weights.bin)
//   vocab V
//   slot WIDTH f32|i32 [context]      (slot i: WIDTH elements per token, or
//                                      per row of the encoder context)
//   encoder image C H W PATCH POSITION EMBED BIAS NORM_W NORM_B EPS
//   encoder audio LENGTH HOP EMBED BIAS NORM_W NORM_B EPS
//                                     (the context's parts, in order; the
//                                      capitals after the shape are weights)
//   cache WIDTH f32|i32               (cache i: WIDTH elements per cached
//                                      token)
//   weight OFFSET BYTES               (weight i in weights.bin, f32)
//   kernel SYMBOL                     (kernel i: SYMBOL_argv in model.so)
//   ids SLOT / positions SLOT / logits SLOT
//   classify HIDDEN WEIGHT BIAS LABELS last|mean
//                                     (label logits = WEIGHT·pool(HIDDEN's
//                                      rows) + BIAS; BIAS a weight or -1)
//   tail STEP                         (steps from STEP on are row-wise: for
//                                      the last token's logits alone they
//                                      run on the last row only)
//   call KERNEL ARG... OUT            (inputs, then the output)
//   append CACHE SLOT                 (slot rows → cache at the position)
//   encode SLOT                       (the encoders → the context SLOT)
//   route LOGITS BIAS WEIGHTS INDICES sigmoid|softmax E GROUPS TOPK_GROUPS K
//         NORMALIZE SCALING           (MoE router selection; BIAS a weight
//                                      or -1)
//   state WEIGHT ROWS WIDTH           (session state, e.g. memory keys,
//                                      starting as weight WEIGHT)
//   memread X GATE KEYS VALUES OUT K  (memory read: X, GATE, OUT slots;
//                                      KEYS, VALUES states)
//   memrecord X KEYS VALUES DECAY     (X's rows update the state when the
//                                      call ends)
//   prefill MIN_ROWS COUNT            (unless the call starts the sequence
//                                      with at least MIN_ROWS rows, the next
//                                      COUNT steps are skipped)
//   jump COUNT                        (the next COUNT steps are skipped)
//   lshsort BUCKETS SORTED RANK COUNT (LSH: per column of the i32 cache
//                                      BUCKETS, every cached row stably
//                                      counting-sorted by its bucket in
//                                      [0, COUNT); row k of SORTED holds the
//                                      k-th position, row j of RANK where
//                                      position j went)
//   experts E K I H IN INDICES OUT GATED_KERNEL DOWN_KERNEL GATE UP DOWN
//                                     (routed experts: each token's K chosen
//                                      experts' SwiGLU outputs → OUT, K·H per
//                                      token; GATE/UP/DOWN: weight args
//                                      viewing one expert of E stacked ones)
//   skip SCORE THRESHOLD COUNT        (layer-skip branch: when no row of
//                                      SCORE reaches THRESHOLD, the next
//                                      COUNT steps are skipped)
//
// An ARG is s|w|c (slot, weight, cache), an index, ':' and its dims,
// innermost first: a positive dim is static; -r is r × the rows (the
// call's tokens, or the encoder context's rows for a context slot); for a
// cache, -1 is its filled length.
//
// parseProgram validates every index, width and dim product, so a hostile
// program can only be refused, never make the runtime read out of bounds.
//
//===----------------------------------------------------------------------===//

#ifndef R1_RUNTIME_PROGRAM_H
#define R1_RUNTIME_PROGRAM_H

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace r1rt {

inline constexpr int64_t kProgramVersion = 3;

struct Arg {
  enum class Source { Slot, Weight, Cache };
  Source source;
  int64_t index;
  std::vector<int64_t> dims;
};

struct Route {
  int64_t logits, bias, weights, indices;
  bool sigmoid;
  int64_t experts, groups, topkGroups, topK;
  bool normalize;
  float scaling;
};

struct Experts {
  int64_t experts, topK, intermediate, hidden;
  int64_t input, indices, output;
  int64_t gatedKernel, downKernel;
  Arg gate, up, down;
};

struct Skip {
  int64_t score;
  float threshold;
  int64_t count;
  int64_t minRows; // prefill
};

struct Memory {
  int64_t input, gate, keys, values, output, topK;
  float decay;
};

struct LshSort {
  int64_t buckets, sorted, rank, count;
};

struct Step {
  enum class Kind {
    Call,
    Append,
    Encode,
    Route,
    Experts,
    Skip,
    MemoryRead,
    MemoryRecord,
    LshSort,
    Prefill,
    Jump
  };
  Kind kind = Kind::Call;
  int64_t kernel = -1;           // call
  std::vector<Arg> args;         // call: inputs then output
  int64_t cache = -1, slot = -1; // append
  Route route{};
  Experts experts{};
  Skip skip{}; // skip, prefill, jump (score and threshold: skip only)
  Memory memory{};
  LshSort lshSort{};
};

struct FileCheck {
  std::string name;
  uint64_t bytes;
  std::string sha256;
};

struct Program {
  std::string target;
  std::vector<std::string> features;
  std::vector<FileCheck> files;
  int64_t vocab = 0;
  struct Slot {
    int64_t width;
    bool isInt;
    bool context = false;
  };
  struct Encoder {
    bool image;
    int64_t channels = 0, height = 0, width = 0, patch = 0, position = -1;
    int64_t length = 0, hop = 0;
    int64_t embed, bias, normWeight, normBias;
    float eps;
  };
  std::vector<Encoder> encoders;
  std::vector<Slot> slots;
  struct Cache {
    int64_t width;
    bool isInt;
  };
  std::vector<Cache> caches;
  struct State {
    int64_t initial, rows, width;
  };
  std::vector<State> states;
  struct Weight {
    uint64_t offset, bytes;
  };
  std::vector<Weight> weights;
  std::vector<std::string> kernels;
  int64_t ids = -1, positions = -1, logits = -1;
  int64_t tail = -1;
  struct Classifier {
    int64_t hidden = -1, weight = -1, bias = -1, labels = 0;
    bool mean = false;
  } classifier;
  std::vector<Step> steps;
};

/// Parses and validates `text`; on failure returns false with a message
/// naming the line.
bool parseProgram(std::string_view text, Program &program, std::string &error);

} // namespace r1rt

#endif // R1_RUNTIME_PROGRAM_H
