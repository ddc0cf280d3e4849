//===- CheckpointIndexFuzzer.cpp - the shard index on arbitrary bytes -----===//
//
// The input is a model.safetensors.index.json, written into a folder that
// holds two small valid shards (a fixture checkpoint's, from make_seeds.py),
// a subfolder with a copy of the first and a symlink that leads out of the
// folder. Checkpoint::open must refuse the index with one line or give
// tensors that each come from the shard the index names and can be read.
//
//===----------------------------------------------------------------------===//

#include "checkpoint/CheckpointIndex.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <unistd.h>

using namespace r1::checkpoint;
namespace fs = llvm::sys::fs;
namespace path = llvm::sys::path;

namespace {

std::string top;    // a fresh temporary folder, removed at exit
std::string folder; // top/model: the checkpoint the index is written into

void removeTop() { fs::remove_directories(top); }

void copyShards() {
  const char *from = std::getenv("R1_FUZZ_SHARDS");
  std::string shards =
      from ? from : std::string(R1_FUZZ_DATA) + "/checkpoint-index.shards";
  llvm::SmallString<128> root;
  if (fs::createUniqueDirectory("r1-fuzz-index", root)) {
    std::fprintf(stderr, "r1-fuzz-checkpoint-index: cannot make a folder\n");
    std::exit(1);
  }
  llvm::SmallString<128> model(root), sub;
  path::append(model, "model");
  sub = model;
  path::append(sub, "sub");
  fs::create_directories(sub);
  top = std::string(root);
  folder = std::string(model);
  std::atexit(removeTop);
  int copied = 0;
  std::error_code ec;
  for (fs::directory_iterator it(shards, ec), end; !ec && it != end;
       it.increment(ec)) {
    llvm::StringRef name = path::filename(it->path());
    if (!name.ends_with(".safetensors"))
      continue;
    llvm::SmallString<128> to(model);
    path::append(to, name);
    fs::copy_file(it->path(), to);
    if (copied++ == 0) {
      llvm::SmallString<128> copy(sub);
      path::append(copy, name);
      fs::copy_file(it->path(), copy);
    }
  }
  if (copied < 2) {
    std::fprintf(stderr,
                 "r1-fuzz-checkpoint-index: no shards in %s (run "
                 "test/fuzz/make_seeds.py, or set R1_FUZZ_SHARDS)\n",
                 shards.c_str());
    std::exit(1);
  }
  // A way out of the folder, which the index must not be able to take.
  llvm::SmallString<128> link(model);
  path::append(link, "outside");
  fs::create_link(root, link);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  copyShards();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  {
    std::error_code ec;
    llvm::raw_fd_ostream out(folder + "/" + Checkpoint::kIndexName.str(), ec);
    if (ec)
      std::abort();
    out.write(reinterpret_cast<const char *>(data), size);
  }
  auto checkpoint = Checkpoint::open(folder);
  if (!checkpoint) {
    std::string message = llvm::toString(checkpoint.takeError());
    if (message.empty() || message.find('\n') != std::string::npos)
      std::abort(); // errors are one line
    return 0;
  }
  unsigned sum = 0;
  for (const TensorInfo &tensor : (*checkpoint)->tensors()) {
    const SafetensorsFile *shard = nullptr;
    const TensorInfo *found = (*checkpoint)->find(tensor.name, &shard);
    if (!found || !shard || !shard->find(tensor.name))
      std::abort();
    llvm::ArrayRef<uint8_t> bytes = (*checkpoint)->data(*found);
    if (bytes.size() != found->numBytes())
      std::abort();
    for (uint8_t byte : bytes)
      sum += byte;
  }
  return static_cast<int>(sum & 0);
}
