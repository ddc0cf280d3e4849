//===- CheckpointIndex.h - a checkpoint folder's tensors --------*- C++ -*-===//
//
// This file declares Checkpoint: all tensors of a HuggingFace checkpoint
// folder, from `model.safetensors` or from the shards a
// `model.safetensors.index.json` names, with every shard path confined to
// the folder.
//
//===----------------------------------------------------------------------===//

#ifndef R1_FRONTEND_CHECKPOINTINDEX_H
#define R1_FRONTEND_CHECKPOINTINDEX_H

#include "frontend/SafetensorsFile.h"

#include "llvm/ADT/StringMap.h"

namespace r1::frontend {

class Checkpoint {
public:
  /// Opens the checkpoint in folder `dir`.
  static llvm::Expected<std::unique_ptr<Checkpoint>> open(llvm::StringRef dir);

  llvm::StringRef dir() const { return folder; }
  /// The tensor `name`, or null.
  const TensorInfo *find(llvm::StringRef name) const;
  /// The file holding `tensor`.
  const SafetensorsFile &fileOf(const TensorInfo &tensor) const;
  /// Every tensor, shard by shard in data order.
  std::vector<TensorInfo> tensors() const;
  llvm::ArrayRef<std::unique_ptr<SafetensorsFile>> files() const {
    return shards;
  }

private:
  std::string folder;
  std::vector<std::unique_ptr<SafetensorsFile>> shards;
  /// Tensor name -> (shard, tensor) index.
  llvm::StringMap<std::pair<size_t, const TensorInfo *>> byName;
};

} // namespace r1::frontend

#endif // R1_FRONTEND_CHECKPOINTINDEX_H
