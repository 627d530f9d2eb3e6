// Hosts that hang (SPEC 9): a host's daemon stops answering ("mode": "hang"). The run hears
// nothing from it; after recovery.host_timeout (60 s by default) the host is lost, as if it
// had failed then. A hang that ends sooner only delays what the host had to say.
// Base plan of tests/sim/sim_plans.hpp: a site failure at 1000 s is declared at 1060 s and
// the failover starts at 1360 s (restores take no time); a's boot takes 45 s.
#include <gtest/gtest.h>

#include "tests/sim/sim_plans.hpp"

namespace firedrill::simtest {
namespace {

using K = Event::Kind;

Event hang_at(double at_s, const std::string& host, std::optional<double> repair_after_s) {
  Event event = fail_at(K::fail_host, at_s, host);
  event.hang = true;
  if (repair_after_s) event.repair_after = DurationSpec::fixed_at(*repair_after_s);
  return event;
}

TEST(SimHang, ADrHostThatHangsDuringTheBootsIsLostAfterTheHostTimeout) {
  // a boots on d1 from 1360 s; d1 hangs at 1380 s and is lost at 1440 s: a is not recovered,
  // and the loss is in the timeline at 1440 s with the hang's start in its reason.
  Scenario s = base_scenario("dr-host-hangs", 3000);
  add_vm(s, "a", "p1", 45);
  s.events = {fail_at(K::fail_site, 1000, "primary"), hang_at(1380, "d1", std::nullopt)};
  const Outcome o = run(s);
  const VmResult& a = vm(o, "a");
  EXPECT_NE(a.outcome, VmOutcome::recovered);
  EXPECT_FALSE(a.ready_s);
  EXPECT_NE(a.reason.find("stopped answering"), std::string::npos) << a.reason;
  bool lost_at_timeout = false;
  for (const TimelineStep& step : o.timeline) {
    if (step.step == "failure" && step.detail.find("d1 lost") != std::string::npos) {
      lost_at_timeout = step.start_s == 1440.0;
    }
  }
  EXPECT_TRUE(lost_at_timeout);
}

TEST(SimHang, AHangShorterThanTheHostTimeoutOnlyDelaysWhatTheHostReports) {
  // a would be ready at 1405 s; d1 does not answer from 1380 s to 1410 s (30 s < 60 s):
  // nothing is lost, and a is known ready when d1 answers again: RTO 1410 - 1000 = 410 s.
  Scenario s = base_scenario("dr-host-pauses", 3000);
  add_vm(s, "a", "p1", 45);
  s.events = {fail_at(K::fail_site, 1000, "primary"), hang_at(1380, "d1", 30.0)};
  const Outcome o = run(s);
  const VmResult& a = vm(o, "a");
  ASSERT_EQ(a.outcome, VmOutcome::recovered) << a.reason;
  ASSERT_TRUE(a.rto_s);
  EXPECT_DOUBLE_EQ(*a.rto_s, 410.0);
}

TEST(SimHang, AProductionHostThatHangsPastTheTimeoutFailsOverFromItsLoss) {
  // p1 hangs at 1000 s and is lost at 1060 s: a's failover is declared at 1120 s, starts at
  // 1420 s, and a is ready at 1465 s; its RTO counts from the loss (1060 s): 405 s.
  Scenario s = base_scenario("primary-host-hangs", 3000);
  add_vm(s, "a", "p1", 45);
  s.events = {hang_at(1000, "p1", std::nullopt)};
  const Outcome o = run(s);
  const VmResult& a = vm(o, "a");
  ASSERT_EQ(a.outcome, VmOutcome::recovered) << a.reason;
  ASSERT_TRUE(a.ready_s);
  EXPECT_DOUBLE_EQ(*a.ready_s, 1465.0);
  EXPECT_DOUBLE_EQ(*a.rto_s, 405.0);
}

}  // namespace
}  // namespace firedrill::simtest
