// Engine decisions for faults during a failover (SPEC 9), fed by the analytic backend (no
// SimGrid): the three-tier plan of test_plans.cpp, WAN 125 MB/s + 20 ms, planned shutdowns
// 30 s each, boots ad 45, db 60, app 30, web 20 s.
#include <gtest/gtest.h>

#include "tests/engine/test_plans.hpp"

namespace firedrill::testing {
namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(EngineFaults, ACutFinalSyncPastTheTimeoutRestoresTheNewestPointWithTheReason) {
  // The WAN fails at 7000 and stays down: every final sync of the move at 7100 waits
  // final_sync_timeout (120 s), then restores the 6300 point (its transfer completed).
  Scenario s = three_tier();
  s.plan.recovery.final_sync_timeout_s = 120;
  s.events = {event_at(Event::Kind::fail_link, "wan", 7000),
              event_at(Event::Kind::planned_failover, "", 7100)};
  const Outcome o = run_analytic(s);
  for (const VmResult& vm : o.vms) {
    ASSERT_EQ(vm.outcome, VmOutcome::recovered) << vm.name << ": " << vm.reason;
    EXPECT_DOUBLE_EQ(*vm.recovery_point_s, 6300) << vm.name;
    EXPECT_GT(*vm.rpo_s, 0) << vm.name;
    EXPECT_TRUE(has(vm.reason, "final_sync_timeout (120s)")) << vm.reason;
  }
}

TEST(EngineFaults, AFinalSyncWithNoTimeoutAndNoRouteRestoresAtOnce) {
  Scenario s = three_tier();
  s.plan.recovery.final_sync_timeout_s = 0;
  s.events = {event_at(Event::Kind::fail_link, "wan", 7000),
              event_at(Event::Kind::planned_failover, "", 7100)};
  Log log;
  const Outcome o = run_analytic(s, &log);
  for (const auto& [t, transfer] : log.all<StartTransfer>()) {
    EXPECT_NE(transfer.kind, TransferKind::final_sync) << "no route: no final sync is started";
  }
  for (const VmResult& vm : o.vms) EXPECT_EQ(vm.outcome, VmOutcome::recovered) << vm.reason;
}

TEST(EngineFaults, ALostRecoveryHostTakesItsPointsAndTheCopiesBootingThere) {
  // Site outage at 7000: restores at 7360 on dr1, ad boots 7360-7405. dr1 fails at 7380
  // with every point: nothing is left to restore from, so every VM is lost with the reason.
  Scenario s = three_tier();
  s.events = {event_at(Event::Kind::fail_site, "primary", 7000),
              event_at(Event::Kind::fail_host, "dr1", 7380)};
  const Outcome o = run_analytic(s);
  for (const VmResult& vm : o.vms) {
    EXPECT_EQ(vm.outcome, VmOutcome::lost) << vm.name;
    EXPECT_TRUE(has(vm.reason, "host dr1 failed")) << vm.reason;
    EXPECT_TRUE(has(vm.reason, "no recovery point")) << vm.reason;
    EXPECT_EQ(vm.incidents.size(), 2u) << vm.name;
  }
}

}  // namespace
}  // namespace firedrill::testing
