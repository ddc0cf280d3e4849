//===- SessionStateFuzzer.cpp - a saved session state on arbitrary bytes --===//
//
// The input is a state file (r1rt_save_state, r1-run --save-state). It is
// parsed for the programs of real artifacts (fixtures compiled by
// make_seeds.py: a Llama, a DeepSeek-V3 with MoE and MLA, an r1 model with
// the memory unit and the encoders), each with its own identity, so the
// checks behind the identity and the section checksums are reached by the
// seeds' own states. parseSessionState must refuse with a one-line message
// or accept, and an accepted state's views must lie inside the input.
//
//===----------------------------------------------------------------------===//

#include "runtime/Program.h"
#include "runtime/SessionState.h"

#include <dirent.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Model {
  r1rt::Program program;
  std::string identity;
};

std::vector<Model> loadModels() {
  std::vector<Model> models;
  std::string root = std::string(R1_FUZZ_DATA) + "/program.artifacts";
  DIR *dir = opendir(root.c_str());
  if (!dir)
    return models;
  while (dirent *entry = readdir(dir)) {
    if (entry->d_name[0] == '.')
      continue;
    std::ifstream in(root + "/" + entry->d_name + "/program.txt");
    std::stringstream text;
    text << in.rdbuf();
    Model model;
    std::string error;
    if (!r1rt::parseProgram(text.str(), model.program, error))
      continue;
    model.identity = r1rt::programIdentity(text.str());
    models.push_back(std::move(model));
  }
  closedir(dir);
  return models;
}

bool inside(const r1rt::ByteSpan &span, const uint8_t *data, size_t size) {
  return span.size == 0 ||
         (span.data >= data && span.size <= size &&
          span.data - data <= ptrdiff_t(size - span.size));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const std::vector<Model> models = loadModels();
  if (models.empty())
    std::abort(); // no artifacts: make_seeds.py did not run
  for (const Model &model : models) {
    r1rt::SessionState state;
    std::string error;
    if (!r1rt::parseSessionState(model.program, model.identity, data, size,
                                 state, error)) {
      if (error.empty() || error.find('\n') != std::string::npos)
        std::abort();
      continue;
    }
    std::vector<r1rt::ByteSpan> spans = state.caches;
    spans.insert(spans.end(), state.states.begin(), state.states.end());
    spans.insert(spans.end(), state.records.begin(), state.records.end());
    spans.push_back(state.history);
    for (const r1rt::SessionState::Input &input : state.inputs)
      spans.push_back(input.values);
    for (const r1rt::ByteSpan &span : spans)
      if (!inside(span, data, size))
        std::abort();
  }
  return 0;
}
