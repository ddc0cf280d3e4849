//===- CheckpointIndex.h - a checkpoint folder's tensors --------*- C++ -*-===//
//
// This file declares Checkpoint: all tensors of a HuggingFace checkpoint
// folder, from `model.safetensors` or from the shards a
// `model.safetensors.index.json` names. The index is checked against the
// shards both ways (every listed tensor is in the shard it names, every
// shard tensor is listed, none is in two shards), and every shard path is
// confined to the folder.
//
//===----------------------------------------------------------------------===//

#ifndef R1_CHECKPOINT_CHECKPOINTINDEX_H
#define R1_CHECKPOINT_CHECKPOINTINDEX_H

#include "checkpoint/SafetensorsFile.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringMap.h"

#include <memory>
#include <string>
#include <vector>

namespace r1::checkpoint {

class Checkpoint {
public:
  /// The index file's name, as HuggingFace writes it.
  static constexpr llvm::StringLiteral kIndexName =
      "model.safetensors.index.json";
  /// The single-file checkpoint's name.
  static constexpr llvm::StringLiteral kSingleFileName = "model.safetensors";

  /// Opens and validates the checkpoint in folder `dir`; errors are one line
  /// naming the file (index or shard) and the tensor or shard at fault.
  static llvm::Expected<std::unique_ptr<Checkpoint>> open(llvm::StringRef dir);

  /// The folder as given to open().
  llvm::StringRef dir() const { return folder; }
  /// The tensor `name`, or null; when found and `file` is not null, `*file`
  /// is set to the shard that holds it.
  const TensorInfo *find(llvm::StringRef name,
                         const SafetensorsFile **file = nullptr) const;
  /// The bytes of `tensor`, which must come from this checkpoint's find() or
  /// tensors() (empty when it does not).
  llvm::ArrayRef<uint8_t> data(const TensorInfo &tensor) const;
  /// Every tensor, shard by shard (shards in name order), in data order.
  llvm::ArrayRef<TensorInfo> tensors() const { return allTensors; }
  /// The opened shards, each once, in name order.
  llvm::ArrayRef<std::unique_ptr<SafetensorsFile>> files() const {
    return shards;
  }

private:
  Checkpoint() = default;
  llvm::Error openIndexed(llvm::StringRef indexPath, llvm::StringRef realDir);
  void addShard(std::unique_ptr<SafetensorsFile> file);
  size_t indexOf(const TensorInfo &tensor) const;

  std::string folder;
  std::vector<std::unique_ptr<SafetensorsFile>> shards;
  /// Copies of the shards' tensor lists, concatenated; shardOf is parallel.
  std::vector<TensorInfo> allTensors;
  std::vector<size_t> shardOf;
  /// Tensor name -> position in allTensors.
  llvm::StringMap<size_t> byName;
};

} // namespace r1::checkpoint

#endif // R1_CHECKPOINT_CHECKPOINTINDEX_H
