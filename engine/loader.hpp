// Loads a scenario (or a plan alone) from JSON into the typed model, with precise errors:
// every Diagnostic names the file, the JSON path and the reason; unknown fields get a
// did-you-mean. Overrides (`--set PATH=VALUE`) are applied to the JSON before anything
// is checked. Loading also runs validation (engine/validate.hpp): a Result holds a
// Scenario only when there is no error; warnings come back in `warnings`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "engine/model.hpp"

namespace firedrill {

struct LoadOptions {
  // "PATH=VALUE" strings. PATH is relative to the plan with elements named by `name`
  // (vms.db.boot_time=90s, replication.to-dr.interval=5m, recovery.operator_delay=1m),
  // or to the scenario with a "scenario." prefix (scenario.events[0].at=3h); an index
  // form (vms[1].boot_time) works too. VALUE is parsed as JSON when it is valid JSON
  // (numbers, true, {"dist":...}), else taken as a string.
  std::vector<std::string> overrides;
  // Replaces the scenario's seed (firedrill run --seed).
  std::optional<std::uint64_t> seed;
  // `run --calibration FILE` (real/calibrate/): its overrides apply before `overrides`, so
  // a --set still wins; its plan must be the scenario's. The loaded scenario names it.
  std::optional<CalibrationUsed> calibration;
};

struct Loaded {
  Scenario scenario;
  std::vector<Diagnostic> warnings;
};

// Reads, parses, applies overrides, type-checks and validates a scenario file.
Result<Loaded> load_scenario(const std::string& path, const LoadOptions& options = {});

// What `firedrill validate` accepts: a scenario file, or a plan file alone (recognised by
// having no "plan" and no "events"). Returns warnings when there is no error.
Result<std::vector<Diagnostic>> validate_file(const std::string& path,
                                              const LoadOptions& options = {});

}  // namespace firedrill
