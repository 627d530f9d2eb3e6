// Helpers of the report tests (see support.hpp).
#include "tests/reports/support.hpp"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace firedrill::testing {

std::string source_path(const std::string& relative) {
  return std::string(FIREDRILL_REPORTS_TEST_DIR) + "/" + relative;
}

std::string output_dir(const std::string& name) {
  const std::filesystem::path dir = std::filesystem::path(FIREDRILL_REPORTS_OUTPUT_DIR) / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::string shell_quote(const std::string& word) {
  std::string quoted = "'";
  for (const char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    result.output.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  if (status != -1 && WIFEXITED(status)) result.exit_status = WEXITSTATUS(status);
  return result;
}

std::string compare_golden(const std::string& name, const std::string& actual_text) {
  std::string actual = actual_text;
  const std::string version = FIREDRILL_VERSION;
  for (std::size_t at = actual.find(version); at != std::string::npos;
       at = actual.find(version, at)) {
    // Only the tool's own version strings: "version": "X" and "firedrill X".
    const bool json = at >= 2 && actual.compare(at - 1, 1, "\"") == 0;
    const bool text = at >= 10 && actual.compare(at - 10, 10, "firedrill ") == 0;
    if (json || text) {
      actual.replace(at, version.size(), "@VERSION@");
      at += 9;
    } else {
      at += version.size();
    }
  }
  const std::string path = source_path("golden/" + name);
  const char* update = std::getenv("FIREDRILL_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    write_file(path, actual);
    return {};
  }
  std::string expected;
  try {
    expected = read_file(path);
  } catch (const std::exception& error) {
    return std::string(error.what()) + " (run with FIREDRILL_UPDATE_GOLDEN=1 to create it)";
  }
  if (expected == actual) return {};
  std::istringstream a(actual), e(expected);
  std::string line_a, line_e;
  for (int line = 1;; ++line) {
    const bool more_a = static_cast<bool>(std::getline(a, line_a));
    const bool more_e = static_cast<bool>(std::getline(e, line_e));
    if (!more_a && !more_e) break;
    if (line_a != line_e || more_a != more_e) {
      return name + " differs at line " + std::to_string(line) +
             ":\n  expected: " + (more_e ? line_e : "<end>") +
             "\n  actual:   " + (more_a ? line_a : "<end>") +
             "\n(if the change is intended: FIREDRILL_UPDATE_GOLDEN=1 and review the diff)";
    }
  }
  return name + " differs (line endings?)";
}

}  // namespace firedrill::testing
