//===- SessionStateTest.cpp - saved session states, hostile and killed ----===//
//
// The state file's parser against valid, truncated, flipped, padded and
// forged files (forged ones carry correct checksums, so each check behind
// the checksums is reached), and writeFileAtomically against a writer
// killed with SIGKILL at every stage of a write.
//
//===----------------------------------------------------------------------===//

#include "runtime/SessionState.h"
#include "runtime/AtomicFile.h"
#include "runtime/Digest.h"
#include "runtime/Program.h"

#include <gtest/gtest.h>

#include <cmath>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <iterator>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xxhash.h>

using namespace r1rt;

namespace {

const std::string kHash(32, 'a'); // a digest's form (Digest.h)

/// A program whose session holds every part of a state: an f32 and an i32
/// cache, memory keys and values with a memread/memrecord pair, and image
/// and audio encoders. With `replay`, calls replay a token history.
std::string stateProgram(bool replay = false) {
  return "r1-program 5\n"
         "target host -\n"
         "file weights.bin 8192 " +
         kHash +
         "\n"
         "file model.so 100 " +
         kHash +
         "\n"
         "vocab 16\n"
         "context 64\n"
         "slot 1 i32\n"          // 0 ids
         "slot 1 i32\n"          // 1 positions
         "slot 16 f32\n"         // 2 hidden
         "slot 16 f32\n"         // 3 logits
         "slot 16 f32 context\n" // 4 encoder context
         "cache 8 f32\n"
         "cache 2 i32\n"
         "weight 0 1024\n"    // 0 memory keys [16, 16]
         "weight 1024 1024\n" // 1 memory values
         "weight 2048 64\n"   // 2 image embed [16, 1]
         "weight 2112 64\n"   // 3 image bias
         "weight 2176 256\n"  // 4 image positions [4, 16]
         "weight 2432 64\n"   // 5 norm weight
         "weight 2496 64\n"   // 6 norm bias
         "weight 2560 256\n"  // 7 audio embed [16, 4]
         "kernel r1k_a\n"
         "state 0 16 16\n"
         "state 1 16 16\n"
         "ids 0\n"
         "positions 1\n"
         "logits 3\n"
         "encoder image 1 2 2 1 4 2 3 5 6 1e-05\n"
         "encoder audio 4 2 7 3 5 6 1e-05\n"
         "encode 4\n"
         "memread 2 2 0 1 2 4\n"
         "memrecord 2 0 1 0.9\n" +
         std::string(replay ? "replay\n" : "");
}

Program parsedProgram(const std::string &text) {
  Program program;
  std::string error;
  EXPECT_TRUE(parseProgram(text, program, error)) << error;
  return program;
}

const std::string kIdentity = programIdentity(stateProgram());

/// A session's buffers, filled with distinct values, and their state view.
struct Session {
  int64_t position = 5, context = 32;
  std::vector<float> cache0;
  std::vector<int32_t> cache1, history;
  std::vector<float> keys, values, recorded, image, audio;

  explicit Session(bool withHistory = false) {
    for (int64_t i = 0; i < position * 8; ++i)
      cache0.push_back(0.5f * float(i) - 3.0f);
    for (int64_t i = 0; i < position * 2; ++i)
      cache1.push_back(int32_t(i % 7));
    for (int i = 0; i < 256; ++i) {
      keys.push_back(std::sin(float(i)));
      values.push_back(std::cos(float(i)));
    }
    for (int i = 0; i < 3 * 16; ++i) // three rows recorded
      recorded.push_back(float(i) / 8);
    image = {1, 2, 3, 4};
    for (int i = 0; i < 10; ++i)
      audio.push_back(float(i) * 0.25f);
    if (withHistory)
      history = {1, 2, 3, 4, 5};
  }

  template <typename T> static ByteSpan span(const std::vector<T> &v) {
    return {reinterpret_cast<const uint8_t *>(v.data()), v.size() * sizeof(T)};
  }

