//===- r1-bench.cpp - prefill and decode tokens/s of r1c artifacts --------===//
//
//   r1-bench ART... [-p 512] [-n 128] [-t THREADS] [-r 5] [-o md|csv|json]
//            [--roofline]
//
// llama.cpp's llama-bench for r1c artifacts: for each artifact, thread
// count and test, one warm-up run and then -r timed runs, reported as the
// mean ± sample standard deviation of their tokens/s. A prefill test `ppN`
// runs N tokens through r1rt_prefill_last in a reset session (t/s = N / its
// time); a generation test `tgN` prefills kGenPromptTokens tokens (not
// timed), then decodes N tokens one r1rt_decode at a time, each with its
// logits (t/s = N / the decode loop's time). Token ids are Bench.h's
// benchTokens: the same on every run. --roofline sets each row beside the
// bound of this machine's FMA peak (prefill) or read bandwidth (decode),
// measured with bench/Roofline.h at the row's thread count.
//
//===----------------------------------------------------------------------===//

#include "Bench.h"
#include "bench/Roofline.h"
#include "r1rt.h"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <sys/stat.h>
#include <tuple>
#include <vector>

using namespace r1::bench;

namespace {

const char kUsage[] =
    "usage: r1-bench ART... [options]\n"
    "  -p, --n-prompt LIST   prefill tests: tokens per prompt (default 512;\n"
    "                        0: none)\n"
    "  -n, --n-gen LIST      generation tests: tokens decoded after a\n"
    "                        16-token prompt (default 128; 0: none)\n"
    "  -t, --threads LIST    kernel threads (default: one per core)\n"
    "  -r, --repetitions N   timed runs per row, after one warm-up (default "
    "5)\n"
    "  -o, --output FORMAT   md (a markdown table, the default), csv or json\n"
    "  --roofline            each row's bound from this machine's FMA peak\n"
    "                        (prefill) or read bandwidth (decode), and the\n"
    "                        row's share of it\n"
    "LISTs are comma-separated, e.g. -p 128,512 -t 1,2. A row per artifact,\n"
    "thread count and test: t/s is the mean ± sample standard deviation of\n"
    "the repetitions' tokens/s. Every test must fit the artifact's context.\n";

/// A generation test decodes after this many prompt tokens (not timed).
constexpr uint64_t kGenPromptTokens = 16;

[[noreturn]] void usageError(const std::string &message) {
  std::fprintf(stderr, "r1-bench: %s (--help lists the options)\n",
               message.c_str());
  std::exit(2);
}

[[noreturn]] void fail(const std::string &message) {
  std::fprintf(stderr, "r1-bench: %s\n", message.c_str());
  std::exit(1);
}

enum class Format { Markdown, Csv, Json };

struct Options {
  std::vector<std::string> artifacts;
  std::vector<uint64_t> prompts{512}, gens{128}, threads;
  uint64_t repetitions = 5;
  Format format = Format::Markdown;
  bool roofline = false;
};

template <typename T> T orUsageError(Expected<T> value) {
  if (!value)
    usageError(value.message());
  return std::move(*value);
}

Options parseOptions(int argc, char **argv) {
  Options o;
  o.threads = {benchThreads()};
  // Token counts stay below 2^31 (the runtime's ids and positions are i32).
  const uint64_t maxTokens = (uint64_t(1) << 31) - 1;
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
    } else if (arg == "-p" || arg == "--n-prompt") {
      o.prompts = orUsageError(parseCountList(arg, value(), 0, maxTokens));
    } else if (arg == "-n" || arg == "--n-gen") {
      o.gens = orUsageError(parseCountList(arg, value(), 0, maxTokens));
    } else if (arg == "-t" || arg == "--threads") {
      o.threads = orUsageError(parseCountList(arg, value(), 1, 4096));
    } else if (arg == "-r" || arg == "--repetitions") {
      o.repetitions = orUsageError(parseCount(arg, value(), 1, 1000000));
    } else if (arg == "-o" || arg == "--output") {
      std::string f = value();
      if (f == "md")
        o.format = Format::Markdown;
      else if (f == "csv")
        o.format = Format::Csv;
      else if (f == "json")
        o.format = Format::Json;
      else
        usageError(arg + " takes md, csv or json, got '" + f + "'");
    } else if (arg == "--roofline") {
      o.roofline = true;
    } else if (!arg.empty() && arg[0] == '-') {
      usageError("unknown option " + arg);
    } else {
      o.artifacts.push_back(arg);
    }
  }
  if (o.artifacts.empty())
    usageError("no artifact given");
  // As llama-bench: a length of 0 runs no test of its kind.
  auto dropZeros = [](std::vector<uint64_t> &v) {
    v.erase(std::remove(v.begin(), v.end(), 0), v.end());
  };
  dropZeros(o.prompts);
  dropZeros(o.gens);
  if (o.prompts.empty() && o.gens.empty())
    usageError("no test to run: -p and -n are both 0");
  return o;
}

