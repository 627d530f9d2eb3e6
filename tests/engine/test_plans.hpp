// Plans built in C++ for engine tests, and a tiny analytic backend for drive()
// (engine/drive.hpp): it carries out the engine's commands with textbook timings (a transfer takes
// latency + bytes / bandwidth, a boot takes boot_time, a restore is instant) so tests check the
// engine's decisions without SimGrid.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "engine/engine.hpp"
#include "tests/engine/analytic_backend.hpp"

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

// Runs the engine to its end with drive() and the analytic backend (throws if drive() stops
// with an error). `extra_transfer_s` adds time to
// every transfer (to make transfers outlast intervals).
Outcome run_analytic(const Scenario& scenario, Log* log = nullptr, double extra_transfer_s = 0.0);

const VmResult& vm_result(const Outcome& outcome, const std::string& name);

}  // namespace firedrill::testing
