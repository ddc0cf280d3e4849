//===- Expected.h - error values for the tokenizer ---------------*- C++
//-*-===//
//
// This file defines the error type of the tokenizer library. The runtime does
// not link LLVM, so instead of llvm::Expected it carries a small value type of
// its own: a result or a one-line message that names what was wrong.
//
//===----------------------------------------------------------------------===//

#ifndef R1_RUNTIME_TOKENIZER_EXPECTED_H
#define R1_RUNTIME_TOKENIZER_EXPECTED_H

#include <string>
#include <utility>
#include <variant>

namespace r1::tokenizer {

/// A one-line, lower-case description of why an operation failed.
struct Error {
  std::string message;
};

/// Either a `T` or an `Error`. Check with `operator bool` before `*` or `->`.
template <typename T> class [[nodiscard]] Expected {
public:
  Expected(T value) : storage(std::move(value)) {}
  Expected(Error error) : storage(std::move(error)) {}

  explicit operator bool() const { return storage.index() == 0; }
  T &operator*() { return std::get<0>(storage); }
  const T &operator*() const { return std::get<0>(storage); }
  T *operator->() { return &std::get<0>(storage); }
  const T *operator->() const { return &std::get<0>(storage); }
  const Error &error() const { return std::get<1>(storage); }
  /// The failure message; only valid when the result holds an error.
  const std::string &message() const { return error().message; }

private:
  std::variant<T, Error> storage;
};

/// An error whose message is the concatenation of `parts`.
template <typename... Parts> Error makeError(Parts &&...parts) {
  std::string message;
  (message += ... += std::forward<Parts>(parts));
  return Error{std::move(message)};
}

} // namespace r1::tokenizer

#endif // R1_RUNTIME_TOKENIZER_EXPECTED_H
