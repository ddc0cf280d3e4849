//===- Digest.cpp - the digest of an artifact's files ---------------------===//
//
// XXH3-128 of 64 MiB chunks, combined (Digest.h has the definition). A
// reader's chunks go to the cores through a shared counter, so a slow core
// or a short last chunk never leaves the others idle.
//
//===----------------------------------------------------------------------===//

#include "runtime/Digest.h"

// XXH3_state_t's layout, so a stream holds its state by value.
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <system_error>
#include <thread>
#include <vector>

namespace r1rt {
namespace {

using Canonical = XXH128_canonical_t;
static_assert(sizeof(Canonical) == 16, "XXH3-128's canonical form");

Canonical canonical(XXH128_hash_t hash) {
  Canonical out;
  XXH128_canonicalFromHash(&out, hash);
  return out;
}

/// The digest from the canonical chunk hashes and the byte count.
std::string combine(const std::vector<Canonical> &chunks, uint64_t size) {
  std::string bytes(chunks.size() * sizeof(Canonical) + 8, '\0');
  if (!chunks.empty())
    std::memcpy(&bytes[0], chunks.data(), chunks.size() * sizeof(Canonical));
  for (int i = 0; i < 8; ++i)
    bytes[chunks.size() * sizeof(Canonical) + i] =
        char((size >> (8 * i)) & 0xff);
  Canonical digest = canonical(XXH3_128bits(bytes.data(), bytes.size()));
  static const char hex[] = "0123456789abcdef";
  std::string text(kDigestHexDigits, '0');
  for (size_t i = 0; i < sizeof(Canonical); ++i) {
    text[2 * i] = hex[digest.digest[i] >> 4];
    text[2 * i + 1] = hex[digest.digest[i] & 15];
  }
  return text;
}

} // namespace

std::string digestBytes(const uint8_t *data, uint64_t size, unsigned threads) {
  uint64_t count = (size + kDigestChunkBytes - 1) / kDigestChunkBytes;
  std::vector<Canonical> chunks(static_cast<size_t>(count));
  std::atomic<uint64_t> next{0};
  auto work = [&] {
    for (uint64_t i; (i = next.fetch_add(1)) < count;) {
      uint64_t begin = i * kDigestChunkBytes;
      chunks[size_t(i)] = canonical(XXH3_128bits(
          data + begin, size_t(std::min(kDigestChunkBytes, size - begin))));
    }
  };
  if (threads == 0)
    threads = std::max(1u, std::thread::hardware_concurrency());
  uint64_t helpers = std::min<uint64_t>(threads, count);
  std::vector<std::thread> pool;
  for (uint64_t t = 1; t < helpers; ++t) {
    try {
      pool.emplace_back(work);
    } catch (const std::system_error &) {
      break; // no more threads: this one and those started share the rest
    }
  }
  work();
  for (std::thread &thread : pool)
    thread.join();
  return combine(chunks, size);
}

bool isDigest(std::string_view text) {
  return text.size() == kDigestHexDigits &&
         std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

struct DigestStream::State {
  XXH3_state_t chunk; // the current chunk's hash so far
  uint64_t chunkBytes = 0;
  std::vector<Canonical> chunks; // the finished chunks'
};

DigestStream::DigestStream() : state(std::make_unique<State>()) {
  XXH3_128bits_reset(&state->chunk);
}

DigestStream::~DigestStream() = default;

void DigestStream::update(const void *data, size_t size) {
  auto *bytes = static_cast<const uint8_t *>(data);
  total += size;
  while (size) {
    size_t take =
        size_t(std::min<uint64_t>(size, kDigestChunkBytes - state->chunkBytes));
    XXH3_128bits_update(&state->chunk, bytes, take);
    state->chunkBytes += take;
    bytes += take;
    size -= take;
    if (state->chunkBytes == kDigestChunkBytes) {
      state->chunks.push_back(canonical(XXH3_128bits_digest(&state->chunk)));
      XXH3_128bits_reset(&state->chunk);
      state->chunkBytes = 0;
    }
  }
}

std::string DigestStream::finish() {
  if (state->chunkBytes)
    state->chunks.push_back(canonical(XXH3_128bits_digest(&state->chunk)));
  std::string digest = combine(state->chunks, total);
  XXH3_128bits_reset(&state->chunk);
  state->chunkBytes = 0;
  state->chunks.clear();
  total = 0;
  return digest;
}

} // namespace r1rt
