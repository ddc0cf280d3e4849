//===- r1-perplexity.cpp - perplexity of a compiled r1c artifact ----------===//
//
//   r1-perplexity NAME.r1 (-f TEXT | --tokens-file IDS) [--ctx N]
//                 [--stride S] [--chunks K] [-t THREADS]
//                 [--save-logits OUT] [--kl-divergence BASE]
//
// Encodes the text with the artifact's tokenizer.json as r1-run --prompt
// does, runs windows of --ctx tokens from a fresh session each and scores
// the second half of every window (Perplexity.h says which tokens), as
// llama.cpp's llama-perplexity does. Prints each window's running figure on
// stderr and `perplexity: P ± E (N tokens scored, W windows)` on stdout.
// --save-logits writes the scored tokens' logits (LogitsFile.h);
// --kl-divergence compares this run with such a file of another artifact
// (e.g. a quantized artifact against its f32 one) token by token.
//
//===----------------------------------------------------------------------===//

#include "LogitsFile.h"
#include "Perplexity.h"
#include "r1rt.h"
#include "tools/SessionGuard.h"
#include "runtime/AtomicFile.h"
#include "runtime/tokenizer/Tokenizer.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <sys/stat.h>
#include <vector>

using namespace r1::perplexity;
using r1::tokenizer::Error;
using r1::tokenizer::makeError;

namespace {

const char kUsage[] =
    "usage: r1-perplexity NAME.r1 (-f FILE | --tokens-file FILE) [options]\n"
    "  -f FILE              the text, encoded with the artifact's\n"
    "                       tokenizer.json as r1-run --prompt encodes (its\n"
    "                       post-processor's BOS first; added tokens' text\n"
    "                       is plain text)\n"
    "  --tokens-file FILE   token ids instead, separated by commas or\n"
    "                       white space (what --dump-tokens writes)\n"
    "  -c, --ctx N          tokens per window (default: the model's\n"
    "                       max_position_embeddings, at most 512; at most\n"
    "                       the model's)\n"
    "  --stride S           tokens from one window's start to the next\n"
    "                       (default: N, llama-perplexity's chunks)\n"
    "  --chunks K           run at most K windows (default: all that fit)\n"
    "  -t, --threads T      kernel threads (default: all cores)\n"
    "  --save-logits OUT    write the scored tokens and their logits to OUT\n"
    "                       (atomically; the format is in the README)\n"
    "  --kl-divergence BASE compare with BASE, a --save-logits file of a run\n"
    "                       over the same tokens, windows and vocabulary:\n"
    "                       KL(base || this) and top-1 agreement\n"
    "  --dump-tokens FILE   write the encoded ids (before any window's BOS)\n"
    "                       to FILE, comma-separated\n"
    "  --no-verify          check the artifact's file sizes only, not digests\n"
    "Each window of N tokens starts with BOS when the sequence does, runs in\n"
    "a fresh session, and scores its tokens N/2+1 .. N-1 from the logits\n"
    "before each. Prints `perplexity: P ± E` with E = P × the standard error\n"
    "of the mean negative log-likelihood.\n";

/// A text over this size is refused before it is read.
constexpr size_t kMaxInputBytes = size_t(256) << 20;
/// Without --ctx a window is the model's context, at most this.
constexpr int64_t kDefaultMaxContext = 512;

struct Options {
  std::string artifact;
  std::string textFile, tokensFile, dumpTokens;
  uint64_t ctx = 0, stride = 0, chunks = 0; // 0: the default
  int threads = 0;
  std::string saveLogits, base;
  bool verify = true;
};

[[noreturn]] void usageError(const std::string &message) {
  std::fprintf(stderr, "r1-perplexity: %s (--help lists the options)\n",
               message.c_str());
  std::exit(2);
}

/// A whole number in [1, max], or a usage error naming the flag.
uint64_t parsePositive(const std::string &flag, const char *text,
                       uint64_t max) {
  char *end = nullptr;
  errno = 0;
  unsigned long long value = std::strtoull(text, &end, 10);
  if (!std::isdigit(static_cast<unsigned char>(*text)) || *end != '\0' ||
      value < 1)
    usageError(flag + " takes a whole number >= 1, got '" + text + "'");
  if (errno || value > max)
    usageError(flag + " " + text + " is too large");
  return value;
}

Options parseOptions(int argc, char **argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> const char * {
      if (i + 1 >= argc)
        usageError(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (arg == "-f" || arg == "--file") {
      o.textFile = value();
    } else if (arg == "--tokens-file") {
      o.tokensFile = value();
    } else if (arg == "--dump-tokens") {
      o.dumpTokens = value();
    } else if (arg == "-c" || arg == "--ctx") {
      o.ctx = parsePositive(arg, value(), uint64_t(1) << 40);
    } else if (arg == "--stride") {
      o.stride = parsePositive(arg, value(), uint64_t(1) << 40);
    } else if (arg == "--chunks") {
      o.chunks = parsePositive(arg, value(), uint64_t(1) << 40);
    } else if (arg == "-t" || arg == "--threads") {
      o.threads = int(parsePositive(arg, value(), 4096));
    } else if (arg == "--save-logits") {
      o.saveLogits = value();
    } else if (arg == "--kl-divergence") {
      o.base = value();
    } else if (arg == "--no-verify") {
      o.verify = false;
    } else if (!arg.empty() && arg[0] == '-') {
      usageError("unknown option " + arg);
    } else if (o.artifact.empty()) {
      o.artifact = arg;
    } else {
      usageError("more than one artifact given");
    }
  }
  if (o.artifact.empty())
    usageError("no artifact given");
  if (o.textFile.empty() == o.tokensFile.empty())
    usageError("give one input: -f TEXT or --tokens-file IDS");
  return o;
}

/// The bytes of `path`, refused when it is not a regular file or is larger
/// than kMaxInputBytes.
r1::tokenizer::Expected<std::string> readFile(const std::string &path) {
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f)
    return makeError("cannot open ", path, ": ", std::strerror(errno));
  struct stat st;
  if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
    std::fclose(f);
    return makeError(path, ": not a regular file");
  }
  if (uint64_t(st.st_size) > kMaxInputBytes) {
    std::fclose(f);
    return makeError(path, ": ", std::to_string(st.st_size),
                     " bytes, more than the ",
                     std::to_string(kMaxInputBytes >> 20), " MiB read");
  }
  std::string text(size_t(st.st_size), '\0');
  size_t got = std::fread(text.data(), 1, text.size(), f);
  std::fclose(f);
  if (got != text.size())
    return makeError(path, ": cannot be read whole");
  return text;
}

