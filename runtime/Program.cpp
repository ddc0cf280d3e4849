//===- Program.cpp - the artifact's program.txt ---------------------------===//
//
// This file implements parseProgram: read each record, then check that every
// reference resolves and every buffer an argument describes fits the slot,
// weight or cache it views; and printProgram, its inverse.
//
//===----------------------------------------------------------------------===//

#include "runtime/Program.h"
#include "runtime/Digest.h"
#include "runtime/r1host.h"

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <tuple>

namespace r1rt {
namespace {

constexpr size_t kMaxRecords = 1 << 22;
constexpr int64_t kMaxWidth = int64_t(1) << 31;
constexpr int64_t kMaxImage = int64_t(1) << 28; // values in one image

std::vector<std::string_view> split(std::string_view line, char sep) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (true) {
    size_t end = line.find(sep, start);
    fields.push_back(line.substr(start, end - start));
    if (end == std::string_view::npos)
      return fields;
    start = end + 1;
  }
}

template <typename T> bool parseInt(std::string_view text, T &value) {
  const char *end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  return ec == std::errc() && ptr == end && !text.empty();
}

bool parseFloat(std::string_view text, float &value) {
  std::string copy(text);
  char *end = nullptr;
  errno = 0;
  value = std::strtof(copy.c_str(), &end);
  return !copy.empty() && errno == 0 && end == copy.c_str() + copy.size() &&
         std::isfinite(value);
}

bool isSymbol(std::string_view s) {
  if (s.empty() || s.size() > 200)
    return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_'))
      return false;
  return true;
}

class Parser {
public:
  Parser(Program &program, std::string &error)
      : program(program), error(error) {}

  bool run(std::string_view text) {
    std::vector<std::string_view> lines = split(text, '\n');
    if (lines.size() > kMaxRecords)
      return fail("has too many records");
    if (lines.size() > 1 && lines.back().empty())
      lines.pop_back();
    for (line = 0; line < lines.size(); ++line) {
      std::vector<std::string_view> f = split(lines[line], ' ');
      if (line == 0) {
        int64_t version;
        if (f.size() != 2 || f[0] != "r1-program" || !parseInt(f[1], version))
          return fail("is not an r1 program (no 'r1-program VERSION' header)");
        if (version != kProgramVersion)
          return fail("has format version " + std::string(f[1]) +
                      "; this runtime reads version " +
                      std::to_string(kProgramVersion) +
                      ": rebuild the artifact with this r1c");
        continue;
      }
      if (!record(f))
        return false;
    }
    atLine = false;
    return check();
  }

private:
  bool fail(const std::string &message) {
    error = "program.txt" +
            (atLine ? ":" + std::to_string(line + 1) : std::string()) + ": " +
            message;
    return false;
  }

  bool count(const std::vector<std::string_view> &f, size_t n) {
    return f.size() == n || fail("'" + std::string(f[0]) + "' takes " +
                                 std::to_string(n - 1) + " fields");
  }

  bool width(std::string_view text, int64_t &value) {
    return (parseInt(text, value) && value > 0 && value < kMaxWidth) ||
           fail("bad width '" + std::string(text) + "'");
  }

  bool index(std::string_view text, size_t size, int64_t &value,
             const char *what) {
    return (parseInt(text, value) && value >= 0 && size_t(value) < size) ||
           fail(std::string("names ") + what + " '" + std::string(text) +
                "', which does not exist");
  }

