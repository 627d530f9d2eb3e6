// Small plans built in C++ for the simulation tests, and helpers to run them.
//
// The base plan: site "primary" with hosts p1, p2 (16 cores, 128 GiB, 1 Gflop/s per core),
// site "dr" with host d1; one WAN "wan" of 125 MB/s (1 Gbps) and 20 ms; replication job
// "to-dr" every 15 min to d1 (24 points); detection 60 s, operator delay 300 s; networks
// prod -> dr-net, test network "bubble". No VMs: tests add them with add_vm().
#pragma once

#include <string>
#include <vector>

#include "engine/model.hpp"
#include "engine/outcome.hpp"

namespace firedrill::simtest {

inline constexpr double kGiB = 1024.0 * 1024 * 1024;
inline constexpr double kWanBps = 125e6;
inline constexpr double kWanLatency = 0.020;

Scenario base_scenario(const std::string& name, double duration_s);

// Adds a VM on `host`, replicated by job "to-dr" when `replicated`.
Vm& add_vm(Scenario& s, const std::string& name, const std::string& host, double boot_s,
           std::vector<std::string> depends_on = {}, double change_rate_Bps = 1e6,
           bool replicated = true);

Event fail_at(Event::Kind kind, double at_s, const std::string& target);
Event action_at(Event::Kind kind, double at_s);

// Realizes with the scenario's seed and simulates in a forked child; fails the test (by
// throwing) when the simulation does not produce an outcome. FIREDRILL_SIM_VERBOSE=1 in the
// environment prints every command and SimGrid's log.
Outcome run(const Scenario& scenario);

const VmResult& vm(const Outcome& outcome, const std::string& name);
// Transfers of one VM of a kind, in start order.
std::vector<TransferRecord> transfers_of(const Outcome& outcome, const std::string& vm,
                                         TransferKind kind = TransferKind::replication);
// Timeline steps of a VM named `step`, in order.
std::vector<TimelineStep> steps_of(const Outcome& outcome, const std::string& vm,
                                   const std::string& step);

}  // namespace firedrill::simtest
