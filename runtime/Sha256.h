//===- Sha256.h - SHA-256 for artifact checks -------------------*- C++ -*-===//

#ifndef R1_RUNTIME_SHA256_H
#define R1_RUNTIME_SHA256_H

#include <cstddef>
#include <cstdint>
#include <string>

namespace r1rt {

/// FIPS 180-4 SHA-256 of `size` bytes, as 64 lower-case hex digits.
std::string sha256Hex(const uint8_t *data, size_t size);

} // namespace r1rt

#endif // R1_RUNTIME_SHA256_H
