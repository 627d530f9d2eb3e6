// Applies `--set PATH=VALUE` to a JSON document (see engine/overrides.hpp for the syntax).
#include "engine/overrides.hpp"

#include <algorithm>

namespace firedrill {
namespace {

struct Segment {
  std::string text;
  bool bracketed = false;  // [..]: an index when all digits, else a name
};

bool all_digits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<std::vector<Segment>> split_path(std::string_view path, std::string* error) {
  std::vector<Segment> segments;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '[') {
      const std::size_t close = path.find(']', i);
      if (close == std::string_view::npos) {
        *error = "unclosed '[' in path";
        return std::nullopt;
      }
      std::string_view inside = path.substr(i + 1, close - i - 1);
      if (inside.size() >= 2 && (inside.front() == '"' || inside.front() == '\'') &&
          inside.back() == inside.front()) {
        inside = inside.substr(1, inside.size() - 2);
      }
      if (inside.empty()) {
        *error = "empty [] in path";
        return std::nullopt;
      }
      segments.push_back({std::string(inside), true});
      i = close + 1;
      if (i < path.size() && path[i] == '.') {
        ++i;
        if (i == path.size()) {
          *error = "path ends with '.'";
          return std::nullopt;
        }
      } else if (i < path.size() && path[i] != '[') {
        *error = "expected '.' or '[' after ']'";
        return std::nullopt;
      }
      continue;
    }
    const std::size_t end = path.find_first_of(".[", i);
    const std::string_view key =
        path.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i);
    if (key.empty()) {
      *error = "empty key in path";
      return std::nullopt;
    }
    segments.push_back({std::string(key), false});
    i = end == std::string_view::npos ? path.size() : end;
    if (i < path.size() && path[i] == '.') {
      ++i;
      if (i == path.size()) {
        *error = "path ends with '.'";
        return std::nullopt;
      }
    }
  }
  if (segments.empty()) {
    *error = "empty path";
    return std::nullopt;
  }
  return segments;
}

std::vector<std::string> element_names(const Json& list) {
  std::vector<std::string> names;
  for (const Json& element : list) {
    if (element.is_object()) {
      const auto it = element.find("name");
      if (it != element.end() && it->is_string()) names.push_back(it->get<std::string>());
    }
  }
  return names;
}

std::string shown(const std::string& path) {
  return path.empty() ? "the top level" : path;
}

}  // namespace

std::optional<Override> parse_override(std::string_view text, std::string* error) {
  const std::size_t equals = text.find('=');
  if (equals == std::string_view::npos) {
    *error = "expected PATH=VALUE";
    return std::nullopt;
  }
  Override result;
  result.text = std::string(text);
  std::string_view path = text.substr(0, equals);
  const std::string_view value = text.substr(equals + 1);
  constexpr std::string_view kScenario = "scenario.";
  if (path.substr(0, kScenario.size()) == kScenario) {
    result.scenario = true;
    path.remove_prefix(kScenario.size());
  }
  if (path.empty()) {
    *error = "empty PATH in PATH=VALUE";
    return std::nullopt;
  }
  result.path = std::string(path);
  // Valid JSON (numbers, true, {"dist":...}, "quoted") is taken as JSON; anything else,
  // such as 90s, as a string.
  result.value = Json::parse(value.begin(), value.end(), nullptr, false);
  if (result.value.is_discarded()) result.value = std::string(value);
  return result;
}

std::optional<OverrideApplied> apply_override(Json& root, const Override& override,
                                              std::string* error) {
  const std::optional<std::vector<Segment>> segments = split_path(override.path, error);
  if (!segments) return std::nullopt;
  Json* current = &root;
  std::string canonical;
  OverrideApplied applied;
  for (std::size_t i = 0; i < segments->size(); ++i) {
    const Segment& segment = (*segments)[i];
    const bool last = i + 1 == segments->size();
    if (current->is_array()) {
      std::optional<std::size_t> index;
      for (std::size_t k = 0; k < current->size(); ++k) {
        const Json& element = (*current)[k];
        if (element.is_object()) {
          const auto it = element.find("name");
          if (it != element.end() && it->is_string() &&
              it->get_ref<const std::string&>() == segment.text) {
            index = k;
            break;
          }
        }
      }
      if (!index && all_digits(segment.text) && segment.text.size() < 10) {
        const std::size_t number = std::stoul(segment.text);
        if (number >= current->size()) {
          *error = "index " + segment.text + " is out of range: " + shown(canonical) + " has " +
                   std::to_string(current->size()) + " elements";
          return std::nullopt;
        }
        index = number;
      }
      if (!index) {
        *error = "no element named '" + segment.text + "' in " + shown(canonical) +
                 did_you_mean(segment.text, element_names(*current));
        return std::nullopt;
      }
      canonical = json_path_index(canonical, *index);
      current = &(*current)[*index];
      continue;
    }
    if (current->is_object()) {
      if (segment.bracketed && all_digits(segment.text)) {
        *error =
            shown(canonical) + " is an object, not a list: [" + segment.text + "] names nothing";
        return std::nullopt;
      }
      canonical = json_path_join(canonical, segment.text);
      if (!current->contains(segment.text)) {
        // A new key: the last one sets an optional field; one on the way opens an object.
        if (!applied.created) {
          applied.created = true;
        }
        (*current)[segment.text] = last ? Json() : Json::object();
      }
      current = &(*current)[segment.text];
      continue;
    }
    *error = shown(canonical) + " is " + (current->is_null() ? "null" : "a single value") +
             ", it has no field '" + segment.text + "'";
    return std::nullopt;
  }
  *current = override.value;
  applied.json_path = canonical;
  return applied;
}

}  // namespace firedrill
