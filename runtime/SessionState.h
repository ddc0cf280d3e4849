//===- SessionState.h - a session's saved state -----------------*- C++ -*-===//
//
// What r1rt_save_state writes and r1rt_load_state reads: everything a
// session carries from one call to the next, so that a session restored from
// it continues exactly (bit for bit) as the saved one would have.
//
// The file (version 1). Integers are little-endian (the runtime's x86-64
// byte order), floats IEEE-754 binary32 as the session holds them:
//
//   header
//     0   8  magic "R1STATE\0"
//     8   4  u32 format version (1)
//    12   4  u32 L, the identity's bytes (1..128)
//    16   8  u64 the file's bytes, header included
//    24   8  u64 the sections that follow
//    32   L  the model's identity: programIdentity(program.txt),
//            "xxh3:" and the 32 hex digits of the text's artifact digest
//            (Digest.h). program.txt records the size and digest of
//            weights.bin and model.so, so this names the model and the
//            artifact; a state of any other is refused
//  32+L   8  XXH3-64 (seed 0) of bytes [0, 32 + L)
//
//   then the sections, one after another, each
//     0   4  tag (4 ASCII bytes)
//     4   4  u32 0
//     8   8  u64 P, the payload's bytes
//    16   P  payload
//  16+P   8  XXH3-64 of bytes [0, 16 + P) of the section
//
//   in this order, every one present (a count of 0 is written as such):
//     SESS  i64 position, i64 context (the session's limit), u64 caches,
//           u64 states, u64 records, u64 history tokens, u64 inputs
//     CACH  per program cache, in order: u64 index, u64 width, u32 type
//           (0 f32, 1 i32), u32 0, u64 rows (= position); rows × width
//           elements of the cache's filled rows
//     MEMS  per program state (memory-unit keys, values), in order: u64
//           index, u64 rows, u64 width; rows × width f32
//     MEMR  per memrecord step, in program order: u64 step, u64 width, u64
//           rows; rows × width f32, the rows the open call recorded for the
//           memory update r1rt_end_call makes
//     HIST  u64 tokens (= position for a replayed program, else 0); i32 ids
//     INPT  per encoder input the session holds: u32 kind (1 image, 2
//           audio), u32 0, u64 values; values f32
//
// parseSessionState checks every size, count and index against the model's
// program before anything is read (not only that the bytes are there: that
// they are what this program's session holds), and every checksum; the
// result points into the bytes, so parsing allocates nothing the file's
// counts choose. It is a pure function of its arguments (a libFuzzer target
// can call it directly).
//
//===----------------------------------------------------------------------===//

#ifndef R1_RUNTIME_SESSIONSTATE_H
#define R1_RUNTIME_SESSIONSTATE_H

#include "runtime/AtomicFile.h"
#include "runtime/Program.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace r1rt {

inline constexpr uint32_t kSessionStateVersion = 1;

/// Bytes owned by someone else: the session's buffers when writing, the
/// file's when reading.
struct ByteSpan {
  const uint8_t *data = nullptr;
  size_t size = 0;
};

/// A session's state as views of its bytes.
struct SessionState {
  int64_t position = 0;
  int64_t context = 0;
  /// Per program cache: its first `position` rows (position × width × 4).
  std::vector<ByteSpan> caches;
  /// Per program state: rows × width f32.
  std::vector<ByteSpan> states;
  /// Per program step: the rows a memrecord step recorded in the open call
  /// (whole rows of its state's width); empty for other steps.
  std::vector<ByteSpan> records;
  /// A replayed program's tokens (i32), position of them; else empty.
  ByteSpan history;
  struct Input {
    std::string name; // "image" or "audio"
    ByteSpan values;  // f32
  };
  std::vector<Input> inputs;
};

/// The identity a state records of the model `programText` (the artifact's
/// program.txt) belongs to: "xxh3:" and digestBytes of the text, the digest
/// the artifact uses for its files.
std::string programIdentity(std::string_view programText);

/// Parses `size` bytes of a state file for a session of `program`, whose
/// identity is `identity`. On success `state` views `data`; on failure
/// returns false with a one-line message (what is wrong, where).
bool parseSessionState(const Program &program, std::string_view identity,
                       const uint8_t *data, size_t size, SessionState &state,
                       std::string &error);

/// Writes `state` (a session of `program`, which the caller built from its
/// session: the counts and sizes parseSessionState expects) to `sink`.
/// False when the sink refuses a write.
bool writeSessionState(const Program &program, std::string_view identity,
                       const SessionState &state, const ByteSink &sink);

} // namespace r1rt

#endif // R1_RUNTIME_SESSIONSTATE_H
