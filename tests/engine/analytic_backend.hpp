// The analytic backend of drive() (engine/drive.hpp): the engine's commands carried out with
// textbook timings and no simulator, so that tests check the engine's decisions without
// SimGrid and bench/scale can time the engine alone.
#pragma once

#include <map>
#include <optional>
#include <vector>

#include "engine/drive.hpp"
#include "engine/link_slots.hpp"
#include "engine/model.hpp"
#include "engine/plan_index.hpp"

namespace firedrill::testing {

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

  // latency + bytes / bandwidth of the link the transfer crosses, or 0 inside a site.
  double transfer_time(const StartTransfer& transfer) const;
  std::vector<std::size_t> route_of(const StartTransfer& transfer) const;

  const Scenario& scenario_;
  PlanIndex index_;
  LinkSlots slots_;
  std::map<ActivityId, StartTransfer> waiting_;  // for a link slot
  double extra_transfer_s_;
  double now_s_ = 0.0;
  std::multimap<double, DriverEvent> pending_;  // by end time, then start order
  std::map<ActivityId, std::multimap<double, DriverEvent>::iterator> by_id_;
};

}  // namespace firedrill::testing
