// Reading one input file (a scenario, a plan, a calibration) whole, with a size limit and a
// reason for each way it can fail; declared in engine/loader_text.hpp.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "engine/loader_text.hpp"

namespace firedrill {

std::optional<std::string> read_input_file(const std::string& path, std::string* error) {
  std::error_code code;
  const auto status = std::filesystem::status(path, code);
  if (code || !std::filesystem::exists(status)) {
    *error = "no such file";
    return std::nullopt;
  }
  if (std::filesystem::is_directory(status)) {
    *error = "it is a directory";
    return std::nullopt;
  }
  if (!std::filesystem::is_regular_file(status)) {
    *error = "not a regular file";
    return std::nullopt;
  }
  std::ifstream stream(path, std::ios::binary);
  if (!stream) {
    *error = std::strerror(errno);
    return std::nullopt;
  }
  std::string text;
  char buffer[65536];
  while (stream.read(buffer, sizeof buffer) || stream.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(stream.gcount()));
    if (text.size() > kMaxInputBytes) {
      *error = "larger than " + std::to_string(kMaxInputBytes / (1024 * 1024)) + " MiB";
      return std::nullopt;
    }
  }
  if (stream.bad()) {
    *error = "read error";
    return std::nullopt;
  }
  return text;
}

}  // namespace firedrill
