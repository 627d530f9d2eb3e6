// The typed readers of quantities (declared in engine/json_reader.hpp): durations, duration
// distributions, sizes, rates and speeds, each a JSON number in base units or a string
// with a unit, checked for sign. Like every reader they report into the ReadContext and
// return nullopt; they never throw.
#include <algorithm>
#include <cmath>
#include <iterator>
#include <vector>

#include "engine/json_reader.hpp"

namespace firedrill {
namespace {

std::optional<double> check_sign(ReadContext& context, const std::string& path, double value,
                                 Sign sign, std::string_view text) {
  if (sign == Sign::positive && !(value > 0)) {
    context.error(path, "must be greater than zero, got " + std::string(text));
    return std::nullopt;
  }
  if (sign == Sign::non_negative && value < 0) {
    context.error(path, "must not be negative, got " + std::string(text));
    return std::nullopt;
  }
  return value;
}

using Parser = std::optional<double> (*)(std::string_view);

// A quantity: a JSON number in base units, or a string with a unit suffix.
std::optional<double> read_quantity(ReadContext& context, const Json& value,
                                    const std::string& path, Sign sign, Parser parse,
                                    std::string_view kind, std::string_view units_hint) {
  if (value.is_number()) {
    const double number = value.get<double>();
    if (!std::isfinite(number)) {
      context.error(path, "the " + std::string(kind) + " is not a finite number");
      return std::nullopt;
    }
    return check_sign(context, path, number, sign, describe_json(value));
  }
  if (!value.is_string()) {
    report_wrong_type(context, path,
                      "a " + std::string(kind) + " (" + std::string(units_hint) + ")", value);
    return std::nullopt;
  }
  const std::string& text = value.get_ref<const std::string&>();
  const std::optional<double> parsed = parse(text);
  if (!parsed) {
    context.error(path, "bad " + std::string(kind) + " " + describe_json(value) + ": expected " +
                            std::string(units_hint));
    return std::nullopt;
  }
  return check_sign(context, path, *parsed, sign, describe_json(value));
}

constexpr std::string_view kDurationHint =
    "a number of seconds or a number with a unit ms, s, m, h, d, e.g. \"45s\" or \"15m\"";

// The required duration `key` of the distribution object at `path`.
std::optional<double> read_parameter(ReadContext& context, const Json& value,
                                     const std::string& path, std::string_view key, Sign sign) {
  const Json* field = member(context, value, path, key, true);
  if (!field) return std::nullopt;
  return read_duration(context, *field, json_path_join(path, key), sign);
}

// The distributions a duration may be: each one's "dist" name and its two parameters (the
// exponential has one). The allowed keys of a distribution object, the names an unknown
// "dist" is told, and the parameters read all come from this one table.
struct DistributionForm {
  std::string_view name;
  DurationSpec::Kind kind;
  std::string_view first, second;  // second is empty for a one-parameter distribution
};
constexpr DistributionForm kDistributions[] = {
    {"normal", DurationSpec::Kind::normal, "mean", "sd"},
    {"uniform", DurationSpec::Kind::uniform, "min", "max"},
    {"lognormal", DurationSpec::Kind::lognormal, "mean", "sd"},
    {"exponential", DurationSpec::Kind::exponential, "mean", ""},
};

const DistributionForm* distribution_named(std::string_view name) {
  for (const DistributionForm& form : kDistributions) {
    if (form.name == name) return &form;
  }
  return nullptr;
}

// "dist" and every parameter of `only` (of every distribution when null), once each.
std::vector<std::string_view> distribution_keys(const DistributionForm* only) {
  std::vector<std::string_view> keys = {"dist"};
  for (const DistributionForm& form : kDistributions) {
    if (only && &form != only) continue;
    for (std::string_view key : {form.first, form.second}) {
      if (!key.empty() && std::find(keys.begin(), keys.end(), key) == keys.end()) {
        keys.push_back(key);
      }
    }
  }
  return keys;
}

// The parameters of `form` read from `value`, each checked for its own rule: a normal's
// mean takes the caller's sign and its sd is not negative; a lognormal's mean is above
// zero; a uniform's min is not negative, its max takes the caller's sign, and min <= max;
// an exponential's mean is above zero.
std::optional<DurationSpec> read_parameters(ReadContext& context, const Json& value,
                                            const std::string& path, Sign sign,
                                            const DistributionForm& form) {
  using Kind = DurationSpec::Kind;
  const Sign first_sign = form.kind == Kind::uniform       ? Sign::non_negative
                          : form.kind == Kind::exponential ? Sign::positive
                                                           : sign;
  const Sign second_sign = form.kind == Kind::uniform ? sign : Sign::non_negative;
  const auto first = read_parameter(context, value, path, form.first, first_sign);
  const auto second = form.second.empty()
                          ? std::optional<double>(0.0)
                          : read_parameter(context, value, path, form.second, second_sign);
  if (!first || !second) return std::nullopt;
  if (form.kind == Kind::lognormal && !(*first > 0)) {
    context.error(json_path_join(path, "mean"), "a lognormal mean must be greater than zero");
    return std::nullopt;
  }
  if (form.kind == Kind::uniform && *first > *second) {
    context.error(path, "min (" + format_duration(*first) + ") is greater than max (" +
                            format_duration(*second) + ")");
    return std::nullopt;
  }
  DurationSpec spec;
  spec.kind = form.kind;
  spec.a_s = *first;
  spec.b_s = *second;
  return spec;
}

// "normal, uniform, lognormal or exponential".
std::string distribution_names(std::string_view last_joiner) {
  std::string names;
  const std::size_t count = std::size(kDistributions);
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) names += i + 1 == count ? std::string(last_joiner) : std::string(", ");
    names += kDistributions[i].name;
  }
  return names;
}

