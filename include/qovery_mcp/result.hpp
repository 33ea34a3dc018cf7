#pragma once

#include <string>
#include <utility>
#include <variant>

namespace qovery_mcp {

/// A value or an error message, returned across box boundaries instead of
/// throwing (the way cpp-httplib's client returns a Result).
template <typename T> class Result {
public:
  Result(T value) : state_(std::move(value)) {}
  static Result failure(std::string message) { return Result(Error{std::move(message)}); }

  explicit operator bool() const { return std::holds_alternative<T>(state_); }
  T &value() { return std::get<T>(state_); }
  const T &value() const { return std::get<T>(state_); }
  T *operator->() { return &value(); }
  const T *operator->() const { return &value(); }
  /// The error message; only meaningful when the result holds no value.
  const std::string &error() const { return std::get<Error>(state_).message; }

private:
  struct Error {
    std::string message;
  };
  explicit Result(Error error) : state_(std::move(error)) {}
  std::variant<T, Error> state_;
};

} // namespace qovery_mcp
