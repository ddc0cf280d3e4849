//===- ProgramFuzzer.cpp - program.txt on arbitrary bytes -----------------===//
//
// The input is an artifact's program.txt. parseProgram must refuse it with a
// one-line message naming the file, or accept it; an accepted program must
// print (printProgram) as a text that parses back to it, and then goes the
// loader's way: written beside a real artifact's model.so and
// weights.bin (fixtures compiled by make_seeds.py, or $R1_FUZZ_ARTIFACTS;
// the one whose weights.bin has the size the program names), opened with
// r1rt_open (sizes checked, checksums not: a fuzzer cannot forge SHA-256),
// which checks it against model.so's host layout, and, when that passes,
// run on a fresh session: encoder inputs of the shapes it asks for, a
// prefill, a decode step, the end of the call and, with a head, classify.
// $R1_FUZZ_VERBOSE says how far each program got.
//
//===----------------------------------------------------------------------===//

#include "r1rt.h"
#include "runtime/Program.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

/// A copy of one artifact's model.so and weights.bin in a temporary folder.
struct Artifact {
  std::string folder;
  uint64_t weightBytes = 0;
};
std::vector<Artifact> artifacts;
bool verbose;

void removeFolders() {
  for (const Artifact &a : artifacts) {
    for (const char *name : {"program.txt", "model.so", "weights.bin"})
      unlink((a.folder + "/" + name).c_str());
    rmdir(a.folder.c_str());
  }
}

void copyArtifacts() {
  const char *from = std::getenv("R1_FUZZ_ARTIFACTS");
  std::string root =
      from ? from : std::string(R1_FUZZ_DATA) + "/program.artifacts";
  std::vector<std::string> names;
  if (DIR *dir = opendir(root.c_str())) {
    while (dirent *entry = readdir(dir))
      if (entry->d_name[0] != '.')
        names.push_back(entry->d_name);
    closedir(dir);
  }
  for (const std::string &name : names) {
    std::string source = root + "/" + name;
    struct stat info;
    if (stat((source + "/weights.bin").c_str(), &info) != 0)
      continue;
    char tmp[] = "/tmp/r1-fuzz-program-XXXXXX";
    if (!mkdtemp(tmp))
      std::abort();
    artifacts.push_back({tmp, uint64_t(info.st_size)});
    for (const char *file : {"model.so", "weights.bin"}) {
      std::ifstream in(source + "/" + file, std::ios::binary);
      std::ofstream out(std::string(tmp) + "/" + file, std::ios::binary);
      out << in.rdbuf();
      if (!in || !out)
        std::abort();
    }
  }
  std::atexit(removeFolders);
  if (artifacts.empty())
    std::fprintf(stderr,
                 "r1-fuzz-program: no artifacts in %s (run make_seeds.py or "
                 "set R1_FUZZ_ARTIFACTS); fuzzing the parser only\n",
                 root.c_str());
}

/// The artifact a program was compiled for, by its weights.bin size.
const Artifact &artifactFor(const r1rt::Program &program) {
  for (const r1rt::FileCheck &file : program.files)
    if (file.name == "weights.bin")
      for (const Artifact &a : artifacts)
        if (a.weightBytes == file.bytes)
          return a;
  return artifacts.front();
}

/// Zero inputs of the shapes the program's encoders take.
void setInputs(r1rt_session *session, const r1rt::Program &program) {
  for (const r1rt::Program::Encoder &e : program.encoders) {
    std::vector<int64_t> shape;
    if (e.image)
      shape = {e.channels, e.height, e.width};
    else
      shape = {e.length + 2 * e.hop};
    int64_t count = 1;
    for (int64_t d : shape)
      count *= d;
    if (count > (int64_t(1) << 22))
      continue; // too big to be worth a run: the call fails without it
    std::vector<float> data(size_t(count), 0.0f);
    r1rt_set_input(session, e.image ? "image" : "audio", data.data(),
                   shape.data(), shape.size());
  }
}

void run(std::string_view text, const r1rt::Program &program) {
  const Artifact &artifact = artifactFor(program);
  {
    std::ofstream out(artifact.folder + "/program.txt", std::ios::binary);
    out.write(text.data(), std::streamsize(text.size()));
    if (!out)
      std::abort();
  }
  char message[512];
  r1rt_model *model =
      r1rt_open(artifact.folder.c_str(), R1RT_OPEN_SKIP_CHECKSUMS, message,
                sizeof(message));
  if (!model) {
    if (verbose)
      std::fprintf(stderr, "r1rt_open: %s\n", message);
    return;
  }
  r1rt_set_threads(model, 1);
  r1rt_session *session = r1rt_session_create(model);
  setInputs(session, program);
  int64_t vocab = r1rt_vocab_size(model);
  std::vector<float> logits(size_t(vocab) * 2);
  const int32_t prompt[2] = {0, int32_t((vocab - 1) % 7)};
  int status = r1rt_prefill(session, prompt, 2, logits.data());
  if (status == 0)
    status = r1rt_decode(session, int32_t(1 % vocab), logits.data());
  if (verbose)
    std::fprintf(stderr, "run: %s\n",
                 status ? r1rt_session_error(session) : "ok");
  r1rt_end_call(session);
  if (int64_t labels = r1rt_num_labels(model)) {
    std::vector<float> out(static_cast<size_t>(labels), 0.0f);
    r1rt_reset(session);
    status = r1rt_classify(session, prompt, 2, out.data());
    if (verbose)
      std::fprintf(stderr, "classify: %s\n",
                   status ? r1rt_session_error(session) : "ok");
  }
  r1rt_session_destroy(session);
  r1rt_close(model);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  verbose = std::getenv("R1_FUZZ_VERBOSE") != nullptr;
  copyArtifacts();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view text(reinterpret_cast<const char *>(data), size);
  r1rt::Program program;
  std::string error;
  if (!r1rt::parseProgram(text, program, error)) {
    if (error.rfind("program.txt", 0) != 0 ||
        error.find('\n') != std::string::npos)
      std::abort(); // one line, naming the file
    return 0;
  }
  if (r1rt::hostLayout(program).find('\n') != std::string::npos)
    std::abort();
  // The writer is the parser's inverse: an accepted program prints as a
  // text that parses back to it, and prints the same again.
  std::string printed = r1rt::printProgram(program);
  r1rt::Program again;
  if (!r1rt::parseProgram(printed, again, error) || !(again == program) ||
      r1rt::printProgram(again) != printed)
    std::abort();
  if (!artifacts.empty())
    run(text, program);
  return 0;
}
