// Engine decisions for faults during a failover (SPEC 9), fed by the analytic backend (no
// SimGrid): the three-tier plan of test_plans.cpp, WAN 125 MB/s + 20 ms, planned shutdowns
// 30 s each, boots ad 45, db 60, app 30, web 20 s.
#include <gtest/gtest.h>

#include <set>

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

TEST(EngineFaults, AFinalSyncWaitEndedByARepairLetsTheRunSettle) {
  // The WAN fails at 7000 and is repaired at 7200; the syncs of the move at 7100 wait for it
  // and then run (RPO 0); the boots take 45 + 60 + 30 + 20 s after that. The waits' 10-minute
  // timeouts (from about 7130 on) are stale by then: the run settles before any would fire.
  Scenario s = three_tier();
  s.end_when_settled = true;
  Event cut = event_at(Event::Kind::fail_link, "wan", 7000);
  cut.repair_after = DurationSpec::fixed_at(200);
  s.events = {cut, event_at(Event::Kind::planned_failover, "", 7100)};
  const Outcome o = run_analytic(s);
  for (const VmResult& vm : o.vms) {
    ASSERT_EQ(vm.outcome, VmOutcome::recovered) << vm.name << ": " << vm.reason;
    EXPECT_EQ(*vm.rpo_s, 0) << vm.name;
  }
  EXPECT_EQ(o.ended, RunEnd::settled);
  EXPECT_LT(o.end_s, 7500);
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

// The analytic backend, except that every boot of `vm` fails: as a real backend reports a
// guest that never became ready (retryable) or a disk that holds unusable data (not).
class FailingBoots : public Backend {
 public:
  FailingBoots(const Scenario& scenario, std::string vm, bool retryable)
      : inner_(scenario), vm_(std::move(vm)), retryable_(retryable) {}
  void execute(const std::vector<Command>& commands, double now_s) override {
    for (const Command& command : commands) {
      const auto* boot = std::get_if<StartBoot>(&command);
      if (boot && boot->vm == vm_) boots_.insert(boot->id);
    }
    inner_.execute(commands, now_s);
  }
  WaitResult wait(std::optional<double> deadline_s) override {
    WaitResult result = inner_.wait(deadline_s);
    for (Completion& completion : result.ended) {
      auto* boot = std::get_if<BootEnded>(&completion.event);
      if (!boot || !boots_.count(boot->id)) continue;
      boot->ok = false;
      boot->detail = retryable_ ? "no READY line" : "the disk holds unusable records";
      boot->retryable = retryable_;
    }
    return result;
  }
  std::size_t boots() const { return boots_.size(); }

 private:
  AnalyticBackend inner_;
  std::string vm_;
  bool retryable_;
  std::set<ActivityId> boots_;
};

std::pair<Outcome, std::size_t> site_outage_with_failing_boots_of_ad(bool retryable) {
  Scenario s = three_tier();
  s.events = {event_at(Event::Kind::fail_site, "primary", 7000)};
  FailoverEngine engine(s);
  FailingBoots backend(s, "ad", retryable);
  const DriveResult result = drive(engine, backend, DriveLimits{1'000'000}, nullptr);
  if (!result.ok()) throw std::runtime_error(result.error);
  return {engine.outcome(), backend.boots()};
}

TEST(EngineFaults, ABootThatDidNotBecomeReadyIsRetriedOnceByDefault) {
  const auto [outcome, boots] = site_outage_with_failing_boots_of_ad(true);
  EXPECT_EQ(boots, 2u);  // recovery.boot_retries 1: the first attempt and one retry
  const VmResult& ad = vm_result(outcome, "ad");
  EXPECT_EQ(ad.outcome, VmOutcome::failed);
  EXPECT_TRUE(has(ad.reason, "2 attempts")) << ad.reason;
}

TEST(EngineFaults, ABootThatARetryCannotMendFailsAtOnce) {
  const auto [outcome, boots] = site_outage_with_failing_boots_of_ad(false);
  EXPECT_EQ(boots, 1u);
  const VmResult& ad = vm_result(outcome, "ad");
  EXPECT_EQ(ad.outcome, VmOutcome::failed);
  EXPECT_TRUE(has(ad.reason, "1 attempt")) << ad.reason;
  EXPECT_TRUE(has(ad.reason, "unusable records")) << ad.reason;
}

// A site's repair brings back what the site's failure took down, not what failed on its own
// (the simulator keeps each element's causes the same way, sim/driver_failures.cpp).
TEST(EngineFaults, ASiteRepairLeavesALinkThatFailedOnItsOwnDown) {
  // The WAN is cut at 1000 for good; the DR site fails at 2000 and is back at 3000. Its
  // repair must not mend the WAN: no cycle starts after the cut.
  Scenario s = three_tier();
  Event outage = event_at(Event::Kind::fail_site, "dr", 2000);
  outage.repair_after = DurationSpec::fixed_at(1000);
  s.events = {event_at(Event::Kind::fail_link, "wan", 1000), outage};
  Log log;
  run_analytic(s, &log);
  int before_cut = 0;
  for (const auto& [t, transfer] : log.all<StartTransfer>()) {
    EXPECT_LT(t, 1000) << transfer.vm << "'s cycle started over the cut WAN";
    ++before_cut;
  }
  EXPECT_GT(before_cut, 0) << "the cycles before the cut ran";
  EXPECT_EQ(log.all<Repair>().size(), 1u);
}

TEST(EngineFaults, ASiteRepairLeavesAHostThatFailedOnItsOwnDown) {
  // No replica and no HA: a VM whose host fails waits for a repair. esx2 (app, web) fails at
  // 1000 for good; the primary site fails at 2000 and is back at 3000, which brings esx1
  // (ad, db) back but not esx2.
  Scenario s = three_tier();
  s.plan.replication.clear();
  s.plan.clusters.clear();
  Event outage = event_at(Event::Kind::fail_site, "primary", 2000);
  outage.repair_after = DurationSpec::fixed_at(1000);
  s.events = {event_at(Event::Kind::fail_host, "esx2", 1000), outage};
  const Outcome o = run_analytic(s);
  for (const char* back : {"ad", "db"}) {
    const VmResult& vm = vm_result(o, back);
    EXPECT_EQ(vm.outcome, VmOutcome::recovered) << back << ": " << vm.reason;
    EXPECT_EQ(vm.mechanism, Mechanism::none) << back << " restarts in place";
  }
  for (const char* down : {"app", "web"}) {
    const VmResult& vm = vm_result(o, down);
    EXPECT_NE(vm.outcome, VmOutcome::recovered) << down << " came back on a host still failed";
  }
}

}  // namespace
}  // namespace firedrill::testing