  SessionState view(const Program &program) const {
    SessionState s;
    s.position = position;
    s.context = context;
    s.caches = {span(cache0), span(cache1)};
    s.states = {span(keys), span(values)};
    s.records.resize(program.steps.size());
    s.records[2] = span(recorded); // step 2: memrecord
    s.history = span(history);
    s.inputs = {{"image", span(image)}, {"audio", span(audio)}};
    return s;
  }
};

std::string written(const Program &program, const SessionState &state,
                    const std::string &identity = kIdentity) {
  std::string bytes;
  EXPECT_TRUE(writeSessionState(
      program, identity, state, [&](const void *data, size_t size) {
        bytes.append(static_cast<const char *>(data), size);
        return true;
      }));
  return bytes;
}

std::string parseError(const Program &program, const std::string &bytes,
                       const std::string &identity = kIdentity) {
  SessionState state;
  std::string error;
  EXPECT_FALSE(parseSessionState(
      program, identity, reinterpret_cast<const uint8_t *>(bytes.data()),
      bytes.size(), state, error));
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  return error;
}

bool same(const ByteSpan &a, const ByteSpan &b) {
  return a.size == b.size &&
         (!a.size || std::memcmp(a.data, b.data, a.size) == 0);
}

// --- Forging files whose checksums are right -----------------------------

template <typename T> void put(std::string &out, T value) {
  out.append(reinterpret_cast<const char *>(&value), sizeof value);
}

std::string sealed(const std::string &framed) {
  std::string out = framed;
  put<uint64_t>(out, XXH3_64bits(framed.data(), framed.size()));
  return out;
}

std::string section(const char *tag, const std::string &payload) {
  std::string framed(tag, 4);
  put<uint32_t>(framed, 0);
  put<uint64_t>(framed, payload.size());
  return sealed(framed + payload);
}

/// A header for `sections` that follow, `body` bytes of them; `total`
/// overrides the file length it records.
std::string header(uint64_t sections, uint64_t body,
                   const std::string &identity = kIdentity,
                   uint32_t version = 1, int64_t total = -1) {
  std::string h("R1STATE\0", 8);
  put<uint32_t>(h, version);
  put<uint32_t>(h, uint32_t(identity.size()));
  put<uint64_t>(h,
                total >= 0 ? uint64_t(total) : 32 + identity.size() + 8 + body);
  put<uint64_t>(h, sections);
  return sealed(h + identity);
}

std::string sessionPayload(int64_t position, int64_t context, uint64_t caches,
                           uint64_t states, uint64_t records, uint64_t history,
                           uint64_t inputs) {
  std::string p;
  put(p, position);
  put(p, context);
  for (uint64_t v : {caches, states, records, history, inputs})
    put(p, v);
  return p;
}

/// The sections of a valid file, split so that tests can replace one.
std::vector<std::string> validSections(const Program &program) {
  std::string bytes = written(program, Session().view(program));
  std::vector<std::string> out;
  size_t at = 32 + kIdentity.size() + 8;
  while (at < bytes.size()) {
    uint64_t payload;
    std::memcpy(&payload, bytes.data() + at + 8, 8);
    out.push_back(bytes.substr(at, 16 + payload + 8));
    at += 16 + payload + 8;
  }
  return out;
}

std::string joined(const std::vector<std::string> &sections,
                   const std::string &identity = kIdentity) {
  std::string body;
  for (const std::string &s : sections)
    body += s;
  return header(sections.size(), body.size(), identity) + body;
}

// --- Tests ---------------------------------------------------------------

TEST(SessionState, IdentityIsTheProgramsDigest) {
  std::string text = stateProgram();
  EXPECT_EQ(programIdentity(text),
            "xxh3:" +
                digestBytes(reinterpret_cast<const uint8_t *>(text.data()),
                            text.size()));
  EXPECT_NE(programIdentity(stateProgram()),
            programIdentity(stateProgram(true)));
}

TEST(SessionState, RoundTripsEveryPart) {
  for (bool replay : {false, true}) {
    Program program = parsedProgram(stateProgram(replay));
    Session session(replay);
    SessionState saved = session.view(program);
    std::string bytes = written(program, saved);
    SessionState loaded;
    std::string error;
    ASSERT_TRUE(parseSessionState(
        program, kIdentity, reinterpret_cast<const uint8_t *>(bytes.data()),
        bytes.size(), loaded, error))
        << error;
    EXPECT_EQ(loaded.position, 5);
    EXPECT_EQ(loaded.context, 32);
    ASSERT_EQ(loaded.caches.size(), 2u);
    ASSERT_EQ(loaded.states.size(), 2u);
    ASSERT_EQ(loaded.records.size(), program.steps.size());
    ASSERT_EQ(loaded.inputs.size(), 2u);
    for (size_t i = 0; i < 2; ++i) {
      EXPECT_TRUE(same(loaded.caches[i], saved.caches[i]));
      EXPECT_TRUE(same(loaded.states[i], saved.states[i]));
      EXPECT_EQ(loaded.inputs[i].name, saved.inputs[i].name);
      EXPECT_TRUE(same(loaded.inputs[i].values, saved.inputs[i].values));
    }
    for (size_t s = 0; s < program.steps.size(); ++s)
      EXPECT_TRUE(same(loaded.records[s], saved.records[s]));
    EXPECT_TRUE(same(loaded.history, saved.history));
    // The views point into the file's bytes: nothing was copied.
    auto *begin = reinterpret_cast<const uint8_t *>(bytes.data());
    EXPECT_GE(loaded.caches[0].data, begin);
    EXPECT_LT(loaded.caches[0].data, begin + bytes.size());
  }
}

TEST(SessionState, RoundTripsAnEmptySession) {
  Program program = parsedProgram(stateProgram());
  Session memory; // the memory unit's state is never empty
  SessionState empty;
  empty.context = 64;
  empty.caches.resize(2);
  empty.states = memory.view(program).states;
  empty.records.resize(program.steps.size());
  std::string bytes = written(program, empty);
  SessionState loaded;
  std::string error;
  ASSERT_TRUE(parseSessionState(program, kIdentity,
                                reinterpret_cast<const uint8_t *>(bytes.data()),
                                bytes.size(), loaded, error))
      << error;
  EXPECT_EQ(loaded.position, 0);
  EXPECT_EQ(loaded.caches[0].size, 0u);
  EXPECT_TRUE(loaded.inputs.empty());
}

TEST(SessionState, RefusesEveryTruncation) {
  Program program = parsedProgram(stateProgram());
  std::string bytes = written(program, Session().view(program));
  for (size_t n = 0; n < bytes.size(); ++n)
    parseError(program, bytes.substr(0, n));
  EXPECT_EQ(parseError(program, ""),
            "not an r1 session state (no R1STATE magic)");
  EXPECT_EQ(parseError(program, bytes.substr(0, 20)),
            "truncated in its header (20 bytes)");
  EXPECT_EQ(parseError(program, bytes.substr(0, 1000)),
            "truncated: 1000 of its " + std::to_string(bytes.size()) +
                " bytes");
}

TEST(SessionState, RefusesTrailingBytes) {
  Program program = parsedProgram(stateProgram());
  std::string bytes = written(program, Session().view(program));
  EXPECT_EQ(parseError(program, bytes + "x"), "1 bytes follow its end (byte " +
                                                  std::to_string(bytes.size()) +
                                                  ")");
  // Bytes after the last section that the header counts in its length.
  std::vector<std::string> sections = validSections(program);
  std::string body;
  for (const std::string &s : sections)
    body += s;
  std::string padded = header(sections.size(), body.size() + 3) + body + "abc";
  EXPECT_EQ(parseError(program, padded),
            "3 bytes follow the last section (byte " +
                std::to_string(padded.size() - 3) + ")");
}

TEST(SessionState, RefusesEveryFlippedByte) {
  // Every byte is under a checksum, or is one.
  Program program = parsedProgram(stateProgram());
  std::string bytes = written(program, Session().view(program));
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string flipped = bytes;
    flipped[i] = char(flipped[i] ^ 0x10);
    parseError(program, flipped);
  }
  std::string damaged = bytes;
  damaged[200] = char(damaged[200] ^ 1);
  EXPECT_NE(parseError(program, damaged)
                .find("is damaged: its checksum does not match"),
            std::string::npos);
  damaged = bytes;
  damaged[33] = char(damaged[33] ^ 1); // in the identity
  EXPECT_EQ(parseError(program, damaged),
            "a damaged header: its checksum does not match");
}

