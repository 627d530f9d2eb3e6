// Shared pieces of the loader tests: a small valid plan and scenario to break on purpose,
// temporary directories, and running the real firedrill binary.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "engine/json_reader.hpp"

namespace firedrill::testing {

// A valid plan: primary site (esx1, esx2 in an HA cluster on san1), DR site (dr1), a WAN,
// prod / dr-net / bubble networks, VMs ad <- db <- app replicated to dr1.
Json valid_plan();
// A valid scenario with the plan inline: a site outage at 2h in a 6h run.
Json valid_scenario();

// A fresh empty directory under the system temp directory, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string write(const std::string& name, const std::string& text) const;
  // Every file below the directory, relative, sorted.
  std::vector<std::string> listing() const;

 private:
  std::filesystem::path path_;
};

struct CommandRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `firedrill ARGS...` with `cwd` as working directory; output is captured outside cwd.
CommandRun run_firedrill(const std::filesystem::path& cwd, const std::vector<std::string>& args);

}  // namespace firedrill::testing
