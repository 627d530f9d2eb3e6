// The seam between `firedrill run` and the backends.
#include "app/run_backend.hpp"

#include <iostream>

#include "real/hosts_file.hpp"
#include "real/libvirt_driver.hpp"
#include "sim/simulate.hpp"

namespace firedrill::app {

namespace {

SimOptions sim_options(const BackendOptions& options) {
  SimOptions sim;
  sim.verbose = options.verbose;
  sim.timeout_s = options.sim_timeout_s;
#if defined(__SANITIZE_ADDRESS__)
  sim.thread_contexts = true;
#endif
  return sim;
}

// host -> URI: the hosts file first, then each plan host's own `libvirt` field.
std::map<std::string, std::string> host_uris(const BackendOptions& options,
                                             const Scenario& scenario) {
  std::map<std::string, std::string> uris;
  if (!options.hosts_file.empty()) {
    Result<std::map<std::string, std::string>> file = read_hosts_file(options.hosts_file);
    if (file.ok()) uris = file.value();
  }
  for (const Site& site : scenario.plan.sites) {
    for (const Host& host : site.hosts) {
      if (!uris.count(host.name) && !host.libvirt_uri.empty()) uris[host.name] = host.libvirt_uri;
    }
  }
  return uris;
}

}  // namespace

bool prepare_backend(const BackendOptions& options, const std::vector<Scenario>& scenarios,
                     Diagnostic& error) {
  if (options.backend == "sim") return true;
  if (!options.hosts_file.empty()) {
    Result<std::map<std::string, std::string>> file = read_hosts_file(options.hosts_file);
    if (!file.ok()) {
      error = file.errors().front();
      return false;
    }
  }
  for (const Scenario& scenario : scenarios) {
    const std::map<std::string, std::string> uris = host_uris(options, scenario);
    for (const Site& site : scenario.plan.sites) {
      for (const Host& host : site.hosts) {
        if (uris.count(host.name)) continue;
        error.file = scenario.plan_file.empty() ? scenario.file : scenario.plan_file;
        error.message = "host '" + host.name +
                        "' has no libvirt URI: give it a \"libvirt\" field or list it in "
                        "--hosts-file (host=URI)";
        return false;
      }
    }
  }
  return true;
}

BackendRun run_on_backend(const BackendOptions& options, const Scenario& scenario,
                          const std::string& out_dir, reports::RunContext& context) {
  BackendRun run;
  const Scenario realized = realize(scenario, scenario.seed);
  if (options.backend == "sim") {
    SimOptions sim = sim_options(options);
    sim.observer = options.progress;
    Result<Outcome> simulated = simulate(realized, sim);
    if (!simulated.ok()) {
      run.error = simulated.errors().front();
      run.exit_status = 3;
      return run;
    }
    run.outcome = std::move(simulated.value());
    return run;
  }
  // Real hosts: the simulator's prediction first (seconds), then the real run (minutes).
  // The prediction enacts the real run's draws but expects each guest's mean boot time.
  if (options.predict) {
    Result<Outcome> predicted =
        simulate(realize_prediction(scenario, scenario.seed), sim_options(options));
    if (predicted.ok()) {
      context.prediction = std::move(predicted.value());
    } else {
      std::cerr << "warning: no prediction: " << predicted.errors().front().render() << "\n";
    }
  }
  RealRunOptions real;
  real.host_uris = host_uris(options, scenario);
  real.out_dir = out_dir;
  real.verbose = options.verbose;
  real.keep = options.keep;
  real.observer = options.progress;
  for (const auto& [host, uri] : real.host_uris) context.host_uris.push_back({host, uri});
  RealRunResult result = run_libvirt(realized, real);
  for (const std::string& note : result.notes) std::cerr << "note: " << note << "\n";
  run.interrupt_signal = result.interrupt_signal;
  if (!result.outcome) {
    run.error.file = scenario.file;
    run.error.message = result.error;
    run.exit_status = result.exit_status == 0 ? 3 : result.exit_status;
    return run;
  }
  if (!result.evidence_error.empty()) {  // as for reports that cannot be written: exit 2
    run.error.file = result.evidence_path;
    run.error.message = result.evidence_error;
    run.exit_status = 2;
    return run;
  }
  run.outcome = std::move(result.outcome);
  return run;
}

}  // namespace firedrill::app