  bool record(const std::vector<std::string_view> &f) {
    std::string_view kind = f[0];
    if (kind == "target") {
      if (!count(f, 3))
        return false;
      program.target = std::string(f[1]);
      if (f[2] != "-")
        for (std::string_view feature : split(f[2], ',')) {
          if (feature.empty())
            return fail("names an empty CPU feature (no features is '-')");
          program.features.emplace_back(feature);
        }
      return true;
    }
    if (kind == "file") {
      FileCheck file;
      if (!count(f, 4))
        return false;
      if (f[1] != "model.so" && f[1] != "weights.bin")
        return fail("names an unexpected file '" + std::string(f[1]) + "'");
      if (!parseInt(f[2], file.bytes) || !isDigest(f[3]))
        return fail("has a bad size or digest");
      file.name = std::string(f[1]);
      file.digest = std::string(f[3]);
      program.files.push_back(std::move(file));
      return true;
    }
    if (kind == "vocab")
      return count(f, 2) && width(f[1], program.vocab);
    if (kind == "context")
      return count(f, 2) && width(f[1], program.context);
    if (kind == "slot") {
      Program::Slot slot;
      if (f.size() == 4 && f[3] == "context")
        slot.context = true;
      else if (f.size() == 4 && f[3] == "square")
        slot.square = true;
      else if (f.size() == 4 && f[3] == "cross")
        slot.cross = true;
      else if (!count(f, 3))
        return false;
      if (!width(f[1], slot.width))
        return false;
      if (f[2] != "f32" && f[2] != "i32")
        return fail("slot type must be f32 or i32");
      slot.isInt = f[2] == "i32";
      program.slots.push_back(slot);
      return true;
    }
    if (kind == "cache") {
      Program::Cache cache;
      if (!count(f, 3) || !width(f[1], cache.width))
        return false;
      if (f[2] != "f32" && f[2] != "i32")
        return fail("cache type must be f32 or i32");
      cache.isInt = f[2] == "i32";
      program.caches.push_back(cache);
      return true;
    }
    if (kind == "weight") {
      Program::Weight w;
      w.bf16 = f.size() == 4 && f[3] == "bf16";
      if ((!w.bf16 && !count(f, 3)) || !parseInt(f[1], w.offset) ||
          !parseInt(f[2], w.bytes))
        return fail("bad weight record");
      if (w.offset % 64 != 0)
        return fail("weight offset is not 64-byte aligned");
      program.weights.push_back(w);
      return true;
    }
    if (kind == "kernel") {
      if (!count(f, 2) || !isSymbol(f[1]))
        return fail("bad kernel symbol");
      program.kernels.emplace_back(f[1]);
      return true;
    }
    if (kind == "replay") {
      if (!count(f, 1))
        return false;
      program.replay = true;
      return true;
    }
    if (kind == "ids" || kind == "positions" || kind == "logits") {
      int64_t &target = kind == "ids"         ? program.ids
                        : kind == "positions" ? program.positions
                                              : program.logits;
      return count(f, 2) &&
             index(f[1], program.slots.size(), target, "slot");
    }
    if (kind == "classify") {
      auto &c = program.classifier;
      if (!count(f, 6) ||
          !index(f[1], program.slots.size(), c.hidden, "slot") ||
          !index(f[2], program.weights.size(), c.weight, "weight") ||
          !positive(f[4], c.labels))
        return false;
      if (f[5] != "last" && f[5] != "mean")
        return fail("classify pooling must be last or mean");
      c.mean = f[5] == "mean";
      const Program::Slot &hidden = program.slots[c.hidden];
      if (hidden.context)
        return fail("classify hidden must be token rows");
      if (hidden.isInt || program.weights[c.weight].bytes !=
                              uint64_t(c.labels) * uint64_t(hidden.width) * 4)
        return fail("classify weight does not match labels × hidden");
      c.bias = -1;
      if (f[3] != "-1" &&
          (!index(f[3], program.weights.size(), c.bias, "weight") ||
           program.weights[c.bias].bytes != uint64_t(c.labels) * 4))
        return fail("bad classify bias");
      return true;
    }
    if (kind == "state") {
      Program::State st;
      if (!count(f, 4) ||
          !index(f[1], program.weights.size(), st.initial, "weight") ||
          !width(f[2], st.rows) || !width(f[3], st.width))
        return false;
      if (uint64_t(st.rows) * uint64_t(st.width) * 4 !=
          program.weights[st.initial].bytes)
        return fail("state does not match its initial weight's bytes");
      program.states.push_back(st);
      return true;
    }
    if (kind == "memread" || kind == "memrecord")
      return memory(f);
    if (kind == "lshsort")
      return lshSort(f);
    if (kind == "encoder")
      return encoder(f);
    if (kind == "encode") {
      Step step;
      step.kind = Step::Kind::Encode;
      if (!count(f, 2) ||
          !index(f[1], program.slots.size(), step.slot, "slot"))
        return false;
      if (!program.slots[step.slot].context)
        return fail("encode needs a context slot");
      program.steps.push_back(std::move(step));
      return true;
    }
    if (kind == "route")
      return route(f);
    if (kind == "experts")
      return experts(f);
    return fail("unknown record '" + std::string(kind) + "'");
  }