using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

struct Test {
  bool prefill; // ppN, else tgN
  uint64_t tokens;
  std::string name() const {
    return (prefill ? "pp" : "tg") + std::to_string(tokens);
  }
};

/// An open artifact and what its rows show of it.
struct Artifact {
  std::string path;
  r1rt_model *model = nullptr;
  r1rt_session *session = nullptr;
  std::string target;
  int64_t vocab = 0, context = 0;
  uint64_t fileBytes = 0; // weights.bin
  ArtifactCost cost;
};

Artifact openArtifact(const std::string &path) {
  Artifact a;
  a.path = path;
  char error[1024];
  a.model = r1rt_open(path.c_str(), 0, error, sizeof error);
  if (!a.model)
    fail(path + ": " + error);
  a.session = r1rt_session_create(a.model);
  a.target = r1rt_target(a.model);
  a.vocab = r1rt_vocab_size(a.model);
  a.context = r1rt_context_length(a.model);
  if (a.vocab < 1)
    fail(path + ": has no vocabulary to draw token ids from");
  std::string manifestPath = path + "/manifest.json";
  std::ifstream in(manifestPath, std::ios::binary);
  if (!in)
    fail("cannot open " + manifestPath);
  std::string manifest((std::istreambuf_iterator<char>(in)),
                       std::istreambuf_iterator<char>());
  auto cost = parseArtifactCost(manifest, manifestPath);
  if (!cost)
    fail(cost.message());
  a.cost = *cost;
  struct stat st;
  std::string weights = path + "/weights.bin";
  if (stat(weights.c_str(), &st) != 0)
    fail("cannot stat " + weights);
  a.fileBytes = uint64_t(st.st_size);
  return a;
}

/// The seconds of one run of `test` in the artifact's reset session.
double runOnce(Artifact &a, const Test &test) {
  r1rt_session *s = a.session;
  r1rt_reset(s);
  std::vector<float> logits(size_t(a.vocab));
  auto check = [&](int status) {
    if (status != 0)
      fail(a.path + ": " + test.name() + ": " + r1rt_session_error(s));
  };
  if (test.prefill) {
    std::vector<int32_t> ids = benchTokens(test.tokens, a.vocab);
    Clock::time_point t0 = Clock::now();
    check(r1rt_prefill_last(s, ids.data(), ids.size(), logits.data()));
    return seconds(t0, Clock::now());
  }
  std::vector<int32_t> ids =
      benchTokens(kGenPromptTokens + test.tokens, a.vocab);
  check(r1rt_prefill_last(s, ids.data(), kGenPromptTokens, logits.data()));
  Clock::time_point t0 = Clock::now();
  for (uint64_t i = 0; i < test.tokens; ++i)
    check(r1rt_decode(s, ids[kGenPromptTokens + i], logits.data()));
  return seconds(t0, Clock::now());
}

struct Roofline {
  double fmaGflops = 0, bandwidthGBps = 0;
};

struct Row {
  const Artifact *artifact;
  uint64_t threads;
  Test test;
  std::vector<double> samples; // t/s of each repetition
  Summary ts;
  // --roofline
  Roofline machine;
  double costPerToken = 0; // FLOPs (pp) or bytes (tg)
  double bound = 0;        // t/s
};

std::string humanBytes(uint64_t bytes) {
  char buf[32];
  double mib = double(bytes) / (1 << 20);
  if (mib < 1024)
    std::snprintf(buf, sizeof buf, "%.2f MiB", mib);
  else
    std::snprintf(buf, sizeof buf, "%.2f GiB", mib / 1024);
  return buf;
}

std::string humanCount(uint64_t n) {
  char buf[32];
  if (n < 1000000000)
    std::snprintf(buf, sizeof buf, "%.2f M", double(n) / 1e6);
  else
    std::snprintf(buf, sizeof buf, "%.2f B", double(n) / 1e9);
  return buf;
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

/// A number as JSON and CSV write it: shortest round-trip form, null (or
/// empty in CSV) when not finite.
std::string number(double v) {
  if (!std::isfinite(v))
    return "null";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  // Shorter when it still reads back the same.
  for (int digits = 6; digits < 17; ++digits) {
    char shorter[64];
    std::snprintf(shorter, sizeof shorter, "%.*g", digits, v);
    if (std::strtod(shorter, nullptr) == v)
      return shorter;
  }
  return buf;
}

std::string jsonString(const std::string &s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += char(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += char(c);
    }
  }
  return out + "\"";
}

