// `firedrill run`'s command line: the options it takes, parsed and checked before anything is
// loaded (a usage error exits 2 with nothing run or written).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "reports/history.hpp"
#include "sim/simulate.hpp"

namespace firedrill::app {

struct RunOptions {
  std::vector<std::string> scenarios;
  std::string backend = "sim";
  std::string out;
  std::optional<std::uint64_t> seed;
  std::vector<std::string> overrides;
  std::string calibration;  // --calibration FILE
  std::string hosts_file;
  std::string history = reports::kDefaultHistoryPath;
  bool no_history = false;
  bool verbose = false;
  bool quiet = false;
  bool no_prediction = false;
  bool keep = false;
  bool end_when_settled = false;
  bool full_evidence = false;
  double timeout_s = kDefaultSimTimeout_s;
  std::string progress;  // "", "text" or "jsonl"
};

// Parses argv (argv[0] is "run") into `options` and checks it. Returns the exit status to end with
// when there is nothing to run -- 0 after printing --help, 2 after printing a usage error on stderr
// -- or nullopt to go on with `options`.
std::optional<int> parse_run_options(int argc, char** argv, RunOptions& options);

}  // namespace firedrill::app
