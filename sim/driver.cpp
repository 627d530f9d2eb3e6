// The SimGrid driver (driver.hpp): one s4u::Engine per call, a controller actor per run
// that runs drive() (engine/drive.hpp) with the simulated backend (driver_backend.hpp).
#include "sim/driver.hpp"

#include <simgrid/s4u.hpp>

#include <memory>
#include <stdexcept>

#include "sim/driver_backend.hpp"
#include "sim/platform.hpp"

namespace sg4 = simgrid::s4u;

namespace firedrill::sim {

std::vector<std::string> simgrid_config(bool thread_contexts, bool verbose) {
  std::vector<std::string> args{
      "--cfg=network/model:CM02",         "--cfg=network/TCP-gamma:0",
      "--cfg=network/crosstraffic:0",     "--cfg=network/latency-factor:1",
      "--cfg=network/bandwidth-factor:1", "--cfg=network/weight-S:0",
  };
  if (thread_contexts) args.push_back("--cfg=contexts/factory:thread");
  if (!verbose) args.push_back("--log=root.thres:critical");
  return args;
}

std::vector<BatchResult> run_batch(const std::vector<Scenario>& realized,
                                   const std::vector<std::string>& simgrid_args, bool verbose,
                                   DriverStats* stats, DriveObserver* observer) {
  if (realized.empty()) return {};
  const std::string signature = platform_signature(realized.front().plan);
  for (const Scenario& scenario : realized) {
    if (platform_signature(scenario.plan) != signature) {
      throw std::invalid_argument("scenario '" + scenario.name +
                                  "': a batch needs one platform, its hosts or links differ");
    }
  }
  std::vector<std::string> args{"firedrill"};
  args.insert(args.end(), simgrid_args.begin(), simgrid_args.end());
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  int argc = static_cast<int>(args.size());
  sg4::Engine simulation(&argc, argv.data());
  const std::vector<SimPlatform> platforms =
      build_platforms(realized.front().plan, static_cast<int>(realized.size()));
  std::vector<std::unique_ptr<Driver>> drivers;
  std::vector<std::string> thrown(realized.size());
  for (std::size_t i = 0; i < realized.size(); ++i) {
    drivers.push_back(
        std::make_unique<Driver>(realized[i], platforms[i], verbose, stats, observer));
    Driver* driver = drivers.back().get();
    std::string* failure = &thrown[i];
    sg4::Actor::create("controller", platforms[i].controller, [driver, failure] {
      // One run's failure must not end its neighbours' runs: keep it for its result.
      try {
        driver->run();
      } catch (const std::exception& error) {
        *failure = error.what();
      }
    });
  }
  simulation.run();
  std::vector<BatchResult> results(realized.size());
  for (std::size_t i = 0; i < realized.size(); ++i) {
    const std::string& error = thrown[i].empty() ? drivers[i]->error() : thrown[i];
    if (error.empty()) {
      results[i].outcome = drivers[i]->take_outcome();
    } else {
      results[i].error = "scenario '" + realized[i].name + "' (seed " +
                         std::to_string(realized[i].seed) + "): " + error;
    }
  }
  return results;
}

Outcome run_driver(const Scenario& realized, const std::vector<std::string>& simgrid_args,
                   bool verbose, DriverStats* stats, DriveObserver* observer) {
  std::vector<BatchResult> results = run_batch({realized}, simgrid_args, verbose, stats, observer);
  if (!results[0].outcome) throw std::runtime_error(results[0].error);
  return std::move(*results[0].outcome);
}

}  // namespace firedrill::sim