std::string csvField(const std::string &s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos)
    return s;
  std::string out = "\"";
  for (char c : s)
    out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

/// Every field of a row, in the order CSV's header and JSON's objects use:
/// (name, value, whether the value is a string).
std::vector<std::tuple<std::string, std::string, bool>> fields(const Row &r,
                                                               bool roofline) {
  const Artifact &a = *r.artifact;
  std::vector<std::tuple<std::string, std::string, bool>> f = {
      {"artifact", a.path, true},
      {"target", a.target, true},
      {"size_bytes", std::to_string(a.fileBytes), false},
      {"params", std::to_string(a.cost.params), false},
      {"threads", std::to_string(r.threads), false},
      {"test", r.test.name(), true},
      {"n_prompt",
       std::to_string(r.test.prefill ? r.test.tokens : kGenPromptTokens),
       false},
      {"n_gen", std::to_string(r.test.prefill ? 0 : r.test.tokens), false},
      {"repetitions", std::to_string(r.ts.samples), false},
      {"ts_mean", number(r.ts.mean), false},
      {"ts_stddev", number(r.ts.stddev), false},
  };
  if (roofline) {
    f.push_back({"bound_by", r.test.prefill ? "fma" : "bandwidth", true});
    f.push_back({"fma_gflops", number(r.machine.fmaGflops), false});
    f.push_back({"bandwidth_gbps", number(r.machine.bandwidthGBps), false});
    // The cost the bound divides by; the other kind's is null.
    f.push_back({"flops_per_token",
                 r.test.prefill ? number(r.costPerToken) : "null", false});
    f.push_back({"bytes_per_token",
                 r.test.prefill ? "null" : number(r.costPerToken), false});
    f.push_back({"bound_ts", number(r.bound), false});
    f.push_back({"bound_pct", number(100 * r.ts.mean / r.bound), false});
  }
  return f;
}

void printJson(const std::vector<Row> &rows, bool roofline) {
  std::printf("[\n");
  for (size_t i = 0; i < rows.size(); ++i) {
    std::printf("  {");
    const char *sep = "";
    for (auto &[name, value, isString] : fields(rows[i], roofline)) {
      std::printf("%s\"%s\": %s", sep, name.c_str(),
                  isString ? jsonString(value).c_str() : value.c_str());
      sep = ", ";
    }
    std::printf(", \"samples_ts\": [");
    for (size_t k = 0; k < rows[i].samples.size(); ++k)
      std::printf("%s%s", k ? ", " : "", number(rows[i].samples[k]).c_str());
    std::printf("]}%s\n", i + 1 < rows.size() ? "," : "");
  }
  std::printf("]\n");
}

void printCsv(const std::vector<Row> &rows, bool roofline) {
  // Every row has the same fields; a null is an empty field.
  const char *sep = "";
  for (auto &field : fields(rows[0], roofline)) {
    std::printf("%s%s", sep, std::get<0>(field).c_str());
    sep = ",";
  }
  std::printf("\n");
  for (const Row &r : rows) {
    sep = "";
    for (auto &[name, value, isString] : fields(r, roofline)) {
      std::printf("%s%s", sep,
                  isString          ? csvField(value).c_str()
                  : value == "null" ? ""
                                    : value.c_str());
      sep = ",";
    }
    std::printf("\n");
  }
}

