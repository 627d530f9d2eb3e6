// The typed readers of quantities (declared in engine/json_reader.hpp): durations, duration
// distributions, sizes, rates and speeds, each a JSON number in base units or a string
// with a unit, checked for sign. Like every reader they report into the ReadContext and
// return nullopt; they never throw.
#include <cmath>

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

// {"dist": "normal" | "lognormal", "mean", "sd"}; a lognormal's mean is above zero.
std::optional<DurationSpec> read_normal(ReadContext& context, const Json& value,
                                        const std::string& path, Sign sign, bool lognormal) {
  if (!check_object(context, value, path, "a distribution", {"dist", "mean", "sd"})) {
    return std::nullopt;
  }
  DurationSpec spec;
  spec.kind = lognormal ? DurationSpec::Kind::lognormal : DurationSpec::Kind::normal;
  const auto mean = read_parameter(context, value, path, "mean", sign);
  const auto sd = read_parameter(context, value, path, "sd", Sign::non_negative);
  if (!mean || !sd) return std::nullopt;
  if (lognormal && !(*mean > 0)) {
    context.error(json_path_join(path, "mean"), "a lognormal mean must be greater than zero");
    return std::nullopt;
  }
  spec.a_s = *mean;
  spec.b_s = *sd;
  return spec;
}

// {"dist": "uniform", "min", "max"} with min <= max.
std::optional<DurationSpec> read_uniform(ReadContext& context, const Json& value,
                                         const std::string& path, Sign sign) {
  if (!check_object(context, value, path, "a distribution", {"dist", "min", "max"})) {
    return std::nullopt;
  }
  DurationSpec spec;
  spec.kind = DurationSpec::Kind::uniform;
  const auto min = read_parameter(context, value, path, "min", Sign::non_negative);
  const auto max = read_parameter(context, value, path, "max", sign);
  if (!min || !max) return std::nullopt;
  if (*min > *max) {
    context.error(path, "min (" + format_duration(*min) + ") is greater than max (" +
                            format_duration(*max) + ")");
    return std::nullopt;
  }
  spec.a_s = *min;
  spec.b_s = *max;
  return spec;
}

// {"dist": "exponential", "mean"} with a mean above zero.
std::optional<DurationSpec> read_exponential(ReadContext& context, const Json& value,
                                             const std::string& path) {
  if (!check_object(context, value, path, "a distribution", {"dist", "mean"})) {
    return std::nullopt;
  }
  DurationSpec spec;
  spec.kind = DurationSpec::Kind::exponential;
  const auto mean = read_parameter(context, value, path, "mean", Sign::positive);
  if (!mean) return std::nullopt;
  spec.a_s = *mean;
  return spec;
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
    check_object(context, value, path, "a distribution", {"dist", "mean", "sd", "min", "max"});
    context.error(path,
                  "a distribution needs \"dist\": one of normal, uniform, lognormal, exponential");
    return std::nullopt;
  }
  const std::optional<std::string> kind = read_string(context, *dist, json_path_join(path, "dist"));
  if (!kind) return std::nullopt;
  if (*kind == "normal" || *kind == "lognormal") {
    return read_normal(context, value, path, sign, *kind == "lognormal");
  }
  if (*kind == "uniform") return read_uniform(context, value, path, sign);
  if (*kind == "exponential") return read_exponential(context, value, path);
  context.error(json_path_join(path, "dist"),
                "unknown distribution '" + *kind +
                    "': expected normal, uniform, lognormal or "
                    "exponential" +
                    did_you_mean(*kind, {"normal", "uniform", "lognormal", "exponential"}));
  return std::nullopt;
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
