// Errors as values: every expected failure (bad input, unreachable host) is a Diagnostic
// carrying the file, the JSON path and what is wrong, rendered as
//   site-outage.json: plan.vms[2].depends_on[0]: unknown VM 'db2'
#pragma once

#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace firedrill {

struct Diagnostic {
  enum class Severity { error, warning };
  Severity severity = Severity::error;
  std::string file;       // as the user named it
  std::string json_path;  // "plan.vms[2].depends_on[0]"; empty for the whole file
  std::string message;    // what is wrong, and a did-you-mean where one helps

  std::string render() const;  // "file: path: message" (warnings prefixed "warning: ")
};

// A value or the diagnostics that explain why there is none.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::in_place_index<0>, std::move(value)) {}
  Result(Diagnostic error)
      : value_(std::in_place_index<1>, std::vector<Diagnostic>{std::move(error)}) {}
  // Not available when T is itself std::vector<Diagnostic> (validate_file returns its
  // warnings that way): use Result::failure() there.
  template <typename U = T,
            typename = std::enable_if_t<!std::is_same_v<U, std::vector<Diagnostic>>>>
  Result(std::vector<Diagnostic> errors) : value_(std::in_place_index<1>, std::move(errors)) {}
  static Result failure(std::vector<Diagnostic> errors) {
    return Result(std::in_place_index<1>, std::move(errors));
  }

  bool ok() const { return value_.index() == 0; }
  const T& value() const { return std::get<0>(value_); }
  T& value() { return std::get<0>(value_); }
  const std::vector<Diagnostic>& errors() const { return std::get<1>(value_); }

 private:
  Result(std::in_place_index_t<1>, std::vector<Diagnostic> errors)
      : value_(std::in_place_index<1>, std::move(errors)) {}

  std::variant<T, std::vector<Diagnostic>> value_;
};

}  // namespace firedrill
