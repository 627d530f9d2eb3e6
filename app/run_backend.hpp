// Running one loaded scenario on the chosen backend: the simulator (realize the
// distributions from the seed, simulate in a forked process) or real libvirt hosts (with
// the simulator's prediction alongside).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "engine/model.hpp"
#include "engine/outcome.hpp"
#include "reports/report.hpp"
#include "sim/simulate.hpp"

namespace firedrill::app {

struct BackendOptions {
  std::string backend = "sim";  // sim | libvirt
  std::string hosts_file;       // libvirt: host=URI lines
  bool verbose = false;
  bool predict = true;  // libvirt: also simulate the scenario, for measured vs predicted
  bool keep = false;    // libvirt: leave what the run created (firedrill cleanup removes it)
  // Wall-clock seconds the simulation (or the prediction) may take before it is killed.
  double sim_timeout_s = kDefaultSimTimeout_s;
  // Sees the run (not the prediction) as drive() drives it: progress lines. May be null.
  DriveObserver* progress = nullptr;
};

// Checks what the backend needs before anything runs (the hosts file parses, every plan
// host has a URI). False with `error` set when it cannot go ahead: bad input, exit status 2.
// Whether the hosts answer is the run's to find (BackendRun::exit_status 3).
bool prepare_backend(const BackendOptions& options, const std::vector<Scenario>& scenarios,
                     Diagnostic& error);

struct BackendRun {
  std::optional<Outcome> outcome;
  Diagnostic error;     // when there is no outcome
  int exit_status = 3;  // when there is no outcome
  // SIGINT/SIGTERM stopped a real run: the exit status is then 128 + it (130, 143), with or
  // without an outcome (the results so far).
  int interrupt_signal = 0;
};

// Runs `scenario` (loaded, not yet realized). Fills context.prediction and host URIs for
// real runs.
BackendRun run_on_backend(const BackendOptions& options, const Scenario& scenario,
                          const std::string& out_dir, reports::RunContext& context);

}  // namespace firedrill::app
