// Parsing and printing of the scenario format's quantities: durations, sizes, rates and
// speeds. A quantity is a number followed by a unit suffix, with nothing else around it;
// printing picks the unit that gives the smallest whole number and checks that the text
// parses back to exactly the same value.
#include <charconv>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <string_view>

#include "engine/units.hpp"

namespace firedrill {
namespace {

// A unit suffix: value = number * multiply / divide. Sub-units divide so that, for
// example, "500ms" is exactly 0.5 s.
struct Unit {
  std::string_view suffix;
  double multiply;
  double divide;
};

constexpr Unit kDurationUnits[] = {
    {"ns", 1, 1e9}, {"us", 1, 1e6}, {"ms", 1, 1e3},  {"s", 1, 1},      {"m", 60, 1},
    {"min", 60, 1}, {"h", 3600, 1}, {"d", 86400, 1}, {"w", 604800, 1}, {"", 1, 1},
};

constexpr double kKi = 1024.0;
constexpr Unit kSizeUnits[] = {
    {"B", 1, 1},
    {"kB", 1e3, 1},
    {"KB", 1e3, 1},
    {"MB", 1e6, 1},
    {"GB", 1e9, 1},
    {"TB", 1e12, 1},
    {"PB", 1e15, 1},
    {"KiB", kKi, 1},
    {"MiB", kKi* kKi, 1},
    {"GiB", kKi* kKi* kKi, 1},
    {"TiB", kKi* kKi* kKi* kKi, 1},
    {"PiB", kKi* kKi* kKi* kKi* kKi, 1},
    {"", 1, 1},
};

// Rates in bytes per second; bit units divide by 8 (exact in binary floating point).
constexpr Unit kRateUnits[] = {
    {"Bps", 1, 1},
    {"kBps", 1e3, 1},
    {"KBps", 1e3, 1},
    {"MBps", 1e6, 1},
    {"GBps", 1e9, 1},
    {"TBps", 1e12, 1},
    {"KiBps", kKi, 1},
    {"MiBps", kKi* kKi, 1},
    {"GiBps", kKi* kKi* kKi, 1},
    {"TiBps", kKi* kKi* kKi* kKi, 1},
    {"bps", 1, 8},
    {"kbps", 1e3, 8},
    {"Kbps", 1e3, 8},
    {"Mbps", 1e6, 8},
    {"Gbps", 1e9, 8},
    {"Tbps", 1e12, 8},
    {"Kibps", kKi, 8},
    {"Mibps", kKi* kKi, 8},
    {"Gibps", kKi* kKi* kKi, 8},
    {"", 1, 1},
};

constexpr Unit kSpeedUnits[] = {
    {"f", 1, 1},        {"kf", 1e3, 1},     {"Kf", 1e3, 1},     {"Mf", 1e6, 1},
    {"Gf", 1e9, 1},     {"Tf", 1e12, 1},    {"Pf", 1e15, 1},    {"flops", 1, 1},
    {"kflops", 1e3, 1}, {"Mflops", 1e6, 1}, {"Gflops", 1e9, 1}, {"Tflops", 1e12, 1},
    {"", 1, 1},
};

// Length of the decimal number at the start of `text`: [+-]digits[.digits][e[+-]digits],
// at least one digit before or after the point. 0 when there is none.
std::size_t number_length(std::string_view text) {
  std::size_t i = 0;
  const auto digits = [&] {
    const std::size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    return i - start;
  };
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  std::size_t mantissa_digits = digits();
  if (i < text.size() && text[i] == '.') {
    ++i;
    mantissa_digits += digits();
  }
  if (mantissa_digits == 0) return 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    const std::size_t mark = i;
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    if (digits() == 0) i = mark;  // "5e" is a number followed by a unit 'e'
  }
  return i;
}

std::optional<double> parse_number(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  double value = 0.0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::optional<double> parse_quantity(std::string_view text, std::span<const Unit> units) {
  const std::size_t length = number_length(text);
  if (length == 0) return std::nullopt;
  const std::optional<double> number = parse_number(text.substr(0, length));
  if (!number) return std::nullopt;
  const std::string_view suffix = text.substr(length);
  for (const Unit& unit : units) {
    if (unit.suffix != suffix) continue;
    const double value = *number * unit.multiply / unit.divide;
    if (!std::isfinite(value)) return std::nullopt;
    return value;
  }
  return std::nullopt;
}

// Shortest text that reads back as exactly `value`.
std::string shortest(double value) {
  char buffer[64];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
  if (error != std::errc()) return "nan";
  return std::string(buffer, end);
}

// The unit giving the smallest whole number >= 1 that parses back exactly; else
// `fallback` (a unit of factor 1) with the shortest exact digits.
std::string format_quantity(double value, std::span<const Unit> units, std::string_view fallback) {
  if (!std::isfinite(value)) return shortest(value);
  std::string best;
  double best_mantissa = 0.0;
  for (const Unit& unit : units) {
    if (unit.suffix.empty()) continue;
    const double mantissa = value * unit.divide / unit.multiply;
    if (std::abs(mantissa) < 1.0 || mantissa != std::trunc(mantissa) || std::abs(mantissa) > 1e15) {
      continue;
    }
    std::string text = shortest(mantissa) + std::string(unit.suffix);
    if (parse_quantity(text, units) != value) continue;
    if (best.empty() || std::abs(mantissa) < best_mantissa) {
      best = std::move(text);
      best_mantissa = std::abs(mantissa);
    }
  }
  if (!best.empty()) return best;
  return shortest(value) + std::string(fallback);
}

// A compound duration such as "1h30m" or "2d12h": several number-unit parts, units in
// strictly decreasing order, a sign only in front.
std::optional<double> parse_compound_duration(std::string_view text) {
  double sign = 1.0;
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
    sign = text.front() == '-' ? -1.0 : 1.0;
    text.remove_prefix(1);
  }
  double total = 0.0;
  double previous_factor = std::numeric_limits<double>::infinity();
  int parts = 0;
  while (!text.empty()) {
    std::size_t length = 0;
    while (length < text.size() &&
           ((text[length] >= '0' && text[length] <= '9') || text[length] == '.')) {
      ++length;
    }
    std::size_t unit_end = length;
    while (unit_end < text.size() && text[unit_end] >= 'a' && text[unit_end] <= 'z') ++unit_end;
    if (length == 0 || unit_end == length) return std::nullopt;
    const std::optional<double> number = parse_number(text.substr(0, length));
    const std::string_view suffix = text.substr(length, unit_end - length);
    const Unit* unit = nullptr;
    for (const Unit& candidate : kDurationUnits) {
      if (candidate.suffix == suffix) unit = &candidate;
    }
    if (!number || !unit) return std::nullopt;
    const double factor = unit->multiply / unit->divide;
    if (!(factor < previous_factor)) return std::nullopt;
    previous_factor = factor;
    total += *number * unit->multiply / unit->divide;
    ++parts;
    text.remove_prefix(unit_end);
  }
  if (parts < 2 || !std::isfinite(total)) return std::nullopt;
  return sign * total;
}

}  // namespace

