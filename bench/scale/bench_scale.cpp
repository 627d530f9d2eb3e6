// The scale benchmark of issue 4: for each N, a generated plan of N VMs on N/20 hosts
// (scale_plan.hpp) replicates every 15 minutes for 24 h, loses its primary site, and fails
// over completely, in the SimGrid simulator. Prints wall time, peak memory, transfers
// simulated and simulated seconds per wall second. Each N runs in a process of its own.
// With --engine-only the engine runs alone: the analytic backend of the engine tests
// (tests/engine/analytic_backend.hpp) carries out its commands with textbook timings, no
// SimGrid, so the figure is the engine's own cost.
//
//   bench_scale [--vms 1000,5000,10000] [--hosts M] [--seed S] [--classes] [--wan-limit K]
//               [--engine-only]
//               [--json FILE]   (write the generated scenario for `firedrill run`, no run)
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/scale/each_size.hpp"
#include "bench/scale/scale_plan.hpp"
#include "engine/drive.hpp"
#include "engine/engine.hpp"
#include "engine/outcome_wire.hpp"
#include "engine/validate.hpp"
#include "sim/driver.hpp"
#include "sim/simulate.hpp"
#include "tests/engine/analytic_backend.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The engine alone, driven by the analytic backend (no SimGrid); throws if drive() fails.
firedrill::Outcome run_engine_alone(const firedrill::Scenario& scenario,
                                    firedrill::sim::DriverStats& stats) {
  using namespace firedrill;
  FailoverEngine engine(scenario);
  testing::AnalyticBackend backend(scenario);
  const DriveResult result = drive(engine, backend, DriveLimits{});
  if (!result.ok()) throw std::runtime_error("engine alone: " + result.error);
  Outcome outcome = engine.take_outcome();
  stats.transfers_started = outcome.summary.transfers_completed;  // the backend fails none
  return outcome;
}

// Runs one size in this (fresh) process and prints one result line.
int run_one(const firedrill::bench::ScaleOptions& options, bool engine_only) {
  using namespace firedrill;
  const auto start = Clock::now();
  const Scenario scenario = bench::scale_scenario(options);
  for (const Diagnostic& d : validate(scenario)) {
    if (d.severity == Diagnostic::Severity::error) {
      std::cerr << "generated scenario is invalid: " << d.render() << "\n";
      return 2;
    }
  }
  const double generate_s = seconds_since(start);
  const auto simulate_start = Clock::now();
  const double simulate_cpu_start_s = firedrill::bench::cpu_seconds();
  sim::DriverStats stats;
  const Outcome outcome =
      engine_only ? run_engine_alone(scenario, stats)
                  : sim::run_driver(scenario, sim::simgrid_config(false, false), false, &stats);
  const double simulate_s = seconds_since(simulate_start);
  const double simulate_cpu_s = firedrill::bench::cpu_seconds() - simulate_cpu_start_s;
  Outcome sent = outcome;  // the wire form moves its transfer records out
  const auto serialize_start = Clock::now();
  const std::size_t json_bytes = outcome_to_wire(std::move(sent)).size();
  const double serialize_s = seconds_since(serialize_start);
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const double peak_MiB = static_cast<double>(usage.ru_maxrss) / 1024.0;
  const double cpu_s = firedrill::bench::cpu_seconds();
  std::printf(
      "%6d %5d %9.2f %8.2f %8.2f %9.2f %9.2f %8.2f %9.0f %9ld %9d %11.0f %9d %6d %6d %8.0f %8.0f "
      "%7.1f\n",
      options.vms, options.hosts, seconds_since(start), cpu_s, generate_s, simulate_s,
      simulate_cpu_s, serialize_s, peak_MiB, stats.transfers_started,
      outcome.summary.transfers_completed, scenario.duration_s / simulate_s,
      outcome.summary.recovered, outcome.summary.failed, outcome.summary.lost,
      outcome.summary.rto_s.value_or(-1), outcome.summary.rpo_s.value_or(-1),
      static_cast<double>(json_bytes) / (1024.0 * 1024.0));
  std::fflush(stdout);
  return 0;
}

const char* const kUsage =
    "usage: bench_scale [--vms N,...] [--hosts M] [--seed S] [--classes] [--wan-limit K]\n"
    "                   [--engine-only] [--json FILE]\n"
    "  --vms N,...     plan sizes to run, each in a process of its own (default "
    "1000,5000,10000)\n"
    "  --hosts M       hosts, half at each site (default N / 20, at least 2)\n"
    "  --seed S        the generator's seed (default 1)\n"
    "  --classes       five template change rates instead of one random rate per VM\n"
    "  --wan-limit K   the WAN's max_concurrent_transfers (default 64: 16 appliances of 4\n"
    "                  tasks); 0 lifts the limit\n"
    "  --engine-only   the engine alone with the tests' analytic backend (no SimGrid: a\n"
    "                  transfer takes latency + bytes / bandwidth, links are never shared)\n"
    "  --json FILE     write the scenario of the first N to FILE for `firedrill run`, no run\n";

std::vector<int> parse_list(const std::string& text) {
  std::vector<int> values;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) values.push_back(std::stoi(item));
  return values;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> sizes{1000, 5000, 10000};
  int hosts = 0;  // 0: N / 20
  firedrill::bench::ScaleOptions options;
  std::string json_file;
  bool engine_only = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << arg << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--vms") {
      sizes = parse_list(value());
    } else if (arg == "--hosts") {
      hosts = std::stoi(value());
    } else if (arg == "--seed") {
      options.seed = std::stoull(value());
    } else if (arg == "--classes") {
      options.rate_classes = true;
    } else if (arg == "--wan-limit") {
      options.wan_limit = std::stoi(value());
      if (options.wan_limit < 0) {
        std::cerr << "--wan-limit must be 0 (no limit) or more\n";
        return 2;
      }
    } else if (arg == "--engine-only") {
      engine_only = true;
    } else if (arg == "--json") {
      json_file = value();
    } else if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    } else {
      std::cerr << kUsage;
      return 2;
    }
  }
  if (!json_file.empty()) {
    options.vms = sizes.at(0);
    options.hosts = hosts > 0 ? hosts : std::max(2, options.vms / 20);
    std::ofstream(json_file)
        << firedrill::bench::scenario_json(firedrill::bench::scale_scenario(options)).dump(1)
        << "\n";
    return 0;
  }
  const std::string limit =
      options.wan_limit > 0 ? std::to_string(options.wan_limit) : std::string("no");
  std::printf(
      "# 24 h of %s replication every 15 min (WAN limit: %s), then a primary-site outage; "
      "%s; seed %llu\n",
      options.rate_classes ? "class-rate" : "random-rate", limit.c_str(),
      engine_only ? "the engine alone (analytic backend)" : "SimGrid",
      static_cast<unsigned long long>(options.seed));
  std::printf("%6s %5s %9s %8s %8s %9s %9s %8s %9s %9s %9s %11s %9s %6s %6s %8s %8s %7s\n", "vms",
              "hosts", "wall_s", "cpu_s", "gen_s", "sim_s", "sim_cpu_s", "wire_s", "peak_MiB",
              "transfers", "completed", "simsec/s", "recovered", "failed", "lost", "max_rto",
              "max_rpo", "wire_MiB");
  std::fflush(stdout);
  return firedrill::bench::run_each_size(
      sizes, hosts, options,
      [&](const firedrill::bench::ScaleOptions& o) { return run_one(o, engine_only); });
}
