// JSON parsing with precise positions, and the typed readers of plain values (strings,
// names, booleans, integers, lists of names) the loader is built from. The readers of
// quantities (durations, distributions, sizes, rates, speeds) are in json_quantity.cpp.
#include "engine/json_reader.hpp"

#include <algorithm>
#include <limits>

namespace firedrill {
namespace {

// Builds the document like nlohmann's own DOM parser, and also rejects duplicate keys and
// excessive nesting, remembering the JSON path of the problem.
class DomBuilder {
 public:
  bool null() { return add(Json(nullptr)); }
  bool boolean(bool value) { return add(Json(value)); }
  bool number_integer(Json::number_integer_t value) { return add(Json(value)); }
  bool number_unsigned(Json::number_unsigned_t value) { return add(Json(value)); }
  bool number_float(Json::number_float_t value, const std::string&) { return add(Json(value)); }
  bool string(std::string& value) { return add(Json(std::move(value))); }
  bool binary(Json::binary_t&) { return fail("binary values are not JSON"); }
  bool start_object(std::size_t) { return open(Json::object()); }
  bool start_array(std::size_t) { return open(Json::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(std::string& name) {
    Level& level = levels_.back();
    if (level.container->contains(name)) {
      return fail("duplicate key '" + name + "' at " +
                  json_path_join(container_path(levels_.size()), name));
    }
    level.key = std::move(name);
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) {
    syntax_position_ = position;
    syntax_message_ = e.what();
    return false;
  }

  Json root;
  std::string problem;  // duplicate key or depth, with its path
  std::optional<std::size_t> syntax_position_;
  std::string syntax_message_;

 private:
  struct Level {
    Json* container;
    std::string key;
  };

  bool fail(std::string message) {
    problem = std::move(message);
    return false;
  }

  // The path of the container at levels_[depth - 1]. Every enclosing container already
  // holds the element being built inside it: an array's is its last element.
  std::string container_path(std::size_t depth) const {
    std::string path;
    for (std::size_t i = 0; i + 1 < depth; ++i) {
      const Level& level = levels_[i];
      path = level.container->is_object() ? json_path_join(path, level.key)
                                          : json_path_index(path, level.container->size() - 1);
    }
    return path;
  }

  // The path of the value about to be added to the innermost container (not yet in it).
  std::string next_value_path() const {
    if (levels_.empty()) return "";
    const Level& level = levels_.back();
    const std::string path = container_path(levels_.size());
    return level.container->is_object() ? json_path_join(path, level.key)
                                        : json_path_index(path, level.container->size());
  }

  Json* slot() {
    if (levels_.empty()) return &root;
    Level& level = levels_.back();
    if (level.container->is_array()) {
      level.container->push_back(Json());
      return &level.container->back();
    }
    return &(*level.container)[level.key];
  }

  bool add(Json value) {
    *slot() = std::move(value);
    return true;
  }

  bool open(Json container) {
    if (levels_.size() >= kMaxJsonDepth) {
      return fail("nesting deeper than " + std::to_string(kMaxJsonDepth) + " levels at " +
                  next_value_path());
    }
    Json* place = slot();
    *place = std::move(container);
    levels_.push_back({place, {}});
    return true;
  }

  bool close() {
    levels_.pop_back();
    return true;
  }

  std::vector<Level> levels_;
};

// 1-based line and column of the byte at `offset` (nlohmann reports the offset just past
// the offending byte).
std::pair<std::size_t, std::size_t> line_and_column(std::string_view text, std::size_t offset) {
  const std::size_t end = std::min(offset == 0 ? 0 : offset - 1, text.size());
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

// nlohmann's message without its "[json.exception.parse_error.101] parse error at line 1,
// column 2: " prefix.
std::string syntax_reason(const std::string& what) {
  std::string reason = what;
  if (const auto bracket = reason.find("] "); bracket != std::string::npos) {
    reason = reason.substr(bracket + 2);
  }
  if (const auto column = reason.find("column "); column != std::string::npos) {
    if (const auto colon = reason.find(": ", column); colon != std::string::npos) {
      reason = reason.substr(colon + 2);
    }
  }
  if (reason.rfind("parse error: ", 0) == 0) reason = reason.substr(13);
  return reason;
}

bool is_blank(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

std::string type_phrase(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "a boolean (" + value.dump() + ")";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return "a number (" + describe_json(value) + ")";
    case Json::value_t::string:
      return "a string (" + describe_json(value) + ")";
    case Json::value_t::array:
      return "a list";
    case Json::value_t::object:
      return "an object";
    default:
      return "an unsupported value";
  }
}

}  // namespace

void report_wrong_type(ReadContext& context, const std::string& path, std::string_view what,
                       const Json& got) {
  context.error(path, "expected " + std::string(what) + ", got " + type_phrase(got));
}

ParsedJson parse_json(std::string_view text, const std::string& file) {
  ParsedJson result;
  const auto fail = [&](std::string path, std::string message) {
    result.error =
        Diagnostic{Diagnostic::Severity::error, file, std::move(path), std::move(message)};
    return result;
  };
  if (is_blank(text)) return fail("", "the file is empty (expected a JSON object)");
  DomBuilder builder;
  bool ok = false;
  try {
    ok = Json::sax_parse(text, &builder);
  } catch (const std::exception& e) {
    return fail("", std::string("cannot parse JSON: ") + e.what());
  }
  if (ok) {
    result.value = std::move(builder.root);
    return result;
  }
  if (!builder.problem.empty()) return fail("", builder.problem);
  const std::size_t offset = builder.syntax_position_.value_or(text.size());
  const auto [line, column] = line_and_column(text, offset);
  return fail("", "invalid JSON at line " + std::to_string(line) + ", column " +
                      std::to_string(column) + ": " + syntax_reason(builder.syntax_message_));
}

std::string json_path_join(const std::string& prefix, std::string_view key) {
  if (prefix.empty()) return std::string(key);
  return prefix + "." + std::string(key);
}

std::string json_path_index(const std::string& prefix, std::size_t index) {
  return prefix + "[" + std::to_string(index) + "]";
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // Inputs are names and field names; cap the work on absurdly long ones.
  if (a.size() > 256 || b.size() > 256) return std::max(a.size(), b.size());
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

std::string closest_match(std::string_view word, const std::vector<std::string>& candidates) {
  // Suggestions are for people: past a few thousand names, skip the quadratic search.
  if (candidates.size() > 4096) return "";
  std::string best;
  std::size_t best_distance = std::numeric_limits<std::size_t>::max();
  for (const std::string& candidate : candidates) {
    const std::size_t distance = edit_distance(word, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  // A typo: at most 2 edits, and fewer than half the letters of the longer word.
  const std::size_t longer = std::max(word.size(), best.size());
  if (best.empty() || best_distance > 2 || best_distance * 2 >= longer) return "";
  return best;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  const std::string match = closest_match(word, candidates);
  return match.empty() ? "" : " (did you mean '" + match + "'?)";
}

std::string describe_json(const Json& value) {
  std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

std::string ReadContext::annotate(const std::string& path, std::string message) const {
  // The longest overridden path that is `path` or one of its parents.
  for (std::string probe = path;;) {
    if (const auto it = overridden_.find(probe); it != overridden_.end()) {
      return message + " (set by " + it->second.first + ")";
    }
    const auto cut = probe.find_last_of(".[");
    if (cut == std::string::npos || cut == 0) break;
    probe.resize(cut);
  }
  return message;
}

void ReadContext::error(const std::string& path, std::string message) {
  ++errors_;
  diagnostics_->push_back(
      {Diagnostic::Severity::error, file_, path, annotate(path, std::move(message))});
}

void ReadContext::warning(const std::string& path, std::string message) {
  diagnostics_->push_back(
      {Diagnostic::Severity::warning, file_, path, annotate(path, std::move(message))});
}

void ReadContext::mark_overridden(const std::string& path, std::string origin_and_text,
                                  bool created) {
  overridden_[path] = {std::move(origin_and_text), created};
}

bool check_object(ReadContext& context, const Json& value, const std::string& path,
                  std::string_view what, std::initializer_list<std::string_view> allowed) {
  return check_object(context, value, path, what, std::vector<std::string_view>(allowed));
}

bool check_object(ReadContext& context, const Json& value, const std::string& path,
                  std::string_view what, const std::vector<std::string_view>& allowed) {
  if (!value.is_object()) {
    report_wrong_type(context, path, what, value);
    return false;
  }
  for (const auto& [key, member_value] : value.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::vector<std::string> names(allowed.begin(), allowed.end());
    context.error(json_path_join(path, key),
                  "unknown field '" + key + "'" + did_you_mean(key, names));
  }
  return true;
}

const Json* member(ReadContext& context, const Json& object, const std::string& path,
                   std::string_view key, bool required) {
  const auto it = object.find(std::string(key));
  if (it != object.end()) return &*it;
  if (required) {
    context.error(path, "missing required field '" + std::string(key) + "'");
  }
  return nullptr;
}

std::optional<std::string> read_string(ReadContext& context, const Json& value,
                                       const std::string& path) {
  if (!value.is_string()) {
    report_wrong_type(context, path, "a string", value);
    return std::nullopt;
  }
  return value.get<std::string>();
}

std::optional<std::string> read_name(ReadContext& context, const Json& value,
                                     const std::string& path) {
  std::optional<std::string> name = read_string(context, value, path);
  if (name && name->empty()) {
    context.error(path, "must not be empty");
    return std::nullopt;
  }
  return name;
}

std::optional<bool> read_bool(ReadContext& context, const Json& value, const std::string& path) {
  if (!value.is_boolean()) {
    report_wrong_type(context, path, "true or false", value);
    return std::nullopt;
  }
  return value.get<bool>();
}

std::optional<long long> read_integer(ReadContext& context, const Json& value,
                                      const std::string& path, long long min, long long max) {
  if (!value.is_number_integer()) {
    report_wrong_type(context, path, "an integer", value);
    return std::nullopt;
  }
  // Bounds of 2^40 and beyond mean "no bound" in messages.
  constexpr long long kUnbounded = 1LL << 40;
  const std::string range = max >= kUnbounded ? "at least " + std::to_string(min)
                            : min <= -kUnbounded
                                ? "at most " + std::to_string(max)
                                : "in " + std::to_string(min) + ".." + std::to_string(max);
  const bool fits = value.is_number_unsigned()
                        ? value.get<std::uint64_t>() <= static_cast<std::uint64_t>(max) &&
                              static_cast<long long>(value.get<std::uint64_t>()) >= min
                        : value.get<long long>() >= min && value.get<long long>() <= max;
  if (!fits) {
    context.error(path, "must be " + range + ", got " + describe_json(value));
    return std::nullopt;
  }
  return value.is_number_unsigned() ? static_cast<long long>(value.get<std::uint64_t>())
                                    : value.get<long long>();
}

std::optional<std::uint64_t> read_unsigned(ReadContext& context, const Json& value,
                                           const std::string& path) {
  if (value.is_number_unsigned()) return value.get<std::uint64_t>();
  if (value.is_number_integer()) {
    context.error(path, "must not be negative, got " + describe_json(value));
    return std::nullopt;
  }
  report_wrong_type(context, path, "a non-negative integer", value);
  return std::nullopt;
}

std::optional<std::vector<std::string>> read_name_list(ReadContext& context, const Json& value,
                                                       const std::string& path, bool non_empty) {
  if (!value.is_array()) {
    report_wrong_type(context, path, "a list of names", value);
    return std::nullopt;
  }
  if (non_empty && value.empty()) {
    context.error(path, "must name at least one element");
    return std::nullopt;
  }
  std::vector<std::string> names;
  bool ok = true;
  for (std::size_t i = 0; i < value.size(); ++i) {
    std::optional<std::string> name = read_name(context, value[i], json_path_index(path, i));
    if (name) {
      names.push_back(std::move(*name));
    } else {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return names;
}

}  // namespace firedrill
