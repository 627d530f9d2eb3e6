// real_run: runs one scenario on the libvirt backend and writes the engine's Outcome as
// OUT/outcome.json (engine/outcome_json.hpp). The lab tests drive runs through it, so they
// can also kill a run half-way; operators use `firedrill run --backend libvirt`.
//   real_run SCENARIO --hosts-file FILE --out DIR [--keep] [--verbose] [--end-when-settled]
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>

#include "engine/loader.hpp"
#include "engine/outcome_json.hpp"
#include "real/hosts_file.hpp"
#include "real/libvirt_driver.hpp"

namespace {
constexpr const char* kUsage =
    "usage: real_run SCENARIO --hosts-file FILE --out DIR [--keep] [--verbose] "
    "[--end-when-settled]\n";
}  // namespace

int main(int argc, char** argv) {
  using namespace firedrill;
  std::string scenario_path, hosts_file;
  RealRunOptions options;
  bool end_when_settled = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--hosts-file" && i + 1 < argc) {
      hosts_file = argv[++i];
    } else if (arg == "--out" && i + 1 < argc) {
      options.out_dir = argv[++i];
    } else if (arg == "--keep") {
      options.keep = true;
    } else if (arg == "--verbose") {
      options.verbose = true;
    } else if (arg == "--end-when-settled") {
      end_when_settled = true;
    } else if (scenario_path.empty() && arg[0] != '-') {
      scenario_path = arg;
    } else {
      std::cerr << kUsage;
      return 2;
    }
  }
  if (scenario_path.empty() || hosts_file.empty() || options.out_dir.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  auto hosts = read_hosts_file(hosts_file);
  if (!hosts.ok()) {
    for (const auto& error : hosts.errors()) std::cerr << error.render() << "\n";
    return 2;
  }
  options.host_uris = hosts.value();
  auto loaded = load_scenario(scenario_path);
  if (!loaded.ok()) {
    for (const auto& error : loaded.errors()) std::cerr << error.render() << "\n";
    return 2;
  }
  Scenario scenario = loaded.value().scenario;
  scenario.end_when_settled = end_when_settled;
  RealRunResult result = run_libvirt(realize(scenario, scenario.seed), options);
  for (const auto& note : result.notes) std::cerr << "note: " << note << "\n";
  if (!result.outcome) {
    std::cerr << "real_run: " << result.error << "\n";
    return result.exit_status;
  }
  std::ofstream(options.out_dir + "/outcome.json")
      << outcome_to_json(*result.outcome).dump(2) << "\n";
  if (result.interrupt_signal != 0) return 128 + result.interrupt_signal;
  return exit_status(*result.outcome);
}