  /// A slot of token rows (not the encoder context's) of this width and type.
  bool slotOf(std::string_view text, int64_t &slot, int64_t width, bool isInt,
              const char *what) {
    if (!index(text, program.slots.size(), slot, "slot"))
      return false;
    const Program::Slot &s = program.slots[slot];
    return (s.width == width && s.isInt == isInt && !s.context) ||
           fail(std::string(what) + " slot has the wrong width or type");
  }

  bool positive(std::string_view text, int64_t &value) {
    return width(text, value);
  }

  bool route(const std::vector<std::string_view> &f) {
    Step step;
    step.kind = Step::Kind::Route;
    Route &r = step.route;
    int64_t normalize;
    if (!count(f, 12) || !positive(f[6], r.experts) || !positive(f[7], r.groups) ||
        !positive(f[8], r.topkGroups) || !positive(f[9], r.topK) ||
        !parseInt(f[10], normalize) || !parseFloat(f[11], r.scaling))
      return fail("bad route record");
    if (f[5] != "sigmoid" && f[5] != "softmax")
      return fail("route scoring must be sigmoid or softmax");
    r.sigmoid = f[5] == "sigmoid";
    r.normalize = normalize != 0;
    if (r.experts % r.groups != 0 || r.topkGroups > r.groups ||
        r.topK > r.experts || (r.groups > 1 && r.experts / r.groups < 2))
      return fail("route groups or top-k do not fit the experts");
    if (!slotOf(f[1], r.logits, r.experts, false, "route logits") ||
        !slotOf(f[3], r.weights, r.topK, false, "route weights") ||
        !slotOf(f[4], r.indices, r.topK, true, "route indices"))
      return false;
    r.bias = -1;
    if (f[2] != "-1") {
      if (!index(f[2], program.weights.size(), r.bias, "weight"))
        return false;
      if (program.weights[r.bias].bytes != uint64_t(r.experts) * 4)
        return fail("route bias is not one float per expert");
    }
    program.steps.push_back(std::move(step));
    return true;
  }

  bool memory(const std::vector<std::string_view> &f) {
    Step step;
    Memory &m = step.memory;
    bool read = f[0] == "memread";
    step.kind = read ? Step::Kind::MemoryRead : Step::Kind::MemoryRecord;
    if (!count(f, read ? 7 : 5))
      return false;
    std::string_view keys = read ? f[3] : f[2], values = read ? f[4] : f[3];
    if (!index(keys, program.states.size(), m.keys, "state") ||
        !index(values, program.states.size(), m.values, "state"))
      return false;
    const Program::State &k = program.states[m.keys];
    const Program::State &v = program.states[m.values];
    if (k.rows != v.rows || k.width != v.width)
      return fail("memory keys and values differ in shape");
    if (!slotOf(f[1], m.input, k.width, false, "memory input"))
      return false;
    if (read) {
      m.decay = 0;
      if (!slotOf(f[2], m.gate, k.width, false, "memory gate") ||
          !slotOf(f[5], m.output, k.width, false, "memory output") ||
          !positive(f[6], m.topK))
        return false;
      if (m.topK > k.rows)
        return fail("memory top-k exceeds the slots");
    } else {
      m.gate = m.output = -1;
      m.topK = 0;
      if (!parseFloat(f[4], m.decay))
        return fail("bad memory decay");
    }
    program.steps.push_back(std::move(step));
    return true;
  }

