// ParseResult<T>: what every stdlib parser returns. Bad input is not exceptional: a parser
// returns a value, or a one-sentence message for the user saying what is wrong.
#pragma once

#include <string>
#include <utility>

namespace iwd::stdlib {

template <typename T>
struct ParseResult {
  T value{};          // meaningful only when ok()
  std::string error;  // empty on success; otherwise a lower-case sentence without a final period

  bool ok() const { return error.empty(); }
  explicit operator bool() const { return ok(); }

  static ParseResult success(T v) { return ParseResult{std::move(v), {}}; }
  static ParseResult failure(std::string message) { return ParseResult{T{}, std::move(message)}; }
};

}  // namespace iwd::stdlib
