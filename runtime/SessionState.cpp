//===- SessionState.cpp - a session's saved state -------------------------===//
//
// This file implements the state file of SessionState.h: the writer, which
// streams the session's buffers through a checksum into a sink, and the
// parser, which takes nothing on trust: each field is compared with what
// the program says a session of this model holds before the next is read.
//
//===----------------------------------------------------------------------===//

#include "runtime/SessionState.h"
#include "runtime/Digest.h"

#include <cmath>
#include <cstring>

// XXH3_state_t by value, as Digest.cpp does.
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "the state file's integers are the host's little-endian ones");

namespace r1rt {
namespace {

constexpr char kMagic[8] = {'R', '1', 'S', 'T', 'A', 'T', 'E', '\0'};
constexpr size_t kHeaderBytes = 32; // before the identity
constexpr size_t kSectionHeaderBytes = 16;
constexpr size_t kChecksumBytes = 8;
constexpr size_t kMaxIdentity = 128;
constexpr uint64_t kMaxAudio = uint64_t(1) << 28; // as r1rt_set_input

constexpr uint32_t makeTag(const char (&name)[5]) {
  return uint32_t(uint8_t(name[0])) | uint32_t(uint8_t(name[1])) << 8 |
         uint32_t(uint8_t(name[2])) << 16 | uint32_t(uint8_t(name[3])) << 24;
}
constexpr uint32_t kSession = makeTag("SESS"), kCache = makeTag("CACH"),
                   kMemoryState = makeTag("MEMS"),
                   kMemoryRecord = makeTag("MEMR"), kHistory = makeTag("HIST"),
                   kInput = makeTag("INPT");
constexpr size_t kSessionBytes = 56, kCacheHeader = 32, kStateHeader = 24,
                 kRecordHeader = 24, kHistoryHeader = 8, kInputHeader = 16;

template <typename T> T load(const uint8_t *p) {
  T value;
  std::memcpy(&value, p, sizeof value);
  return value;
}

std::string tagText(uint32_t tag) {
  std::string text;
  for (int i = 0; i < 4; ++i) {
    char c = char(tag >> (8 * i));
    text += c >= 0x20 && c < 0x7f ? c : '?';
  }
  return text;
}

/// Whether `count` elements of 4 bytes are exactly `bytes` (no overflow).
bool holds(uint64_t bytes, uint64_t count) {
  return bytes % 4 == 0 && bytes / 4 == count;
}

/// The steps whose rows feed the memory update, in program order.
std::vector<size_t> recordSteps(const Program &program) {
  std::vector<size_t> steps;
  for (size_t s = 0; s < program.steps.size(); ++s)
    if (program.steps[s].kind == Step::Kind::MemoryRecord)
      steps.push_back(s);
  return steps;
}

const Program::Encoder *encoderOf(const Program &program, bool image) {
  for (const Program::Encoder &e : program.encoders)
    if (e.image == image)
      return &e;
  return nullptr;
}

/// Reads the sections of a state, checking each one's frame and checksum.
class SectionReader {
public:
  SectionReader(const uint8_t *data, size_t size, size_t offset,
                std::string &error)
      : data(data), size(size), offset(offset), error(error) {}

  bool fail(const std::string &message) {
    error = message;
    return false;
  }

  /// The payload of the next section, which must be `tag`; `what` names it
  /// in errors ("the cache 2 section").
  bool next(uint32_t tag, const std::string &what, ByteSpan &payload) {
    size_t at = offset, left = size - offset;
    std::string where = what + " (byte " + std::to_string(at) + ")";
    if (left < kSectionHeaderBytes + kChecksumBytes)
      return fail("the file ends where " + what + " should start (byte " +
                  std::to_string(at) + ")");
    uint32_t found = load<uint32_t>(data + at);
    if (found != tag)
      return fail("expected " + where + ", found a section tagged '" +
                  tagText(found) + "'");
    if (load<uint32_t>(data + at + 4) != 0)
      return fail(where + " has a nonzero reserved field");
    uint64_t bytes = load<uint64_t>(data + at + 8);
    if (bytes > left - kSectionHeaderBytes - kChecksumBytes)
      return fail(where + " claims " + std::to_string(bytes) +
                  " bytes, more than the file holds");
    size_t framed = kSectionHeaderBytes + size_t(bytes);
    if (XXH3_64bits(data + at, framed) != load<uint64_t>(data + at + framed))
      return fail(where + " is damaged: its checksum does not match");
    payload = {data + at + kSectionHeaderBytes, size_t(bytes)};
    offset = at + framed + kChecksumBytes;
    return true;
  }