  bool encoder(const std::vector<std::string_view> &f) {
    Program::Encoder e;
    bool image = f.size() > 1 && f[1] == "image";
    e.image = image;
    size_t at = image ? 7 : 4; // the weights
    if (!count(f, image ? 12 : 9))
      return false;
    if (image ? !positive(f[2], e.channels) || !positive(f[3], e.height) ||
                    !positive(f[4], e.width) || !positive(f[5], e.patch) ||
                    !index(f[6], program.weights.size(), e.position, "weight")
              : f[1] != "audio" || !positive(f[2], e.length) ||
                    !positive(f[3], e.hop))
      return fail("bad encoder record");
    if (!index(f[at], program.weights.size(), e.embed, "weight") ||
        !index(f[at + 1], program.weights.size(), e.bias, "weight") ||
        !index(f[at + 2], program.weights.size(), e.normWeight, "weight") ||
        !index(f[at + 3], program.weights.size(), e.normBias, "weight"))
      return false;
    if (!parseFloat(f[at + 4], e.eps) || e.eps < 0)
      return fail("bad encoder epsilon");
    // Each dim < 2^31, so the checks below cannot overflow int64 before
    // they bound the products.
    if (image && (e.channels > kMaxImage || e.height > kMaxImage ||
                  e.width > kMaxImage ||
                  e.channels * e.height > kMaxImage / e.width))
      return fail("the image is larger than 2^28 values");
    if (image && (e.height % e.patch || e.width % e.patch))
      return fail("the image does not split into whole patches");
    program.encoders.push_back(e);
    return true;
  }

  /// Each encoder's weights have the sizes a `hidden`-wide context needs.
  bool encodersFit(int64_t hidden) {
    auto bytes = [&](int64_t w) { return program.weights[w].bytes; };
    uint64_t h = uint64_t(hidden) * 4;
    for (const Program::Encoder &e : program.encoders) {
      uint64_t in = e.image ? uint64_t(e.channels * e.patch * e.patch)
                            : uint64_t(e.length);
      uint64_t patches =
          e.image ? uint64_t((e.height / e.patch) * (e.width / e.patch)) : 0;
      if (bytes(e.embed) != h * in || bytes(e.bias) != h ||
          bytes(e.normWeight) != h || bytes(e.normBias) != h ||
          (e.image && bytes(e.position) != h * patches))
        return fail("an encoder's weights do not fit the context width");
    }
    return true;
  }

  bool lshSort(const std::vector<std::string_view> &f) {
    Step step;
    step.kind = Step::Kind::LshSort;
    LshSort &l = step.lshSort;
    if (!count(f, 5) ||
        !index(f[1], program.caches.size(), l.buckets, "cache") ||
        !index(f[2], program.caches.size(), l.sorted, "cache") ||
        !index(f[3], program.caches.size(), l.rank, "cache"))
      return false;
    const auto &caches = program.caches;
    if (!parseInt(f[4], l.count) || l.count <= 0 || l.count > 1 << 16 || l.buckets == l.sorted || l.buckets == l.rank ||
        l.sorted == l.rank)
      return fail("bad lshsort record");
    for (int64_t c : {l.buckets, l.sorted, l.rank})
      if (!caches[c].isInt || caches[c].width != caches[l.buckets].width)
        return fail("lshsort caches must be i32 of one width");
    program.steps.push_back(std::move(step));
    return true;
  }


