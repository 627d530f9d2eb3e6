// Running a scenario in the SimGrid simulator. SimGrid's engine is a process-wide
// singleton that leaves state behind, so every simulation runs in a process of its own:
// simulate() runs simulate_in_process() in a child of the fork pool (sim/fork_pool.hpp),
// which bounds the wait by options.timeout_s, and reads the Outcome back. A sweep runs
// simulate_batch_in_process() in its own pool children (whatif/runner.hpp).
#pragma once

#include <csignal>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "engine/model.hpp"
#include "engine/outcome.hpp"
#include "sim/driver.hpp"

namespace firedrill {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kBuiltWithAsan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kBuiltWithAsan = true;
#else
inline constexpr bool kBuiltWithAsan = false;
#endif
#else
inline constexpr bool kBuiltWithAsan = false;
#endif

// Wall-clock seconds a simulation of `firedrill run` may take before it is killed (a
// 10,000-VM plan took 36 min on a loaded 2-core machine, bench/README.md).
inline constexpr double kDefaultSimTimeout_s = 3600;

struct SimOptions {
  bool verbose = false;  // let SimGrid log and print every engine command on stderr
  // Use SimGrid's thread contexts instead of stack switching (clean under AddressSanitizer).
  // Defaults to on when the build has ASan.
  bool thread_contexts = kBuiltWithAsan;
  // simulate(): a child running longer is killed and the run reported as timed out.
  double timeout_s = kDefaultSimTimeout_s;
  // simulate(): read while waiting; non-zero kills the child and ends with an error.
  const volatile std::sig_atomic_t* stop = nullptr;
  // Sees the run as drive() drives it (progress lines), in the process that simulates (the
  // forked child writes to this process's stderr); may be null.
  DriveObserver* observer = nullptr;
};

// Runs `realized` (engine/model.hpp: realize()) to its duration in THIS process. Only call
// it in a process that has never run SimGrid before (a fresh fork). Throws
// std::runtime_error when the driver had to stop the run (its loop bound, or an engine that
// waits for nothing before its end).
Outcome simulate_in_process(const Scenario& realized, const SimOptions& options);

// Runs several realized scenarios of one plan side by side in THIS process (sim/driver.hpp
// run_batch): one outcome or error per scenario, in order. Same rules as
// simulate_in_process() (a fresh fork); a sweep's batch of runs costs one process.
std::vector<sim::BatchResult> simulate_batch_in_process(const std::vector<Scenario>& realized,
                                                        const SimOptions& options);

// Simulates in a forked child and returns its Outcome. A child that crashes, dies by a
// signal, throws, or outlives options.timeout_s (killed, then) gives an error naming the
// scenario and its seed ("rerun with --seed"). The child writes to this process's stderr.
Result<Outcome> simulate(const Scenario& realized, const SimOptions& options);

}  // namespace firedrill