TEST(SessionState, RefusesAnotherModelsState) {
  Program program = parsedProgram(stateProgram());
  std::string bytes = written(program, Session().view(program));
  std::string other = programIdentity(stateProgram() + "\n");
  EXPECT_EQ(parseError(program, bytes, other),
            "the state belongs to another model or artifact version (state " +
                kIdentity.substr(0, 19) + "..., this model " +
                other.substr(0, 19) + "...)");
}

TEST(SessionState, RefusesOtherVersionsAndHeaders) {
  Program program = parsedProgram(stateProgram());
  EXPECT_EQ(
      parseError(program, header(0, 0, kIdentity, 2)),
      "a session state of format version 2; this runtime reads version 1");
  EXPECT_EQ(parseError(program, header(0, 0, "")),
            "a damaged header: an identity of 0 bytes");
  EXPECT_EQ(parseError(program, header(0, 0, std::string(129, 'x'))),
            "a damaged header: an identity of 129 bytes");
  std::string text = "{\"not\": \"a state\"}";
  EXPECT_EQ(parseError(program, text),
            "not an r1 session state (no R1STATE magic)");
}

TEST(SessionState, RefusesHugeCountsAndSizes) {
  Program program = parsedProgram(stateProgram());
  std::vector<std::string> sections = validSections(program);
  auto withSession = [&](const std::string &payload) {
    std::vector<std::string> s = sections;
    s[0] = section("SESS", payload);
    return parseError(program, joined(s));
  };
  EXPECT_EQ(withSession(sessionPayload(int64_t(1) << 40, 32, 2, 2, 1, 0, 2)),
            "the state holds 1099511627776 tokens, outside its context of 32");
  EXPECT_EQ(withSession(sessionPayload(-1, 32, 2, 2, 1, 0, 2)),
            "the state holds -1 tokens, outside its context of 32");
  EXPECT_EQ(withSession(sessionPayload(5, 65, 2, 2, 1, 0, 2)),
            "the state's context of 65 tokens is outside [1, 64], the model's "
            "context length");
  EXPECT_EQ(withSession(sessionPayload(5, 32, uint64_t(1) << 62, 2, 1, 0, 2)),
            "the state has 4611686018427387904 caches, the model's session 2");
  EXPECT_EQ(withSession(sessionPayload(5, 32, 2, 2, 1, ~uint64_t(0), 2)),
            "the state has 18446744073709551615 history tokens, the model's "
            "session 0");
  EXPECT_EQ(withSession(sessionPayload(5, 32, 2, 2, 1, 0, 1000)),
            "the state has 1000 encoder inputs, the model 2 encoders");
  EXPECT_EQ(withSession(sessionPayload(5, 32, 2, 2, 1, 0, 2) + "x"),
            "the session section has 57 bytes, not 56");
  EXPECT_EQ(withSession(sessionPayload(5, 32, 2, 2, 1, 0, 1)),
            "the header counts 9 sections, the session section implies 8");

  // A section that claims more bytes than the file has.
  std::vector<std::string> s = sections;
  uint64_t huge = uint64_t(1) << 62;
  std::memcpy(s[1].data() + 8, &huge, 8);
  std::string file = joined(s);
  EXPECT_NE(
      parseError(program, file)
          .find("the cache 0 section (byte " +
                std::to_string(32 + kIdentity.size() + 8 + s[0].size()) +
                ") claims 4611686018427387904 bytes, more than the file holds"),
      std::string::npos);
}

