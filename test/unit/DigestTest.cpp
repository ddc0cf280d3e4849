//===- DigestTest.cpp - the artifact's file digest and its check ----------===//
//
// The chunked XXH3-128 digest (runtime/Digest.h) against XXH3 itself, the
// streaming writer's digest against the runtime's parallel one, past 4 GiB
// on a sparse file, and the runtime's size-then-digest check of a file.
//
//===----------------------------------------------------------------------===//

#include "runtime/Digest.h"
#include "runtime/MappedFile.h"
#include "runtime/Program.h"

#include <xxhash.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <unistd.h>
#include <vector>

using namespace r1rt;

namespace {

const uint8_t *bytesOf(const std::string &text) {
  return reinterpret_cast<const uint8_t *>(text.data());
}

std::string canonicalOf(const void *data, size_t size) {
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, XXH3_128bits(data, size));
  return std::string(reinterpret_cast<const char *>(canonical.digest), 16);
}

std::string hex(const std::string &bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

/// The definition, spelled out: XXH3-128 of the chunks' canonical hashes
/// followed by the byte count, little-endian.
std::string expectedDigest(const std::vector<std::string> &chunkHashes,
                           uint64_t size) {
  std::string text;
  for (const std::string &hash : chunkHashes)
    text += hash;
  for (int i = 0; i < 8; ++i)
    text += char((size >> (8 * i)) & 0xff);
  return hex(canonicalOf(text.data(), text.size()));
}

std::string streamed(const std::string &text, size_t piece) {
  DigestStream stream;
  for (size_t at = 0; at < text.size(); at += piece)
    stream.update(text.data() + at, std::min(piece, text.size() - at));
  EXPECT_EQ(stream.bytes(), text.size());
  return stream.finish();
}

TEST(Digest, SmallInputsAreOneChunk) {
  // Fixed values pin the format (computed with python3-xxhash).
  EXPECT_EQ(digestBytes(nullptr, 0), "2c0a8a99dc147d5445c3b49d035665b2");
  EXPECT_EQ(digestBytes(bytesOf("abc"), 3), "00bb8f5bbcc6694e541b81f687d45e2f");
  // No chunk for no bytes: XXH3-128 of the count alone.
  EXPECT_EQ(digestBytes(nullptr, 0), expectedDigest({}, 0));
  for (size_t size : {1, 3, 16, 17, 128, 129, 240, 241, 1000, 100000}) {
    std::string text(size, '\0');
    for (size_t i = 0; i < size; ++i)
      text[i] = char(i * 31 + 7);
    std::string want = expectedDigest({canonicalOf(text.data(), size)}, size);
    EXPECT_EQ(digestBytes(bytesOf(text), size), want) << size;
    EXPECT_EQ(streamed(text, 1), want) << size;
    EXPECT_EQ(streamed(text, 7), want) << size;
    EXPECT_TRUE(isDigest(want));
  }
}

TEST(Digest, ChunksAreHashedApartAndCombined) {
  const uint64_t chunk = kDigestChunkBytes;
  // Exactly one chunk (no empty second one), and two and a bit.
  for (uint64_t size : {chunk, 2 * chunk + 3}) {
    std::string text(size, '\0');
    for (uint64_t i = 0; i < size; i += 4093)
      text[i] = char(i / 4093);
    std::vector<std::string> hashes;
    for (uint64_t at = 0; at < size; at += chunk)
      hashes.push_back(
          canonicalOf(text.data() + at, std::min(chunk, size - at)));
    std::string want = expectedDigest(hashes, size);
    EXPECT_EQ(digestBytes(bytesOf(text), size, 1), want) << size;
    EXPECT_EQ(digestBytes(bytesOf(text), size, 3), want) << size;
    EXPECT_EQ(streamed(text, (1 << 20) + 13), want) << size;
    EXPECT_EQ(streamed(text, chunk), want) << size;
  }
}

TEST(Digest, StreamStartsAnewAfterFinish) {
  DigestStream stream;
  stream.update("xyz", 3);
  (void)stream.finish();
  stream.update("abc", 3);
  EXPECT_EQ(stream.finish(), digestBytes(bytesOf("abc"), 3));
}

TEST(Digest, IsDigest) {
  EXPECT_TRUE(isDigest(std::string(32, 'f')));
  EXPECT_FALSE(isDigest(std::string(31, 'f')));
  EXPECT_FALSE(isDigest(std::string(64, 'a'))); // a SHA-256's length
  EXPECT_FALSE(isDigest(std::string(32, 'F')));
  EXPECT_FALSE(isDigest(std::string(31, 'a') + "g"));
}

/// A sparse file in $TMPDIR (or /tmp), removed when the test ends.
class SparseFile {
public:
  explicit SparseFile(uint64_t size) {
    const char *dir = std::getenv("TMPDIR");
    path = std::string(dir && *dir ? dir : "/tmp") + "/r1-digest-XXXXXX";
    fd = mkstemp(&path[0]);
    EXPECT_GE(fd, 0) << path;
    EXPECT_EQ(ftruncate(fd, off_t(size)), 0);
  }
  ~SparseFile() {
    if (fd >= 0)
      close(fd);
    unlink(path.c_str());
  }
  void write(uint64_t offset, const std::string &bytes) {
    EXPECT_EQ(pwrite(fd, bytes.data(), bytes.size(), off_t(offset)),
              ssize_t(bytes.size()));
  }
  /// The digest the runtime checks: of the file's mapping (populated, as
  /// the runtime maps weights.bin), on every core.
  std::string runtimeDigest() {
    MappedFile file;
    std::string error;
    EXPECT_TRUE(file.open(path, error, /*populate=*/true)) << error;
    return digestBytes(file.data, file.size);
  }
  std::string path;
  int fd = -1;
};

TEST(Digest, PastFourGiBTheRuntimeAgreesWithTheWriter) {
  // 4 GiB of zeros, then 100 bytes of which a few near the end are set.
  const uint64_t size = (uint64_t(4) << 30) + 100;
  const uint64_t tail = size - 37;
  const std::string marks = "r1c!";
  SparseFile file(size);
  file.write(tail, marks);
  std::string runtime = file.runtimeDigest();

  // The writer streams the same bytes in pieces that straddle chunks.
  std::vector<char> zeros((1 << 20) + 13, 0);
  DigestStream writer;
  uint64_t written = 0;
  while (written < tail) {
    uint64_t piece = std::min<uint64_t>(zeros.size(), tail - written);
    writer.update(zeros.data(), size_t(piece));
    written += piece;
  }
  std::string end = marks + std::string(size - tail - marks.size(), '\0');
  writer.update(end.data(), end.size());
  EXPECT_EQ(writer.bytes(), size);
  EXPECT_EQ(writer.finish(), runtime);

  // And the definition: 64 chunks of zeros, then the last 100 bytes.
  std::vector<char> chunk(kDigestChunkBytes, 0);
  std::vector<std::string> hashes(64, canonicalOf(chunk.data(), chunk.size()));
  std::string last(100, '\0');
  last.replace(size_t(tail - (uint64_t(4) << 30)), marks.size(), marks);
  hashes.push_back(canonicalOf(last.data(), last.size()));
  EXPECT_EQ(runtime, expectedDigest(hashes, size));

  // A byte changed past 4 GiB changes the digest.
  file.write(tail + 1, "?");
  EXPECT_NE(file.runtimeDigest(), runtime);
}

TEST(VerifyFile, ChecksTheSizeThenTheDigest) {
  std::string text = "weights";
  FileCheck check{"weights.bin", text.size(),
                  digestBytes(bytesOf(text), text.size())};
  std::string error;
  EXPECT_TRUE(verifyFile(check, bytesOf(text), text.size(), true, error))
      << error;

  check.bytes = 8;
  EXPECT_FALSE(verifyFile(check, bytesOf(text), text.size(), true, error));
  EXPECT_EQ(error, "weights.bin has 7 bytes, the program expects 8");
  // The size is checked even when digests are not.
  EXPECT_FALSE(verifyFile(check, bytesOf(text), text.size(), false, error));
  EXPECT_EQ(error, "weights.bin has 7 bytes, the program expects 8");

  check.bytes = text.size();
  std::string changed = "weightz";
  EXPECT_FALSE(
      verifyFile(check, bytesOf(changed), changed.size(), true, error));
  EXPECT_EQ(error, "weights.bin does not match its digest in program.txt");
  EXPECT_TRUE(
      verifyFile(check, bytesOf(changed), changed.size(), false, error));

  check.digest = std::string(32, '0');
  EXPECT_FALSE(verifyFile(check, bytesOf(text), text.size(), true, error));
  EXPECT_EQ(error, "weights.bin does not match its digest in program.txt");
}

} // namespace
