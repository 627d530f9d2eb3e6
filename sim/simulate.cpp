// Forked simulations: a fork-pool child runs the driver and sends the Outcome as JSON; the
// parent waits for it with a deadline (sim/fork_pool.hpp) and turns every way the child
// can end into an Outcome or an error naming the scenario and its seed.
#include "sim/simulate.hpp"

#include <exception>
#include <optional>

#include <xbt/log.h>

#include "engine/outcome_wire.hpp"
#include "sim/driver.hpp"
#include "sim/fork_pool.hpp"

namespace firedrill {

namespace {

Diagnostic child_error(const Scenario& realized, const std::string& what) {
  Diagnostic diagnostic;
  diagnostic.file = realized.file.empty() ? realized.name : realized.file;
  diagnostic.message = "simulation of scenario '" + realized.name + "' (seed " +
                       std::to_string(realized.seed) + ") " + what + "; rerun with --seed " +
                       std::to_string(realized.seed);
  return diagnostic;
}

Result<Outcome> read_outcome(const Scenario& realized, const TaskResult& result) {
  switch (result.status) {
    case TaskResult::Status::ok:
      break;
    case TaskResult::Status::failed:
      return child_error(realized, "failed: " + result.error);
    case TaskResult::Status::crashed:
      return child_error(realized, "crashed: " + result.error);
    case TaskResult::Status::timed_out:
      return child_error(realized, result.error + " of wall-clock time");
  }
  try {
    return outcome_from_wire(result.output);
  } catch (const std::exception& error) {
    return child_error(realized, std::string("sent an unreadable outcome: ") + error.what());
  }
}

}  // namespace

Outcome simulate_in_process(const Scenario& realized, const SimOptions& options) {
  if (!options.verbose) xbt_log_control_set("root.thres:critical");
  return sim::run_driver(realized, sim::simgrid_config(options.thread_contexts, options.verbose),
                         options.verbose, nullptr, options.observer);
}

std::vector<sim::BatchResult> simulate_batch_in_process(const std::vector<Scenario>& realized,
                                                        const SimOptions& options) {
  if (!options.verbose) xbt_log_control_set("root.thres:critical");
  return sim::run_batch(realized, sim::simgrid_config(options.thread_contexts, options.verbose),
                        options.verbose);
}

Result<Outcome> simulate(const Scenario& realized, const SimOptions& options) {
  PoolOptions pool;
  pool.jobs = 1;
  pool.task_timeout_s = options.timeout_s;
  pool.stop = options.stop;
  pool.capture_stderr = false;  // a verbose run's log, or a crash's message, goes to stderr
  std::optional<Result<Outcome>> answer;
  const PoolStats stats = run_forked(
      {0}, [&](std::size_t) { return outcome_to_wire(simulate_in_process(realized, options)); },
      [&](TaskResult&& result) { answer = read_outcome(realized, result); }, pool);
  if (answer) return std::move(*answer);
  return child_error(realized, stats.stopped ? "was interrupted" : "gave no result");
}

}  // namespace firedrill