TEST(SessionState, RefusesSectionsThatDoNotMatchTheProgram) {
  Program program = parsedProgram(stateProgram());
  std::vector<std::string> sections = validSections(program);
  auto replacing = [&](size_t i, const std::string &replacement) {
    std::vector<std::string> s = sections;
    s[i] = replacement;
    return parseError(program, joined(s));
  };
  auto cache = [](uint64_t index, uint64_t width, uint32_t type, uint64_t rows,
                  size_t bytes) {
    std::string p;
    put(p, index);
    put(p, width);
    put(p, type);
    put<uint32_t>(p, 0);
    put(p, rows);
    return section("CACH", p + std::string(bytes, '\0'));
  };
  EXPECT_EQ(replacing(1, cache(0, 9, 0, 5, 5 * 9 * 4)),
            "the cache 0 section describes cache 0 of width 9 and type 0, not "
            "the model's cache 0 (width 8, f32)");
  EXPECT_EQ(replacing(2, cache(1, 2, 0, 5, 40)),
            "the cache 1 section describes cache 1 of width 2 and type 0, not "
            "the model's cache 1 (width 2, i32)");
  EXPECT_EQ(replacing(1, cache(0, 8, 0, 6, 6 * 8 * 4)),
            "the cache 0 section holds 6 rows, the session's position is 5");
  EXPECT_EQ(replacing(1, cache(0, 8, 0, 5, 5 * 8 * 4 - 4)),
            "the cache 0 section has 156 bytes of rows, not 5 × 8 elements");
  EXPECT_EQ(replacing(1, section("MEMS", "")),
            "expected the cache 0 section (byte " +
                std::to_string(32 + kIdentity.size() + 8 + sections[0].size()) +
                "), found a section tagged 'MEMS'");

  std::string state;
  put<uint64_t>(state, 0);
  put<uint64_t>(state, 16);
  put<uint64_t>(state, 15);
  EXPECT_EQ(
      replacing(3, section("MEMS", state + std::string(16 * 15 * 4, '\0'))),
      "the memory state 0 section describes state 0 of 16 × 15, not the "
      "model's state 0 (16 × 16)");

  // Memory records: whole rows of the state's width, however many.
  auto record = [](uint64_t step, uint64_t width, uint64_t rows, size_t bytes) {
    std::string p;
    put(p, step);
    put(p, width);
    put(p, rows);
    return section("MEMR", p + std::string(bytes, '\0'));
  };
  EXPECT_EQ(replacing(5, record(2, 16, uint64_t(1) << 60, 64)),
            "the memory record of step 2 has 64 bytes of rows, not "
            "1152921504606846976 × 16 floats");
  EXPECT_EQ(
      replacing(5, record(2, 16, 1, 60)),
      "the memory record of step 2 has 60 bytes of rows, not 1 × 16 floats");
  EXPECT_EQ(replacing(5, record(1, 16, 1, 64)),
            "the memory record of step 2 describes step 1 of width 16, not "
            "step 2 of width 16");

  // Inputs: what r1rt_set_input accepts, once each.
  auto input = [](uint32_t kind, const std::vector<float> &values) {
    std::string p;
    put(p, kind);
    put<uint32_t>(p, 0);
    put<uint64_t>(p, values.size());
    for (float v : values)
      put(p, v);
    return section("INPT", p);
  };
  EXPECT_EQ(replacing(7, input(3, {1})),
            "the input 0 section has input kind 3 (1 image, 2 audio)");
  EXPECT_EQ(
      replacing(7, input(1, {1, 2, 3})),
      "the input 0 section has 3 values, not an image input of this model");
  EXPECT_EQ(replacing(7, input(1, {1, 2, NAN, 4})),
            "the input 0 section has a non-finite value at element 2");
  EXPECT_EQ(replacing(8, input(1, {1, 2, 3, 4})),
            "the input 1 section is a second image input");
  EXPECT_EQ(
      replacing(8, input(2, {1, 2, 3})),
      "the input 1 section has 3 values, not an audio input of this model");
}

