//===- Program.h - the artifact's program.txt -------------------*- C++ -*-===//
//
// program.txt describes what model.so's compiled host program (r1host.h)
// assumes and the steps the runtime performs for it, one record per line,
// fields separated by single spaces:
//
//   r1-program VERSION
//   target NAME FEATURE,FEATURE,...   ("-" for none)
//   file NAME BYTES DIGEST            (model.so, weights.bin; DIGEST as
//                                      runtime/Digest.h defines it)
//   vocab V
//   context N                         (the most tokens a session holds:
//                                      max_position_embeddings)
//   slot WIDTH f32|i32 [context|square|cross]
//                                     (slot i: WIDTH elements per token, per
//                                      row of the encoder context, per pair
//                                      of tokens or per (token, context row)
//                                      pair: plain attention's scores)
//   encoder image C H W PATCH POSITION EMBED BIAS NORM_W NORM_B EPS
//   encoder audio LENGTH HOP EMBED BIAS NORM_W NORM_B EPS
//                                     (the context's parts, in order; the
//                                      capitals after the shape are weights)
//   cache WIDTH f32|i32               (cache i: WIDTH elements per cached
//                                      token)
//   weight OFFSET BYTES [bf16]        (weight i in weights.bin, f32 or
//                                      bf16)
//   kernel SYMBOL                     (kernel i: SYMBOL_argv in model.so)
//   ids SLOT / positions SLOT / logits SLOT
//   replay                            (attention sees only a call's rows:
//                                      each call re-runs the whole
//                                      sequence from position 0)
//   classify HIDDEN WEIGHT BIAS LABELS last|mean
//                                     (label logits = WEIGHT·pool(HIDDEN's
//                                      rows) + BIAS; BIAS a weight or -1)
//   state WEIGHT ROWS WIDTH           (session state, e.g. memory keys,
//                                      starting as weight WEIGHT)
//
// and the runtime steps, numbered from 0 in file order; the host program
// calls them by that number:
//
//   encode SLOT                       (the encoders → the context SLOT)
//   route LOGITS BIAS WEIGHTS INDICES sigmoid|softmax E GROUPS TOPK_GROUPS K
//         NORMALIZE SCALING           (MoE router selection; BIAS a weight
//                                      or -1)
//   memread X GATE KEYS VALUES OUT K  (memory read: X, GATE, OUT slots;
//                                      KEYS, VALUES states)
//   memrecord X KEYS VALUES DECAY     (X's rows update the state when the
//                                      call ends)
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
//
// An ARG is s|w|c (slot, weight, cache), an index, ':' and its dims,
// innermost first: a positive dim is static; -r is r × the rows (the
// call's tokens, or the encoder context's rows for a context slot); for a
// cache, -1 is its filled length.
//
// This header is the one definition of that format: r1c fills a Program
// and writes it with printProgram, the runtime reads it with parseProgram.
// parseProgram validates every index, width and dim product, so a hostile
// program can only be refused, never make the runtime read out of bounds.
// The kernel calls, cache appends and branches are model.so's; the runtime
// checks that model.so was compiled against these records by comparing its
// r1_host_layout with hostLayout(program).
//
//===----------------------------------------------------------------------===//

