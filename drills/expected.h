// The result type shared by every firedrill library: a value or an Error, never an exception
// across a library boundary.
#pragma once

#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace firedrill {

/// A place in an input file. Lines and columns are 1-based; 0 means "unknown".
struct SourcePos {
  std::string file;
  int line = 0;
  int column = 0;

  /// Returns "FILE:LINE:COL", "FILE:LINE", or "FILE" depending on what is known.
  std::string ToString() const;
};

/// What kind of failure an Error is, for the callers that choose an exit status or an HTTP
/// status from it. Most errors need none (kOther): their message is for people and is never
/// matched by code.
enum class ErrorCode {
  kOther,         ///< nothing a caller decides on
  kNotFound,      ///< the thing named (a scheduled drill, a run) does not exist
  kNoRecords,     ///< the state directory holds no database yet
  kInvalidInput,  ///< the user's input (a drill file) has problems
};

/// Why an operation failed. `where` is set for errors in user input.
struct Error {
  Error() = default;
  Error(std::string msg, std::optional<SourcePos> pos = std::nullopt)  // NOLINT: implicit
      : message(std::move(msg)), where(std::move(pos)) {}
  /// An error callers tell apart by `code`.
  Error(ErrorCode c, std::string msg) : message(std::move(msg)), code(c) {}

  std::string message;
  std::optional<SourcePos> where;
  ErrorCode code = ErrorCode::kOther;

  /// Returns "FILE:LINE:COL: message" when the place is known, else the message.
  std::string ToString() const;
};

/// Either a T or an Error. Access to the wrong alternative is a broken invariant (asserts).
template <typename T>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : v_(std::move(value)) {}      // NOLINT: implicit on purpose, like `return x;`
  Expected(Error error) : v_(std::move(error)) {}  // NOLINT

  /// Returns true iff this holds a value.
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

/// Success or an Error; the value-less Expected.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT: implicit, like `return err;`

  /// Returns the success value.
  static Status Ok() { return Status(); }
  /// Returns true iff no error is held.
  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

}  // namespace firedrill
