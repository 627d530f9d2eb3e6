// Text helpers of the report writers (see text.hpp).
#include "reports/text.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <ctime>

namespace firedrill::reports {

std::string plain_number(double value) {
  if (!std::isfinite(value)) return "nan";
  if (value == 0.0) return "0";  // also turns -0 into 0
  std::array<char, 64> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  return std::string(buffer.data(), result.ptr);
}

std::string fixed(double value, int decimals) {
  if (!std::isfinite(value)) value = 0.0;
  std::array<char, 64> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value,
                                    std::chars_format::fixed, decimals);
  std::string text(buffer.data(), result.ptr);
  if (text == "-0" || text.rfind("-0.", 0) == 0) {
    if (text.find_first_not_of("-0.") == std::string::npos) text.erase(0, 1);
  }
  return text;
}

std::string trimmed_fixed(double value, int decimals) {
  std::string text = fixed(value, decimals);
  if (text.find('.') != std::string::npos) {
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
  }
  return text;
}

std::string human_duration(double seconds) {
  if (!std::isfinite(seconds)) return "?";
  if (seconds < 0) return "-" + human_duration(-seconds);
  if (seconds < 60.0) {
    // Two significant decimals below 10 s, one below a minute, trailing zeros dropped.
    const std::string text = trimmed_fixed(seconds, seconds < 10.0 ? 2 : 1);
    if (text == "60") return "1m";
    return text + "s";
  }
  long long rest = std::llround(seconds);
  const long long days = rest / 86400;
  rest %= 86400;
  const long long hours = rest / 3600;
  rest %= 3600;
  const long long minutes = rest / 60;
  const long long secs = rest % 60;
  std::string text;
  auto part = [&text](long long value, const char* unit) {
    if (value == 0) return;
    if (!text.empty()) text += ' ';
    text += std::to_string(value) + unit;
  };
  part(days, "d");
  part(hours, "h");
  part(minutes, "m");
  part(secs, "s");
  return text;
}

std::string short_duration(double seconds) {
  auto trimmed = [](double value) { return trimmed_fixed(value, 2); };
  if (seconds < 120) return trimmed(seconds) + "s";
  if (seconds < 7200) return trimmed(seconds / 60) + "m";
  if (seconds < 172800) return trimmed(seconds / 3600) + "h";
  return trimmed(seconds / 86400) + "d";
}

std::string duration_with_seconds(double seconds) {
  const std::string human = human_duration(seconds);
  const std::string exact = plain_number(seconds) + "s";
  if (human == exact) return human;
  return human + " (" + exact + ")";
}

std::string human_size(double bytes) {
  constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int unit = 0;
  while (bytes >= 1024.0 && unit < 5) {
    bytes /= 1024.0;
    ++unit;
  }
  std::string text = fixed(bytes, unit == 0 ? 0 : 1);
  if (text.size() > 2 && text.substr(text.size() - 2) == ".0") text.resize(text.size() - 2);
  return text + kUnits[unit];
}

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        // Control characters other than tab/newline are not allowed in XML 1.0.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') {
          out += '?';
        } else {
          out += c;
        }
    }
  }
  return out;
}

namespace {

bool is_secret_parameter(std::string_view name) {
  std::string lower;
  for (const char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  constexpr std::string_view kSecrets[] = {"password", "passwd", "pass",    "pwd",
                                           "secret",   "token",  "key",     "keyfile",
                                           "auth",     "apikey", "api_key", "credential"};
  for (const std::string_view secret : kSecrets) {
    if (lower == secret) return true;
  }
  return lower.find("password") != std::string::npos || lower.find("secret") != std::string::npos ||
         lower.find("token") != std::string::npos;
}

}  // namespace

std::string redact_uri(std::string_view uri) {
  std::string out(uri);
  // User info: scheme://user:password@host -> scheme://user:REDACTED@host
  const std::size_t scheme_end = out.find("://");
  if (scheme_end != std::string::npos) {
    const std::size_t authority = scheme_end + 3;
    std::size_t authority_end = out.find_first_of("/?#", authority);
    if (authority_end == std::string::npos) authority_end = out.size();
    const std::size_t at = out.rfind('@', authority_end);
    if (at != std::string::npos && at >= authority) {
      const std::size_t colon = out.find(':', authority);
      if (colon != std::string::npos && colon < at) {
        out.replace(colon + 1, at - colon - 1, "REDACTED");
      }
    }
  }
  // Query parameters that carry secrets.
  const std::size_t query = out.find('?');
  if (query == std::string::npos) return out;
  std::string result = out.substr(0, query + 1);
  std::size_t start = query + 1;
  while (start <= out.size()) {
    std::size_t end = out.find_first_of("&#", start);
    if (end == std::string::npos) end = out.size();
    const std::string_view parameter(out.data() + start, end - start);
    const std::size_t equals = parameter.find('=');
    if (equals != std::string_view::npos && is_secret_parameter(parameter.substr(0, equals))) {
      result += std::string(parameter.substr(0, equals)) + "=REDACTED";
    } else {
      result += std::string(parameter);
    }
    if (end == out.size()) break;
    if (out[end] == '#') {
      result += out.substr(end);
      break;
    }
    result += '&';
    start = end + 1;
  }
  return result;
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm parts{};
  gmtime_r(&now, &parts);
  std::array<char, 32> buffer{};
  std::strftime(buffer.data(), buffer.size(), "%Y-%m-%dT%H:%M:%SZ", &parts);
  return buffer.data();
}

}  // namespace firedrill::reports