#ifndef R1_RUNTIME_PROGRAM_H
#define R1_RUNTIME_PROGRAM_H

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace r1rt {

inline constexpr int64_t kProgramVersion = 5;

/// An argument of a runtime step's kernel call: a slot, a weight or a cache
/// seen as a dense buffer, dims innermost first (see ARG above).
struct Arg {
  enum class Source { Slot, Weight, Cache };
  Source source;
  int64_t index;
  std::vector<int64_t> dims;
};

/// MoE router selection (r1.router's rule): from each token's router
/// logits, the top-k experts with their weights.
struct Route {
  int64_t logits = 0, bias = -1;    // slot; weight or -1
  int64_t weights = 0, indices = 0; // slots [k] f32, [k] i32
  bool sigmoid = false;
  int64_t experts = 0, groups = 0, topkGroups = 0, topK = 0;
  bool normalize = false;
  float scaling = 0;
};

/// Routed experts (r1.expert_ffn): the (token, choice) rows grouped by
/// expert (counting sort), each chosen expert's SwiGLU run once over its
/// rows with the gated (gate and up) and down kernels, each result put back
/// at its (token, choice) row of `output` ([K·H] per token).
struct Experts {
  int64_t experts = 0, topK = 0, intermediate = 0, hidden = 0;
  int64_t input = 0, indices = 0, output = 0; // slots
  int64_t gatedKernel = 0, downKernel = 0; // silu(x·gateᵀ) ⊙ x·upᵀ, ·downᵀ
  Arg gate{}, up{}, down{}; // one expert's view of each stacked weight
};

/// Memory-unit steps on session state `keys`/`values` (indices into
/// Program::states). Read: out = x + sigmoid(gate) ⊙ softmax(top-k of
/// keys·x/√E)·values, with the state of the call's start. Record: x's rows
/// are written into the state (r1.memory_update) when the call ends.
struct Memory {
  int64_t input = 0, gate = -1;  // slots (gate: read only)
  int64_t keys = 0, values = 0;  // states
  int64_t output = -1, topK = 0; // read only
  float decay = 0;               // record only
};

/// LSH bucket sort: per column c (a round and head) of the i32 cache
/// `buckets`, the cached rows stably counting-sorted by bucket: row k of
/// `sorted` holds the k-th row's position, row j of `rank` where position j
/// went. Buckets are in [0, count).
struct LshSort {
  int64_t buckets = 0, sorted = 0, rank = 0; // i32 caches of one width
  int64_t count = 0;
};

/// A runtime step: work the compiled host program hands back to the runtime.
struct Step {
  enum class Kind { Encode, Route, Experts, MemoryRead, MemoryRecord, LshSort };
  Kind kind = Kind::Encode;
  int64_t slot = -1; // encode
  Route route{};
  Experts experts{};
  Memory memory{};
  LshSort lshSort{};
};

struct FileCheck {
  std::string name;
  uint64_t bytes;
  std::string digest; // runtime/Digest.h
};

struct Program {
  std::string target;
  std::vector<std::string> features;
  std::vector<FileCheck> files;
  int64_t vocab = 0;
  int64_t context = 0;
  /// A buffer of `width` elements per row, reused once dead.
  struct Slot {
    int64_t width;        // elements per row
    bool isInt;           // i32 (ids, positions) rather than f32
    bool context = false; // rows are the encoder context's, not the tokens'
    bool square = false;  // width elements per (row, row) pair: plain
                          // attention's scores
    bool cross = false;   // width elements per (row, context row) pair:
                          // plain cross-attention's scores
  };
  /// One encoder of the r1 extension, run at the start of each call to make
  /// its rows of the context (parts are concatenated in order). Image
  /// [C, H, W]: stride-p patches (row-major) · patch weight + bias +
  /// position embedding; audio [N]: frames of `length` every `hop` samples ·
  /// frame weight + bias; then LayerNorm (weight, bias, eps).
  struct Encoder {
    bool image = false;
    int64_t channels = 0, height = 0, width = 0, patch = 0;    // image
    int64_t position = -1;                                     // image: weight
    int64_t length = 0, hop = 0;                               // audio
    int64_t embed = 0, bias = 0, normWeight = 0, normBias = 0; // weights
    float eps = 0;
  };
  std::vector<Encoder> encoders;
  std::vector<Slot> slots;
  /// Rows the session keeps for every token so far (a KV cache, LSH
  /// buckets).
  struct Cache {
    int64_t width; // elements per token
    bool isInt;    // i32 rather than f32
  };
  std::vector<Cache> caches;
  /// Session state a memory unit keeps across calls: `rows` × `width` f32,
  /// starting as a copy of weight `initial`.
  struct State {
    int64_t initial, rows, width;
  };
  std::vector<State> states;
  struct Weight {
    uint64_t offset, bytes;
    bool bf16 = false; // packed bf16 panels, not f32
  };
  std::vector<Weight> weights;
  std::vector<std::string> kernels;
  int64_t ids = -1, positions = -1, logits = -1;
  bool replay = false;
  /// The classification head: label logits = weight·pool(hidden's rows)
  /// (+ bias), pooling the last row or the mean; labels = 0: none.
  struct Classifier {
    int64_t hidden = -1, weight = -1, bias = -1, labels = 0;
    bool mean = false;
  } classifier;
  std::vector<Step> steps; // the runtime steps, by index
};

/// Parses and validates `text`; on failure returns false with a message
/// naming the line.
bool parseProgram(std::string_view text, Program &program, std::string &error);

/// The text of `program` (what r1c writes as program.txt): the records in
/// the order above, the header first and the runtime steps last; floats
/// with 9 significant digits, so they read back as the same float. Of a
/// program parseProgram accepted, parseProgram reads back an equal one.
std::string printProgram(const Program &program);

/// Field-by-field equality (of the runtime steps, every member, not only
/// those of the step's kind: the parser leaves the others zero).
bool operator==(const Arg &a, const Arg &b);
bool operator==(const Route &a, const Route &b);
bool operator==(const Experts &a, const Experts &b);
bool operator==(const Memory &a, const Memory &b);
bool operator==(const LshSort &a, const LshSort &b);
bool operator==(const Step &a, const Step &b);
bool operator==(const FileCheck &a, const FileCheck &b);
bool operator==(const Program::Slot &a, const Program::Slot &b);
bool operator==(const Program::Encoder &a, const Program::Encoder &b);
bool operator==(const Program::Cache &a, const Program::Cache &b);
bool operator==(const Program::State &a, const Program::State &b);
bool operator==(const Program::Weight &a, const Program::Weight &b);
bool operator==(const Program::Classifier &a, const Program::Classifier &b);
bool operator==(const Program &a, const Program &b);

/// Checks `bytes` bytes at `data` against the file record `check`: the size
/// first, then, with `digest`, the digest (hashed on every core). False with
/// a message naming the file when either differs.
bool verifyFile(const FileCheck &check, const uint8_t *data, uint64_t bytes,
                bool digest, std::string &error);

/// The r1_host_layout string a host program compiled against `program`
/// carries (r1host.h): "r1-host 1 slots 1i,8,4c caches 8 weights 0+512
/// kernels 2 steps 1" and the like, "-" for an empty list.
std::string hostLayout(const Program &program);

} // namespace r1rt

#endif // R1_RUNTIME_PROGRAM_H
