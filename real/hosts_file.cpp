// Parses --hosts-file: `host=URI` lines.
#include "real/hosts_file.hpp"

#include <fstream>

namespace firedrill {

namespace {

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  const auto last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

Diagnostic error_at(const std::string& path, int line, const std::string& message) {
  return Diagnostic{Diagnostic::Severity::error, path,
                    line > 0 ? "line " + std::to_string(line) : "", message};
}

}  // namespace

Result<std::map<std::string, std::string>> read_hosts_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return error_at(path, 0, "cannot read the hosts file");
  std::map<std::string, std::string> uris;
  std::string raw;
  int line = 0;
  while (std::getline(in, raw)) {
    ++line;
    const std::string text = trim(raw);
    if (text.empty() || text[0] == '#') continue;
    const auto equal = text.find('=');
    if (equal == std::string::npos || equal == 0 || equal + 1 == text.size()) {
      return error_at(path, line, "expected host=URI, got '" + text + "'");
    }
    const std::string host = trim(text.substr(0, equal));
    const std::string uri = trim(text.substr(equal + 1));
    if (uris.count(host)) return error_at(path, line, "host '" + host + "' is listed twice");
    uris[host] = uri;
  }
  return uris;
}

}  // namespace firedrill
