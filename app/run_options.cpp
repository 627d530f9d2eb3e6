// `firedrill run`'s options (see run_options.hpp): their descriptions, which are also its --help
// text (the man page and bash completion are written from it: app/help_docs.py), and the checks of
// their values.
#include "app/run_options.hpp"

#include <boost/program_options.hpp>
#include <iostream>
#include <stdexcept>

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

// The options --help lists, each writing into `options` (--seed into `seed_text`: parse_seed reads
// it, with an error message of its own).
po::options_description visible_options(RunOptions& options, std::string& seed_text) {
  po::options_description visible(kRunHelp);
  visible.add_options()("help,h", "show this help")(
      "backend,b", po::value(&options.backend)->default_value("sim"),
      "sim (SimGrid simulation, the default) or libvirt (real hosts)")(
      "out,o", po::value(&options.out),
      "output folder (default reports/<scenario>/; with several scenarios, "
      "DIR/<scenario>/)")("seed", po::value(&seed_text),
                          "replace the scenario's seed (draws of every distribution)")(
      "set", po::value(&options.overrides)->composing(),
      "override one value before validation, PATH=VALUE (repeatable): "
      "vms.db.boot_time=90s, "
      "replication.to-dr.interval=5m, scenario.events[0].at=3h")(
      "calibration", po::value(&options.calibration),
      "FILE: measured boot times, link bandwidths and change rates from "
      "firedrill calibrate, "
      "applied before any --set (with libvirt, to the prediction too); the "
      "reports name it")("hosts-file", po::value(&options.hosts_file),
                         "libvirt backend: lines host=URI naming each plan host's libvirt URI")(
      "history", po::value(&options.history)->default_value(reports::kDefaultHistoryPath),
      "the run history database to append to")("no-history", po::bool_switch(&options.no_history),
                                               "do not append this run to the history")(
      "no-prediction", po::bool_switch(&options.no_prediction),
      "libvirt backend: skip the simulator's prediction shown next to the "
      "measurement")("end-when-settled", po::bool_switch(&options.end_when_settled),
                     "end each run as soon as it has settled (every scripted "
                     "event fired, every failover, "
                     "test, planned move and failback finished, test copies "
                     "cleaned up) instead of at the "
                     "scenario's duration, which stays the deadline; "
                     "report.json says \"ended\": \"settled\"")(
      "full-evidence", po::bool_switch(&options.full_evidence),
      "list every replication transfer in report.json (by default: a summary "
      "per VM, its "
      "last cycles and the transfers that made its RPO)")(
      "keep", po::bool_switch(&options.keep),
      "libvirt backend: leave the domains and volumes the run created "
      "(firedrill cleanup DIR "
      "removes them)")("verbose,v", po::bool_switch(&options.verbose),
                       "print every engine command and let SimGrid log")(
      "quiet,q", po::bool_switch(&options.quiet),
      "print nothing but errors (no progress lines either)")(
      "progress", po::value(&options.progress)->implicit_value("text"),
      "a line per step on stderr as the run goes (restores, boots and when "
      "they are ready, "
      "syncs, failures): text, or jsonl for automation. Default: text for "
      "--backend libvirt "
      "when stderr is a terminal, none otherwise")(
      "timeout", po::value(&options.timeout_s),
      "seconds of wall-clock time the simulation (with libvirt, the "
      "prediction) may take before "
      "it is killed and reported, exit status 3 (default 3600)");
  return visible;
}

// Prints the usage error and returns false when a value is out of its range.
bool check_values(const RunOptions& options) {
  if (options.scenarios.empty()) {
    std::cerr << "firedrill run: no scenario given (try firedrill run --help)\n";
    return false;
  }
  if (options.backend != "sim" && options.backend != "libvirt") {
    std::cerr << "firedrill run: --backend must be sim or libvirt, not '" << options.backend
              << "'\n";
    return false;
  }
  if (!options.progress.empty() && options.progress != "text" && options.progress != "jsonl") {
    std::cerr << "firedrill run: --progress must be text or jsonl, not '" << options.progress
              << "'\n";
    return false;
  }
  if (!(options.timeout_s > 0)) {
    std::cerr << "firedrill run: --timeout must be positive (try firedrill run "
                 "--help)\n";
    return false;
  }
  return true;
}

// --seed: a non-negative integer and nothing after it; an empty text leaves the seed unset.
bool parse_seed(const std::string& seed_text, std::optional<std::uint64_t>& seed) {
  if (seed_text.empty()) return true;
  try {
    std::size_t used = 0;
    seed = std::stoull(seed_text, &used);
    if (used != seed_text.size()) throw std::invalid_argument("trailing text");
  } catch (const std::exception&) {
    std::cerr << "firedrill run: --seed must be a non-negative integer, not '" << seed_text
              << "'\n";
    return false;
  }
  return true;
}

}  // namespace

std::optional<int> parse_run_options(int argc, char** argv, RunOptions& options) {
  std::string seed_text;
  const po::options_description visible = visible_options(options, seed_text);
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
  if (!check_values(options) || !parse_seed(seed_text, options.seed)) return 2;
  return std::nullopt;
}

}  // namespace firedrill::app