TEST(SessionState, RefusesAHistoryOutsideTheVocabulary) {
  Program program = parsedProgram(stateProgram(true));
  Session session(/*withHistory=*/true);
  session.history[3] = 16;
  EXPECT_EQ(parseError(program, written(program, session.view(program))),
            "history token 3 is 16, outside the vocabulary [0, 16)");
  // A replayed program's history is its position's tokens; others have none.
  session.history.pop_back();
  EXPECT_EQ(parseError(program, written(program, session.view(program))),
            "the state has 4 history tokens, the model's session 5");
  Program plain = parsedProgram(stateProgram());
  Session withHistory(/*withHistory=*/true);
  EXPECT_EQ(parseError(plain, written(plain, withHistory.view(plain))),
            "the state has 5 history tokens, the model's session 0");
}

TEST(SessionState, RefusesAModelWithOtherBuffers) {
  // The same identity on a program whose cache is wider: sizes still rule.
  Program program = parsedProgram(stateProgram());
  std::string bytes = written(program, Session().view(program));
  std::string wider = stateProgram();
  wider.replace(wider.find("cache 8 f32"), 11, "cache 9 f32");
  EXPECT_EQ(parseError(parsedProgram(wider), bytes),
            "the cache 0 section describes cache 0 of width 8 and type 0, not "
            "the model's cache 0 (width 9, f32)");
}

