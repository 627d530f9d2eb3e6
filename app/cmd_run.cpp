// `firedrill run`: load and validate every scenario first (bad input: exit 2, nothing
// written), then run each on the chosen backend, write report.json / report.html /
// junit.xml, append the run to the history, and print a short summary.
#include <unistd.h>

#include <boost/program_options.hpp>
#include <filesystem>
#include <iostream>
#include <optional>

#include "app/calibration_option.hpp"
#include "app/commands.hpp"
#include "app/run_backend.hpp"
#include "app/run_summary.hpp"
#include "engine/loader.hpp"
#include "reports/history.hpp"
#include "reports/progress.hpp"
#include "reports/report.hpp"
#include "reports/text.hpp"

namespace firedrill::app {

namespace po = boost::program_options;

namespace {

constexpr const char* kRunHelp = R"(Usage: firedrill run SCENARIO... [options]

Runs each scenario on a backend and measures the RTO and RPO every VM achieves.
Writes report.json, report.html and junit.xml into the output folder, appends the run
to the history database, and prints a summary table.

Exit status: 0 all objectives met; 1 an objective missed or a VM not recovered;
2 bad input or usage (nothing is run or written); 3 a backend could not be reached.

Options)";

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

}  // namespace

int cmd_run(int argc, char** argv) {
  RunOptions options;
  std::string seed_text;
  po::options_description visible(kRunHelp);
  visible.add_options()("help,h", "show this help")(
      "backend,b", po::value(&options.backend)->default_value("sim"),
      "sim (SimGrid simulation, the default) or libvirt (real hosts)")(
      "out,o", po::value(&options.out),
      "output folder (default reports/<scenario>/; with several scenarios, DIR/<scenario>/)")(
      "seed", po::value(&seed_text), "replace the scenario's seed (draws of every distribution)")(
      "set", po::value(&options.overrides)->composing(),
      "override one value before validation, PATH=VALUE (repeatable): vms.db.boot_time=90s, "
      "replication.to-dr.interval=5m, scenario.events[0].at=3h")(
      "calibration", po::value(&options.calibration),
      "FILE: measured boot times, link bandwidths and change rates from firedrill calibrate, "
      "applied before any --set (with libvirt, to the prediction too); the reports name it")(
      "hosts-file", po::value(&options.hosts_file),
      "libvirt backend: lines host=URI naming each plan host's libvirt URI")(
      "history", po::value(&options.history)->default_value(reports::kDefaultHistoryPath),
      "the run history database to append to")("no-history", po::bool_switch(&options.no_history),
                                               "do not append this run to the history")(
      "no-prediction", po::bool_switch(&options.no_prediction),
      "libvirt backend: skip the simulator's prediction shown next to the measurement")(
      "end-when-settled", po::bool_switch(&options.end_when_settled),
      "end each run as soon as it has settled (every scripted event fired, every failover, "
      "test, planned move and failback finished, test copies cleaned up) instead of at the "
      "scenario's duration, which stays the deadline; report.json says \"ended\": \"settled\"")(
      "full-evidence", po::bool_switch(&options.full_evidence),
      "list every replication transfer in report.json (by default: a summary per VM, its "
      "last cycles and the transfers that made its RPO)")(
      "keep", po::bool_switch(&options.keep),
      "libvirt backend: leave the domains and volumes the run created (firedrill cleanup DIR "
      "removes them)")("verbose,v", po::bool_switch(&options.verbose),
                       "print every engine command and let SimGrid log")(
      "quiet,q", po::bool_switch(&options.quiet),
      "print nothing but errors (no progress lines either)")(
      "progress", po::value(&options.progress)->implicit_value("text"),
      "a line per step on stderr as the run goes (restores, boots and when they are ready, "
      "syncs, failures): text, or jsonl for automation. Default: text for --backend libvirt "
      "when stderr is a terminal, none otherwise")(
      "timeout", po::value(&options.timeout_s),
      "seconds of wall-clock time the simulation (with libvirt, the prediction) may take before "
      "it is killed and reported, exit status 3 (default 3600)");
  po::options_description hidden;
  hidden.add_options()("scenario", po::value(&options.scenarios)->composing());
  po::options_description all;
  all.add(visible).add(hidden);
  po::positional_options_description positional;
  positional.add("scenario", -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& error) {
    std::cerr << "firedrill run: " << error.what() << " (try firedrill run --help)\n";
    return 2;
  }
  if (vm.count("help")) {
    std::cout << visible << "\n";
    return 0;
  }
  if (options.scenarios.empty()) {
    std::cerr << "firedrill run: no scenario given (try firedrill run --help)\n";
    return 2;
  }
  if (options.backend != "sim" && options.backend != "libvirt") {
    std::cerr << "firedrill run: --backend must be sim or libvirt, not '" << options.backend
              << "'\n";
    return 2;
  }
  if (!options.progress.empty() && options.progress != "text" && options.progress != "jsonl") {
    std::cerr << "firedrill run: --progress must be text or jsonl, not '" << options.progress
              << "'\n";
    return 2;
  }
  if (!(options.timeout_s > 0)) {
    std::cerr << "firedrill run: --timeout must be positive (try firedrill run --help)\n";
    return 2;
  }
  if (!seed_text.empty()) {
    try {
      std::size_t used = 0;
      options.seed = std::stoull(seed_text, &used);
      if (used != seed_text.size()) throw std::invalid_argument("trailing text");
    } catch (const std::exception&) {
      std::cerr << "firedrill run: --seed must be a non-negative integer, not '" << seed_text
                << "'\n";
      return 2;
    }
  }

  bool calibration_ok = true;
  const std::optional<CalibrationUsed> calibration =
      read_calibration_option(options.calibration, calibration_ok);
  if (!calibration_ok) return 2;

  // Every scenario is loaded and checked before anything runs: bad input writes nothing.
  std::vector<Scenario> scenarios;
  bool bad_input = false;
  for (const std::string& path : options.scenarios) {
    LoadOptions load_options;
    load_options.overrides = options.overrides;
    load_options.seed = options.seed;
    load_options.calibration = calibration;
    Result<Loaded> loaded = load_scenario(path, load_options);
    if (!loaded.ok()) {
      for (const Diagnostic& error : loaded.errors()) std::cerr << error.render() << "\n";
      bad_input = true;
      continue;
    }
    for (const Diagnostic& warning : loaded.value().warnings) {
      if (!options.quiet) std::cerr << warning.render() << "\n";
    }
    scenarios.push_back(std::move(loaded.value().scenario));
    scenarios.back().end_when_settled = options.end_when_settled;
  }
  if (bad_input) return 2;

  BackendOptions backend_options;
  backend_options.backend = options.backend;
  backend_options.hosts_file = options.hosts_file;
  backend_options.verbose = options.verbose;
  backend_options.predict = !options.no_prediction;
  backend_options.keep = options.keep;
  backend_options.sim_timeout_s = options.timeout_s;
  if (Diagnostic error; !prepare_backend(backend_options, scenarios, error)) {
    std::cerr << error.render() << "\n";
    return 2;  // bad input: a host that cannot be reached is found later, by the run (exit 3)
  }

  int status = 0;
  for (const Scenario& scenario : scenarios) {
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
      status = std::max(status, run.exit_status);
      if (run.interrupt_signal != 0) return 128 + run.interrupt_signal;
      continue;
    }
    const Outcome& outcome = *run.outcome;
    Result<std::vector<std::string>> written =
        reports::write_reports(out_dir, scenario, outcome, context);
    if (!written.ok()) {
      for (const Diagnostic& error : written.errors()) std::cerr << error.render() << "\n";
      status = std::max(status, 2);
      continue;
    }
    if (!options.no_history) {
      Result<reports::HistoryRun> appended =
          reports::append_run(options.history, scenario, outcome, context);
      if (!appended.ok()) {
        for (const Diagnostic& error : appended.errors()) std::cerr << error.render() << "\n";
        status = std::max(status, 2);
      }
    }
    if (!options.quiet) {
      std::cout << run_summary(scenario, outcome, options.backend);
      std::cout << "  report: " << out_dir << "/report.html\n";
      if (outcome.summary.failed + outcome.summary.lost > 0 || !outcome.summary.objectives_met) {
        std::cout << "  rerun with --seed " << scenario.seed << " to reproduce\n";
      }
    }
    status = std::max(status, exit_status(outcome));
    if (run.interrupt_signal != 0) return 128 + run.interrupt_signal;  // the rest is not run
  }
  return status;
}

}  // namespace firedrill::app
