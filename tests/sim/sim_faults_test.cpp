// Faults during a failover (SPEC 9) in the simulator: boots that do not reach ready (drawn
// from the seed), a recovery host lost mid-boot, a planned move whose final sync is cut off.
// Base plan of sim_plans.hpp: site outage at 1000 s -> failover starts at 1360 s; WAN
// 125 MB/s + 20 ms; ticks every 900 s.
#include <gtest/gtest.h>

#include "engine/outcome_json.hpp"
#include "engine/units.hpp"
#include "tests/sim/sim_plans.hpp"

namespace firedrill::simtest {
namespace {

constexpr double kTol = 1e-6;
using K = Event::Kind;

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(SimFaults, ABootThatNeverReachesReadyIsRetriedThenFailed) {
  // Every attempt fails after its full 45 s: 1360-1405, 1405-1450, 1450-1495.
  Scenario s = base_scenario("boots-fail", 3000);
  add_vm(s, "a", "p1", 45).boot_failure_probability = 1.0;
  s.plan.recovery.boot_retries = 2;
  s.events = {fail_at(K::fail_site, 1000, "primary")};
  const Outcome o = run(s);
  const VmResult& a = vm(o, "a");
  EXPECT_EQ(a.outcome, VmOutcome::failed);
  EXPECT_TRUE(has(a.reason, "3 attempts")) << a.reason;
  EXPECT_TRUE(has(a.reason, "did not become ready (boot_failure_probability)")) << a.reason;
  const std::vector<TimelineStep> failed = steps_of(o, "a", "boot_failed");
  ASSERT_EQ(failed.size(), 3u);
  for (std::size_t i = 0; i < failed.size(); ++i) {
    EXPECT_NEAR(failed[i].start_s, 1360 + 45.0 * i, kTol);
    EXPECT_NEAR(failed[i].end_s, 1405 + 45.0 * i, kTol);
  }
}

TEST(SimFaults, BootFailuresFollowTheSeedAndEachRetryCostsABoot) {
  // Ten independent VMs with p = 0.5 and two retries: the failed attempts of each are the
  // draws keyed_uniform01(seed, VM, n) < 0.5, and each adds its 45 s to the RTO of 405 s.
  Scenario s = base_scenario("boots-flaky", 4000);
  for (int i = 0; i < 10; ++i) {
    add_vm(s, "v" + std::to_string(i), i % 2 ? "p1" : "p2", 45).boot_failure_probability = 0.5;
  }
  s.plan.recovery.boot_retries = 2;
  s.events = {fail_at(K::fail_site, 1000, "primary")};
  s.seed = 11;
  const Outcome o = run(s);
  int failures_seen = 0;
  for (int i = 0; i < 10; ++i) {
    const std::string name = "v" + std::to_string(i);
    int failed = 0;
    while (failed < 3 && keyed_uniform01(s.seed, name, failed + 1) < 0.5) ++failed;
    failures_seen += failed;
    const VmResult& r = vm(o, name);
    EXPECT_EQ(steps_of(o, name, "boot_failed").size(), static_cast<std::size_t>(failed)) << name;
    if (failed == 3) {
      EXPECT_EQ(r.outcome, VmOutcome::failed) << name;
    } else {
      ASSERT_EQ(r.outcome, VmOutcome::recovered) << name;
      EXPECT_NEAR(*r.rto_s, 405 + 45.0 * failed, kTol) << name;
    }
  }
  EXPECT_GT(failures_seen, 0) << "the seed draws no failure at all: the test shows nothing";
  // The same seed, the same report.
  EXPECT_EQ(outcome_to_json(o).dump(), outcome_to_json(run(s)).dump());
}

// d2 at the DR site, and a second job "to-d2" of every VM every 1800 s.
Scenario two_dr_hosts(const std::string& name, bool second_job, double d2_memory_B) {
  Scenario s = base_scenario(name, 4000);
  s.plan.sites[1].hosts.push_back(Host{"d2", "dr", 16, d2_memory_B, 1e9, ""});
  add_vm(s, "a", "p1", 45);
  add_vm(s, "b", "p1", 60, {"a"});
  if (second_job) {
    s.plan.replication.push_back(
        ReplicationJob{"to-d2", {"a", "b"}, "d2", 1800.0, Retention{24, 0, 0, 0}});
  }
  // a is ready on d1 at 1405, b boots there 1405-1465; d1 fails at 1430.
  s.events = {fail_at(K::fail_site, 1000, "primary"), fail_at(K::fail_host, 1430, "d1")};
  return s;
}

TEST(SimFaults, ARecoveryHostLostMidBootIsRestoredAgainOnTheOther) {
  const Outcome o = run(two_dr_hosts("dr-host-lost", true, 128 * kGiB));
  // b: restored again at once on d2 from to-d2's only point before 1000 (the seed, as of 0),
  // then waits for a, which failed over again: 1430 + 60 + 300 -> boots 1790-1835; b
  // 1835-1895. Its RTO counts from the site outage.
  const VmResult& b = vm(o, "b");
  ASSERT_EQ(b.outcome, VmOutcome::recovered) << b.reason;
  EXPECT_EQ(b.recovered_on, "d2");
  EXPECT_NEAR(*b.rto_s, 895, kTol);
  EXPECT_NEAR(*b.rpo_s, 1000, kTol);
  EXPECT_TRUE(has(b.reason, "host d1 failed")) << b.reason;
  EXPECT_TRUE(has(b.reason, "restored again on d2")) << b.reason;
  ASSERT_EQ(b.incidents.size(), 2u);
  // a was up on d1 already: its first incident stays settled, the second one is listed.
  const VmResult& a = vm(o, "a");
  EXPECT_EQ(a.recovered_on, "d1");
  EXPECT_NEAR(*a.rto_s, 405, kTol);
  ASSERT_EQ(a.incidents.size(), 2u);
  EXPECT_EQ(a.incidents[1].cause, "fail host d1");
  EXPECT_NEAR(*a.incidents[1].recovered_at_s, 1835, kTol);
  EXPECT_EQ(steps_of(o, "a", "points_lost").size(), 1u);
}

TEST(SimFaults, ARecoveryHostLostWithTheOnlyPointsLosesTheVm) {
  const Outcome o = run(two_dr_hosts("dr-host-lost-alone", false, 128 * kGiB));
  const VmResult& b = vm(o, "b");
  EXPECT_EQ(b.outcome, VmOutcome::lost);
  EXPECT_TRUE(has(b.reason, "no recovery point of b is left")) << b.reason;
}

TEST(SimFaults, ARecoveryHostLostWithNoRoomElsewhereFailsTheVm) {
  const Outcome o = run(two_dr_hosts("dr-host-lost-full", true, 2 * kGiB));  // a VM needs 4
  const VmResult& b = vm(o, "b");
  EXPECT_EQ(b.outcome, VmOutcome::failed);
  EXPECT_TRUE(has(b.reason, "enough free memory")) << b.reason;
}

// A planned move at 1000 of one VM: off at 1030 (30 s shutdown), its final sync ships
// 1 MB/s x (1030 - 900) = 130 MB, 1.06 s; the WAN fails at 1030.5, mid-sync.
Scenario cut_sync(const std::string& name, double repair_after_s, double timeout_s) {
  Scenario s = base_scenario(name, 3000);
  add_vm(s, "a", "p1", 45);
  s.plan.recovery.final_sync_timeout_s = timeout_s;
  Event cut = fail_at(K::fail_link, 1030.5, "wan");
  cut.repair_after = DurationSpec::fixed_at(repair_after_s);
  s.events = {action_at(K::planned_failover, 1000), cut};
  return s;
}

TEST(SimFaults, ACutFinalSyncWaitsForTheRepairAndLosesNothing) {
  // Repaired at 1130.5: the sync again, 1130.5-1131.56, boot 45 s -> ready 1176.56.
  const Outcome o = run(cut_sync("sync-repaired", 100, 600));
  const VmResult& a = vm(o, "a");
  ASSERT_EQ(a.outcome, VmOutcome::recovered) << a.reason;
  EXPECT_NEAR(*a.rpo_s, 0, kTol);
  EXPECT_NEAR(*a.rto_s, 1130.5 + 0.02 + 130e6 / kWanBps + 45 - 1000, 1e-3);
  const std::vector<TransferRecord> syncs = transfers_of(o, "a", TransferKind::final_sync);
  ASSERT_EQ(syncs.size(), 2u);
  EXPECT_EQ(syncs[0].result, TransferResult::lost);
  EXPECT_EQ(syncs[1].result, TransferResult::completed);
}

TEST(SimFaults, ACutFinalSyncPastItsTimeoutRestoresTheNewestPoint) {
  // Timeout 60 s: at 1090.5 a is restored from the 900 s point (RPO 1030 - 900 = 130 s),
  // boots 1090.5-1135.5; the repair at 1130.5 comes too late to matter.
  const Outcome o = run(cut_sync("sync-timeout", 100, 60));
  const VmResult& a = vm(o, "a");
  ASSERT_EQ(a.outcome, VmOutcome::recovered) << a.reason;
  EXPECT_NEAR(*a.rpo_s, 130, kTol);
  EXPECT_NEAR(*a.recovery_point_s, 900, kTol);
  EXPECT_NEAR(*a.rto_s, 135.5, kTol);
  EXPECT_TRUE(has(a.reason, "recovery.final_sync_timeout (60s)")) << a.reason;
  EXPECT_TRUE(has(a.reason, "restored from the point as of 900s")) << a.reason;
}

}  // namespace
}  // namespace firedrill::simtest
