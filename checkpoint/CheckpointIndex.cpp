//===- CheckpointIndex.cpp - a checkpoint folder's tensors ----------------===//
//
// This file implements Checkpoint::open. The index is untrusted: a shard
// name must be a plain relative path without `..` whose folders, after
// resolving symlinks, lie inside the model folder (the shard file itself may
// be a symlink, as in the hub cache); each real file is opened once, and the
// index and the shards' headers must agree exactly.
//
//===----------------------------------------------------------------------===//

#include "checkpoint/CheckpointIndex.h"
#include "checkpoint/JsonDocument.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <cassert>

using namespace llvm;

namespace r1::checkpoint {

namespace {

/// Checks that shard `name` from `indexPath` stays inside `realDir` and
/// sets `resolved` to its real path.
Error checkShardPath(StringRef indexPath, StringRef realDir, StringRef name,
                     SmallVectorImpl<char> &resolved) {
  auto bad = [&](const Twine &why) {
    return makeError(indexPath, "shard path '" + printable(name) + "' " + why);
  };
  if (name.empty())
    return bad("is empty");
  if (any_of(name, [](char c) { return static_cast<unsigned char>(c) < 0x20; }))
    return bad("contains a control character");
  if (name.starts_with("/"))
    return bad("is absolute");
  if (name.contains('\\'))
    return bad("contains a backslash");
  SmallVector<StringRef> parts;
  name.split(parts, '/');
  if (is_contained(parts, ".."))
    return bad("leaves the model folder through '..'");
  // The folder's own entries may be symlinks (HuggingFace's hub cache links
  // every file of a snapshot into ../../blobs/): the shard itself is
  // followed wherever it points, but the folders the name walks through must
  // be real folders inside the model folder, so the index cannot reach out.
  SmallString<256> joined(realDir);
  sys::path::append(joined, sys::path::Style::posix, name);
  SmallString<256> parent;
  if (std::error_code ec =
          sys::fs::real_path(sys::path::parent_path(joined), parent))
    return bad("cannot be opened: " + ec.message());
  StringRef realParent = parent;
  bool inside =
      realParent == realDir ||
      (realParent.starts_with(realDir) &&
       (sys::path::is_separator(realDir.back()) ||
        sys::path::is_separator(realParent[realDir.size()])));
  if (!inside)
    return bad("resolves to '" + printable(realParent) +
               "', outside the model folder");
  if (std::error_code ec = sys::fs::real_path(joined, resolved))
    return bad("cannot be opened: " + ec.message());
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
  sys::path::append(indexPath, kIndexName);
  if (sys::fs::exists(indexPath)) {
    if (Error err = ckpt->openIndexed(indexPath, realDir))
      return err;
    return ckpt;
  }

  SmallString<256> single(dir);
  sys::path::append(single, kSingleFileName);
  if (!sys::fs::exists(single))
    return makeError(dir,
                     "has neither " + kSingleFileName + " nor " + kIndexName);
  Expected<std::unique_ptr<SafetensorsFile>> file =
      SafetensorsFile::open(single);
  if (!file)
    return file.takeError();
  ckpt->addShard(std::move(*file));
  return ckpt;
}

Error Checkpoint::openIndexed(StringRef indexPath, StringRef realDir) {
  Expected<json::Value> index = readJsonFile(indexPath);
  if (!index)
    return index.takeError();
  const json::Object *root = index->getAsObject();
  if (!root)
    return makeError(indexPath,
                     "must hold a JSON object, got " + jsonKindName(*index));
  const json::Value *weightMapValue = root->get("weight_map");
  if (!weightMapValue)
    return makeError(indexPath, "has no 'weight_map'");
  const json::Object *weightMap = weightMapValue->getAsObject();
  if (!weightMap)
    return makeError(indexPath, "'weight_map' must be an object, got " +
                                    jsonKindName(*weightMapValue));
  if (weightMap->empty())
    return makeError(indexPath, "'weight_map' is empty");

  // Tensor -> shard name, in tensor order so errors are reproducible.
  std::vector<std::pair<StringRef, StringRef>> entries;
  entries.reserve(weightMap->size());
  for (const auto &[tensor, shardValue] : *weightMap) {
    std::optional<StringRef> shard = shardValue.getAsString();
    if (!shard)
      return makeError(indexPath, "'weight_map' value of tensor '" +
                                      printable(tensor) +
                                      "' must be a shard file name, got " +
                                      jsonKindName(shardValue));
    entries.emplace_back(StringRef(tensor), *shard);
  }
  llvm::sort(entries);

  // Check every distinct shard name before opening any, then open each real
  // file once: two spellings of one file ("a" and "./a") are one shard.
  SmallVector<StringRef> shardNames;
  for (const auto &entry : entries)
    shardNames.push_back(entry.second);
  llvm::sort(shardNames);
  shardNames.erase(std::unique(shardNames.begin(), shardNames.end()),
                   shardNames.end());
  StringMap<size_t> shardOfName, shardOfRealPath;
  std::vector<std::string> realPaths;
  std::vector<StringRef> displayName; // per shard: its first index spelling
  for (StringRef name : shardNames) {
    SmallString<256> resolved;
    if (Error err = checkShardPath(indexPath, realDir, name, resolved))
      return err;
    auto [it, inserted] =
        shardOfRealPath.try_emplace(resolved, realPaths.size());
    if (inserted) {
      realPaths.push_back(std::string(resolved));
      displayName.push_back(name);
    }
    shardOfName[name] = it->second;
  }
  for (const std::string &real : realPaths) {
    Expected<std::unique_ptr<SafetensorsFile>> file =
        SafetensorsFile::open(real);
    if (!file)
      return file.takeError();
    addShard(std::move(*file));
  }

  // The index and the shards must agree both ways.
  StringMap<size_t> indexedShard;
  for (const auto &[tensor, shardName] : entries) {
    size_t shard = shardOfName[shardName];
    if (!shards[shard]->find(tensor))
      return makeError(indexPath,
                       "tensor '" + printable(tensor) + "' is not in shard '" +
                           printable(shardName) + "' where the index puts it");
    indexedShard[tensor] = shard;
  }
  for (size_t i = 0; i < allTensors.size(); ++i) {
    const TensorInfo &t = allTensors[i];
    auto it = indexedShard.find(t.name);
    if (it == indexedShard.end())
      return makeError(indexPath, "tensor '" + printable(t.name) +
                                      "' of shard '" +
                                      printable(displayName[shardOf[i]]) +
                                      "' is missing from the index");
    if (it->second != shardOf[i])
      return makeError(indexPath, "tensor '" + printable(t.name) +
                                      "' is in two shards, '" +
                                      printable(displayName[it->second]) +
                                      "' (per the index) and '" +
                                      printable(displayName[shardOf[i]]) + "'");
  }
  return Error::success();
}

void Checkpoint::addShard(std::unique_ptr<SafetensorsFile> file) {
  size_t shard = shards.size();
  for (const TensorInfo &t : file->tensors()) {
    // A name seen in an earlier shard keeps its first place; openIndexed
    // reports such duplicates, and a single file has none.
    byName.try_emplace(t.name, allTensors.size());
    allTensors.push_back(t);
    shardOf.push_back(shard);
  }
  shards.push_back(std::move(file));
}

size_t Checkpoint::indexOf(const TensorInfo &tensor) const {
  // By address: another checkpoint's tensor of the same name is not ours.
  const TensorInfo *begin = allTensors.data();
  if (&tensor >= begin && &tensor < begin + allTensors.size())
    return &tensor - begin;
  return allTensors.size();
}

const TensorInfo *Checkpoint::find(StringRef name,
                                   const SafetensorsFile **file) const {
  auto it = byName.find(name);
  if (it == byName.end())
    return nullptr;
  if (file)
    *file = shards[shardOf[it->second]].get();
  return &allTensors[it->second];
}

ArrayRef<uint8_t> Checkpoint::data(const TensorInfo &tensor) const {
  size_t i = indexOf(tensor);
  if (i >= allTensors.size())
    return {};
  return shards[shardOf[i]]->data(allTensors[i]);
}

} // namespace r1::checkpoint