/// Ids separated by commas and/or white space.
r1::tokenizer::Expected<std::vector<int32_t>>
parseTokenIds(const std::string &text, const std::string &path) {
  std::vector<int32_t> ids;
  for (size_t at = 0; at < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[at]);
    if (c == ',' || std::isspace(c)) {
      ++at;
      continue;
    }
    size_t end = at;
    int64_t id = 0;
    while (end < text.size() &&
           std::isdigit(static_cast<unsigned char>(text[end])) &&
           id <= INT32_MAX)
      id = id * 10 + (text[end++] - '0');
    bool separated = end == text.size() || text[end] == ',' ||
                     std::isspace(static_cast<unsigned char>(text[end]));
    if (end == at || id > INT32_MAX || !separated)
      return makeError(path, ": id ", std::to_string(ids.size()),
                       " is not a whole number below 2^31 (at byte ",
                       std::to_string(at), ")");
    ids.push_back(int32_t(id));
    at = end;
  }
  if (ids.empty())
    return makeError(path, ": holds no token ids");
  return ids;
}

/// The token sequence to score, and the BOS id each window starts with
/// (when the sequence starts with the tokenizer's BOS).
struct Sequence {
  std::vector<int32_t> tokens;
  std::optional<int32_t> bos;
};

r1::tokenizer::Expected<Sequence> loadSequence(const Options &o) {
  using r1::tokenizer::Tokenizer;
  std::string tokenizerPath = o.artifact + "/tokenizer.json";
  struct stat st;
  bool hasTokenizer = stat(tokenizerPath.c_str(), &st) == 0;
  std::optional<Tokenizer> tokenizer;
  if (hasTokenizer || !o.textFile.empty()) {
    auto loaded = Tokenizer::fromFile(tokenizerPath);
    if (!loaded)
      return makeError(loaded.message(),
                       o.textFile.empty()
                           ? ""
                           : " (-f needs the checkpoint's tokenizer.json in "
                             "the artifact; --tokens-file takes ids)");
    tokenizer = std::move(*loaded);
  }
  Sequence sequence;
  const std::string &path = o.textFile.empty() ? o.tokensFile : o.textFile;
  auto text = readFile(path);
  if (!text)
    return text.error();
  if (!o.textFile.empty()) {
    if (text->empty())
      return makeError(path, ": the text is empty");
    // As r1-run --prompt: the post-processor's template (a BOS first for
    // the R1 tokenizers), and added tokens' spellings are plain text.
    r1::tokenizer::EncodeOptions options;
    options.addSpecial = true;
    sequence.tokens = tokenizer->encode(*text, options);
  } else {
    auto ids = parseTokenIds(*text, path);
    if (!ids)
      return ids.error();
    sequence.tokens = std::move(*ids);
  }
  if (tokenizer && tokenizer->bosId() && !sequence.tokens.empty() &&
      sequence.tokens.front() == *tokenizer->bosId())
    sequence.bos = tokenizer->bosId();
  return sequence;
}

