//===- LogitsFile.cpp - the scored tokens' logits of a perplexity run -----===//

#include "LogitsFile.h"

#include <cerrno>
#include <cstring>
#include <sys/stat.h>
#include <utility>

// Records are written and read as the host's i32 and f32 bytes.
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the logits file is little-endian; this host is not"
#endif

namespace r1::perplexity {
namespace {

using r1::tokenizer::makeError;

void putU32(unsigned char *at, uint32_t value) {
  for (int i = 0; i < 4; ++i)
    at[i] = static_cast<unsigned char>(value >> (8 * i));
}
void putU64(unsigned char *at, uint64_t value) {
  for (int i = 0; i < 8; ++i)
    at[i] = static_cast<unsigned char>(value >> (8 * i));
}
uint32_t getU32(const unsigned char *at) {
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i)
    value |= uint32_t(at[i]) << (8 * i);
  return value;
}
uint64_t getU64(const unsigned char *at) {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i)
    value |= uint64_t(at[i]) << (8 * i);
  return value;
}

} // namespace

std::optional<uint64_t> logitsFileBytes(const LogitsHeader &header) {
  uint64_t row, record, records, total;
  if (__builtin_mul_overflow(header.vocab, uint64_t(4), &row) ||
      __builtin_add_overflow(row, uint64_t(4), &record) ||
      __builtin_mul_overflow(record, header.count, &records) ||
      __builtin_add_overflow(records, kLogitsHeaderBytes, &total))
    return std::nullopt;
  return total;
}

bool writeLogitsHeader(const r1rt::ByteSink &sink, const LogitsHeader &header) {
  unsigned char bytes[kLogitsHeaderBytes] = {};
  std::memcpy(bytes, kLogitsMagic, sizeof kLogitsMagic);
  putU32(bytes + 8, kLogitsVersion);
  putU32(bytes + 12, 0);
  putU64(bytes + 16, header.vocab);
  putU64(bytes + 24, header.count);
  putU64(bytes + 32, header.ctx);
  putU64(bytes + 40, header.stride);
  return sink(bytes, sizeof bytes);
}

bool writeLogitsRecord(const r1rt::ByteSink &sink, int32_t token,
                       const float *logits, uint64_t vocab) {
  return sink(&token, sizeof token) &&
         sink(logits, size_t(vocab) * sizeof(float));
}

Expected<LogitsReader> LogitsReader::open(const std::string &path) {
  LogitsReader reader;
  reader.filePath = path;
  reader.file.reset(std::fopen(path.c_str(), "rb"));
  if (!reader.file)
    return makeError("cannot open ", path, ": ", std::strerror(errno));
  struct stat st;
  if (fstat(fileno(reader.file.get()), &st) != 0 || !S_ISREG(st.st_mode))
    return makeError(path, ": not a regular file");
  uint64_t size = uint64_t(st.st_size);
  unsigned char bytes[kLogitsHeaderBytes];
  if (size < kLogitsHeaderBytes ||
      std::fread(bytes, 1, sizeof bytes, reader.file.get()) != sizeof bytes)
    return makeError(path, ": not an r1-perplexity logits file (",
                     std::to_string(size), " bytes, less than its ",
                     std::to_string(kLogitsHeaderBytes), "-byte header)");
  if (std::memcmp(bytes, kLogitsMagic, sizeof kLogitsMagic) != 0)
    return makeError(path, ": not an r1-perplexity logits file (no ",
                     std::string(kLogitsMagic, sizeof kLogitsMagic), " magic)");
  uint32_t version = getU32(bytes + 8);
  if (version != kLogitsVersion)
    return makeError(path, ": logits file version ", std::to_string(version),
                     "; this r1-perplexity reads version ",
                     std::to_string(kLogitsVersion));
  if (getU32(bytes + 12) != 0)
    return makeError(path, ": the header's reserved field is not 0");
  LogitsHeader &h = reader.fileHeader;
  h.vocab = getU64(bytes + 16);
  h.count = getU64(bytes + 24);
  h.ctx = getU64(bytes + 32);
  h.stride = getU64(bytes + 40);
  if (h.vocab == 0 || h.vocab >= (uint64_t(1) << 31))
    return makeError(path, ": a vocabulary of ", std::to_string(h.vocab),
                     " logits per row is outside [1, 2^31)");
  if (h.count == 0)
    return makeError(path, ": holds no scored token");
  std::optional<uint64_t> want = logitsFileBytes(h);
  if (!want || *want != size)
    return makeError(path, ": holds ", std::to_string(size),
                     " bytes; its header's ", std::to_string(h.count),
                     " records of ", std::to_string(h.vocab), " logits need ",
                     want ? std::to_string(*want)
                          : std::string("more than 2^64"),
                     " (truncated or not written by r1-perplexity?)");
  return Expected<LogitsReader>(std::move(reader));
}

Expected<bool> LogitsReader::next(int32_t &token, float *logits) {
  size_t row = size_t(fileHeader.vocab);
  if (recordsRead >= fileHeader.count ||
      std::fread(&token, sizeof token, 1, file.get()) != 1 ||
      std::fread(logits, sizeof(float), row, file.get()) != row)
    return makeError(filePath, ": cannot read record ",
                     std::to_string(recordsRead), " (the file changed?)");
  if (token < 0 || uint64_t(token) >= fileHeader.vocab)
    return makeError(filePath, ": record ", std::to_string(recordsRead),
                     " has token id ", std::to_string(token),
                     ", outside its vocabulary [0, ",
                     std::to_string(fileHeader.vocab), ")");
  ++recordsRead;
  return true;
}

} // namespace r1::perplexity