  bool experts(const std::vector<std::string_view> &f) {
    Step step;
    step.kind = Step::Kind::Experts;
    Experts &e = step.experts;
    if (!count(f, 13) || !positive(f[1], e.experts) ||
        !positive(f[2], e.topK) || !positive(f[3], e.intermediate) ||
        !positive(f[4], e.hidden))
      return false;
    if (e.topK > e.experts)
      return fail("experts: top-k exceeds the experts");
    int64_t rowWidth = e.topK * e.hidden; // both < 2^31
    if (!slotOf(f[5], e.input, e.hidden, false, "experts input") ||
        !slotOf(f[6], e.indices, e.topK, true, "experts indices") ||
        !slotOf(f[7], e.output, rowWidth, false, "experts output"))
      return false;
    if (!index(f[8], program.kernels.size(), e.gatedKernel, "kernel") ||
        !index(f[9], program.kernels.size(), e.downKernel, "kernel"))
      return false;
    for (auto [text, arg] : {std::pair(f[10], &e.gate),
                             std::pair(f[11], &e.up),
                             std::pair(f[12], &e.down)}) {
      if (!argument(text, *arg, e.experts))
        return false;
      if (arg->source != Arg::Source::Weight)
        return fail("expert weights must be weights");
    }
    program.steps.push_back(std::move(step));
    return true;
  }

  /// s3:64,-1 and the like; checks the dims fit what the arg views.
  /// A weight arg may view one of `stack` equal parts of its weight.
  bool argument(std::string_view text, Arg &arg, int64_t stack = 1) {
    size_t colon = text.find(':');
    if (colon == std::string_view::npos || colon < 2)
      return fail("bad argument '" + std::string(text) + "'");
    switch (text[0]) {
    case 's':
      arg.source = Arg::Source::Slot;
      break;
    case 'w':
      arg.source = Arg::Source::Weight;
      break;
    case 'c':
      arg.source = Arg::Source::Cache;
      break;
    default:
      return fail("bad argument '" + std::string(text) + "'");
    }
    size_t limit = arg.source == Arg::Source::Slot     ? program.slots.size()
                   : arg.source == Arg::Source::Weight ? program.weights.size()
                                                       : program.caches.size();
    if (!index(text.substr(1, colon - 1), limit, arg.index, "a buffer"))
      return false;
    std::vector<std::string_view> dims = split(text.substr(colon + 1), ',');
    if (dims.size() > 4)
      return fail("argument has more than 4 dims");
    // Product of the static extents (and of the token multipliers), with
    // overflow checks.
    int64_t product = 1, dynamic = 0;
    for (std::string_view d : dims) {
      int64_t value;
      if (!parseInt(d, value) || value == 0 || value <= -kMaxWidth ||
          value >= kMaxWidth)
        return fail("bad dim '" + std::string(d) + "'");
      if (value < 0)
        ++dynamic;
      // Halide's extents and strides are int32: so is every product.
      int64_t magnitude = value < 0 ? -value : value;
      if (product * magnitude >= kMaxWidth)
        return fail("argument dims overflow");
      product *= magnitude;
      arg.dims.push_back(value);
    }
    switch (arg.source) {
    case Arg::Source::Slot:
      if (dynamic != 1 || product != program.slots[arg.index].width)
        return fail("argument '" + std::string(text) +
                    "' does not view its slot's width");
      break;
    case Arg::Source::Weight:
      if (dynamic != 0 ||
          uint64_t(product) * (program.weights[arg.index].bf16 ? 2 : 4) *
                  uint64_t(stack) !=
              program.weights[arg.index].bytes)
        return fail("argument '" + std::string(text) +
                    "' does not view its weight's bytes");
      break;
    case Arg::Source::Cache:
      if (dynamic != 1 || arg.dims.back() != -1 ||
          product != program.caches[arg.index].width)
        return fail("argument '" + std::string(text) +
                    "' does not view its cache's width");
      break;
    }
    return true;
  }

