// Helpers of the report tests (also used by tests/whatif for whatif.html): scratch
// directories, files, running a command with its output and exit status, golden-file
// comparison, rendering a page with headless Chromium.
#pragma once

#include <string>

namespace firedrill::testing {

// A fresh directory under the build tree's test output (kept after the test for a look).
std::string output_dir(const std::string& name);
std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& content);

struct CommandResult {
  int exit_status = -1;  // -1 when it did not exit normally
  std::string output;    // stdout and stderr together
};
// Runs `command` with /bin/sh, stdout and stderr captured together.
CommandResult run_command(const std::string& command);
// Single-quotes a shell word.
std::string shell_quote(const std::string& word);

// Compares `actual` with tests/reports/golden/<name> after replacing the tool version by
// "@VERSION@". With FIREDRILL_UPDATE_GOLDEN=1 in the environment it rewrites the golden
// file instead. Returns an empty string when equal, else a description of the first
// difference.
std::string compare_golden(const std::string& name, const std::string& actual);

// Absolute path of a file in tests/reports/.
std::string source_path(const std::string& relative);

struct Rendered {
  std::string png, pdf;
};
// Renders `html_path` with headless Chromium (`height` pixels tall) to a PNG and a PDF next
// to it; fails the test on a missing chromium, a non-zero exit, a missing or tiny output or
// any console message.
Rendered render_with_chromium(const std::string& html_path, int height);

}  // namespace firedrill::testing
