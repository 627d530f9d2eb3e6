// `firedrill whatif`: sweeps and Monte Carlo over a scenario. Every combination of the
// --vary values (cartesian product) runs --runs times, each run with its own seed; the
// results become distributions of RTO and RPO per combination and VM. `--shard I/N` runs a
// slice; `--merge DIR...` combines slices into the same bytes one machine would have
// written. This file holds the options, the printing and the exit statuses; the sweep
// itself is whatif/ (setup, runner, merge, statistics), its files reports/whatif_*.
// docs/whatif.md has the details.
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <iostream>

#include <boost/program_options.hpp>

#include "app/calibration_option.hpp"
#include "app/commands.hpp"
#include "reports/report.hpp"
#include "reports/whatif_report.hpp"
#include "whatif/merge.hpp"
#include "whatif/runner.hpp"
#include "whatif/setup.hpp"
#include "whatif/stats.hpp"

namespace firedrill::app {

namespace {

namespace po = boost::program_options;
using namespace firedrill::whatif;

// Exit statuses of `firedrill whatif` (docs/whatif.md).
constexpr int kExitComplete = 0;      // every planned run gave an outcome
constexpr int kExitBadInput = 2;      // bad input or usage
constexpr int kExitRunsFailed = 3;    // some runs crashed or timed out (reported, with seeds)
constexpr int kExitIncomplete = 4;    // --merge: runs are missing (a shard was not given)
constexpr int kExitSignalBase = 128;  // interrupted: 128 + signal (130 SIGINT, 143 SIGTERM)

constexpr const char* kUsage = R"(Usage:
  firedrill whatif SCENARIO [--vary PATH=V1,V2,...]... [--runs N] [--jobs J] [--seed S]
                   [--out DIR] [--shard I/N] [--set PATH=VALUE]... [--calibration FILE]
  firedrill whatif --merge DIR... [--out DIR]

Runs every combination of the --vary values (the cartesian product), each --runs times
with seeds derived from --seed, and reports per combination and VM the distribution of
RTO and RPO (min, mean, p50, p95, p99, max), the probability of meeting each objective,
the outcome counts, and the critical-path steps that dominate the p95 RTO.
Writes whatif.json, whatif.csv, whatif.html and runs.jsonl (the raw per-run results)
into --out (default reports/<scenario>-whatif/).

PATH is what --set takes: relative to the plan with elements named by their name
(replication.to-dr.interval, vms.db.boot_time, recovery.operator_delay) or to the
scenario with "scenario." (scenario.events[0].at). A value may be a distribution:
  --vary 'scenario.events[0].at={"dist":"uniform","min":"1h","max":"1d"}'

Examples:
  firedrill whatif scenarios/site-outage.json --vary replication.to-dr.interval=5m,15m,30m \
      --vary links.wan.bandwidth=200Mbps,1Gbps --runs 200
  firedrill whatif S.json --vary ... --shard 0/8 --out shards/0   # one of 8 machines
  firedrill whatif --merge shards/* --out reports/big-sweep       # same bytes as one run

Exit status: 0 the sweep completed (objectives met or not: the numbers are the answer);
2 bad input or usage; 3 some runs gave no outcome (crashed or timed out: listed with
their seeds in whatif.json); 4 --merge found runs missing; 130/143 interrupted by
SIGINT/SIGTERM (the runs finished so far are written, marked "partial": true).

Options)";

volatile std::sig_atomic_t g_stop_signal = 0;

void on_stop_signal(int signal_number) {
  g_stop_signal = signal_number;
}

// Installs SIGINT/SIGTERM handlers for the sweep (no SA_RESTART: poll() must wake up) and
// restores the previous ones when it goes out of scope.
class StopSignals {
 public:
  StopSignals() {
    g_stop_signal = 0;
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, &previous_int_);
    ::sigaction(SIGTERM, &action, &previous_term_);
  }
  ~StopSignals() {
    ::sigaction(SIGINT, &previous_int_, nullptr);
    ::sigaction(SIGTERM, &previous_term_, nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  struct sigaction previous_int_ {};
  struct sigaction previous_term_ {};
};

struct Options {
  std::vector<std::string> positional;
  std::vector<std::string> vary;
  std::vector<std::string> sets;
  std::string calibration;  // --calibration FILE
  std::optional<int> runs;
  int jobs = 0;
  std::optional<std::string> seed;
  std::string out;
  std::string shard;
  bool merge = false;
  bool independent_seeds = false;
  bool quiet = false;
  double timeout_s = 300;
};

int usage_error(const std::string& message) {
  std::cerr << "firedrill whatif: " << message << " (try firedrill whatif --help)\n";
  return kExitBadInput;
}

int available_cores() {
  cpu_set_t set;
  if (::sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return static_cast<int>(std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN)));
}

std::string clock_text(double seconds) {
  const long total = static_cast<long>(seconds + 0.5);
  char buffer[32];
  if (total >= 3600) {
    std::snprintf(buffer, sizeof buffer, "%ld:%02ld:%02ld", total / 3600, total / 60 % 60,
                  total % 60);
  } else {
    std::snprintf(buffer, sizeof buffer, "%ld:%02ld", total / 60, total % 60);
  }
  return buffer;
}

// The progress bar (a terminal) or plain lines (a log: after 1 s, then every 10 s), on stderr.
class ProgressPrinter {
 public:
  explicit ProgressPrinter(bool quiet) : quiet_(quiet), terminal_(::isatty(STDERR_FILENO) == 1) {}

  void update(const PoolProgress& progress) {
    if (quiet_ || progress.total == 0) return;
    const double rate = progress.elapsed_s > 0 ? progress.done / progress.elapsed_s : 0;
    const double eta = rate > 0 ? (progress.total - progress.done) / rate : 0;
    const double fraction = static_cast<double>(progress.done) / progress.total;
    char numbers[160];
    std::snprintf(numbers, sizeof numbers, "%zu/%zu runs %3.0f%%  %.0f runs/s  %s %s",
                  progress.done, progress.total, fraction * 100, rate,
                  progress.done == progress.total ? "took" : "ETA",
                  clock_text(progress.done == progress.total ? progress.elapsed_s : eta).c_str());
    std::string line = numbers;
    if (progress.failed > 0) line += "  " + std::to_string(progress.failed) + " failed";
    if (terminal_) {
      constexpr int kWidth = 28;
      const int filled = static_cast<int>(fraction * kWidth);
      std::string bar = "[" + std::string(filled, '#') + std::string(kWidth - filled, '.') + "] ";
      std::cerr << "\r" << bar << line << "\033[K" << std::flush;
      drawn_ = true;
      return;
    }
    // A first line after a second (the rate is known by then), then one every 10 s.
    const double interval_s = lines_ == 0 ? 1 : 10;
    if (progress.elapsed_s - last_line_s_ >= interval_s || progress.done == progress.total) {
      ++lines_;
      std::cerr << "whatif: " << line << "\n";
      last_line_s_ = progress.elapsed_s;
    }
  }

  void finish() {
    if (drawn_) std::cerr << "\n";
    drawn_ = false;
  }

 private:
  bool quiet_;
  bool terminal_;
  bool drawn_ = false;
  double last_line_s_ = 0;
  int lines_ = 0;
};

// A short table on stdout: the answer at a glance; the files have the rest.
void print_summary(const SweepSummary& summary, const std::string& out) {
  auto text = [](const std::optional<Distribution>& d, double Distribution::*member) {
    if (!d) return std::string("-");
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.0fs", (*d).*member);
    return std::string(buffer);
  };
  std::cout << "whatif " << summary.sweep.scenario << ": " << summary.combinations.size()
            << " combination(s) x " << summary.sweep.runs << " run(s), seed " << summary.sweep.seed
            << (summary.partial ? "  [PARTIAL]" : "") << "\n";
  for (const CombinationStats& c : summary.combinations) {
    std::string name;
    for (std::size_t i = 0; i < c.values.size(); ++i) {
      name += (i ? " " : "") + summary.sweep.axes[i].path + "=" + c.values[i];
    }
    char line[256];
    std::snprintf(
        line, sizeof line,
        "  #%-3zu RTO p50 %-8s p95 %-8s  RPO p50 %-8s p95 %-8s  all objectives met %5.1f%%  ",
        c.index, text(c.rto, &Distribution::p50).c_str(), text(c.rto, &Distribution::p95).c_str(),
        text(c.rpo, &Distribution::p50).c_str(), text(c.rpo, &Distribution::p95).c_str(),
        c.p_all_met.value_or(0) * 100);
    std::cout << line << (name.empty() ? "(as written)" : name) << "\n";
    // The VM with the worst p95 RTO, and what makes it.
    const VmStats* worst = nullptr;
    for (const VmStats& vm : c.vms) {
      if (vm.rto && (!worst || vm.rto->p95 > worst->rto->p95)) worst = &vm;
    }
    if (worst && !worst->drivers_text.empty()) {
      std::cout << "        p95 RTO " << worst->name << ": " << worst->drivers_text << "\n";
    }
  }
  std::cout << "reports: " << out << "/whatif.html\n";
}

void print_lines(const std::vector<std::string>& lines) {
  for (const std::string& line : lines) std::cerr << "firedrill whatif: " << line << "\n";
}

// runs.jsonl always; whatif.json, .csv and .html for a whole sweep (not a shard).
int write_outputs(const std::string& out, const RunsFile& runs_file, const SweepSummary* summary) {
  std::error_code error;
  std::filesystem::create_directories(out, error);
  if (error) {
    std::cerr << "firedrill whatif: cannot create directory " << out << ": " << error.message()
              << "\n";
    return kExitBadInput;
  }
  const std::string runs_path = (std::filesystem::path(out) / "runs.jsonl").string();
  if (auto problem = reports::write_file_atomically(runs_path, format_runs_file(runs_file));
      !problem.empty()) {
    std::cerr << "firedrill whatif: " << problem << "\n";
    return kExitBadInput;
  }
  if (summary) {
    if (auto problem = write_whatif_reports(out, *summary)) {
      std::cerr << "firedrill whatif: " << *problem << "\n";
      return kExitBadInput;
    }
  }
  return kExitComplete;
}

std::string default_out(const Sweep& sweep, const Shard& shard) {
  std::string out = "reports/" + sweep.scenario + "-whatif";
  if (shard.count > 1) {
    out += "/shard-" + std::to_string(shard.index) + "-of-" + std::to_string(shard.count);
  }
  return out;
}

// The sweep set up from the options, or nullopt once what is wrong has been printed.
std::optional<PreparedSweep> set_up(const Options& options) {
  bool calibration_ok = true;
  SweepRequest request{options.positional[0],
                       options.vary,
                       options.sets,
                       options.runs,
                       options.seed,
                       options.shard,
                       options.independent_seeds,
                       read_calibration_option(options.calibration, calibration_ok)};
  if (!calibration_ok) return std::nullopt;
  SetupResult setup = prepare_sweep(request, FIREDRILL_VERSION);
  if (!options.quiet) {
    for (const Diagnostic& warning : setup.warnings) std::cerr << warning.render() << "\n";
  }
  if (!setup.prepared) {
    if (setup.error.usage) {
      for (const std::string& line : setup.error.lines) usage_error(line);
    } else {
      print_lines(setup.error.lines);
    }
    return std::nullopt;
  }
  if (setup.prepared->runs_defaulted_to_one && !options.quiet) {
    std::cerr << "firedrill whatif: nothing in the scenario is a distribution, so every run of a "
                 "combination is the same: 1 run each (set --runs to override)\n";
  }
  return std::move(setup.prepared);
}

// The sweep's runs through the batch runner, with the progress bar and the first failures
// printed as they come.
RunnerResult run_runs(const Options& options, const PreparedSweep& prepared,
                      const std::vector<std::size_t>& tasks) {
  ProgressPrinter printer(options.quiet);
  std::size_t failures_printed = 0;
  RunnerOptions runner;
  runner.jobs = options.jobs > 0 ? options.jobs : available_cores();
  runner.run_timeout_s = options.timeout_s;
  runner.stop = &g_stop_signal;
  runner.progress = [&](const PoolProgress& progress) { printer.update(progress); };
  runner.on_record = [&](const RunRecord& record) {
    if (record.ok || failures_printed++ >= 5) return;
    std::cerr << (options.quiet ? "" : "\r\033[K") << "firedrill whatif: run " << record.run
              << " of combination " << record.combination << " gave no outcome: " << record.error
              << "\n  rerun with: " << rerun_hint(options.positional[0], prepared.sweep, record)
              << "\n";
  };
  RunnerResult result;
  {
    StopSignals signals;
    result = run_sweep(prepared.sweep, prepared.combinations, tasks, runner);
  }
  printer.finish();
  return result;
}

int run_sweep_command(const Options& options) {
  if (options.positional.size() != 1) {
    return usage_error(options.positional.empty() ? "missing SCENARIO" : "one SCENARIO at a time");
  }
  if (options.jobs < 0) return usage_error("--jobs must be at least 1");
  if (!(options.timeout_s > 0)) return usage_error("--timeout must be positive");
  std::optional<PreparedSweep> prepared = set_up(options);
  if (!prepared) return kExitBadInput;
  const Sweep& sweep = prepared->sweep;
  const Shard& shard = prepared->shard;
  const std::string out = options.out.empty() ? default_out(sweep, shard) : options.out;

  const std::vector<std::size_t> tasks = sweep.tasks_of(shard);
  RunnerResult result = run_runs(options, *prepared, tasks);
  const int stop_signal = g_stop_signal;
  const std::size_t kept = result.records.size();
  const bool any_failed = std::any_of(result.records.begin(), result.records.end(),
                                      [](const RunRecord& record) { return !record.ok; });

  const bool whole = shard.count == 1;
  SweepSummary summary;
  if (whole) summary = summarize(sweep, result.records, result.stopped);
  const RunsFile runs_file{sweep, shard, result.stopped, std::move(result.records)};
  if (int status = write_outputs(out, runs_file, whole ? &summary : nullptr); status != 0)
    return status;
  if (whole && !options.quiet) print_summary(summary, out);
  if (!whole && !options.quiet) {
    std::cout << "whatif shard " << shard.index << "/" << shard.count << ": " << kept << " of "
              << tasks.size() << " runs -> " << out
              << "/runs.jsonl (combine with firedrill whatif --merge)\n";
  }
  if (result.stopped) {
    std::cerr << "firedrill whatif: interrupted by signal " << stop_signal << "; " << kept << " of "
              << tasks.size() << " runs kept, written as a partial result to " << out << "\n";
    return kExitSignalBase + (stop_signal > 0 ? stop_signal : SIGINT);
  }
  return any_failed ? kExitRunsFailed : kExitComplete;
}

int run_merge(const Options& options) {
  if (options.positional.empty()) return usage_error("--merge needs at least one DIR");
  if (!options.vary.empty() || !options.sets.empty() || options.runs || options.seed ||
      !options.shard.empty() || !options.calibration.empty()) {
    return usage_error("--merge takes only DIR... and --out (the sweep is read from the shards)");
  }
  MergeResult result = merge_runs_files(options.positional);
  if (!result.merged) {
    print_lines(result.errors);
    return kExitBadInput;
  }
  const RunsFile& merged = *result.merged;
  const SweepSummary summary = summarize(merged.sweep, merged.records, merged.interrupted);
  const std::string out =
      options.out.empty() ? "reports/" + merged.sweep.scenario + "-whatif" : options.out;
  if (int status = write_outputs(out, merged, &summary); status != 0) return status;
  if (!options.quiet) print_summary(summary, out);
  if (result.missing > 0) {
    std::cerr << "firedrill whatif: " << result.missing << " of " << merged.sweep.task_count()
              << " runs are missing (a shard not given, or interrupted); the result is partial\n";
    return kExitIncomplete;
  }
  return summary.failed > 0 ? kExitRunsFailed : kExitComplete;
}

}  // namespace

int cmd_whatif(int argc, char** argv) {
  Options options;
  po::options_description visible(kUsage);
  // clang-format off
  visible.add_options()
    ("help,h", "show this help")
    ("vary", po::value(&options.vary)->composing(),
     "PATH=V1,V2,...: values to try for one parameter (repeatable: every combination runs)")
    ("runs", po::value<int>(), "runs per combination (default: 100 if the scenario has a "
                               "distribution, else 1)")
    ("jobs,j", po::value(&options.jobs), "simulations in parallel (default: the number of cores)")
    ("seed", po::value<std::string>(), "base seed S (default: the scenario's seed); run seeds are "
                                       "derived from S and the run index")
    ("independent-seeds", po::bool_switch(&options.independent_seeds),
     "derive seeds from the combination index too (default: run r replays the same draws in "
     "every combination)")
    ("out,o", po::value(&options.out), "output directory (default: reports/<scenario>-whatif/)")
    ("shard", po::value(&options.shard), "I/N: run only slice I (0-based) of N; merge with --merge")
    ("merge", po::bool_switch(&options.merge), "combine the runs.jsonl of DIR... into one result")
    ("set", po::value(&options.sets)->composing(), "PATH=VALUE: override one value in every run")
    ("calibration", po::value(&options.calibration),
     "FILE: measured values from firedrill calibrate, applied to every run before --set and "
     "--vary (docs/calibrate.md)")
    ("timeout", po::value(&options.timeout_s), "seconds a single run may take (a batch of K "
                                               "runs gets K times as long) before it is killed "
                                               "and reported (default: 300)")
    ("quiet,q", po::bool_switch(&options.quiet), "no progress bar, warnings or summary");
  // clang-format on
  po::options_description hidden;
  hidden.add_options()("positional", po::value(&options.positional)->composing());
  po::options_description all;
  all.add(visible).add(hidden);
  po::positional_options_description positional;
  positional.add("positional", -1);
  po::variables_map variables;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(),
              variables);
    po::notify(variables);
  } catch (const po::error& error) {
    return usage_error(error.what());
  }
  if (variables.count("help")) {
    std::cout << visible << "\n";
    return 0;
  }
  if (variables.count("runs")) options.runs = variables["runs"].as<int>();
  if (variables.count("seed")) options.seed = variables["seed"].as<std::string>();
  return options.merge ? run_merge(options) : run_sweep_command(options);
}

}  // namespace firedrill::app
