// `firedrill run`: load and validate every scenario first (bad input: exit 2, nothing
// written), then run each on the chosen backend, write report.json / report.html /
// junit.xml, append the run to the history, and print a short summary.
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <optional>

#include "app/calibration_option.hpp"
#include "app/commands.hpp"
#include "app/run_backend.hpp"
#include "app/run_options.hpp"
#include "app/run_summary.hpp"
#include "engine/loader.hpp"
#include "reports/history.hpp"
#include "reports/progress.hpp"
#include "reports/report.hpp"
#include "reports/text.hpp"

namespace firedrill::app {

namespace {

// Progress lines: as asked (--progress[=FORMAT]); by default text when a real drill runs
// with stderr on a terminal (a simulation takes seconds and would print thousands of
// lines); never with --quiet.
std::optional<reports::ProgressFormat> progress_format(const RunOptions& options) {
  if (options.quiet) return std::nullopt;
  if (options.progress == "jsonl") return reports::ProgressFormat::jsonl;
  if (options.progress == "text") return reports::ProgressFormat::text;
  if (options.backend == "libvirt" && isatty(STDERR_FILENO)) return reports::ProgressFormat::text;
  return std::nullopt;
}

std::string out_dir_for(const RunOptions& options, const Scenario& scenario) {
  if (options.out.empty()) return "reports/" + scenario.name;
  // Several scenarios share --out: each gets a folder of its own inside it.
  if (options.scenarios.size() > 1) return options.out + "/" + scenario.name;
  return options.out;
}

void print_errors(const std::vector<Diagnostic>& errors) {
  for (const Diagnostic& error : errors) std::cerr << error.render() << "\n";
}

// Every scenario is loaded and checked before anything runs: bad input writes nothing. nullopt when
// one of them is bad (each error printed).
std::optional<std::vector<Scenario>> load_scenarios(const RunOptions& options) {
  bool calibration_ok = true;
  const std::optional<CalibrationUsed> calibration =
      read_calibration_option(options.calibration, calibration_ok);
  if (!calibration_ok) return std::nullopt;
  std::vector<Scenario> scenarios;
  bool bad_input = false;
  for (const std::string& path : options.scenarios) {
    LoadOptions load_options;
    load_options.overrides = options.overrides;
    load_options.seed = options.seed;
    load_options.calibration = calibration;
    Result<Loaded> loaded = load_scenario(path, load_options);
    if (!loaded.ok()) {
      print_errors(loaded.errors());
      bad_input = true;
      continue;
    }
    for (const Diagnostic& warning : loaded.value().warnings) {
      if (!options.quiet) std::cerr << warning.render() << "\n";
    }
    scenarios.push_back(std::move(loaded.value().scenario));
    scenarios.back().end_when_settled = options.end_when_settled;
  }
  if (bad_input) return std::nullopt;
  return scenarios;
}

BackendOptions backend_options_for(const RunOptions& options) {
  BackendOptions backend_options;
  backend_options.backend = options.backend;
  backend_options.hosts_file = options.hosts_file;
  backend_options.verbose = options.verbose;
  backend_options.predict = !options.no_prediction;
  backend_options.keep = options.keep;
  backend_options.sim_timeout_s = options.timeout_s;
  return backend_options;
}

// report.json, report.html and junit.xml; false when they could not be written (printed).
bool write_run_reports(const std::string& out_dir, const Scenario& scenario, const Outcome& outcome,
                       const reports::RunContext& context) {
  Result<std::vector<std::string>> written =
      reports::write_reports(out_dir, scenario, outcome, context);
  if (!written.ok()) print_errors(written.errors());
  return written.ok();
}

// The run's row in the history (unless --no-history): 0, or 2 when it could not be appended.
int append_to_history(const RunOptions& options, const Scenario& scenario, const Outcome& outcome,
                      const reports::RunContext& context) {
  if (options.no_history) return 0;
  Result<reports::HistoryRun> appended =
      reports::append_run(options.history, scenario, outcome, context);
  if (appended.ok()) return 0;
  print_errors(appended.errors());
  return 2;
}

void print_outcome(const RunOptions& options, const std::string& out_dir, const Scenario& scenario,
                   const Outcome& outcome) {
  if (options.quiet) return;
  std::cout << run_summary(scenario, outcome, options.backend);
  std::cout << "  report: " << out_dir << "/report.html\n";
  if (outcome.summary.failed + outcome.summary.lost > 0 || !outcome.summary.objectives_met) {
    std::cout << "  rerun with --seed " << scenario.seed << " to reproduce\n";
  }
}

struct ScenarioRun {
  int exit_status = 0;
  int interrupt_signal = 0;  // SIGINT/SIGTERM stopped it: the scenarios after it do not run
};

// Runs one scenario, writes what it found and prints its summary.
ScenarioRun run_scenario(const RunOptions& options, BackendOptions& backend_options,
                         const Scenario& scenario) {
  const std::string out_dir = out_dir_for(options, scenario);
  if (!options.quiet) {
    std::cerr << "firedrill: running " << scenario.name << " on " << options.backend << " (seed "
              << scenario.seed << ")...\n";
  }
  reports::RunContext context;
  context.backend = options.backend;
  context.full_evidence = options.full_evidence;
  context.started_utc = reports::utc_now();
  std::optional<reports::ProgressPrinter> progress;
  if (const auto format = progress_format(options)) progress.emplace(std::cerr, *format);
  backend_options.progress = progress ? &*progress : nullptr;
  BackendRun run = run_on_backend(backend_options, scenario, out_dir, context);
  context.ended_utc = reports::utc_now();
  if (!run.outcome) {
    std::cerr << run.error.render() << "\n";
    return {run.exit_status, run.interrupt_signal};
  }
  const Outcome& outcome = *run.outcome;
  // Reports that cannot be written: no history row, no summary, and the next scenario still runs
  // (even after an interrupt).
  if (!write_run_reports(out_dir, scenario, outcome, context)) return {2, 0};
  const int history_status = append_to_history(options, scenario, outcome, context);
  print_outcome(options, out_dir, scenario, outcome);
  return {std::max(history_status, exit_status(outcome)), run.interrupt_signal};
}

}  // namespace

int cmd_run(int argc, char** argv) {
  RunOptions options;
  if (const std::optional<int> done = parse_run_options(argc, argv, options)) return *done;
  const std::optional<std::vector<Scenario>> scenarios = load_scenarios(options);
  if (!scenarios) return 2;
  BackendOptions backend_options = backend_options_for(options);
  if (Diagnostic error; !prepare_backend(backend_options, *scenarios, error)) {
    std::cerr << error.render() << "\n";
    return 2;  // bad input: a host that cannot be reached is found later, by the run (exit 3)
  }
  // The worst exit status of all the scenarios (SPEC section 5: a higher one says more).
  int status = 0;
  for (const Scenario& scenario : *scenarios) {
    const ScenarioRun run = run_scenario(options, backend_options, scenario);
    if (run.interrupt_signal != 0) return 128 + run.interrupt_signal;  // the rest is not run
    status = std::max(status, run.exit_status);
  }
  return status;
}

}  // namespace firedrill::app