// --- Atomic writes ---------------------------------------------------------

/// A fresh folder, removed with its files when the test ends.
struct Folder {
  std::string path;
  Folder() {
    char name[] = "/tmp/r1-state-test-XXXXXX";
    path = mkdtemp(name) ? name : "";
    EXPECT_FALSE(path.empty());
  }
  ~Folder() {
    for (const std::string &f : files())
      std::remove((path + "/" + f).c_str());
    rmdir(path.c_str());
  }
  std::vector<std::string> files() const {
    std::vector<std::string> names;
    if (DIR *d = opendir(path.c_str())) {
      while (dirent *e = readdir(d))
        if (std::strcmp(e->d_name, ".") && std::strcmp(e->d_name, ".."))
          names.push_back(e->d_name);
      closedir(d);
    }
    return names;
  }
};

std::string contents(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

bool writeBytes(const std::string &path, const std::string &bytes,
                std::string &error) {
  return writeFileAtomically(
      path,
      [&](const ByteSink &sink) { return sink(bytes.data(), bytes.size()); },
      error);
}

TEST(AtomicFile, ReplacesAFileWhole) {
  Folder folder;
  std::string path = folder.path + "/state.bin", error;
  ASSERT_TRUE(writeBytes(path, "old", error)) << error;
  ASSERT_TRUE(writeBytes(path, std::string(3 << 20, 'n'), error)) << error;
  EXPECT_EQ(contents(path), std::string(3 << 20, 'n'));
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(folder.files(), std::vector<std::string>{"state.bin"});
}

TEST(AtomicFile, AFailedWriteLeavesTheOldFile) {
  Folder folder;
  std::string path = folder.path + "/state.bin", error;
  ASSERT_TRUE(writeBytes(path, "old", error)) << error;
  EXPECT_FALSE(writeFileAtomically(
      path, [](const ByteSink &sink) { return sink("par", 3) && false; },
      error));
  EXPECT_EQ(error, "cannot write " + path + ": the writer stopped");
  EXPECT_EQ(contents(path), "old");
  EXPECT_EQ(folder.files(), std::vector<std::string>{"state.bin"});
  EXPECT_FALSE(writeBytes(folder.path + "/missing/state.bin", "x", error));
  EXPECT_EQ(error, "cannot create a temporary file in " + folder.path +
                       "/missing: No such file or directory");
  EXPECT_FALSE(writeBytes(folder.path + "/", "x", error));
  EXPECT_EQ(error, "'" + folder.path + "/' does not name a file");
}

// Where the child below kills itself: after `killAfter` bytes of the state,
// or at `killStage`.
size_t killAfter = ~size_t(0);
int killStage = -1;

void killAtStage(AtomicWriteStage stage) {
  if (int(stage) == killStage)
    raise(SIGKILL);
}

/// Forks a child that replaces `path` with `state` and is killed with
/// SIGKILL on the way; whether the child died by that signal.
bool killedWriting(const std::string &path, const Program &program,
                   const SessionState &state) {
  pid_t child = fork();
  if (child == 0) {
    size_t sent = 0;
    std::string error;
    writeFileAtomically(
        path,
        [&](const ByteSink &sink) {
          return writeSessionState(
              program, kIdentity, state, [&](const void *data, size_t size) {
                if (sent + size > killAfter) { // part of this piece, then die
                  sink(data, killAfter - sent);
                  raise(SIGKILL);
                }
                sent += size;
                return sink(data, size);
              });
        },
        error, killAtStage);
    _exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

TEST(AtomicFile, AWriterKilledAnywhereLeavesTheOldStateWhole) {
  Program program = parsedProgram(stateProgram());
  Session oldSession, newSession;
  newSession.position = 7;
  newSession.cache0.resize(7 * 8, 1.5f);
  newSession.cache1.resize(7 * 2, 3);
  std::string oldBytes = written(program, oldSession.view(program));
  std::string newBytes = written(program, newSession.view(program));
  ASSERT_NE(oldBytes, newBytes);
  Folder folder;
  std::string path = folder.path + "/state.bin", error;
  ASSERT_TRUE(writeBytes(path, oldBytes, error)) << error;

  // Killed after every count of bytes short of the whole state: in the
  // header, in each section, between sections, before the last byte.
  std::vector<size_t> points;
  for (size_t n = 0; n < newBytes.size(); n += n < 64 ? 1 : 97)
    points.push_back(n);
  points.push_back(newBytes.size() - 1);
  for (size_t n : points) {
    killAfter = n;
    killStage = -1;
    ASSERT_TRUE(killedWriting(path, program, newSession.view(program))) << n;
    ASSERT_EQ(contents(path), oldBytes) << "killed after " << n << " bytes";
  }
  // Killed after the writes and after the flush: still the old file. The
  // temporaries the killed writers left are never read.
  killAfter = ~size_t(0);
  for (AtomicWriteStage stage :
       {AtomicWriteStage::Written, AtomicWriteStage::Synced}) {
    killStage = int(stage);
    ASSERT_TRUE(killedWriting(path, program, newSession.view(program)));
    EXPECT_EQ(contents(path), oldBytes) << "stage " << int(stage);
  }
  EXPECT_GT(folder.files().size(), 1u);
  // Killed after the rename: the new file, whole.
  killStage = int(AtomicWriteStage::Renamed);
  ASSERT_TRUE(killedWriting(path, program, newSession.view(program)));
  EXPECT_EQ(contents(path), newBytes);
  SessionState loaded;
  std::string file = contents(path);
  ASSERT_TRUE(parseSessionState(program, kIdentity,
                                reinterpret_cast<const uint8_t *>(file.data()),
                                file.size(), loaded, error))
      << error;
  EXPECT_EQ(loaded.position, 7);
  // Not killed: the new file, and no temporary left by this writer.
  killStage = -1;
  size_t before = folder.files().size();
  pid_t child = fork();
  if (child == 0)
    _exit(writeBytes(path, oldBytes, error) ? 0 : 1);
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(contents(path), oldBytes);
  EXPECT_EQ(folder.files().size(), before);
}

} // namespace