  size_t position() const { return offset; }

private:
  const uint8_t *data;
  size_t size, offset;
  std::string &error;
};

/// Streams sections to a sink, each through its checksum.
class SectionWriter {
public:
  explicit SectionWriter(const ByteSink &sink) : sink(sink) {}

  void begin(uint32_t tag, uint64_t bytes) {
    uint8_t header[kSectionHeaderBytes] = {};
    std::memcpy(header, &tag, 4);
    std::memcpy(header + 8, &bytes, 8);
    XXH3_64bits_reset(&hash);
    put(header, sizeof header);
  }
  void put(const void *bytes, size_t count) {
    if (!count)
      return;
    XXH3_64bits_update(&hash, bytes, count);
    ok = ok && sink(bytes, count);
  }
  template <typename T> void value(T v) { put(&v, sizeof v); }
  void end() {
    uint64_t digest = XXH3_64bits_digest(&hash);
    ok = ok && sink(&digest, sizeof digest);
  }
  bool succeeded() const { return ok; }

private:
  const ByteSink &sink;
  XXH3_state_t hash;
  bool ok = true;
};

} // namespace

std::string programIdentity(std::string_view programText) {
  // The artifact's own digest (Digest.h); program.txt is small: one thread.
  return "xxh3:" +
         digestBytes(reinterpret_cast<const uint8_t *>(programText.data()),
                     programText.size(), /*threads=*/1);
}

bool parseSessionState(const Program &program, std::string_view identity,
                       const uint8_t *data, size_t size, SessionState &state,
                       std::string &error) {
  auto fail = [&](const std::string &message) {
    error = message;
    return false;
  };
  // The header: what the file is, which version, whose, how long.
  if (size < sizeof kMagic || std::memcmp(data, kMagic, sizeof kMagic) != 0)
    return fail("not an r1 session state (no R1STATE magic)");
  if (size < kHeaderBytes)
    return fail("truncated in its header (" + std::to_string(size) + " bytes)");
  uint32_t version = load<uint32_t>(data + 8);
  if (version != kSessionStateVersion)
    return fail("a session state of format version " + std::to_string(version) +
                "; this runtime reads version " +
                std::to_string(kSessionStateVersion));
  uint32_t identityBytes = load<uint32_t>(data + 12);
  if (identityBytes == 0 || identityBytes > kMaxIdentity)
    return fail("a damaged header: an identity of " +
                std::to_string(identityBytes) + " bytes");
  size_t headerBytes = kHeaderBytes + identityBytes;
  if (size < headerBytes + kChecksumBytes)
    return fail("truncated in its header (" + std::to_string(size) + " bytes)");
  if (XXH3_64bits(data, headerBytes) != load<uint64_t>(data + headerBytes))
    return fail("a damaged header: its checksum does not match");
  std::string_view saved(reinterpret_cast<const char *>(data + kHeaderBytes),
                         identityBytes);
  if (saved != identity) {
    auto brief = [](std::string_view id) {
      return std::string(id.substr(0, 19)) + (id.size() > 19 ? "..." : "");
    };
    return fail("the state belongs to another model or artifact version "
                "(state " +
                brief(saved) + ", this model " + brief(identity) + ")");
  }
  uint64_t fileBytes = load<uint64_t>(data + 16);
  if (fileBytes > size)
    return fail("truncated: " + std::to_string(size) + " of its " +
                std::to_string(fileBytes) + " bytes");
  if (fileBytes < size)
    return fail(std::to_string(size - fileBytes) +
                " bytes follow its end (byte " + std::to_string(fileBytes) +
                ")");
  uint64_t sections = load<uint64_t>(data + 24);

  SectionReader reader(data, size, headerBytes + kChecksumBytes, error);
  ByteSpan p;
  SessionState s;

  // The session: its position and context, and what the rest holds.
  if (!reader.next(kSession, "the session section", p))
    return false;
  if (p.size != kSessionBytes)
    return fail("the session section has " + std::to_string(p.size) +
                " bytes, not " + std::to_string(kSessionBytes));
  s.position = load<int64_t>(p.data);
  s.context = load<int64_t>(p.data + 8);
  uint64_t caches = load<uint64_t>(p.data + 16),
           states = load<uint64_t>(p.data + 24),
           records = load<uint64_t>(p.data + 32),
           history = load<uint64_t>(p.data + 40),
           inputs = load<uint64_t>(p.data + 48);
  if (s.context < 1 || s.context > program.context)
    return fail("the state's context of " + std::to_string(s.context) +
                " tokens is outside [1, " + std::to_string(program.context) +
                "], the model's context length");
  if (s.position < 0 || s.position > s.context)
    return fail("the state holds " + std::to_string(s.position) +
                " tokens, outside its context of " + std::to_string(s.context));
  std::vector<size_t> recordAt = recordSteps(program);
  auto count = [&](const char *what, uint64_t got, uint64_t want) {
    return got == want ||
           fail("the state has " + std::to_string(got) + " " + what +
                ", the model's session " + std::to_string(want));
  };
  uint64_t wantHistory = program.replay ? uint64_t(s.position) : 0;
  if (!count("caches", caches, program.caches.size()) ||
      !count("memory states", states, program.states.size()) ||
      !count("memory records", records, recordAt.size()) ||
      !count("history tokens", history, wantHistory))
    return false;
  if (inputs > program.encoders.size())
    return fail("the state has " + std::to_string(inputs) +
                " encoder inputs, the model " +
                std::to_string(program.encoders.size()) + " encoders");
  uint64_t wantSections = 2 + caches + states + records + inputs;
  if (sections != wantSections)
    return fail("the header counts " + std::to_string(sections) +
                " sections, the session section implies " +
                std::to_string(wantSections));

  // KV caches: the filled rows, position of them.
  for (size_t c = 0; c < program.caches.size(); ++c) {
    std::string what = "the cache " + std::to_string(c) + " section";
    if (!reader.next(kCache, what, p))
      return false;
    if (p.size < kCacheHeader)
      return fail(what + " is too short");
    const Program::Cache &cache = program.caches[c];
    uint64_t index = load<uint64_t>(p.data), width = load<uint64_t>(p.data + 8),
             rows = load<uint64_t>(p.data + 24);
    uint32_t type = load<uint32_t>(p.data + 16);
    if (index != c || width != uint64_t(cache.width) ||
        type != (cache.isInt ? 1u : 0u) || load<uint32_t>(p.data + 20) != 0)
      return fail(what + " describes cache " + std::to_string(index) +
                  " of width " + std::to_string(width) + " and type " +
                  std::to_string(type) + ", not the model's cache " +
                  std::to_string(c) + " (width " + std::to_string(cache.width) +
                  (cache.isInt ? ", i32)" : ", f32)"));
    if (rows != uint64_t(s.position))
      return fail(what + " holds " + std::to_string(rows) +
                  " rows, the session's position is " +
                  std::to_string(s.position));
    // rows ≤ context < 2^31 and width < 2^31: no overflow.
    if (!holds(p.size - kCacheHeader, rows * width))
      return fail(what + " has " + std::to_string(p.size - kCacheHeader) +
                  " bytes of rows, not " + std::to_string(rows) + " × " +
                  std::to_string(width) + " elements");
    s.caches.push_back({p.data + kCacheHeader, p.size - kCacheHeader});
  }

  // The memory unit's keys and values, as of the open call's start.
  for (size_t i = 0; i < program.states.size(); ++i) {
    std::string what = "the memory state " + std::to_string(i) + " section";
    if (!reader.next(kMemoryState, what, p))
      return false;
    if (p.size < kStateHeader)
      return fail(what + " is too short");
    const Program::State &st = program.states[i];
    uint64_t index = load<uint64_t>(p.data), rows = load<uint64_t>(p.data + 8),
             width = load<uint64_t>(p.data + 16);
    if (index != i || rows != uint64_t(st.rows) || width != uint64_t(st.width))
      return fail(what + " describes state " + std::to_string(index) + " of " +
                  std::to_string(rows) + " × " + std::to_string(width) +
                  ", not the model's state " + std::to_string(i) + " (" +
                  std::to_string(st.rows) + " × " + std::to_string(st.width) +
                  ")");
    if (!holds(p.size - kStateHeader, uint64_t(st.rows * st.width)))
      return fail(what + " has " + std::to_string(p.size - kStateHeader) +
                  " bytes of values, not " + std::to_string(st.rows) + " × " +
                  std::to_string(st.width) + " floats");
    s.states.push_back({p.data + kStateHeader, p.size - kStateHeader});
  }

  // The rows the open call recorded for its memory update.
  s.records.resize(program.steps.size());
  for (size_t step : recordAt) {
    std::string what = "the memory record of step " + std::to_string(step);
    if (!reader.next(kMemoryRecord, what, p))
      return false;
    if (p.size < kRecordHeader)
      return fail(what + " is too short");
    uint64_t index = load<uint64_t>(p.data), width = load<uint64_t>(p.data + 8),
             rows = load<uint64_t>(p.data + 16);
    uint64_t want =
        uint64_t(program.states[size_t(program.steps[step].memory.keys)].width);
    if (index != step || width != want)
      return fail(what + " describes step " + std::to_string(index) +
                  " of width " + std::to_string(width) + ", not step " +
                  std::to_string(step) + " of width " + std::to_string(want));
    uint64_t bytes = p.size - kRecordHeader;
    if (rows > bytes / 4 / width || !holds(bytes, rows * width))
      return fail(what + " has " + std::to_string(bytes) +
                  " bytes of rows, not " + std::to_string(rows) + " × " +
                  std::to_string(width) + " floats");
    s.records[step] = {p.data + kRecordHeader, size_t(bytes)};
  }

  // A replayed program's tokens, which it runs again on every call.
  if (!reader.next(kHistory, "the history section", p))
    return false;
  if (p.size < kHistoryHeader || load<uint64_t>(p.data) != history ||
      !holds(p.size - kHistoryHeader, history))
    return fail("the history section does not hold its " +
                std::to_string(history) + " tokens");
  s.history = {p.data + kHistoryHeader, p.size - kHistoryHeader};
  for (uint64_t t = 0; t < history; ++t) {
    int32_t id = load<int32_t>(s.history.data + 4 * t);
    if (id < 0 || id >= program.vocab)
      return fail("history token " + std::to_string(t) + " is " +
                  std::to_string(id) + ", outside the vocabulary [0, " +
                  std::to_string(program.vocab) + ")");
  }

  // Encoder inputs: what r1rt_set_input accepts.
  for (uint64_t i = 0; i < inputs; ++i) {
    std::string what = "the input " + std::to_string(i) + " section";
    if (!reader.next(kInput, what, p))
      return false;
    if (p.size < kInputHeader || load<uint32_t>(p.data + 4) != 0)
      return fail(what + " is malformed");
    uint32_t kind = load<uint32_t>(p.data);
    uint64_t values = load<uint64_t>(p.data + 8);
    if (kind != 1 && kind != 2)
      return fail(what + " has input kind " + std::to_string(kind) +
                  " (1 image, 2 audio)");
    const char *name = kind == 1 ? "image" : "audio";
    const Program::Encoder *e = encoderOf(program, kind == 1);
    if (!e)
      return fail(what + " is an " + name + ", and the model has no " + name +
                  " encoder");
    for (const SessionState::Input &seen : s.inputs)
      if (seen.name == name)
        return fail(what + " is a second " + name + " input");
    if (kind == 1 ? values != uint64_t(e->channels * e->height * e->width)
                  : values < uint64_t(e->length) || values > kMaxAudio)
      return fail(what + " has " + std::to_string(values) + " values, not an " +
                  name + " input of this model");
    if (!holds(p.size - kInputHeader, values))
      return fail(what + " does not hold its " + std::to_string(values) +
                  " values");
    const uint8_t *v = p.data + kInputHeader;
    for (uint64_t k = 0; k < values; ++k)
      if (!std::isfinite(load<float>(v + 4 * k)))
        return fail(what + " has a non-finite value at element " +
                    std::to_string(k));
    s.inputs.push_back({name, {v, p.size - kInputHeader}});
  }

  if (reader.position() != size)
    return fail(std::to_string(size - reader.position()) +
                " bytes follow the last section (byte " +
                std::to_string(reader.position()) + ")");
  state = std::move(s);
  return true;
}

bool writeSessionState(const Program &program, std::string_view identity,
                       const SessionState &state, const ByteSink &sink) {
  std::vector<size_t> recordAt = recordSteps(program);
  auto framed = [](uint64_t payload) {
    return kSectionHeaderBytes + payload + kChecksumBytes;
  };
  // Sizes first: the header records the file's length.
  uint64_t total = kHeaderBytes + identity.size() + kChecksumBytes +
                   framed(kSessionBytes) +
                   framed(kHistoryHeader + state.history.size);
  for (const ByteSpan &c : state.caches)
    total += framed(kCacheHeader + c.size);
  for (const ByteSpan &m : state.states)
    total += framed(kStateHeader + m.size);
  for (size_t step : recordAt)
    total += framed(kRecordHeader + state.records[step].size);
  for (const SessionState::Input &in : state.inputs)
    total += framed(kInputHeader + in.values.size);
  uint64_t sections = 2 + state.caches.size() + state.states.size() +
                      recordAt.size() + state.inputs.size();

  std::vector<uint8_t> header(kHeaderBytes + identity.size());
  std::memcpy(header.data(), kMagic, sizeof kMagic);
  uint32_t version = kSessionStateVersion, length = uint32_t(identity.size());
  std::memcpy(header.data() + 8, &version, 4);
  std::memcpy(header.data() + 12, &length, 4);
  std::memcpy(header.data() + 16, &total, 8);
  std::memcpy(header.data() + 24, &sections, 8);
  std::memcpy(header.data() + kHeaderBytes, identity.data(), identity.size());
  uint64_t headerHash = XXH3_64bits(header.data(), header.size());
  if (!sink(header.data(), header.size()) || !sink(&headerHash, 8))
    return false;

  SectionWriter out(sink);
  out.begin(kSession, kSessionBytes);
  out.value<int64_t>(state.position);
  out.value<int64_t>(state.context);
  out.value<uint64_t>(state.caches.size());
  out.value<uint64_t>(state.states.size());
  out.value<uint64_t>(recordAt.size());
  out.value<uint64_t>(state.history.size / 4);
  out.value<uint64_t>(state.inputs.size());
  out.end();
  for (size_t c = 0; c < state.caches.size(); ++c) {
    const Program::Cache &cache = program.caches[c];
    out.begin(kCache, kCacheHeader + state.caches[c].size);
    out.value<uint64_t>(c);
    out.value<uint64_t>(uint64_t(cache.width));
    out.value<uint32_t>(cache.isInt ? 1 : 0);
    out.value<uint32_t>(0);
    out.value<uint64_t>(uint64_t(state.position));
    out.put(state.caches[c].data, state.caches[c].size);
    out.end();
  }
  for (size_t i = 0; i < state.states.size(); ++i) {
    out.begin(kMemoryState, kStateHeader + state.states[i].size);
    out.value<uint64_t>(i);
    out.value<uint64_t>(uint64_t(program.states[i].rows));
    out.value<uint64_t>(uint64_t(program.states[i].width));
    out.put(state.states[i].data, state.states[i].size);
    out.end();
  }
  for (size_t step : recordAt) {
    uint64_t width =
        uint64_t(program.states[size_t(program.steps[step].memory.keys)].width);
    const ByteSpan &rows = state.records[step];
    out.begin(kMemoryRecord, kRecordHeader + rows.size);
    out.value<uint64_t>(step);
    out.value<uint64_t>(width);
    out.value<uint64_t>(rows.size / 4 / width);
    out.put(rows.data, rows.size);
    out.end();
  }
  out.begin(kHistory, kHistoryHeader + state.history.size);
  out.value<uint64_t>(state.history.size / 4);
  out.put(state.history.data, state.history.size);
  out.end();
  for (const SessionState::Input &in : state.inputs) {
    out.begin(kInput, kInputHeader + in.values.size);
    out.value<uint32_t>(in.name == "image" ? 1 : 2);
    out.value<uint32_t>(0);
    out.value<uint64_t>(in.values.size / 4);
    out.put(in.values.data, in.values.size);
    out.end();
  }
  return out.succeeded();
}

} // namespace r1rt