// A fixed duration, or a distribution object of the kind its "dist" names.
std::optional<DurationSpec> read_distribution(ReadContext& context, const Json& value,
                                              const std::string& path, Sign sign) {
  if (!value.is_object()) {
    const std::optional<double> seconds =
        read_quantity(context, value, path, sign, parse_duration_s, "duration",
                      "a number of seconds, a number with a unit ms, s, m, h, d (\"15m\"), or a "
                      "distribution {\"dist\": ...}");
    if (!seconds) return std::nullopt;
    return DurationSpec::fixed_at(*seconds);
  }
  const Json* dist = value.contains("dist") ? &value["dist"] : nullptr;
  if (!dist) {
    check_object(context, value, path, "a distribution", distribution_keys(nullptr));
    context.error(path, "a distribution needs \"dist\": one of " + distribution_names(", "));
    return std::nullopt;
  }
  const std::optional<std::string> kind = read_string(context, *dist, json_path_join(path, "dist"));
  if (!kind) return std::nullopt;
  const DistributionForm* form = distribution_named(*kind);
  if (!form) {
    std::vector<std::string> names;
    for (const DistributionForm& known : kDistributions) names.emplace_back(known.name);
    context.error(json_path_join(path, "dist"), "unknown distribution '" + *kind + "': expected " +
                                                    distribution_names(" or ") +
                                                    did_you_mean(*kind, names));
    return std::nullopt;
  }
  if (!check_object(context, value, path, "a distribution", distribution_keys(form))) {
    return std::nullopt;
  }
  return read_parameters(context, value, path, sign, *form);
}

}  // namespace

std::optional<double> read_duration(ReadContext& context, const Json& value,
                                    const std::string& path, Sign sign) {
  if (value.is_object()) {
    context.error(path, "must be a fixed duration here, not a distribution");
    return std::nullopt;
  }
  return read_quantity(context, value, path, sign, parse_duration_s, "duration", kDurationHint);
}

std::optional<DurationSpec> read_duration_spec(ReadContext& context, const Json& value,
                                               const std::string& path, Sign sign) {
  const std::size_t errors_before = context.error_count();
  std::optional<DurationSpec> spec = read_distribution(context, value, path, sign);
  if (context.error_count() != errors_before) return std::nullopt;
  return spec;
}

std::optional<double> read_size(ReadContext& context, const Json& value, const std::string& path,
                                Sign sign) {
  return read_quantity(context, value, path, sign, parse_size_B, "size",
                       "a number of bytes or a number with a unit B, KB, MB, GB, TB, KiB, MiB, "
                       "GiB, TiB, e.g. \"60GiB\"");
}

std::optional<double> read_rate(ReadContext& context, const Json& value, const std::string& path,
                                Sign sign) {
  return read_quantity(context, value, path, sign, parse_rate_Bps, "rate",
                       "bytes per second or a number with a unit such as \"1Gbps\" (bits/s) or "
                       "\"100MBps\" (bytes/s)");
}

std::optional<double> read_speed(ReadContext& context, const Json& value, const std::string& path) {
  return read_quantity(context, value, path, Sign::positive, parse_speed_flops, "speed",
                       "flop/s or a number with a unit f, kf, Mf, Gf, Tf, e.g. \"1Gf\"");
}

}  // namespace firedrill
