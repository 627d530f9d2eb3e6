// `firedrill whatif`: sweeps and Monte Carlo over a scenario. Every combination of the
// --vary values (cartesian product) runs --runs times, each run a forked simulation with
// its own seed; the results become distributions of RTO and RPO per combination and VM
// (reports/whatif_*.hpp). `--shard I/N` runs a slice; `--merge DIR...` combines slices
// into the same bytes one machine would have written. docs/whatif.md has the details.
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include <boost/program_options.hpp>

#include "app/commands.hpp"
#include "engine/loader.hpp"
#include "engine/model.hpp"
#include "reports/whatif_report.hpp"
#include "sim/driver.hpp"
#include "sim/simulate.hpp"
#include "sim/sweep.hpp"

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
                   [--out DIR] [--shard I/N] [--set PATH=VALUE]...
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

  void update(const SweepProgress& progress) {
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

std::optional<std::uint64_t> parse_seed(const std::string& text) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

bool has_distribution(const Scenario& scenario) {
  auto random = [](const DurationSpec& spec) { return !spec.is_fixed(); };
  for (const Event& event : scenario.events) {
    if (random(event.at) || (event.repair_after && random(*event.repair_after))) return true;
  }
  for (const Vm& vm : scenario.plan.vms) {
    if (random(vm.boot_time) || random(vm.shutdown_time)) return true;
  }
  for (const Cluster& cluster : scenario.plan.clusters) {
    if (cluster.ha && random(cluster.ha->failure_timeout)) return true;
  }
  return random(scenario.plan.recovery.detection) || random(scenario.plan.recovery.operator_delay);
}

void print_diagnostics(const std::vector<Diagnostic>& diagnostics, const std::string& context) {
  for (const Diagnostic& diagnostic : diagnostics) {
    std::cerr << "firedrill whatif: " << context << diagnostic.render() << "\n";
  }
}

// Loads every combination's scenario; on bad input prints what is wrong, naming the
// --vary option or the combination, and returns nullopt.
std::optional<std::vector<Scenario>> load_combinations(const std::string& path, const Sweep& sweep,
                                                       const std::optional<std::uint64_t>& seed) {
  if (sweep.axes.size() > 1) {
    // Each value alone first, so that a bad one is named by its --vary option.
    for (const Axis& axis : sweep.axes) {
      for (const std::string& value : axis.values) {
        LoadOptions options{sweep.sets, seed};
        options.overrides.push_back(axis.path + "=" + value);
        auto loaded = load_scenario(path, options);
        if (!loaded.ok()) {
          print_diagnostics(loaded.errors(), "--vary " + axis.path + "=" + value + ": ");
          return std::nullopt;
        }
      }
    }
  }
  std::vector<Scenario> scenarios;
  for (std::size_t c = 0; c < sweep.combination_count(); ++c) {
    auto loaded = load_scenario(path, LoadOptions{sweep.overrides_of(c), seed});
    if (!loaded.ok()) {
      std::string context;
      const std::vector<std::string> values = sweep.values_of(c);
      for (std::size_t i = 0; i < values.size(); ++i) {
        context +=
            (i == 0 ? "" : " ") + std::string("--vary ") + sweep.axes[i].path + "=" + values[i];
      }
      print_diagnostics(loaded.errors(), context.empty() ? "" : context + ": ");
      return std::nullopt;
    }
    scenarios.push_back(std::move(loaded.value().scenario));
  }
  return scenarios;
}

std::string rerun_hint(const std::string& path, const Sweep& sweep, const RunRecord& record) {
  std::string hint = "firedrill run " + path + " --seed " + std::to_string(record.seed);
  for (const std::string& override_text : sweep.overrides_of(record.combination)) {
    hint += " --set '" + override_text + "'";
  }
  return hint;
}

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

int write_outputs(const std::string& out, const RunsFile& runs_file, const SweepSummary* summary) {
  if (auto error = write_file_atomically(out, "runs.jsonl", format_runs_file(runs_file))) {
    std::cerr << "firedrill whatif: " << *error << "\n";
    return kExitBadInput;
  }
  if (summary) {
    if (auto error = write_whatif_reports(out, *summary)) {
      std::cerr << "firedrill whatif: " << *error << "\n";
      return kExitBadInput;
    }
  }
  return kExitComplete;
}

int run_sweep(const Options& options) {
  if (options.positional.size() != 1) {
    return usage_error(options.positional.empty() ? "missing SCENARIO" : "one SCENARIO at a time");
  }
  const std::string& path = options.positional[0];
  Sweep sweep;
  for (const std::string& text : options.vary) {
    auto axis = parse_vary(text);
    if (!axis.ok()) {
      print_diagnostics(axis.errors(), "");
      return kExitBadInput;
    }
    for (const Axis& other : sweep.axes) {
      if (other.path == axis.value().path)
        return usage_error("--vary " + other.path + " is given twice");
    }
    sweep.axes.push_back(axis.value());
  }
  Shard shard;
  if (!options.shard.empty()) {
    auto parsed = parse_shard(options.shard);
    if (!parsed.ok()) {
      print_diagnostics(parsed.errors(), "");
      return kExitBadInput;
    }
    shard = parsed.value();
  }
  std::optional<std::uint64_t> seed;
  if (options.seed) {
    seed = parse_seed(*options.seed);
    if (!seed)
      return usage_error("--seed '" + *options.seed + "': expected a non-negative integer");
  }
  if (options.runs && *options.runs <= 0) return usage_error("--runs must be at least 1");
  if (options.jobs < 0) return usage_error("--jobs must be at least 1");
  if (!(options.timeout_s > 0)) return usage_error("--timeout must be positive");
  sweep.sets = options.sets;
  sweep.independent_seeds = options.independent_seeds;

  auto base = load_scenario(path, LoadOptions{sweep.sets, seed});
  if (!base.ok()) {
    print_diagnostics(base.errors(), "");
    return kExitBadInput;
  }
  if (!options.quiet) {
    for (const Diagnostic& warning : base.value().warnings) std::cerr << warning.render() << "\n";
  }
  const Scenario& scenario = base.value().scenario;
  auto scenarios = load_combinations(path, sweep, seed);
  if (!scenarios) return kExitBadInput;

  sweep.tool_version = FIREDRILL_VERSION;
  sweep.scenario =
      scenario.name.empty() ? std::filesystem::path(path).stem().string() : scenario.name;
  sweep.plan = scenario.plan.name;
  for (const auto& [file, sha] : scenario.input_files) {
    sweep.inputs.emplace_back(std::filesystem::path(file).filename().string(), sha);
  }
  if (sweep.inputs.empty())
    sweep.inputs.emplace_back(std::filesystem::path(path).filename().string(),
                              scenario.input_sha256);
  sweep.seed = seed.value_or(scenario.seed);
  if (options.runs) {
    sweep.runs = *options.runs;
  } else {
    const bool random = std::any_of(scenarios->begin(), scenarios->end(), has_distribution);
    sweep.runs = random ? 100 : 1;
    if (!random && !options.quiet) {
      std::cerr << "firedrill whatif: nothing in the scenario is a distribution, so every run of a "
                   "combination is the same: 1 run each (set --runs to override)\n";
    }
  }
  std::string out = options.out;
  if (out.empty()) {
    out = "reports/" + sweep.scenario + "-whatif";
    if (shard.count > 1) {
      out += "/shard-" + std::to_string(shard.index) + "-of-" + std::to_string(shard.count);
    }
  }

  const std::vector<std::size_t> tasks = sweep.tasks_of(shard);
  std::vector<RunRecord> records;
  SimOptions sim_options;
  // Runs of one combination are simulated in batches, side by side in one forked process
  // (sim/driver.hpp run_batch): SimGrid's set-up and the fork are paid once per batch.
  const int jobs = options.jobs > 0 ? options.jobs : available_cores();
  const std::vector<Batch> batches =
      make_batches(tasks, static_cast<std::size_t>(sweep.runs), static_cast<std::size_t>(jobs));
  std::vector<std::size_t> batch_numbers(batches.size());
  for (std::size_t b = 0; b < batches.size(); ++b) batch_numbers[b] = b;
  const auto work = [&](std::size_t b) -> std::string {
    const Batch& batch = batches[b];
    std::vector<Scenario> realized;
    for (std::size_t task : batch.tasks) {
      const std::size_t combination = task / static_cast<std::size_t>(sweep.runs);
      const int run = static_cast<int>(task % static_cast<std::size_t>(sweep.runs));
      realized.push_back(realize((*scenarios)[combination], sweep.seed_of(combination, run)));
    }
    const std::vector<sim::BatchResult> results = simulate_batch_in_process(realized, sim_options);
    Json answer = Json::array();
    for (std::size_t i = 0; i < results.size(); ++i) {
      const std::size_t task = batch.tasks[i];
      const std::size_t combination = task / static_cast<std::size_t>(sweep.runs);
      const int run = static_cast<int>(task % static_cast<std::size_t>(sweep.runs));
      if (results[i].outcome) {
        answer.push_back(to_json(reduce(*results[i].outcome, combination, run, realized[i].seed)));
      } else {
        answer.push_back(Json{{"error", results[i].error}});
      }
    }
    return answer.dump();
  };
  std::size_t failures_printed = 0;
  const auto keep = [&](RunRecord&& record) {
    if (!record.ok && failures_printed++ < 5) {
      std::cerr << (options.quiet ? "" : "\r\033[K") << "firedrill whatif: run " << record.run
                << " of combination " << record.combination << " gave no outcome: " << record.error
                << "\n  rerun with: " << rerun_hint(path, sweep, record) << "\n";
    }
    records.push_back(std::move(record));
  };
  const auto on_result = [&](TaskResult&& result) {
    const Batch& batch = batches[result.task];
    std::optional<Json> answer;
    std::string batch_error = result.error;
    if (result.status == TaskResult::Status::ok) {
      try {
        answer = Json::parse(result.output);
      } catch (const nlohmann::json::exception& failure) {
        batch_error = std::string("unreadable result: ") + failure.what();
      }
      if (answer && (!answer->is_array() || answer->size() != batch.tasks.size())) {
        answer.reset();
        batch_error = "unreadable result: not one answer per run";
      }
    }
    for (std::size_t i = 0; i < batch.tasks.size(); ++i) {
      const std::size_t task = batch.tasks[i];
      RunRecord record;
      record.combination = task / static_cast<std::size_t>(sweep.runs);
      record.run = static_cast<int>(task % static_cast<std::size_t>(sweep.runs));
      record.seed = sweep.seed_of(record.combination, record.run);
      record.ok = false;
      if (!answer) {
        record.error = batch.tasks.size() == 1 ? batch_error
                                               : batch_error + " (its batch of " +
                                                     std::to_string(batch.tasks.size()) + " runs)";
      } else if ((*answer)[i].contains("error")) {
        record.error = (*answer)[i]["error"].get<std::string>();
      } else {
        Result<RunRecord> parsed = record_from_json((*answer)[i], "run result");
        if (parsed.ok()) {
          keep(std::move(parsed.value()));
          continue;
        }
        record.error = "unreadable result: " + parsed.errors()[0].render();
      }
      keep(std::move(record));
    }
  };

  ProgressPrinter printer(options.quiet);
  SweepOptions sweep_options;
  sweep_options.jobs = jobs;
  // --timeout is per run; a batch may take as long as its runs together.
  sweep_options.task_timeout_s = options.timeout_s * static_cast<double>(max_batch_size(batches));
  sweep_options.stop = &g_stop_signal;
  // The runner counts batches; the bar counts runs.
  sweep_options.progress = [&](const SweepProgress& progress) {
    SweepProgress runs = progress;
    runs.total = tasks.size();
    runs.done = records.size();
    runs.failed = static_cast<std::size_t>(std::count_if(
        records.begin(), records.end(), [](const RunRecord& record) { return !record.ok; }));
    printer.update(runs);
  };
  SweepRunStats stats;
  {
    StopSignals signals;
    stats = run_forked(batch_numbers, work, on_result, sweep_options);
  }
  printer.finish();
  const int stop_signal = g_stop_signal;

  RunsFile runs_file{sweep, shard, stats.stopped, records};
  const bool whole = shard.count == 1;
  SweepSummary summary;
  if (whole) summary = summarize(sweep, records, stats.stopped);
  if (int status = write_outputs(out, runs_file, whole ? &summary : nullptr); status != 0)
    return status;
  if (whole && !options.quiet) print_summary(summary, out);
  if (!whole && !options.quiet) {
    std::cout << "whatif shard " << shard.index << "/" << shard.count << ": " << records.size()
              << " of " << tasks.size() << " runs -> " << out
              << "/runs.jsonl (combine with firedrill whatif --merge)\n";
  }
  if (stats.stopped) {
    std::cerr << "firedrill whatif: interrupted by signal " << stop_signal << "; " << records.size()
              << " of " << tasks.size() << " runs kept, written as a partial result to " << out
              << "\n";
    return kExitSignalBase + (stop_signal > 0 ? stop_signal : SIGINT);
  }
  const bool any_failed = std::any_of(records.begin(), records.end(),
                                      [](const RunRecord& record) { return !record.ok; });
  return any_failed ? kExitRunsFailed : kExitComplete;
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The first top-level key of the sweep identity where two runs files differ.
std::string first_difference(const Sweep& a, const Sweep& b) {
  const Json left = to_json(a);
  const Json right = to_json(b);
  for (const auto& [key, value] : left.items()) {
    if (!right.contains(key) || right.at(key) != value) return key;
  }
  return "?";
}

int run_merge(const Options& options) {
  if (options.positional.empty()) return usage_error("--merge needs at least one DIR");
  if (!options.vary.empty() || !options.sets.empty() || options.runs || options.seed ||
      !options.shard.empty()) {
    return usage_error("--merge takes only DIR... and --out (the sweep is read from the shards)");
  }
  std::optional<RunsFile> merged;
  std::map<std::size_t, RunRecord> by_task;
  bool interrupted = false;
  for (const std::string& argument : options.positional) {
    const std::string file = std::filesystem::is_directory(argument)
                                 ? (std::filesystem::path(argument) / "runs.jsonl").string()
                                 : argument;
    const auto text = read_file(file);
    if (!text) {
      std::cerr << "firedrill whatif: " << file
                << ": cannot read (is it a whatif output directory?)\n";
      return kExitBadInput;
    }
    auto parsed = parse_runs_file(*text, file);
    if (!parsed.ok()) {
      print_diagnostics(parsed.errors(), "");
      return kExitBadInput;
    }
    RunsFile& shard = parsed.value();
    if (!merged) {
      merged = RunsFile{shard.sweep, Shard{0, 1}, false, {}};
    } else if (to_json(shard.sweep) != to_json(merged->sweep)) {
      std::cerr << "firedrill whatif: " << file << ": comes from a different sweep than "
                << options.positional[0] << " (they differ in '"
                << first_difference(merged->sweep, shard.sweep) << "')\n";
      return kExitBadInput;
    }
    interrupted = interrupted || shard.interrupted;
    for (RunRecord& record : shard.records) {
      const std::size_t task = record.task(merged->sweep.runs);
      auto [it, inserted] = by_task.emplace(task, record);
      if (!inserted && !it->second.ok && record.ok)
        it->second = std::move(record);  // a rerun fixed it
    }
  }
  for (auto& [task, record] : by_task) merged->records.push_back(std::move(record));
  const std::size_t missing = merged->sweep.task_count() - merged->records.size();
  merged->interrupted = interrupted && missing > 0;
  const SweepSummary summary = summarize(merged->sweep, merged->records, merged->interrupted);
  const std::string out =
      options.out.empty() ? "reports/" + merged->sweep.scenario + "-whatif" : options.out;
  if (int status = write_outputs(out, *merged, &summary); status != 0) return status;
  if (!options.quiet) print_summary(summary, out);
  if (missing > 0) {
    std::cerr << "firedrill whatif: " << missing << " of " << merged->sweep.task_count()
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
  return options.merge ? run_merge(options) : run_sweep(options);
}

}  // namespace firedrill::app