  bool check() {
    if (program.vocab <= 0)
      return fail("has no vocab");
    if (program.context <= 0)
      return fail("has no context length");
    if (program.ids < 0 || program.positions < 0 || program.logits < 0)
      return fail("does not name its ids, positions and logits slots");
    const auto &ids = program.slots[program.ids];
    const auto &positions = program.slots[program.positions];
    const auto &logits = program.slots[program.logits];
    if (!ids.isInt || ids.width != 1 || !positions.isInt ||
        positions.width != 1)
      return fail("ids and positions must be i32 slots of width 1");
    if (logits.isInt || logits.width != program.vocab)
      return fail("logits must be an f32 slot of width vocab");
    // Score slots hold a call's own rows against each other: only a
    // replayed program, which re-runs the whole sequence, is exact.
    if (!program.replay)
      for (const Program::Slot &slot : program.slots)
        if (slot.square || slot.cross)
          return fail("square or cross slots need 'replay'");
    auto tokenRows = [](const Program::Slot &s) {
      return !s.context && !s.square && !s.cross;
    };
    if (!tokenRows(ids) || !tokenRows(positions) || !tokenRows(logits))
      return fail("ids, positions and logits must be token rows");

    for (const Step &step : program.steps) {
      if (step.kind != Step::Kind::Encode)
        continue;
      if (program.encoders.empty())
        return fail("has an encode step but no encoder records");
      if (!encodersFit(program.slots[step.slot].width))
        return false;
    }
    for (const char *name : {"model.so", "weights.bin"}) {
      bool found = false;
      for (const FileCheck &file : program.files)
        found |= file.name == name;
      if (!found)
        return fail(std::string("has no 'file ") + name + "' record");
    }
    return true;
  }

  Program &program;
  std::string &error;
  size_t line = 0;
  bool atLine = true; // errors name `line` until the records are read
};

} // namespace

bool parseProgram(std::string_view text, Program &program,
                  std::string &error) {
  program = Program();
  return Parser(program, error).run(text);
}

bool verifyFile(const FileCheck &check, const uint8_t *data, uint64_t bytes,
                bool digest, std::string &error) {
  if (bytes != check.bytes) {
    error = check.name + " has " + std::to_string(bytes) +
            " bytes, the program expects " + std::to_string(check.bytes);
    return false;
  }
  if (digest && digestBytes(data, bytes) != check.digest) {
    error = check.name + " does not match its digest in program.txt";
    return false;
  }
  return true;
}

namespace {

/// One record of program.txt: its kind, then each field after a space; the
/// newline when the statement ends.
class Record {
public:
  Record(std::string &text, std::string_view kind) : text(text) {
    text += kind;
  }
  ~Record() { text += '\n'; }
  Record &operator<<(std::string_view field) {
    text += ' ';
    text += field;
    return *this;
  }
  Record &operator<<(int64_t value) { return *this << std::to_string(value); }
  Record &operator<<(uint64_t value) { return *this << std::to_string(value); }
  /// 9 significant digits read back as the same float (and are what r1c
  /// has always written).
  Record &operator<<(float value) {
    char digits[32];
    std::snprintf(digits, sizeof(digits), "%.9g", double(value));
    return *this << std::string_view(digits);
  }

private:
  std::string &text;
};

/// An argument: s|w|c, its index, ':' and its dims joined by commas.
std::string argText(const Arg &arg) {
  static const char source[] = {'s', 'w', 'c'};
  std::string text = source[int(arg.source)] + std::to_string(arg.index) + ":";
  for (size_t i = 0; i < arg.dims.size(); ++i)
    text += (i ? "," : "") + std::to_string(arg.dims[i]);
  return text;
}

std::string joined(const std::vector<std::string> &items, const char *none) {
  if (items.empty())
    return none;
  std::string text;
  for (size_t i = 0; i < items.size(); ++i)
    text += (i ? "," : "") + items[i];
  return text;
}

} // namespace

