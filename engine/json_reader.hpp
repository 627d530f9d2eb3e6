// The loader's JSON layer: parsing with line and column on syntax errors (and duplicate
// keys, and a nesting limit), and typed readers that turn one JSON value into a C++ value
// or a Diagnostic naming the file, the JSON path and what is wrong. Readers never throw;
// they report into a ReadContext and return nullopt.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/error.hpp"
#include "engine/units.hpp"

namespace firedrill {

using Json = nlohmann::json;

// Deepest nesting of arrays and objects accepted; scenario files need about 6.
constexpr std::size_t kMaxJsonDepth = 64;

struct ParsedJson {
  std::optional<Json> value;        // set when parsing succeeded
  std::optional<Diagnostic> error;  // "line L, column C: reason" otherwise
};

// Parses `text` (file is the name for messages). Rejects empty input, syntax errors,
// duplicate keys and nesting deeper than kMaxJsonDepth.
ParsedJson parse_json(std::string_view text, const std::string& file);

// "a" + "b" -> "a.b" ("" + "b" -> "b"); "a" + 2 -> "a[2]".
std::string json_path_join(const std::string& prefix, std::string_view key);
std::string json_path_index(const std::string& prefix, std::size_t index);

// Optimal-string-alignment edit distance (insertions, deletions, substitutions,
// transpositions of neighbours).
std::size_t edit_distance(std::string_view a, std::string_view b);
// The closest candidate when it is close enough to be a likely typo, else "".
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);
// " (did you mean 'x'?)" or "".
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

// A scalar rendered for a message: strings quoted, long values cut.
std::string describe_json(const Json& value);

// Where diagnostics go while one file is read.
class ReadContext {
 public:
  ReadContext(std::string file, std::vector<Diagnostic>* diagnostics)
      : file_(std::move(file)), diagnostics_(diagnostics) {}

  const std::string& file() const { return file_; }
  void error(const std::string& path, std::string message);
  void warning(const std::string& path, std::string message);
  std::size_t error_count() const { return errors_; }

  // Paths that an override wrote: errors at or below them name it ("--set vms.db.x=1",
  // "calibration cal.json vms.db.boot_time=...").
  void mark_overridden(const std::string& path, std::string origin_and_text, bool created);

 private:
  std::string annotate(const std::string& path, std::string message) const;

  std::string file_;
  std::vector<Diagnostic>* diagnostics_;
  std::size_t errors_ = 0;
  std::map<std::string, std::pair<std::string, bool>> overridden_;  // path -> text, created
};

// Reports "expected WHAT, got TYPE (value)" at `path`: what every reader says of a value of
// the wrong JSON type.
void report_wrong_type(ReadContext& context, const std::string& path, std::string_view what,
                       const Json& got);

enum class Sign { positive, non_negative };

// Checks that `value` is an object whose keys are all in `allowed` (unknown keys are
// errors with a did-you-mean). Returns false (after reporting) when it is not an object.
bool check_object(ReadContext& context, const Json& value, const std::string& path,
                  std::string_view what, std::initializer_list<std::string_view> allowed);
bool check_object(ReadContext& context, const Json& value, const std::string& path,
                  std::string_view what, const std::vector<std::string_view>& allowed);
// The member `key` of an object, or nullptr. With `required`, a missing member is an error.
const Json* member(ReadContext& context, const Json& object, const std::string& path,
                   std::string_view key, bool required);

std::optional<std::string> read_string(ReadContext& context, const Json& value,
                                       const std::string& path);
// A non-empty string.
std::optional<std::string> read_name(ReadContext& context, const Json& value,
                                     const std::string& path);
std::optional<bool> read_bool(ReadContext& context, const Json& value, const std::string& path);
std::optional<long long> read_integer(ReadContext& context, const Json& value,
                                      const std::string& path, long long min, long long max);
std::optional<std::uint64_t> read_unsigned(ReadContext& context, const Json& value,
                                           const std::string& path);
std::optional<std::vector<std::string>> read_name_list(ReadContext& context, const Json& value,
                                                       const std::string& path, bool non_empty);
// The quantity readers below are in engine/json_quantity.cpp.
// A number of seconds or a string with a unit ("15m").
std::optional<double> read_duration(ReadContext& context, const Json& value,
                                    const std::string& path, Sign sign);
// A fixed duration or a distribution object.
std::optional<DurationSpec> read_duration_spec(ReadContext& context, const Json& value,
                                               const std::string& path, Sign sign);
std::optional<double> read_size(ReadContext& context, const Json& value, const std::string& path,
                                Sign sign);
std::optional<double> read_rate(ReadContext& context, const Json& value, const std::string& path,
                                Sign sign);
std::optional<double> read_speed(ReadContext& context, const Json& value, const std::string& path);

}  // namespace firedrill
