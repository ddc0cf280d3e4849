//===- r1-run.cpp - run a compiled r1c artifact ---------------------------===//
//
//   r1-run NAME.r1 --tokens 1,2,3 -n 32 [--temperature T --top-k K
//          --top-p P --seed S] [--dump-logits out.npy] [--threads N]
//          [--load-state FILE] [--save-state FILE]
//
// Prefills the prompt, then generates -n tokens (greedy unless a
// temperature is given), printing the generated ids on stdout and the
// prefill and decode speeds on stderr. --dump-logits writes the f32 logits
// of every position (prompt first, then each generated token) as a .npy
// array [positions, vocab]. --save-state writes the session (its KV caches,
// position, memory unit and open call) when the run ends; --load-state
// starts from such a file, so the prompt continues the saved sequence.
//
//===----------------------------------------------------------------------===//

#include "r1rt.h"
#include "tools/SessionGuard.h"
#include "runtime/tokenizer/ChatTemplate.h"
#include "runtime/tokenizer/Tokenizer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cctype>
#include <cstring>
#include <numeric>
#include <optional>
#include <random>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace {

const char kUsage[] =
    "usage: r1-run NAME.r1 (--prompt TEXT | --tokens ID,ID,...) [options]\n"
    "       (an executable from r1c --emit=exe takes no NAME.r1)\n"
    "  --prompt TEXT        prompt text, encoded with the artifact's\n"
    "                       tokenizer.json; the output streams as text and\n"
    "                       stops at end-of-sequence\n"
    "  --tokens LIST        prompt token ids, comma-separated; prints ids\n"
    "  --tokens-file FILE   the same, read from FILE (long prompts)\n"
    "  --chat               interactive chat in the R1 template: a turn per\n"
    "                       line on stdin, each answer streamed (its thinking\n"
    "                       shown, and dropped from later turns' history)\n"
    "  --system TEXT        the system prompt of --chat\n"
    "  --parse-special      let the text of --prompt, --system and --chat\n"
    "                       turns spell added tokens: '<｜User｜>' or\n"
    "                       '<think>' in it becomes that token. By default\n"
    "                       such text is encoded as plain text, so that a\n"
    "                       prompt cannot forge the template's control\n"
    "                       tokens\n"
    "  -n N                 tokens to generate (default 16); generation stops\n"
    "                       early, saying so, when the context is full\n"
    "  -c, --ctx N          the most tokens (prompt and generated) a session\n"
    "                       holds; default and maximum: the model's\n"
    "                       max_position_embeddings. Its caches are sized to\n"
    "                       it; a longer prompt is refused\n"
    "  --temperature T      sample at temperature T (default 0: greedy)\n"
    "  --top-k K            sample among the K likeliest tokens\n"
    "  --top-p P            sample among the likeliest tokens with mass P\n"
    "  --seed S             sampling seed (default 0)\n"
    "  --dump-logits FILE   write every position's logits as .npy [pos, vocab]\n"
    "  --threads N          kernel threads (default: all cores)\n"
    "  --no-verify          check file sizes only, not digests\n"
    "  --image FILE.npy     image input [C, H, W] (f32 or f64 .npy)\n"
    "  --audio FILE.npy     audio input [N] (f32 or f64 .npy)\n"
    "  --classify           print the classification head's label logits,\n"
    "                       probabilities and label instead of generating\n"
    "  --calls N            run the generation N times in one session (the\n"
    "                       memory unit carries over; the cache does not);\n"
    "                       output and dump are the last call's\n"
    "  --save-state FILE    when the run ends, write the session's state to\n"
    "                       FILE (atomically): its KV caches, position,\n"
    "                       context, memory unit and the call still open\n"
    "                       (every generated token is fed to the session)\n"
    "  --load-state FILE    start from the state in FILE, saved from this\n"
    "                       model: the prompt continues that sequence (no\n"
    "                       BOS is added) and that call; -c/--ctx, --image\n"
    "                       and --audio override the state's\n";

