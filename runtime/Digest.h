//===- Digest.h - the digest of an artifact's files -------------*- C++ -*-===//
//
// This file defines the digest program.txt and manifest.json record for each
// file of an artifact. r1c's writer and the runtime's checks share this one
// implementation (plain C++17 and libxxhash, no LLVM).
//
// The digest of N bytes (artifact format 5):
//   1. split the bytes into chunks of kDigestChunkBytes (64 MiB), the last
//      one shorter; N = 0 has no chunks;
//   2. hash each chunk with XXH3-128 (XXH3_128bits, seed 0) and write its
//      hash in XXH3's canonical form (16 bytes, high half first, big-endian);
//   3. the digest is XXH3-128 of those canonical chunk hashes, in order,
//      followed by N as 8 little-endian bytes, written as the 32 lower-case
//      hex digits of its canonical form.
// Chunks hash independently, so a reader hashes them on every core, and a
// writer hashes its bytes as it writes them, in one pass (DigestStream).
// Changing the chunk size changes every digest: it is part of the format.
//
//===----------------------------------------------------------------------===//

#ifndef R1_RUNTIME_DIGEST_H
#define R1_RUNTIME_DIGEST_H

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace r1rt {

/// Bytes per chunk of the digest.
inline constexpr uint64_t kDigestChunkBytes = uint64_t(64) << 20;
/// Hex digits in a digest.
inline constexpr size_t kDigestHexDigits = 32;

/// The digest of `size` bytes at `data`, its chunks hashed on up to
/// `threads` threads (0: one per core). Where a thread cannot be started,
/// the calling thread hashes its share.
std::string digestBytes(const uint8_t *data, uint64_t size,
                        unsigned threads = 0);

/// Whether `text` has a digest's form: 32 lower-case hex digits.
bool isDigest(std::string_view text);

/// The digest of a stream of bytes given in pieces of any size, as they are
/// written: equal to digestBytes of their concatenation. Not thread-safe.
class DigestStream {
public:
  DigestStream();
  DigestStream(const DigestStream &) = delete;
  DigestStream &operator=(const DigestStream &) = delete;
  ~DigestStream();

  void update(const void *data, size_t size);
  /// The bytes given so far.
  uint64_t bytes() const { return total; }
  /// The digest of every byte given; the stream then starts anew.
  std::string finish();

private:
  struct State;
  std::unique_ptr<State> state;
  uint64_t total = 0;
};

} // namespace r1rt

#endif // R1_RUNTIME_DIGEST_H
