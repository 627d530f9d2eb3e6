// Running a scenario in the SimGrid simulator. SimGrid's engine is a process-wide
// singleton that leaves state behind, so every simulation runs in a process of its own:
// simulate() forks a child that calls simulate_in_process() and sends the Outcome back.
//
// For sweeps that keep several simulations running at once (whatif --jobs J), use the
// two halves of simulate() directly:
//
//   std::vector<SimChild> running;             // at most J
//   running.push_back(start_simulation(...).value());
//   poll() the children's `fd`s for POLLIN; for each readable child:
//     if (read_available(child)) results.push_back(finish_simulation(child));
//   // read_available() never blocks; finish_simulation() then only reaps the child.
//
// Every started child must be finished exactly once (finish_simulation() closes the fd
// and waits for the process), else it stays a zombie. Call these from a single-threaded
// process (fork() copies only the calling thread).
#pragma once

#include <sys/types.h>
#include <cstdint>
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

struct SimOptions {
  bool verbose = false;  // let SimGrid log and print every engine command on stderr
  // Use SimGrid's thread contexts instead of stack switching (clean under AddressSanitizer).
  // Defaults to on when the build has ASan.
  bool thread_contexts = kBuiltWithAsan;
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

// Forks, simulates in the child, returns the child's Outcome. A child that crashes or
// dies by a signal gives an error naming the scenario and its seed ("rerun with --seed").
Result<Outcome> simulate(const Scenario& realized, const SimOptions& options);

// A simulation running in a forked child. `fd` is the read end of the pipe that carries
// the child's answer (non-blocking); `received` what has been read so far.
struct SimChild {
  pid_t pid = -1;
  int fd = -1;
  std::string scenario;  // name, for messages
  std::string file;      // scenario file, for messages
  std::uint64_t seed = 0;
  std::string received;
  bool eof = false;
};

// Forks a child that runs simulate_in_process() and writes its answer to a pipe. Returns
// at once. Fails only when the pipe or the fork cannot be made.
Result<SimChild> start_simulation(const Scenario& realized, const SimOptions& options);

// Reads whatever the child has written so far without blocking. True once the child has
// closed its end (its answer is complete, or it died).
bool read_available(SimChild& child);

// Reads the rest of the answer (blocking), reaps the child and returns its Outcome, or a
// Diagnostic naming scenario and seed when the child crashed, was killed or failed.
Result<Outcome> finish_simulation(SimChild& child);

}  // namespace firedrill
