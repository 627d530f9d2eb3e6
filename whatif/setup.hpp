// Setting up a sweep from what the user asked for: the --vary axes, the shard, the seed,
// the runs per combination (100 when the scenario has a distribution, else 1), the
// sweep's identity (tool version, scenario, plan, inputs' SHA-256), and every
// combination's scenario loaded and checked. Bad input comes back as the lines to print,
// each naming the --vary option or the combination it is about.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "engine/model.hpp"
#include "whatif/model.hpp"

namespace firedrill::whatif {

struct SweepRequest {
  std::string scenario_path;
  std::vector<std::string> vary;  // PATH=V1,V2,... in the order given
  std::vector<std::string> sets;  // PATH=VALUE
  std::optional<int> runs;        // nullopt: 100 if the scenario has a distribution, else 1
  std::optional<std::string> seed;
  std::string shard;  // "I/N", or empty for the whole sweep
  bool independent_seeds = false;
  // --calibration FILE, read (real/calibrate/): its values apply under every --set and axis.
  std::optional<CalibrationUsed> calibration;
};

struct PreparedSweep {
  Sweep sweep;
  Shard shard;
  std::vector<Scenario> combinations;  // loaded, not realized; one per combination
  bool runs_defaulted_to_one = false;  // nothing is random, so one run per combination
};

// Why a sweep cannot be set up: the lines to print, and whether an option was misused
// (the command then points at its --help).
struct SetupError {
  std::vector<std::string> lines;
  bool usage = false;
};

struct SetupResult {
  std::optional<PreparedSweep> prepared;
  SetupError error;                  // when there is no prepared sweep
  std::vector<Diagnostic> warnings;  // the loader's, for the scenario as given
};

SetupResult prepare_sweep(const SweepRequest& request, const std::string& tool_version);

// True when realize() draws anything in `scenario` (an event time, a boot or shutdown
// time, an HA timeout, detection or operator delay given as a distribution).
bool has_distribution(const Scenario& scenario);

// `firedrill run` with the seed and overrides that replay one run of a sweep.
std::string rerun_hint(const std::string& path, const Sweep& sweep, const RunRecord& record);

}  // namespace firedrill::whatif
