// The SimGrid driver: carries out the FailoverEngine's commands as SimGrid activities and
// reports how they ended, at the simulated time they ended. It adds no policy.
//
//   StartBoot      an execution of boot_time_s x speed flops on the target host, one core
//                  at most, so n boots on c cores each progress at min(1, c/n); with the
//                  VM's boot_failure_probability it takes that time and then fails ("did
//                  not become ready"), decided per attempt from (seed, VM, attempt number)
//   StartTransfer  a communication of `bytes` over the route between two sites (latency +
//                  bytes / bandwidth alone, fair sharing otherwise); inside one site it is
//                  free and instant (reported at once)
//   StartShutdown  a timer of shutdown_time_s (fails if the host fails meanwhile)
//   StartRestore   reported done at once
//   CancelTransfer cancels the communication; it is never reported
//   InjectFailure  host: turns the host off; site: every host and link of the site; link:
//   / Repair       the link; datastore and vm: nothing physical (the engine already knows)
//   the rest       nothing physical (SeedReplica is done before t = 0)
//
// Activities that a failure breaks (HostFailureException, NetworkFailureException) are
// reported as ended with ok = false; one that cannot start (its host or a link of its route
// is off, no route) is reported failed at once. Every activity is awaited by a small daemon
// actor on the controller host, which never fails, so each is reported exactly once.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/drive.hpp"
#include "engine/model.hpp"
#include "engine/outcome.hpp"

namespace firedrill::sim {

struct DriverStats {
  long transfers_started = 0;  // StartTransfer commands carried out
  long boots_started = 0;
  long engine_calls = 0;  // setup + advance + handle
};

// The SimGrid options of every simulation: the nominal network model (a transfer alone
// takes latency + bytes / bandwidth, concurrent transfers share max-min fairly: CM02 without
// TCP window, cross traffic or correction factors), thread contexts when asked (clean under
// AddressSanitizer), and SimGrid's logging silenced unless verbose.
std::vector<std::string> simgrid_config(bool thread_contexts, bool verbose);

// How one run of a batch ended: its outcome, or why the driver had to stop it.
struct BatchResult {
  std::optional<Outcome> outcome;
  std::string error;  // when there is no outcome: names the scenario and its seed
};

// Simulates several realized scenarios of one plan side by side in one SimGrid engine, each
// on its own copy of the platform (sim/platform.hpp build_platforms), so a sweep pays for
// SimGrid's set-up and a process once per batch instead of once per run. The copies share
// no resource and the driver hands same-instant events to the engine in a canonical order,
// so each run's outcome is the one it would have alone (tests/sim check it byte for byte).
// Every scenario must have the same hosts and links (else std::invalid_argument). One
// run's error does not stop the others. Call once per process, like run_driver().
std::vector<BatchResult> run_batch(const std::vector<Scenario>& realized,
                                   const std::vector<std::string>& simgrid_args, bool verbose,
                                   DriverStats* stats = nullptr, DriveObserver* observer = nullptr);

// Builds the platform, runs `realized` under a fresh s4u::Engine until the FailoverEngine
// finishes, and returns its outcome. `simgrid_args` are SimGrid command-line options
// ("--cfg=...", "--log=...", see simgrid_config()). Call once per process.
// `observer` (may be null) sees the run as drive() drives it (progress lines).
Outcome run_driver(const Scenario& realized, const std::vector<std::string>& simgrid_args,
                   bool verbose, DriverStats* stats = nullptr, DriveObserver* observer = nullptr);

}  // namespace firedrill::sim