struct Options {
  std::string artifact;
  std::vector<int32_t> tokens;
  std::string prompt;
  bool hasPrompt = false;
  long generate = 16;
  long context = 0; // 0: the model's
  double temperature = 0, topP = 1;
  long topK = 0;
  unsigned long long seed = 0;
  std::string dumpLogits;
  int threads = 0;
  bool verify = true;
  long calls = 1;
  bool classify = false;
  std::string image, audio;
  std::string saveState, loadState;
  bool chat = false;
  std::string system;
  bool parseSpecial = false;
};

[[noreturn]] void usageError(const std::string &message) {
  std::fprintf(stderr, "r1-run: %s\n%s", message.c_str(), kUsage);
  std::exit(2);
}

bool parseNumber(const char *text, double &value) {
  char *end = nullptr;
  errno = 0;
  value = std::strtod(text, &end);
  return errno == 0 && end != text && *end == '\0' && std::isfinite(value);
}

long parseCount(const char *flag, const char *text, long max) {
  double value;
  if (!parseNumber(text, value) || value < 0 || value > double(max) ||
      value != std::floor(value))
    usageError(std::string(flag) + " takes a whole number up to " +
               std::to_string(max) + ", got '" + text + "'");
  return long(value);
}

std::vector<int32_t> parseTokens(const char *text) {
  std::vector<int32_t> tokens;
  const char *p = text;
  while (*p) {
    char *end = nullptr;
    errno = 0;
    long long id = std::strtoll(p, &end, 10);
    if (end == p || errno || id < 0 || id > INT32_MAX ||
        (*end != ',' && *end != '\0'))
      usageError(std::string("--tokens takes comma-separated ids, got '") +
                 text + "'");
    tokens.push_back(int32_t(id));
    p = *end == ',' ? end + 1 : end;
  }
  if (tokens.empty())
    usageError("--tokens is empty");
  return tokens;
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
    double number;
    if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (arg == "--tokens") {
      o.tokens = parseTokens(value());
    } else if (arg == "--tokens-file") {
      const char *path = value();
      FILE *f = std::fopen(path, "rb");
      if (!f)
        usageError(std::string("cannot open ") + path);
      std::string text;
      char buffer[4096];
      for (size_t got; (got = std::fread(buffer, 1, sizeof buffer, f)) > 0;) {
        text.append(buffer, got);
        if (text.size() > (size_t(64) << 20))
          usageError(std::string(path) + " is larger than 64 MB");
      }
      std::fclose(f);
      while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
        text.pop_back();
      o.tokens = parseTokens(text.c_str());
    } else if (arg == "-n") {
      o.generate = parseCount("-n", value(), 1 << 20);
    } else if (arg == "-c" || arg == "--ctx") {
      o.context = parseCount(arg.c_str(), value(), 1L << 40);
      if (o.context < 1)
        usageError(arg + " takes a number >= 1");
    } else if (arg == "--temperature") {
      if (!parseNumber(value(), number) || number < 0)
        usageError("--temperature takes a number >= 0");
      o.temperature = number;
    } else if (arg == "--top-k") {
      o.topK = parseCount("--top-k", value(), 1L << 30);
    } else if (arg == "--top-p") {
      if (!parseNumber(value(), number) || number <= 0 || number > 1)
        usageError("--top-p takes a number in (0, 1]");
      o.topP = number;
    } else if (arg == "--seed") {
      o.seed = (unsigned long long)parseCount("--seed", value(), 1L << 62);
    } else if (arg == "--dump-logits") {
      o.dumpLogits = value();
    } else if (arg == "--threads") {
      o.threads = int(parseCount("--threads", value(), 4096));
    } else if (arg == "--calls") {
      o.calls = parseCount("--calls", value(), 1000);
      if (o.calls < 1)
        usageError("--calls takes a number >= 1");
    } else if (arg == "--save-state") {
      o.saveState = value();
    } else if (arg == "--load-state") {
      o.loadState = value();
    } else if (arg == "--chat") {
      o.chat = true;
    } else if (arg == "--system") {
      o.system = value();
    } else if (arg == "--parse-special") {
      o.parseSpecial = true;
    } else if (arg == "--image") {
      o.image = value();
    } else if (arg == "--audio") {
      o.audio = value();
    } else if (arg == "--classify") {
      o.classify = true;
    } else if (arg == "--no-verify") {
      o.verify = false;
    } else if (arg == "--prompt") {
      o.prompt = value();
      o.hasPrompt = true;
    } else if (!arg.empty() && arg[0] == '-') {
      usageError("unknown option " + arg);
    } else if (o.artifact.empty()) {
      o.artifact = arg;
    } else {
      usageError("more than one artifact given");
    }
  }
  // An executable from r1c --emit=exe carries its model: no folder.
  if (o.artifact.empty() && !r1rt_has_embedded_model())
    usageError("no artifact given");
  if (o.chat && (o.hasPrompt || !o.tokens.empty()))
    usageError("--chat reads its turns from stdin; drop --prompt/--tokens");
  if (!o.chat && o.tokens.empty() == !o.hasPrompt)
    usageError("give one prompt: --prompt TEXT or --tokens IDS");
  bool states = !o.saveState.empty() || !o.loadState.empty();
  if (states && (o.chat || o.classify))
    usageError("--save-state and --load-state do not apply to --chat or "
               "--classify");
  if (!o.loadState.empty() && o.calls > 1)
    usageError("--calls forgets the tokens of each call; it does not combine "
               "with --load-state");
  return o;
}

