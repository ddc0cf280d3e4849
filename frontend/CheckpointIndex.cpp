//===- CheckpointIndex.cpp - a checkpoint folder's tensors ----------------===//
//
// This file implements Checkpoint::open. The index is untrusted: a shard
// name must be a plain relative path without `..`, and after resolving
// symlinks it must still lie inside the folder.
//
//===----------------------------------------------------------------------===//

#include "frontend/CheckpointIndex.h"
#include "frontend/JsonDocument.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace llvm;

namespace r1::frontend {

namespace {

/// Checks that shard `name` from `indexPath` stays inside `realDir`.
Error checkShardPath(StringRef indexPath, StringRef realDir, StringRef name,
                     SmallVectorImpl<char> &resolved) {
  auto bad = [&](const Twine &why) {
    return makeError(indexPath, "shard path '" + name + "' " + why);
  };
  if (name.empty())
    return bad("is empty");
  if (sys::path::is_absolute(name) || name.starts_with("/"))
    return bad("is absolute");
  if (name.contains('\\'))
    return bad("contains a backslash");
  for (StringRef part : llvm::make_range(sys::path::begin(name),
                                         sys::path::end(name)))
    if (part == "..")
      return bad("leaves the model folder through '..'");
  SmallString<256> joined(realDir);
  sys::path::append(joined, name);
  if (std::error_code ec = sys::fs::real_path(joined, resolved))
    return bad("cannot be opened: " + ec.message());
  StringRef real(resolved.data(), resolved.size());
  if (!real.starts_with(realDir) || real.size() <= realDir.size() ||
      !sys::path::is_separator(real[realDir.size()]))
    return bad("resolves to '" + real + "', outside the model folder");
  return Error::success();
}

} // namespace

Expected<std::unique_ptr<Checkpoint>> Checkpoint::open(StringRef dir) {
  std::unique_ptr<Checkpoint> ckpt(new Checkpoint());
  ckpt->folder = dir.str();
  SmallString<256> realDir;
  if (std::error_code ec = sys::fs::real_path(dir, realDir))
    return makeError(dir, "cannot open the model folder: " + ec.message());
  if (!sys::fs::is_directory(realDir))
    return makeError(dir, "is not a folder");

  SmallString<256> indexPath(dir);
  sys::path::append(indexPath, "model.safetensors.index.json");
  if (!sys::fs::exists(indexPath)) {
    SmallString<256> single(dir);
    sys::path::append(single, "model.safetensors");
    if (!sys::fs::exists(single))
      return makeError(dir, "has neither model.safetensors nor "
                            "model.safetensors.index.json");
    Expected<std::unique_ptr<SafetensorsFile>> file =
        SafetensorsFile::open(single);
    if (!file)
      return file.takeError();
    ckpt->shards.push_back(std::move(*file));
    for (const TensorInfo &t : ckpt->shards[0]->tensors())
      ckpt->byName[t.name] = {0, &t};
    return ckpt;
  }

  Expected<json::Value> index = readJsonFile(indexPath);
  if (!index)
    return index.takeError();
  const json::Object *root = index->getAsObject();
  const json::Object *weightMap = root ? root->getObject("weight_map") : nullptr;
  if (!weightMap)
    return makeError(indexPath, "has no object 'weight_map'");

  // Open each distinct shard once, in name order for stable output.
  StringMap<size_t> shardIndex;
  std::vector<std::pair<std::string, std::string>> entries;
  for (const auto &[tensor, shardValue] : *weightMap) {
    std::optional<StringRef> shard = shardValue.getAsString();
    if (!shard)
      return makeError(indexPath, "weight_map value of '" + StringRef(tensor) +
                                      "' is not a string");
    entries.emplace_back(StringRef(tensor).str(), shard->str());
  }
  std::sort(entries.begin(), entries.end());
  std::vector<std::string> shardNames;
  for (auto &[tensor, shard] : entries)
    if (shardIndex.try_emplace(shard, shardNames.size()).second)
      shardNames.push_back(shard);
  std::sort(shardNames.begin(), shardNames.end());
  for (size_t i = 0; i < shardNames.size(); ++i) {
    shardIndex[shardNames[i]] = i;
    SmallString<256> resolved;
    if (Error err = checkShardPath(indexPath, realDir, shardNames[i], resolved))
      return err;
    Expected<std::unique_ptr<SafetensorsFile>> file =
        SafetensorsFile::open(resolved);
    if (!file)
      return file.takeError();
    ckpt->shards.push_back(std::move(*file));
  }

  for (auto &[tensor, shard] : entries) {
    size_t i = shardIndex[shard];
    const TensorInfo *info = ckpt->shards[i]->find(tensor);
    if (!info)
      return makeError(indexPath, "tensor '" + tensor + "' is not in shard '" +
                                      shard + "' where the index puts it");
    ckpt->byName[tensor] = {i, info};
  }
  // Every tensor of every shard must be indexed, and only once.
  for (size_t i = 0; i < ckpt->shards.size(); ++i)
    for (const TensorInfo &t : ckpt->shards[i]->tensors()) {
      auto it = ckpt->byName.find(t.name);
      if (it == ckpt->byName.end())
        return makeError(indexPath, "tensor '" + t.name + "' of shard '" +
                                        shardNames[i] +
                                        "' is missing from the index");
      if (it->second.first != i)
        return makeError(indexPath, "tensor '" + t.name + "' is in both '" +
                                        shardNames[i] + "' and '" +
                                        shardNames[it->second.first] + "'");
    }
  return ckpt;
}

const TensorInfo *Checkpoint::find(StringRef name) const {
  auto it = byName.find(name);
  return it == byName.end() ? nullptr : it->second.second;
}

const SafetensorsFile &Checkpoint::fileOf(const TensorInfo &tensor) const {
  return *shards[byName.find(tensor.name)->second.first];
}

std::vector<TensorInfo> Checkpoint::tensors() const {
  std::vector<TensorInfo> all;
  for (const auto &shard : shards)
    all.insert(all.end(), shard->tensors().begin(), shard->tensors().end());
  return all;
}

} // namespace r1::frontend
