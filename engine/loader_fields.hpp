// The loader's field tables: each JSON object of a plan or scenario is described once, as
// a table of its keys, whether each is required, and how its value is read into the typed
// model. The same table gives the keys an object may have (unknown keys are errors with a
// did-you-mean) and reads them, so a new field is one line in one table. Internal to
// engine/ (loader.cpp, loader_plan.cpp).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/json_reader.hpp"
#include "engine/model.hpp"

namespace firedrill::loading {

// One key of an object of type T: reads `value` (at `path`) into `target`, reporting into
// the context. A reader that leaves `target` alone on error is fine: a file with any error
// never reaches validation.
template <typename T>
struct Field {
  std::string_view key;
  bool required = false;
  std::function<void(ReadContext& context, const Json& value, const std::string& path, T& target)>
      read;
};

template <typename T>
struct ObjectTable {
  std::string_view what;  // "a host object", for "expected a host object, got ..."
  std::vector<Field<T>> fields;
};

// The keys of one or more field lists, in order (for check_object and its did-you-mean).
template <typename T>
void append_keys(std::vector<std::string_view>& keys, const std::vector<Field<T>>& fields) {
  for (const Field<T>& field : fields) keys.push_back(field.key);
}

// Reads every field of `fields` present in `object` (a missing required one is an error),
// in the order of the table.
template <typename T>
void read_each(ReadContext& context, const Json& object, const std::string& path,
               const std::vector<Field<T>>& fields, T& target) {
  for (const Field<T>& field : fields) {
    if (const Json* value = member(context, object, path, field.key, field.required)) {
      field.read(context, *value, json_path_join(path, field.key), target);
    }
  }
}

// Checks that `value` is an object with only the table's keys, then reads them. False
// (after reporting) when `value` is not an object.
template <typename T>
bool read_object(ReadContext& context, const Json& value, const std::string& path,
                 const ObjectTable<T>& table, T& target) {
  std::vector<std::string_view> keys;
  append_keys(keys, table.fields);
  if (!check_object(context, value, path, table.what, keys)) return false;
  read_each(context, value, path, table.fields, target);
  return true;
}

// A field stored in `member` from what `read` returns (an optional; nothing is stored when
// it is empty). `read` is one of the as_* readers below or any callable of that shape.
template <typename T, typename M, typename Read>
Field<T> field_of(std::string_view key, bool required, M T::*member, Read read) {
  return {
      key, required,
      [member, read](ReadContext& context, const Json& value, const std::string& path, T& target) {
        if (auto read_value = read(context, value, path)) {
          target.*member = std::move(*read_value);
        }
      }};
}

// A field that is checked and then ignored (a description).
template <typename T, typename Read>
Field<T> ignored(std::string_view key, Read read) {
  return {key, false, [read](ReadContext& context, const Json& value, const std::string& path, T&) {
            read(context, value, path);
          }};
}

// --- readers: (context, value, path) -> std::optional<value> ------------------------------

inline auto as_string() {
  return [](ReadContext& context, const Json& value, const std::string& path) {
    return read_string(context, value, path);
  };
}
inline auto as_name() {
  return [](ReadContext& context, const Json& value, const std::string& path) {
    return read_name(context, value, path);
  };
}
inline auto as_names(bool non_empty) {
  return [non_empty](ReadContext& context, const Json& value, const std::string& path) {
    return read_name_list(context, value, path, non_empty);
  };
}
inline auto as_bool() {
  return [](ReadContext& context, const Json& value, const std::string& path) {
    return read_bool(context, value, path);
  };
}
inline auto as_int(long long min, long long max) {
  return [min, max](ReadContext& context, const Json& value,
                    const std::string& path) -> std::optional<int> {
    if (const auto number = read_integer(context, value, path, min, max)) {
      return static_cast<int>(*number);
    }
    return std::nullopt;
  };
}
// A probability: a number from 0 to 1.
inline auto as_probability() {
  return [](ReadContext& context, const Json& value,
            const std::string& path) -> std::optional<double> {
    if (!value.is_number()) {
      context.error(path,
                    "expected a probability (a number from 0 to 1), got " + describe_json(value));
      return std::nullopt;
    }
    const double p = value.get<double>();
    if (!(p >= 0.0 && p <= 1.0)) {
      context.error(path, "must be from 0 to 1, got " + describe_json(value));
      return std::nullopt;
    }
    return p;
  };
}
inline auto as_unsigned() {
  return [](ReadContext& context, const Json& value, const std::string& path) {
    return read_unsigned(context, value, path);
  };
}
inline auto as_duration(Sign sign) {
  return [sign](ReadContext& context, const Json& value, const std::string& path) {
    return read_duration(context, value, path, sign);
  };
}
inline auto as_duration_spec(Sign sign) {
  return [sign](ReadContext& context, const Json& value, const std::string& path) {
    return read_duration_spec(context, value, path, sign);
  };
}
inline auto as_size(Sign sign) {
  return [sign](ReadContext& context, const Json& value, const std::string& path) {
    return read_size(context, value, path, sign);
  };
}
inline auto as_rate(Sign sign) {
  return [sign](ReadContext& context, const Json& value, const std::string& path) {
    return read_rate(context, value, path, sign);
  };
}
inline auto as_speed() {
  return [](ReadContext& context, const Json& value, const std::string& path) {
    return read_speed(context, value, path);
  };
}

// A string naming one of `choices`: "unknown readiness 'agnet': expected one of console,
// agent, none (did you mean 'agent'?)". `what` names the field in the message.
template <typename E, std::size_t N>
auto as_choice(std::string_view what, const EnumName<E> (&choices)[N]) {
  return [what, &choices](ReadContext& context, const Json& value,
                          const std::string& path) -> std::optional<E> {
    const auto text = read_name(context, value, path);
    if (!text) return std::nullopt;
    std::vector<std::string> names;
    std::string list;
    for (const EnumName<E>& choice : choices) {
      if (*text == choice.name) return choice.value;
      names.emplace_back(choice.name);
      list += (list.empty() ? "" : ", ") + std::string(choice.name);
    }
    context.error(path, "unknown " + std::string(what) + " '" + *text + "': expected one of " +
                            list + did_you_mean(*text, names));
    return std::nullopt;
  };
}

// A nested object read through its table; empty when `value` is not an object.
template <typename T>
auto as_object(const ObjectTable<T>& table) {
  return [&table](ReadContext& context, const Json& value,
                  const std::string& path) -> std::optional<T> {
    T object;
    if (!read_object(context, value, path, table, object)) return std::nullopt;
    return object;
  };
}

// A list whose elements `read_element` reads (elements it returns empty are left out).
template <typename ReadElement>
auto as_list(ReadElement read_element) {
  return [read_element](ReadContext& context, const Json& value, const std::string& path) {
    using Element = typename decltype(read_element(context, value, path))::value_type;
    std::optional<std::vector<Element>> list;
    if (!value.is_array()) {
      context.error(path, "expected a list, got " +
                              std::string(value.is_object() ? "an object" : "a single value"));
      return list;
    }
    list.emplace();
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (auto element = read_element(context, value[i], json_path_index(path, i))) {
        list->push_back(std::move(*element));
      }
    }
    return list;
  };
}

}  // namespace firedrill::loading
