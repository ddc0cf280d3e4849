//===- LogitsFile.h - a perplexity run's scored logits ----------*- C++ -*-===//
//
// The file `r1-perplexity --save-logits` writes and `--kl-divergence` reads:
// every scored token of a run, in the order scored, with the full row of
// logits that predicts it, so that another artifact's run over the same
// tokens can be compared with it row by row. Little-endian:
//
//   offset  bytes  field
//        0      8  magic "R1LOGITS"
//        8      4  u32 version, 1
//       12      4  u32 reserved, 0
//       16      8  u64 vocab: logits per row
//       24      8  u64 count: scored tokens (records)
//       32      8  u64 ctx: tokens per window of the run
//       40      8  u64 stride: tokens between its windows' starts
//       48         count records of 4 + 4 * vocab bytes: the i32 id of the
//                  scored token, then the vocab f32 logits of the row that
//                  predicts it (its window's previous row)
//
// A file's size is exactly 48 + count * (4 + 4 * vocab); the reader checks
// that before it reads a record, so a truncated file is refused whole.
//
//===----------------------------------------------------------------------===//

#ifndef R1_TOOLS_PERPLEXITY_LOGITSFILE_H
#define R1_TOOLS_PERPLEXITY_LOGITSFILE_H

#include "runtime/AtomicFile.h"
#include "runtime/tokenizer/Expected.h"

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

namespace r1::perplexity {

using r1::tokenizer::Expected;

constexpr char kLogitsMagic[8] = {'R', '1', 'L', 'O', 'G', 'I', 'T', 'S'};
constexpr uint32_t kLogitsVersion = 1;
constexpr uint64_t kLogitsHeaderBytes = 48;

struct LogitsHeader {
  uint64_t vocab = 0, count = 0, ctx = 0, stride = 0;
};

/// The bytes of a file with this header (header and records), or nullopt
/// when that does not fit 64 bits.
std::optional<uint64_t> logitsFileBytes(const LogitsHeader &header);

/// Writes the 48-byte header to `sink`.
bool writeLogitsHeader(const r1rt::ByteSink &sink, const LogitsHeader &header);
/// Writes one record: `token` and its `vocab` logits.
bool writeLogitsRecord(const r1rt::ByteSink &sink, int32_t token,
                       const float *logits, uint64_t vocab);

/// Reads a logits file record by record, in order.
class LogitsReader {
public:
  /// Opens `path` and checks its header: the magic, the version, a
  /// vocabulary in [1, 2^31), at least one record, and a file size of
  /// exactly what the header's counts need. One-line errors naming the file.
  static Expected<LogitsReader> open(const std::string &path);

  const LogitsHeader &header() const { return fileHeader; }
  const std::string &path() const { return filePath; }
  /// Reads the next record into `token` and `logits` (vocab floats). An
  /// error when the file cannot be read or the id is outside the
  /// vocabulary.
  Expected<bool> next(int32_t &token, float *logits);

private:
  struct Close {
    void operator()(std::FILE *file) const { std::fclose(file); }
  };
  std::unique_ptr<std::FILE, Close> file;
  std::string filePath;
  LogitsHeader fileHeader;
  uint64_t recordsRead = 0;
};

} // namespace r1::perplexity

#endif // R1_TOOLS_PERPLEXITY_LOGITSFILE_H