std::string printProgram(const Program &p) {
  std::string text;
  Record(text, "r1-program") << kProgramVersion;
  Record(text, "target") << p.target << joined(p.features, "-");
  for (const FileCheck &file : p.files)
    Record(text, "file") << file.name << file.bytes << file.digest;
  Record(text, "vocab") << p.vocab;
  Record(text, "context") << p.context;
  for (const Program::Slot &slot : p.slots) {
    Record record(text, "slot");
    record << slot.width << (slot.isInt ? "i32" : "f32");
    if (slot.context)
      record << "context";
    if (slot.square)
      record << "square";
    if (slot.cross)
      record << "cross";
  }
  for (const Program::Cache &cache : p.caches)
    Record(text, "cache") << cache.width << (cache.isInt ? "i32" : "f32");
  for (const Program::Weight &w : p.weights) {
    Record record(text, "weight");
    record << w.offset << w.bytes;
    if (w.bf16)
      record << "bf16";
  }
  for (const std::string &kernel : p.kernels)
    Record(text, "kernel") << kernel;
  for (const Program::Encoder &e : p.encoders) {
    Record record(text, "encoder");
    if (e.image)
      record << "image" << e.channels << e.height << e.width << e.patch
             << e.position;
    else
      record << "audio" << e.length << e.hop;
    record << e.embed << e.bias << e.normWeight << e.normBias << e.eps;
  }
  for (const Program::State &state : p.states)
    Record(text, "state") << state.initial << state.rows << state.width;
  Record(text, "ids") << p.ids;
  Record(text, "positions") << p.positions;
  Record(text, "logits") << p.logits;
  if (p.replay)
    Record(text, "replay");
  if (const Program::Classifier &c = p.classifier; c.labels)
    Record(text, "classify") << c.hidden << c.weight << c.bias << c.labels
                             << (c.mean ? "mean" : "last");
  for (const Step &step : p.steps) {
    switch (step.kind) {
    case Step::Kind::Encode:
      Record(text, "encode") << step.slot;
      break;
    case Step::Kind::Route: {
      const Route &r = step.route;
      Record(text, "route")
          << r.logits << r.bias << r.weights << r.indices
          << (r.sigmoid ? "sigmoid" : "softmax") << r.experts << r.groups
          << r.topkGroups << r.topK << int64_t(r.normalize) << r.scaling;
      break;
    }
    case Step::Kind::Experts: {
      const Experts &e = step.experts;
      Record(text, "experts")
          << e.experts << e.topK << e.intermediate << e.hidden << e.input
          << e.indices << e.output << e.gatedKernel << e.downKernel
          << argText(e.gate) << argText(e.up) << argText(e.down);
      break;
    }
    case Step::Kind::MemoryRead: {
      const Memory &m = step.memory;
      Record(text, "memread")
          << m.input << m.gate << m.keys << m.values << m.output << m.topK;
      break;
    }
    case Step::Kind::MemoryRecord: {
      const Memory &m = step.memory;
      Record(text, "memrecord") << m.input << m.keys << m.values << m.decay;
      break;
    }
    case Step::Kind::LshSort: {
      const LshSort &l = step.lshSort;
      Record(text, "lshsort") << l.buckets << l.sorted << l.rank << l.count;
      break;
    }
    }
  }
  return text;
}

bool operator==(const Arg &a, const Arg &b) {
  return std::tie(a.source, a.index, a.dims) ==
         std::tie(b.source, b.index, b.dims);
}

bool operator==(const Route &a, const Route &b) {
  return std::tie(a.logits, a.bias, a.weights, a.indices, a.sigmoid, a.experts,
                  a.groups, a.topkGroups, a.topK, a.normalize, a.scaling) ==
         std::tie(b.logits, b.bias, b.weights, b.indices, b.sigmoid, b.experts,
                  b.groups, b.topkGroups, b.topK, b.normalize, b.scaling);
}

bool operator==(const Experts &a, const Experts &b) {
  return std::tie(a.experts, a.topK, a.intermediate, a.hidden, a.input,
                  a.indices, a.output, a.gatedKernel, a.downKernel, a.gate,
                  a.up, a.down) == std::tie(b.experts, b.topK, b.intermediate,
                                            b.hidden, b.input, b.indices,
                                            b.output, b.gatedKernel,
                                            b.downKernel, b.gate, b.up, b.down);
}

bool operator==(const Memory &a, const Memory &b) {
  return std::tie(a.input, a.gate, a.keys, a.values, a.output, a.topK,
                  a.decay) ==
         std::tie(b.input, b.gate, b.keys, b.values, b.output, b.topK, b.decay);
}