/// The next token from `logits`: argmax, or a sample at the temperature
/// among the top-k / top-p candidates.
int32_t choose(const float *logits, int64_t vocab, const Options &o,
               std::mt19937_64 &rng) {
  if (o.temperature == 0)
    return int32_t(std::max_element(logits, logits + vocab) - logits);
  std::vector<int32_t> order(static_cast<size_t>(vocab));
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](int32_t a, int32_t b) { return logits[a] > logits[b]; });
  size_t keep = o.topK > 0 ? std::min<size_t>(size_t(o.topK), order.size())
                           : order.size();
  std::vector<double> p(keep);
  double total = 0;
  for (size_t i = 0; i < keep; ++i)
    total += p[i] = std::exp((logits[order[i]] - logits[order[0]]) /
                             o.temperature);
  // Smallest prefix with mass ≥ top-p.
  double mass = 0;
  size_t cut = keep;
  for (size_t i = 0; i < keep; ++i) {
    mass += p[i] / total;
    if (mass >= o.topP) {
      cut = i + 1;
      break;
    }
  }
  std::discrete_distribution<size_t> pick(p.begin(), p.begin() + cut);
  return order[pick(rng)];
}

/// The values and shape of a little-endian f32 or f64 C-order .npy file,
/// or an error.
bool readNpy(const std::string &path, std::vector<float> &values,
             std::vector<int64_t> &shape, std::string &error) {
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f) {
    error = "cannot open " + path;
    return false;
  }
  auto fail = [&](const std::string &why) {
    std::fclose(f);
    error = path + ": " + why;
    return false;
  };
  unsigned char magic[10];
  if (std::fread(magic, 1, 10, f) != 10 ||
      std::memcmp(magic, "\x93NUMPY", 6) != 0 || magic[6] != 1)
    return fail("not a version 1 .npy file");
  size_t length = size_t(magic[8]) | size_t(magic[9]) << 8;
  std::string header(length, '\0');
  if (std::fread(header.data(), 1, length, f) != length)
    return fail("truncated header");
  bool f64 = header.find("'descr': '<f8'") != std::string::npos;
  if (!f64 && header.find("'descr': '<f4'") == std::string::npos)
    return fail("only little-endian f32 or f64 arrays are read");
  if (header.find("'fortran_order': False") == std::string::npos)
    return fail("only C-order arrays are read");
  size_t open = header.find("'shape': (");
  size_t close = open == std::string::npos ? open : header.find(')', open);
  if (close == std::string::npos)
    return fail("no shape");
  // "(d0, d1, ...)", "(d0,)" or "()": whole numbers separated by commas.
  uint64_t count = 1;
  shape.clear();
  for (const char *p = header.c_str() + open + 10,
                  *stop = header.c_str() + close;
       p < stop;) {
    while (p < stop && *p == ' ')
      ++p;
    if (p == stop)
      break;
    char *end;
    errno = 0;
    unsigned long long d = std::strtoull(p, &end, 10);
    if (end == p || errno || !std::isdigit(static_cast<unsigned char>(*p)))
      return fail("a bad shape in the header");
    if (d > (1ull << 28) || (count *= d) > (1ull << 28))
      return fail("array too large");
    shape.push_back(int64_t(d));
    p = end;
    while (p < stop && *p == ' ')
      ++p;
    if (p < stop && *p != ',')
      return fail("a bad shape in the header");
    if (p < stop)
      ++p;
  }
  size_t bytes = f64 ? 8 : 4;
  // The file must hold the data the header promises before it is allocated.
  long at = std::ftell(f);
  if (at < 0 || std::fseek(f, 0, SEEK_END) != 0)
    return fail("cannot be read");
  long end = std::ftell(f);
  if (end < at || uint64_t(end - at) != count * bytes ||
      std::fseek(f, at, SEEK_SET) != 0)
    return fail("holds " + std::to_string(end - at) +
                " data bytes; its header's shape needs " +
                std::to_string(count * bytes));
  std::vector<unsigned char> data(size_t(count) * bytes);
  if (std::fread(data.data(), 1, data.size(), f) != data.size())
    return fail("truncated data");
  std::fclose(f);
  values.resize(size_t(count));
  for (size_t i = 0; i < values.size(); ++i) {
    if (f64) {
      double d;
      std::memcpy(&d, &data[i * 8], 8);
      values[i] = float(d);
    } else {
      std::memcpy(&values[i], &data[i * 4], 4);
    }
  }
  return true;
}

