// Running a scenario in the SimGrid simulator. SimGrid's engine is a process-wide
// singleton that leaves state behind, so every simulation runs in a process of its own:
// simulate() forks a child that calls simulate_in_process() and sends the Outcome back.
#pragma once

#include "engine/error.hpp"
#include "engine/model.hpp"
#include "engine/outcome.hpp"

namespace firedrill {

struct SimOptions {
  bool verbose = false;  // let SimGrid log and print every engine command on stderr
  // Use SimGrid's thread contexts instead of stack switching (clean under AddressSanitizer).
  // Defaults to on when the build has ASan.
  bool thread_contexts = false;
};

// Runs `realized` (engine/model.hpp: realize()) to its duration in THIS process. Only call
// it in a process that has never run SimGrid before (a fresh fork).
Outcome simulate_in_process(const Scenario& realized, const SimOptions& options);

// Forks, simulates in the child, returns the child's Outcome. A child that crashes or
// dies by a signal gives an error naming the scenario and its seed ("rerun with --seed").
Result<Outcome> simulate(const Scenario& realized, const SimOptions& options);

}  // namespace firedrill