bool operator==(const LshSort &a, const LshSort &b) {
  return std::tie(a.buckets, a.sorted, a.rank, a.count) ==
         std::tie(b.buckets, b.sorted, b.rank, b.count);
}

bool operator==(const Step &a, const Step &b) {
  return std::tie(a.kind, a.slot, a.route, a.experts, a.memory, a.lshSort) ==
         std::tie(b.kind, b.slot, b.route, b.experts, b.memory, b.lshSort);
}

bool operator==(const FileCheck &a, const FileCheck &b) {
  return std::tie(a.name, a.bytes, a.digest) ==
         std::tie(b.name, b.bytes, b.digest);
}

bool operator==(const Program::Slot &a, const Program::Slot &b) {
  return std::tie(a.width, a.isInt, a.context, a.square, a.cross) ==
         std::tie(b.width, b.isInt, b.context, b.square, b.cross);
}

bool operator==(const Program::Encoder &a, const Program::Encoder &b) {
  return std::tie(a.image, a.channels, a.height, a.width, a.patch, a.position,
                  a.length, a.hop, a.embed, a.bias, a.normWeight, a.normBias,
                  a.eps) == std::tie(b.image, b.channels, b.height, b.width,
                                     b.patch, b.position, b.length, b.hop,
                                     b.embed, b.bias, b.normWeight, b.normBias,
                                     b.eps);
}

bool operator==(const Program::Cache &a, const Program::Cache &b) {
  return std::tie(a.width, a.isInt) == std::tie(b.width, b.isInt);
}

bool operator==(const Program::State &a, const Program::State &b) {
  return std::tie(a.initial, a.rows, a.width) ==
         std::tie(b.initial, b.rows, b.width);
}

bool operator==(const Program::Weight &a, const Program::Weight &b) {
  return std::tie(a.offset, a.bytes, a.bf16) ==
         std::tie(b.offset, b.bytes, b.bf16);
}

bool operator==(const Program::Classifier &a, const Program::Classifier &b) {
  return std::tie(a.hidden, a.weight, a.bias, a.labels, a.mean) ==
         std::tie(b.hidden, b.weight, b.bias, b.labels, b.mean);
}

bool operator==(const Program &a, const Program &b) {
  return std::tie(a.target, a.features, a.files, a.vocab, a.context, a.encoders,
                  a.slots, a.caches, a.states, a.weights, a.kernels, a.ids,
                  a.positions, a.logits, a.replay, a.classifier, a.steps) ==
         std::tie(b.target, b.features, b.files, b.vocab, b.context, b.encoders,
                  b.slots, b.caches, b.states, b.weights, b.kernels, b.ids,
                  b.positions, b.logits, b.replay, b.classifier, b.steps);
}

std::string hostLayout(const Program &program) {
  std::string layout = "r1-host " + std::to_string(R1_HOST_VERSION);
  // One list field: its elements joined by commas, "-" when it has none.
  auto list = [&](const char *name, size_t size, auto element) {
    layout += std::string(" ") + name + " ";
    if (size == 0)
      layout += "-";
    for (size_t i = 0; i < size; ++i)
      layout += (i ? "," : "") + element(i);
  };
  list("slots", program.slots.size(), [&](size_t i) {
    const Program::Slot &slot = program.slots[i];
    return std::to_string(slot.width) + (slot.isInt ? "i" : "") +
           (slot.context ? "c" : "") + (slot.square ? "s" : "") +
           (slot.cross ? "x" : "");
  });
  list("caches", program.caches.size(), [&](size_t i) {
    return std::to_string(program.caches[i].width) +
           (program.caches[i].isInt ? "i" : "");
  });
  list("weights", program.weights.size(), [&](size_t i) {
    const Program::Weight &w = program.weights[i];
    return std::to_string(w.offset) + "+" + std::to_string(w.bytes) +
           (w.bf16 ? "b" : "");
  });
  layout += " kernels " + std::to_string(program.kernels.size());
  layout += " steps " + std::to_string(program.steps.size());
  return layout;
}

} // namespace r1rt