std::string joinIds(const std::vector<int32_t> &ids) {
  std::string text;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i)
      text += ',';
    text += std::to_string(ids[i]);
  }
  return text + "\n";
}

/// What a run measured.
struct Measures {
  MeanEstimate nll;
  // Against a base file:
  MeanEstimate baseNll, kl;
  std::vector<double> kls;
  uint64_t sameTop = 0;
};

const char *plural(size_t count) { return count == 1 ? "" : "s"; }

using Clock = std::chrono::steady_clock;
double seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

/// Runs every window of `plan` and scores it into `m`; each scored token
/// also goes to `sink` (when saving) and is compared with `base`'s next
/// record (when given). On failure `error` says why.
bool runWindows(r1rt_session *session, const Sequence &sequence,
                const WindowPlan &plan, size_t vocab,
                const r1rt::ByteSink *sink, LogitsReader *base, Measures &m,
                std::string &error) {
  std::vector<int32_t> window(plan.ctx);
  std::vector<float> logits(plan.ctx * vocab);
  std::vector<float> baseRow(base ? vocab : 0);
  if (base)
    m.kls.reserve(size_t(plan.scoredTotal));
  Clock::time_point start = Clock::now();
  for (size_t w = 0; w < plan.windows; ++w) {
    const int32_t *first = sequence.tokens.data() + plan.windowStart(w);
    std::copy(first, first + plan.ctx, window.begin());
    if (sequence.bos)
      window[0] = *sequence.bos;
    r1rt_reset(session);
    if (r1rt_prefill(session, window.data(), window.size(), logits.data()) !=
        0) {
      error =
          "window " + std::to_string(w) + ": " + r1rt_session_error(session);
      return false;
    }
    for (size_t row = plan.firstScoredRow; row + 1 < plan.ctx; ++row) {
      const float *scores = logits.data() + row * vocab;
      int32_t target = window[row + 1];
      double nll = negativeLogLikelihood(scores, vocab, size_t(target));
      if (!std::isfinite(nll)) {
        error = "window " + std::to_string(w) + ", row " + std::to_string(row) +
                ": the logits are not finite";
        return false;
      }
      m.nll.add(nll);
      // A failed write leaves `error` empty: the file's writer says why.
      if (sink && !writeLogitsRecord(*sink, target, scores, vocab))
        return false;
      if (!base)
        continue;
      int32_t baseToken;
      auto read = base->next(baseToken, baseRow.data());
      if (!read) {
        error = read.message();
        return false;
      }
      uint64_t index = m.nll.count() - 1;
      if (baseToken != target) {
        error = base->path() + ": scored token " + std::to_string(index) +
                " is id " + std::to_string(baseToken) + ", this run's is id " +
                std::to_string(target) +
                " (not the same text, tokenizer or windows)";
        return false;
      }
      double kl = klDivergence(baseRow.data(), scores, vocab);
      double baseNll =
          negativeLogLikelihood(baseRow.data(), vocab, size_t(baseToken));
      if (!std::isfinite(kl) || !std::isfinite(baseNll)) {
        error = base->path() + ": scored token " + std::to_string(index) +
                ": the base logits are not finite";
        return false;
      }
      m.kl.add(kl);
      m.kls.push_back(kl);
      m.baseNll.add(baseNll);
      m.sameTop += argmax(baseRow.data(), vocab) == argmax(scores, vocab);
    }
    double elapsed = seconds(start, Clock::now());
    double ppl = std::exp(m.nll.mean());
    std::fprintf(stderr, "r1-perplexity: [%zu/%zu] perplexity %.4f", w + 1,
                 plan.windows, ppl);
    if (m.nll.count() > 1)
      std::fprintf(stderr, " ± %.4f", ppl * m.nll.standardError());
    if (base)
      std::fprintf(stderr, ", mean KL %.6g, top-1 %.2f%%", m.kl.mean(),
                   100.0 * double(m.sameTop) / double(m.kl.count()));
    std::fprintf(stderr, ", %.1f tok/s\n",
                 double((w + 1) * plan.ctx) / elapsed);
  }
  return true;
}

} // namespace