void printMarkdown(const std::vector<Row> &rows, const Options &o) {
  std::vector<std::string> header = {"artifact", "target", "size", "params",
                                     "threads",  "test",   "t/s"};
  if (o.roofline) {
    header.push_back("bound t/s");
    header.push_back("% of bound");
  }
  std::vector<std::vector<std::string>> cells;
  for (const Row &r : rows) {
    std::vector<std::string> c = {r.artifact->path,
                                  r.artifact->target,
                                  humanBytes(r.artifact->fileBytes),
                                  humanCount(r.artifact->cost.params),
                                  std::to_string(r.threads),
                                  r.test.name(),
                                  fixed(r.ts.mean, 2) + " ± " +
                                      fixed(r.ts.stddev, 2)};
    if (o.roofline) {
      c.push_back(fixed(r.bound, 2));
      c.push_back(fixed(100 * r.ts.mean / r.bound, 1) + "%");
    }
    cells.push_back(c);
  }
  // Column widths in characters (± is one), as llama-bench pads them.
  auto width = [](const std::string &s) {
    size_t n = 0;
    for (unsigned char c : s)
      n += (c & 0xC0) != 0x80;
    return n;
  };
  std::vector<size_t> widths(header.size());
  for (size_t i = 0; i < header.size(); ++i) {
    widths[i] = std::max<size_t>(width(header[i]), 3);
    for (auto &c : cells)
      widths[i] = std::max(widths[i], width(c[i]));
  }
  // Text columns left-aligned, numbers right-aligned.
  auto numeric = [](size_t column) { return column >= 2; };
  auto line = [&](const std::vector<std::string> &c) {
    std::string out = "|";
    for (size_t i = 0; i < c.size(); ++i) {
      std::string pad(widths[i] - width(c[i]), ' ');
      out += " " + (numeric(i) ? pad + c[i] : c[i] + pad) + " |";
    }
    std::printf("%s\n", out.c_str());
  };
  line(header);
  std::string rule = "|";
  for (size_t i = 0; i < header.size(); ++i)
    rule +=
        " " + std::string(widths[i] - 1, '-') + (numeric(i) ? ":" : "-") + " |";
  std::printf("%s\n", rule.c_str());
  for (auto &c : cells)
    line(c);
  std::printf("\nt/s: mean ± sample standard deviation of %" PRIu64
              " runs after a warm-up; tgN decodes after a %" PRIu64
              "-token prompt.\n",
              o.repetitions, kGenPromptTokens);
}

} // namespace

int main(int argc, char **argv) {
  Options o = parseOptions(argc, argv);

  std::vector<Test> tests;
  for (uint64_t n : o.prompts)
    tests.push_back({true, n});
  for (uint64_t n : o.gens)
    tests.push_back({false, n});

  std::vector<Artifact> artifacts;
  artifacts.reserve(o.artifacts.size());
  for (const std::string &path : o.artifacts)
    artifacts.push_back(openArtifact(path));
  // Every test fits every artifact's context before anything is timed.
  for (const Artifact &a : artifacts)
    for (const Test &t : tests) {
      uint64_t needed = t.prefill ? t.tokens : kGenPromptTokens + t.tokens;
      if (needed > uint64_t(a.context))
        fail(a.path + ": " + t.name() + " needs " + std::to_string(needed) +
             " tokens" +
             (t.prefill
                  ? std::string()
                  : " (" + std::to_string(kGenPromptTokens) + " prompt + " +
                        std::to_string(t.tokens) + " generated)") +
             ", more than the artifact's context of " +
             std::to_string(a.context) + " tokens (max_position_embeddings)");
    }

  std::map<uint64_t, Roofline> machine;
  if (o.roofline)
    for (uint64_t t : o.threads)
      if (!machine.count(t)) {
        Roofline &m = machine[t];
        m.fmaGflops = measureFmaPeakGflops(unsigned(t));
        m.bandwidthGBps = measureReadBandwidthGBps(unsigned(t));
        if (m.bandwidthGBps <= 0)
          fail("cannot allocate the 1 GiB the bandwidth measurement reads");
        std::fprintf(stderr,
                     "r1-bench: roofline at %" PRIu64
                     " threads: FMA peak %.1f GFLOP/s, read bandwidth %.1f "
                     "GB/s\n",
                     t, m.fmaGflops, m.bandwidthGBps);
      }

  std::vector<Row> rows;
  for (Artifact &a : artifacts)
    for (uint64_t threads : o.threads) {
      r1rt_set_threads(a.model, int(threads));
      for (const Test &test : tests) {
        Row row{&a, threads, test, {}, {}, {}, 0, 0};
        runOnce(a, test); // warm-up: the thread pool and buffers exist
        for (uint64_t r = 0; r < o.repetitions; ++r)
          row.samples.push_back(double(test.tokens) / runOnce(a, test));
        row.ts = summarize(row.samples);
        if (o.roofline) {
          row.machine = machine[threads];
          if (test.prefill) {
            row.costPerToken = prefillFlopsPerToken(a.cost, test.tokens);
            row.bound = row.machine.fmaGflops * 1e9 / row.costPerToken;
          } else {
            row.costPerToken =
                decodeBytesPerToken(a.cost, kGenPromptTokens, test.tokens);
            row.bound = row.machine.bandwidthGBps * 1e9 / row.costPerToken;
          }
        }
        rows.push_back(std::move(row));
      }
    }

  switch (o.format) {
  case Format::Markdown:
    printMarkdown(rows, o);
    break;
  case Format::Csv:
    printCsv(rows, o.roofline);
    break;
  case Format::Json:
    printJson(rows, o.roofline);
    break;
  }
  for (Artifact &a : artifacts) {
    r1rt_session_destroy(a.session);
    r1rt_close(a.model);
  }
  return 0;
}
