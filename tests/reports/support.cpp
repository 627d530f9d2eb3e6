// Helpers of the report tests (see support.hpp).
#include "tests/reports/support.hpp"

#include <gtest/gtest.h>

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

Rendered render_with_chromium(const std::string& html_path, int height) {
  const CommandResult which = run_command("command -v chromium");
  EXPECT_EQ(which.exit_status, 0)
      << "chromium is not installed: the HTML rendering tests need Debian's `chromium` "
         "package (apt-get install chromium); .ci/run installs it";
  if (which.exit_status != 0) return {};
  const std::string base = html_path.substr(0, html_path.size() - 5);
  Rendered rendered{base + ".png", base + ".pdf"};
  const std::string profile =
      std::filesystem::path(html_path).parent_path().string() + "/chromium-profile";
  const std::string common =
      "timeout 180 chromium --headless --no-sandbox --disable-gpu --disable-background-networking "
      "--disable-component-update --disable-sync --no-first-run --disable-extensions "
      "--enable-logging=stderr --v=0 --user-data-dir=" +
      shell_quote(profile) + " ";
  const std::string url = shell_quote("file://" + std::filesystem::absolute(html_path).string());
  const CommandResult png =
      run_command(common + "--window-size=1280," + std::to_string(height) +
                  " --hide-scrollbars --screenshot=" + shell_quote(rendered.png) + " " + url);
  const CommandResult pdf = run_command(
      common + "--no-pdf-header-footer --print-to-pdf=" + shell_quote(rendered.pdf) + " " + url);
  for (const CommandResult* result : {&png, &pdf}) {
    EXPECT_EQ(result->exit_status, 0) << result->output;
    for (const char* bad : {":CONSOLE", "Uncaught", "Failed to load resource", "net::ERR_"}) {
      EXPECT_EQ(result->output.find(bad), std::string::npos)
          << "chromium reported '" << bad << "' for " << html_path << ":\n"
          << result->output;
    }
  }
  EXPECT_TRUE(std::filesystem::exists(rendered.png) &&
              std::filesystem::file_size(rendered.png) > 20000)
      << "no or tiny screenshot " << rendered.png;
  EXPECT_TRUE(std::filesystem::exists(rendered.pdf) &&
              std::filesystem::file_size(rendered.pdf) > 5000)
      << "no or tiny PDF " << rendered.pdf;
  if (std::filesystem::exists(rendered.png)) {
    EXPECT_EQ(read_file(rendered.png).substr(0, 8), std::string("\x89PNG\r\n\x1a\n"));
  }
  if (std::filesystem::exists(rendered.pdf)) {
    EXPECT_EQ(read_file(rendered.pdf).substr(0, 5), "%PDF-");
  }
  return rendered;
}

}  // namespace firedrill::testing