int main(int argc, char **argv) {
  Options o = parseOptions(argc, argv);
  char openError[1024];
  r1rt_model *model =
      r1rt_open(o.artifact.c_str(), o.verify ? 0 : R1RT_OPEN_SKIP_CHECKSUMS,
                openError, sizeof openError);
  if (!model) {
    std::fprintf(stderr, "r1-perplexity: %s\n", openError);
    return 1;
  }
  if (o.threads)
    r1rt_set_threads(model, o.threads);
  r1rt_session *session = r1rt_session_create(model);
  SessionGuard release{model, session};
  auto fail = [](const std::string &message) {
    std::fprintf(stderr, "r1-perplexity: %s\n", message.c_str());
    return 1;
  };

  size_t vocab = size_t(r1rt_vocab_size(model));
  int64_t modelContext = r1rt_context_length(model);
  if (o.ctx > uint64_t(modelContext))
    return fail("--ctx " + std::to_string(o.ctx) +
                " is larger than the model's context of " +
                std::to_string(modelContext) +
                " tokens (max_position_embeddings)");
  size_t ctx = o.ctx ? size_t(o.ctx)
                     : size_t(std::min(modelContext, kDefaultMaxContext));
  size_t stride = o.stride ? size_t(o.stride) : ctx;

  auto sequence = loadSequence(o);
  if (!sequence)
    return fail(sequence.message());
  const std::string &input = o.textFile.empty() ? o.tokensFile : o.textFile;
  for (size_t i = 0; i < sequence->tokens.size(); ++i)
    if (uint64_t(sequence->tokens[i]) >= vocab)
      return fail(input + ": token " + std::to_string(i) + " is id " +
                  std::to_string(sequence->tokens[i]) +
                  ", outside the model's vocabulary [0, " +
                  std::to_string(vocab) + ")");
  if (!o.dumpTokens.empty()) {
    std::string text = joinIds(sequence->tokens), error;
    if (!r1rt::writeFileAtomically(
            o.dumpTokens,
            [&](const r1rt::ByteSink &sink) {
              return sink(text.data(), text.size());
            },
            error))
      return fail(error);
  }
  auto plan = planWindows(sequence->tokens.size(), ctx, stride, o.chunks);
  if (!plan) // about the input when the window itself is not wrong
    return fail(ctx >= 3 ? input + ": " + plan.message() : plan.message());
  size_t windowLogits;
  if (__builtin_mul_overflow(plan->ctx, vocab, &windowLogits) ||
      windowLogits > SIZE_MAX / sizeof(float))
    return fail("a window's logits (--ctx " + std::to_string(plan->ctx) +
                " rows of " + std::to_string(vocab) + ") do not fit in memory");

  std::optional<LogitsReader> base;
  if (!o.base.empty()) {
    auto opened = LogitsReader::open(o.base);
    if (!opened)
      return fail(opened.message());
    base.emplace(std::move(*opened));
    const LogitsHeader &h = base->header();
    auto n = [](uint64_t v) { return std::to_string(v); };
    if (h.vocab != vocab)
      return fail(o.base + ": its rows hold " + n(h.vocab) +
                  " logits, this artifact's vocabulary is " + n(vocab));
    if (h.ctx != plan->ctx)
      return fail(o.base + ": its run's --ctx is " + n(h.ctx) +
                  ", this run's is " + n(plan->ctx));
    if (h.stride != plan->stride)
      return fail(o.base + ": its run's --stride is " + n(h.stride) +
                  ", this run's is " + n(plan->stride));
    if (h.count != plan->scoredTotal)
      return fail(o.base + ": its run scored " + n(h.count) +
                  " tokens, this run scores " + n(plan->scoredTotal) +
                  " (another text, or --chunks?)");
  }
  if (r1rt_session_set_context(session, int64_t(plan->ctx)) != 0)
    return fail(std::string("--ctx: ") + r1rt_session_error(session));

  std::fprintf(stderr,
               "r1-perplexity: %s: %zu tokens (%s); %zu window%s of %zu "
               "tokens, stride %zu, scoring %zu tokens each\n",
               input.c_str(), sequence->tokens.size(),
               sequence->bos ? "each window starts with BOS" : "no BOS",
               plan->windows, plural(plan->windows), plan->ctx, plan->stride,
               plan->scoredPerWindow);
  Measures m;
  std::string error;
  Clock::time_point start = Clock::now();
  bool ran;
  if (o.saveLogits.empty()) {
    ran = runWindows(session, *sequence, *plan, vocab, nullptr,
                     base ? &*base : nullptr, m, error);
  } else {
    std::string fileError;
    LogitsHeader header;
    header.vocab = vocab;
    header.count = plan->scoredTotal;
    header.ctx = plan->ctx;
    header.stride = plan->stride;
    ran = r1rt::writeFileAtomically(
        o.saveLogits,
        [&](const r1rt::ByteSink &sink) {
          return writeLogitsHeader(sink, header) &&
                 runWindows(session, *sequence, *plan, vocab, &sink,
                            base ? &*base : nullptr, m, error);
        },
        fileError);
    // The run's own error, else the file's (a write, flush or rename).
    if (!ran && error.empty())
      error = fileError;
  }
  if (!ran)
    return fail(error);
  double elapsed = seconds(start, Clock::now());
  std::fprintf(stderr,
               "r1-perplexity: %zu window%s of %zu tokens in %.2f s (%.1f "
               "tok/s)%s%s\n",
               plan->windows, plural(plan->windows), plan->ctx, elapsed,
               double(plan->windows * plan->ctx) / elapsed,
               o.saveLogits.empty() ? "" : "; logits saved to ",
               o.saveLogits.c_str());

  if (base) {
    std::sort(m.kls.begin(), m.kls.end());
    std::printf("kl-divergence: mean %.6g ± %.6g, max %.6g, p99 %.6g, "
                "p90 %.6g\n",
                m.kl.mean(), m.kl.standardError(), m.kls.back(),
                quantile(m.kls, 0.99), quantile(m.kls, 0.90));
    std::printf("top-1 agreement: %.2f%% (%llu of %llu tokens)\n",
                100.0 * double(m.sameTop) / double(m.kl.count()),
                static_cast<unsigned long long>(m.sameTop),
                static_cast<unsigned long long>(m.kl.count()));
    double basePpl = std::exp(m.baseNll.mean());
    std::printf("base perplexity: %.4f ± %.4f (%s)\n", basePpl,
                basePpl * m.baseNll.standardError(), o.base.c_str());
  }
  double ppl = std::exp(m.nll.mean());
  std::printf("perplexity: %.4f ± %.4f (%llu tokens scored, %zu window%s)\n",
              ppl, ppl * m.nll.standardError(),
              static_cast<unsigned long long>(m.nll.count()), plan->windows,
              plural(plan->windows));
  return 0;
}
