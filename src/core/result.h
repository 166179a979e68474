#pragma once
// Errors as values: every fallible operation in netwarden returns Result<T>.
// Exceptions from third-party libraries are caught at the boundary that calls them.

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace netwarden {

enum class ErrorCode {
  kInvalidArgument,  // a caller passed something unusable
  kPolicy,           // a policy or situation file is wrong (carries a SourceLocation)
  kIo,               // a file or socket could not be read or written
  kKernel,           // the kernel refused or failed an operation
  kVerify,           // what the kernel holds differs from what we installed
  kNotFound,
  kUnsupported,
  kInternal,
};

const char* ErrorCodeName(ErrorCode code);

struct SourceLocation {
  std::string file;
  int line = 0;    // 1-based
  int column = 0;  // 1-based
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::optional<SourceLocation> where;
  std::vector<Error> more;  // further independent errors found in the same pass (policy files)

  // "file:line:col: message" when a location is known, else "message"; one line per error.
  std::string ToString() const;
};

inline Error MakeError(ErrorCode code, std::string message) {
  return Error{code, std::move(message), std::nullopt, {}};
}

inline Error MakePolicyError(SourceLocation where, std::string message) {
  return Error{ErrorCode::kPolicy, std::move(message), std::move(where), {}};
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Error error) : state_(std::move(error)) {}     // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<Error>(state_); }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

inline Result<void> Ok() { return {}; }

}  // namespace netwarden