/// Writes a float32 .npy [rows, cols] through a temporary file.
bool writeNpy(const std::string &path, const std::vector<float> &data,
              int64_t rows, int64_t cols) {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" +
                       std::to_string(rows) + ", " + std::to_string(cols) +
                       "), }";
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string tmp = path + ".tmp-" + std::to_string(getpid());
  FILE *f = std::fopen(tmp.c_str(), "wb");
  if (!f)
    return false;
  uint16_t length = uint16_t(header.size());
  bool ok = std::fwrite("\x93NUMPY\x01\x00", 1, 8, f) == 8 &&
            std::fwrite(&length, 2, 1, f) == 1 &&
            std::fwrite(header.data(), 1, header.size(), f) == header.size() &&
            std::fwrite(data.data(), 4, data.size(), f) == data.size();
  ok = (std::fclose(f) == 0) && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

/// Whether a prompt of `n` tokens fits the room left in the session's
/// context; else says so.
bool promptFits(r1rt_session *session, size_t n, const char *what) {
  int64_t context = r1rt_session_context(session),
          held = r1rt_position(session);
  if (int64_t(n) <= context - held)
    return true;
  if (held)
    std::fprintf(stderr,
                 "r1-run: the %s has %zu tokens, more than the %lld left of "
                 "the context of %lld tokens (the loaded state holds %lld)\n",
                 what, n, static_cast<long long>(context - held),
                 static_cast<long long>(context), static_cast<long long>(held));
  else
    std::fprintf(stderr,
                 "r1-run: the %s has %zu tokens, more than the context of "
                 "%lld tokens (-c/--ctx, at most the model's "
                 "max_position_embeddings)\n",
                 what, n, static_cast<long long>(context));
  return false;
}

/// Whether the session has room for another token; sets `full` when not.
bool roomForToken(r1rt_session *session, bool &full) {
  full = r1rt_position(session) >= r1rt_session_context(session);
  return !full;
}

void reportContextFull(r1rt_session *session) {
  std::fprintf(stderr, "r1-run: stopped at the context limit of %lld tokens\n",
               static_cast<long long>(r1rt_session_context(session)));
}

using Clock = std::chrono::steady_clock;
double seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

/// --chat: each stdin line is a user turn; the whole conversation, rendered
/// with the R1 template, is prefilled afresh (earlier answers lose their
/// thinking, so the history's tokens change) and the answer streams until
/// end-of-sequence or -n tokens.
int chat(r1rt_session *session, int64_t vocab,
         const r1::tokenizer::Tokenizer &tokenizer, const Options &o) {
  using r1::tokenizer::ChatMessage;
  std::vector<ChatMessage> history;
  if (!o.system.empty())
    history.push_back({ChatMessage::Role::System, o.system});
  std::optional<int32_t> eos = tokenizer.eosId();
  std::mt19937_64 rng(o.seed);
  std::vector<float> logits(static_cast<size_t>(vocab));
  std::string line;
  std::fputs("> ", stdout);
  std::fflush(stdout);
  for (int c; (c = std::fgetc(stdin)) != EOF || !line.empty();) {
    if (c != EOF && c != '\n') {
      line += char(c);
      continue;
    }
    history.push_back({ChatMessage::Role::User, line});
    line.clear();
    std::vector<int32_t> ids = r1::tokenizer::encodeR1Chat(
        tokenizer, history, /*addGenerationPrompt=*/true, o.parseSpecial);
    r1rt_forget_tokens(session);
    if (!promptFits(session, ids.size(), "conversation"))
      return 1;
    if (r1rt_prefill_last(session, ids.data(), ids.size(), logits.data()) != 0) {
      std::fprintf(stderr, "r1-run: %s\n", r1rt_session_error(session));
      return 1;
    }
    r1::tokenizer::Tokenizer::StreamDecoder text(tokenizer);
    std::string answer = "<think>\n";
    std::fputs(answer.c_str(), stdout);
    bool full = false;
    for (long i = 0; i < o.generate && roomForToken(session, full); ++i) {
      int32_t token = choose(logits.data(), vocab, o, rng);
      if (eos && token == *eos)
        break;
      std::string piece = text.push(token);
      answer += piece;
      std::fwrite(piece.data(), 1, piece.size(), stdout);
      std::fflush(stdout);
      if (r1rt_decode(session, token, logits.data()) != 0) {
        std::fprintf(stderr, "r1-run: %s\n", r1rt_session_error(session));
        return 1;
      }
    }
    answer += text.finish();
    if (full) {
      std::fputs("\n", stdout);
      std::fflush(stdout);
      reportContextFull(session);
    }
    r1rt_end_call(session);
    history.push_back({ChatMessage::Role::Assistant, answer});
    std::fputs("\n> ", stdout);
    std::fflush(stdout);
    if (c == EOF)
      break;
  }
  std::fputs("\n", stdout);
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  Options o = parseOptions(argc, argv);
  char error[1024];
  unsigned flags = o.verify ? 0 : R1RT_OPEN_SKIP_CHECKSUMS;
  r1rt_model *model =
      o.artifact.empty()
          ? r1rt_open_embedded(flags, error, sizeof(error))
          : r1rt_open(o.artifact.c_str(), flags, error, sizeof(error));
  if (!model) {
    std::fprintf(stderr, "r1-run: %s\n", error);
    return 1;
  }
  if (o.threads)
    r1rt_set_threads(model, o.threads);
  r1rt_session *session = r1rt_session_create(model);
  SessionGuard release{model, session};
  if (!o.loadState.empty()) {
    Clock::time_point start = Clock::now();
    if (r1rt_load_state(session, o.loadState.c_str()) != 0) {
      std::fprintf(stderr, "r1-run: %s\n", r1rt_session_error(session));
      return 1;
    }
    std::fprintf(stderr, "r1-run: loaded %lld tokens from %s in %.1f ms\n",
                 static_cast<long long>(r1rt_position(session)),
                 o.loadState.c_str(), 1e3 * seconds(start, Clock::now()));
  }
  if (o.context && r1rt_session_set_context(session, o.context) != 0) {
    std::fprintf(stderr, "r1-run: --ctx: %s\n", r1rt_session_error(session));
    return 1;
  }
  for (auto [name, path] : {std::pair("image", o.image), std::pair("audio", o.audio)}) {
    if (path.empty())
      continue;
    std::vector<float> values;
    std::vector<int64_t> shape;
    std::string message;
    if (!readNpy(path, values, shape, message)) {
      std::fprintf(stderr, "r1-run: %s\n", message.c_str());
      return 1;
    }
    if (r1rt_set_input(session, name, values.data(), shape.data(),
                       shape.size()) != 0) {
      std::fprintf(stderr, "r1-run: %s: %s\n", path.c_str(),
                   r1rt_session_error(session));
      return 1;
    }
  }
  int64_t vocab = r1rt_vocab_size(model);
  using r1::tokenizer::Tokenizer;
  std::optional<Tokenizer> tokenizer;
  if (o.hasPrompt || o.chat) {
    size_t embeddedBytes = 0;
    const char *embedded = r1rt_embedded_file("tokenizer.json", &embeddedBytes);
    if (o.artifact.empty() && !embedded) {
      std::fprintf(stderr, "r1-run: this executable has no tokenizer.json "
                           "for --prompt; use --tokens\n");
      return 1;
    }
    auto loaded =
        o.artifact.empty()
            ? Tokenizer::fromJson(std::string_view(embedded, embeddedBytes))
            : Tokenizer::fromFile(o.artifact + "/tokenizer.json");
    if (!loaded) {
      std::fprintf(stderr, "r1-run: %s (the artifact needs the checkpoint's "
                   "tokenizer.json for --prompt; use --tokens)\n",
                   loaded.message().c_str());
      return 1;
    }
    tokenizer = std::move(*loaded);
    if (o.chat) {
      return chat(session, vocab, *tokenizer, o);
    }
    r1::tokenizer::EncodeOptions options;
    // A prompt continuing a loaded sequence takes no BOS.
    options.addSpecial = r1rt_position(session) == 0;
    options.parseSpecial = o.parseSpecial;
    o.tokens = tokenizer->encode(o.prompt, options);
    if (o.tokens.empty()) {
      std::fprintf(stderr, "r1-run: the prompt encodes to no tokens\n");
      return 1;
    }
  }
  std::optional<Tokenizer::StreamDecoder> text;
  if (tokenizer && !o.classify) {
    text.emplace(*tokenizer);
    std::fwrite(o.prompt.data(), 1, o.prompt.size(), stdout); // then its continuation
    std::fflush(stdout);
  }
  std::optional<int32_t> eos = tokenizer ? tokenizer->eosId() : std::nullopt;
  if (o.classify) {
    int64_t labels = r1rt_num_labels(model);
    std::vector<float> scores(static_cast<size_t>(std::max<int64_t>(labels, 1)));
    if (r1rt_classify(session, o.tokens.data(), o.tokens.size(),
                      scores.data()) != 0) {
      std::fprintf(stderr, "r1-run: %s\n", r1rt_session_error(session));
      return 1;
    }
    float top = *std::max_element(scores.begin(), scores.end()), total = 0;
    for (float s : scores)
      total += std::exp(s - top);
    std::printf("label_logits:");
    for (size_t i = 0; i < scores.size(); ++i)
      std::printf("%s%.7g", i ? "," : " ", scores[i]);
    std::printf("\nprobabilities:");
    for (size_t i = 0; i < scores.size(); ++i)
      std::printf("%s%.7g", i ? "," : " ", std::exp(scores[i] - top) / total);
    std::printf("\nlabel: %d\n",
                int(std::max_element(scores.begin(), scores.end()) -
                    scores.begin()));
    return 0;
  }
  if (!promptFits(session, o.tokens.size(), "prompt"))
    return 1;
  bool contextFull = false;
  // Earlier calls only feed the memory unit.
  for (long call = 1; call < o.calls; ++call) {
    std::vector<float> logits(static_cast<size_t>(vocab));
    int32_t token = 0;
    if (r1rt_prefill_last(session, o.tokens.data(), o.tokens.size(),
                          logits.data()) != 0) {
      std::fprintf(stderr, "r1-run: %s\n", r1rt_session_error(session));
      return 1;
    }
    std::mt19937_64 rng(o.seed);
    bool dumping = !o.dumpLogits.empty();
    for (long i = 0; i < o.generate && roomForToken(session, contextFull);
         ++i) {
      token = choose(logits.data(), vocab, o, rng);
      if (i + 1 == o.generate && !dumping)
        break;
      if (r1rt_decode(session, token, logits.data()) != 0) {
        std::fprintf(stderr, "r1-run: %s\n", r1rt_session_error(session));
        return 1;
      }
    }
    r1rt_end_call(session);
    r1rt_forget_tokens(session);
  }
  bool dump = !o.dumpLogits.empty();
  // The dump and a saved state need every generated token run.
  bool feedAll = dump || !o.saveState.empty();
  size_t n = o.tokens.size();
  // Every position's logits when dumping; else the last position's only.
  std::vector<float> logits((dump ? n : 1) * size_t(vocab));

  Clock::time_point t0 = Clock::now();
  int status = dump ? r1rt_prefill(session, o.tokens.data(), n, logits.data())
                    : r1rt_prefill_last(session, o.tokens.data(), n,
                                        logits.data());
  if (status != 0) {
    std::fprintf(stderr, "r1-run: %s\n", r1rt_session_error(session));
    return 1;
  }
  Clock::time_point t1 = Clock::now();
  std::mt19937_64 rng(o.seed);
  std::vector<int32_t> generated;
  const float *last = logits.data() + (dump ? n - 1 : 0) * size_t(vocab);
  std::vector<float> step(static_cast<size_t>(vocab));
  for (long i = 0; i < o.generate; ++i) {
    // The sequence (prompt and generated tokens) fits the context.
    if (!roomForToken(session, contextFull))
      break;
    int32_t token = choose(last, vocab, o, rng);
    generated.push_back(token);
    if (text) {
      if (eos && token == *eos)
        break;
      std::string piece = text->push(token);
      std::fwrite(piece.data(), 1, piece.size(), stdout);
      std::fflush(stdout);
    }
    if (i + 1 == o.generate && !feedAll)
      break; // the last token is only run for the dump or the state
    if (r1rt_decode(session, token, step.data()) != 0) {
      std::fprintf(stderr, "r1-run: %s\n", r1rt_session_error(session));
      return 1;
    }
    if (dump)
      logits.insert(logits.end(), step.begin(), step.end());
    last = step.data();
  }
  Clock::time_point t2 = Clock::now();
  // Saved before the call ends: a run from the state continues this call.
  if (!o.saveState.empty()) {
    if (r1rt_save_state(session, o.saveState.c_str()) != 0) {
      std::fprintf(stderr, "r1-run: %s\n", r1rt_session_error(session));
      return 1;
    }
    struct stat st;
    long long bytes = stat(o.saveState.c_str(), &st) == 0 ? st.st_size : -1;
    std::fprintf(stderr,
                 "r1-run: saved %lld tokens to %s (%lld bytes) in %.1f ms\n",
                 static_cast<long long>(r1rt_position(session)),
                 o.saveState.c_str(), bytes, 1e3 * seconds(t2, Clock::now()));
  }
  r1rt_end_call(session);

  if (text) {
    std::string rest = text->finish();
    std::fwrite(rest.data(), 1, rest.size(), stdout);
  } else {
    for (size_t i = 0; i < generated.size(); ++i)
      std::printf("%s%d", i ? " " : "", generated[i]);
  }
  std::printf("\n");
  std::fflush(stdout);
  if (contextFull)
    reportContextFull(session);
  long decoded = std::max<long>(0, long(generated.size()) - (feedAll ? 0 : 1));
  std::fprintf(stderr, "r1-run: prefill %zu tokens %.1f tok/s", n,
               double(n) / seconds(t0, t1));
  if (decoded)
    std::fprintf(stderr, ", decode %ld tokens %.1f tok/s", decoded,
                 double(decoded) / seconds(t1, t2));
  std::fprintf(stderr, "\n");
  if (dump && !writeNpy(o.dumpLogits, logits, int64_t(logits.size()) / vocab, vocab)) {
    std::fprintf(stderr, "r1-run: cannot write %s\n", o.dumpLogits.c_str());
    return 1;
  }
  return 0;
}
