//===- DType.h - safetensors element types ----------------------*- C++ -*-===//
//
// This file declares the checkpoint element types r1c reads, with their
// safetensors spellings and sizes.
//
//===----------------------------------------------------------------------===//

#ifndef R1_CHECKPOINT_DTYPE_H
#define R1_CHECKPOINT_DTYPE_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>

namespace r1::checkpoint {

enum class DType { F32, F16, BF16, F8_E4M3, I8, U8, I32, I64 };

/// Bytes per element.
inline uint64_t dtypeSize(DType dtype) {
  switch (dtype) {
  case DType::F8_E4M3:
  case DType::I8:
  case DType::U8:
    return 1;
  case DType::F16:
  case DType::BF16:
    return 2;
  case DType::F32:
  case DType::I32:
    return 4;
  case DType::I64:
    return 8;
  }
  return 0;
}

/// The safetensors spelling ("F32", "BF16", "F8_E4M3", ...).
inline llvm::StringRef dtypeName(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return "F32";
  case DType::F16:
    return "F16";
  case DType::BF16:
    return "BF16";
  case DType::F8_E4M3:
    return "F8_E4M3";
  case DType::I8:
    return "I8";
  case DType::U8:
    return "U8";
  case DType::I32:
    return "I32";
  case DType::I64:
    return "I64";
  }
  return "?";
}

inline std::optional<DType> parseDType(llvm::StringRef name) {
  for (DType d : {DType::F32, DType::F16, DType::BF16, DType::F8_E4M3,
                  DType::I8, DType::U8, DType::I32, DType::I64})
    if (dtypeName(d) == name)
      return d;
  return std::nullopt;
}

inline bool isFloat(DType dtype) {
  return dtype == DType::F32 || dtype == DType::F16 || dtype == DType::BF16;
}

} // namespace r1::checkpoint

#endif // R1_CHECKPOINT_DTYPE_H
