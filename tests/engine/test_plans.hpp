// Plans built in C++ for engine tests, and a tiny analytic backend for drive()
// (engine/drive.hpp): it carries out the engine's commands with textbook timings (a transfer takes
// latency + bytes / bandwidth, a boot takes boot_time, a restore is instant) so tests check the
// engine's decisions without SimGrid.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "engine/drive.hpp"
#include "engine/engine.hpp"
#include "engine/link_slots.hpp"

namespace firedrill::testing {

// The three-tier application: ad <- db <- app <- web on esx1/esx2 (HA cluster on san1) at
// "primary", replicated every 15 min to dr1 at "dr" over a 1 Gbps / 20 ms WAN.
Scenario three_tier(double duration_s = 6 * 3600.0);

// A scripted event of `kind` on `target` ("" for operator actions) at `at_s`.
Event event_at(Event::Kind kind, const std::string& target, double at_s);

struct Log {
  std::vector<std::pair<double, Command>> commands;  // every command with its time
  template <typename T>
  std::vector<std::pair<double, T>> all() const {
    std::vector<std::pair<double, T>> found;
    for (const auto& [t, command] : commands) {
      if (const T* c = std::get_if<T>(&command)) found.push_back({t, *c});
    }
    return found;
  }
};

// The analytic backend of drive(): a transfer takes latency + bytes / bandwidth (plus
// `extra_transfer_s`; nothing inside a site), a boot its boot_time, a shutdown its
// shutdown_time, a restore nothing. On a link with max_concurrent_transfers the others wait
// their turn (engine/link_slots.hpp) and take that time from when they get their slot, as
// in the simulator (exact there with a limit of 1; the analytic backend never shares a
// link). wait() returns every activity that ends first (at one instant, in start order), if
// that is not after the deadline.
class AnalyticBackend : public Backend {
 public:
  AnalyticBackend(const Scenario& scenario, double extra_transfer_s = 0.0);
  void execute(const std::vector<Command>& commands, double now_s) override;
  WaitResult wait(std::optional<double> deadline_s) override;

 private:
  void end(ActivityId id, double after_s, DriverEvent event);
  void start_transfer(const StartTransfer& transfer);
  void start_admitted(const std::vector<ActivityId>& admitted);

  const Scenario& scenario_;
  LinkSlots slots_;
  std::map<ActivityId, StartTransfer> waiting_;  // for a link slot
  double extra_transfer_s_;
  double now_s_ = 0.0;
  std::multimap<double, DriverEvent> pending_;  // by end time, then start order
  std::map<ActivityId, std::multimap<double, DriverEvent>::iterator> by_id_;
};

// Runs the engine to its end with drive() and the analytic backend (throws if drive() stops
// with an error). `extra_transfer_s` adds time to
// every transfer (to make transfers outlast intervals).
Outcome run_analytic(const Scenario& scenario, Log* log = nullptr, double extra_transfer_s = 0.0);

const VmResult& vm_result(const Outcome& outcome, const std::string& name);

}  // namespace firedrill::testing