std::optional<double> parse_duration_s(std::string_view text) {
  if (const auto simple = parse_quantity(text, kDurationUnits)) return simple;
  return parse_compound_duration(text);
}
std::optional<double> parse_size_B(std::string_view text) {
  return parse_quantity(text, kSizeUnits);
}
std::optional<double> parse_rate_Bps(std::string_view text) {
  return parse_quantity(text, kRateUnits);
}
std::optional<double> parse_speed_flops(std::string_view text) {
  return parse_quantity(text, kSpeedUnits);
}

// Whole seconds print as days, hours, minutes and seconds ("1h30m", "2d", "45s"); other
// values as one unit ("500ms", "1.5s").
std::string format_duration(double seconds) {
  if (std::isfinite(seconds) && seconds == std::trunc(seconds) && std::abs(seconds) < 1e15 &&
      seconds != 0) {
    auto rest = static_cast<long long>(std::abs(seconds));
    std::string text = seconds < 0 ? "-" : "";
    for (const auto& [unit, size] : {std::pair{"d", 86400LL}, std::pair{"h", 3600LL},
                                     std::pair{"m", 60LL}, std::pair{"s", 1LL}}) {
      if (rest >= size) {
        text += std::to_string(rest / size) + unit;
        rest %= size;
      }
    }
    return text;
  }
  return format_quantity(seconds, kDurationUnits, "s");
}
std::string format_size(double bytes) {
  return format_quantity(bytes, kSizeUnits, "B");
}
std::string format_rate(double bytes_per_second) {
  return format_quantity(bytes_per_second, kRateUnits, "Bps");
}
std::string format_speed(double flops) {
  return format_quantity(flops, kSpeedUnits, "f");
}

std::string format_duration_spec(const DurationSpec& spec) {
  const auto quoted = [](double seconds) { return "\"" + format_duration(seconds) + "\""; };
  switch (spec.kind) {
    case DurationSpec::Kind::fixed:
      return quoted(spec.a_s);
    case DurationSpec::Kind::normal:
      return R"({"dist":"normal","mean":)" + quoted(spec.a_s) + R"(,"sd":)" + quoted(spec.b_s) +
             "}";
    case DurationSpec::Kind::uniform:
      return R"({"dist":"uniform","min":)" + quoted(spec.a_s) + R"(,"max":)" + quoted(spec.b_s) +
             "}";
    case DurationSpec::Kind::lognormal:
      return R"({"dist":"lognormal","mean":)" + quoted(spec.a_s) + R"(,"sd":)" + quoted(spec.b_s) +
             "}";
    case DurationSpec::Kind::exponential:
      return R"({"dist":"exponential","mean":)" + quoted(spec.a_s) + "}";
  }
  return "null";
}

}  // namespace firedrill
