// The batch runner of a sweep: the tasks of a sweep (or of one shard) are cut into
// batches of one combination (whatif/batches.hpp), each batch is simulated side by side in
// one child of the fork pool (sim/fork_pool.hpp), and every run comes back as a RunRecord:
// its outcome reduced, or ok = false and why (the batch crashed or timed out, the driver
// stopped the run, the answer was unreadable). A run is reported, never dropped, unless a
// stop request kills its batch.
#pragma once

#include <csignal>
#include <cstddef>
#include <functional>
#include <vector>

#include "engine/model.hpp"
#include "sim/fork_pool.hpp"
#include "whatif/model.hpp"

namespace firedrill::whatif {

struct RunnerOptions {
  int jobs = 1;                // batches simulated at a time (>= 1)
  double run_timeout_s = 300;  // per run: a batch of K runs may take K times as long
  // Read between waits; non-zero stops the sweep (running batches are killed).
  const volatile std::sig_atomic_t* stop = nullptr;
  // Progress counted in runs (done, failed, total), at most every 0.2 s and once at the end.
  std::function<void(const PoolProgress&)> progress;
  // Called in completion order for every record, as it arrives.
  std::function<void(const RunRecord&)> on_record;
};

struct RunnerResult {
  std::vector<RunRecord> records;  // in completion order, at most one per task
  bool stopped = false;            // options.stop ended the sweep early
};

// Runs `tasks` (ascending task numbers of `sweep`, e.g. Sweep::tasks_of(shard)).
// combinations[c] is the loaded, not yet realized, scenario of combination c; run r of it
// is realized with sweep.seed_of(c, r). Must be called from a single-threaded process.
RunnerResult run_sweep(const Sweep& sweep, const std::vector<Scenario>& combinations,
                       const std::vector<std::size_t>& tasks, const RunnerOptions& options);

}  // namespace firedrill::whatif
