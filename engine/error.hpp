// Errors as values: every expected failure (bad input, unreachable host) is a Diagnostic
// carrying the file, the JSON path and what is wrong, rendered as
//   site-outage.json: plan.vms[2].depends_on[0]: unknown VM 'db2'
#pragma once

#include <string>
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
  Result(T value) : value_(std::move(value)) {}
  Result(Diagnostic error) : value_(std::vector<Diagnostic>{std::move(error)}) {}
  Result(std::vector<Diagnostic> errors) : value_(std::move(errors)) {}

  bool ok() const { return std::holds_alternative<T>(value_); }
  const T& value() const { return std::get<T>(value_); }
  T& value() { return std::get<T>(value_); }
  const std::vector<Diagnostic>& errors() const {
    return std::get<std::vector<Diagnostic>>(value_);
  }

 private:
  std::variant<T, std::vector<Diagnostic>> value_;
};

}  // namespace firedrill
