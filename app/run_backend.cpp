// The seam between `firedrill run` and the backends.
#include "app/run_backend.hpp"

#include "sim/simulate.hpp"

namespace firedrill::app {

namespace {

SimOptions sim_options(const BackendOptions& options) {
  SimOptions sim;
  sim.verbose = options.verbose;
#if defined(__SANITIZE_ADDRESS__)
  sim.thread_contexts = true;
#endif
  return sim;
}

}  // namespace

bool prepare_backend(const BackendOptions& options, const std::vector<Scenario>&,
                     Diagnostic& error) {
  if (options.backend == "sim") return true;
  error.file = "firedrill run";
  error.message = "cannot reach libvirt: the libvirt backend is not part of this build yet";
  return false;
}

BackendRun run_on_backend(const BackendOptions& options, const Scenario& scenario,
                          const std::string&, reports::RunContext&) {
  BackendRun run;
  const Scenario realized = realize(scenario, scenario.seed);
  Result<Outcome> simulated = simulate(realized, sim_options(options));
  if (!simulated.ok()) {
    run.error = simulated.errors().front();
    run.exit_status = 3;
    return run;
  }
  run.outcome = std::move(simulated.value());
  return run;
}

}  // namespace firedrill::app
