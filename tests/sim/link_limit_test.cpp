// links[].max_concurrent_transfers (SPEC section 8): the slot bookkeeping on its own, then
// simulations (each in a forked SimGrid process, like every test here) whose numbers are
// worked out by hand. WAN: 125 MB/s, 20 ms; each VM changes 1 MB/s, so the 900 s cycle ships
// 9e8 B and takes 0.02 + 9e8 / 125e6 = 7.22 s alone on the WAN. A waiting transfer starts its
// own latency when it gets its slot (docs/semantics.md).
#include <gtest/gtest.h>

#include "engine/link_slots.hpp"
#include "tests/sim/sim_plans.hpp"

namespace firedrill::simtest {
namespace {

constexpr double kTol = 1e-6;
using K = Event::Kind;

TEST(LinkSlots, OneLinkAdmitsInTheOrderAsked) {
  LinkSlots slots({2});
  EXPECT_TRUE(slots.request(1, {0}));
  EXPECT_TRUE(slots.request(2, {0}));
  EXPECT_FALSE(slots.request(3, {0}));
  EXPECT_FALSE(slots.request(4, {0}));
  EXPECT_EQ(slots.waiting(), (std::vector<ActivityId>{3, 4}));
  EXPECT_EQ(slots.release(2), (std::vector<ActivityId>{3}));
  EXPECT_EQ(slots.in_use(0), 2);
  EXPECT_EQ(slots.release(1), (std::vector<ActivityId>{4}));
  EXPECT_TRUE(slots.release(3).empty());
  EXPECT_TRUE(slots.release(4).empty());
  EXPECT_EQ(slots.in_use(0), 0);
  EXPECT_TRUE(slots.release(99).empty());  // holds nothing
}

TEST(LinkSlots, ANewTransferQueuesBehindWaitingOnesEvenWithRoom) {
  LinkSlots slots({1, 0});
  EXPECT_TRUE(slots.request(1, {0}));
  EXPECT_FALSE(slots.request(2, {0}));
  EXPECT_TRUE(slots.request(3, {1}));  // an unlimited link holds nothing
  EXPECT_FALSE(slots.is_waiting(3));
  EXPECT_TRUE(slots.release(3).empty());
  // A waiting transfer that leaves (cancelled, failed) hands its place on.
  EXPECT_FALSE(slots.request(4, {0}));
  EXPECT_TRUE(slots.release(2).empty());
  EXPECT_EQ(slots.release(1), (std::vector<ActivityId>{4}));
}

TEST(LinkSlots, NoTransferOvertakesAnEarlierOneOnASharedLink) {
  // Link 0 and 1 allow one each. 1 holds link 1; 2 needs both and waits (link 1 full); 3
  // needs link 0 only, which has room, but 2 asked first on it: 3 waits behind 2.
  LinkSlots slots({1, 1});
  EXPECT_TRUE(slots.request(1, {1}));
  EXPECT_FALSE(slots.request(2, {0, 1}));
  EXPECT_FALSE(slots.request(3, {0}));
  EXPECT_EQ(slots.in_use(0), 0);
  EXPECT_EQ(slots.release(1), (std::vector<ActivityId>{2}));
  EXPECT_EQ(slots.in_use(0), 1);
  EXPECT_EQ(slots.in_use(1), 1);
  EXPECT_EQ(slots.release(2), (std::vector<ActivityId>{3}));
  EXPECT_EQ(slots.in_use(1), 0);
}

// Three VMs a, b, c on the limited WAN, and the primary site lost at `outage_s`.
Scenario queue_on_the_wan(int limit, double outage_s) {
  Scenario s = base_scenario("link-limit-" + std::to_string(limit), 3000);
  s.plan.links[0].max_concurrent_transfers = limit;
  add_vm(s, "a", "p1", 45);
  add_vm(s, "b", "p1", 45);
  add_vm(s, "c", "p2", 45);
  s.events = {fail_at(K::fail_site, outage_s, "primary")};
  return s;
}

TEST(SimLinkLimit, OneAtATimeGivesTheRposTheOrderImplies) {
  // Limit 1: a runs 900-907.22, b waits and runs 907.22-914.44, c 914.44-921.66. The site
  // fails at 910: a's point (as of 900) is there, b is lost moving, c is lost waiting; b and
  // c fall back to the seed (as of 0). RPO a 10 s, b and c 910 s; RTO 60 + 300 + 45 = 405 s.
  const Outcome o = run(queue_on_the_wan(1, 910));
  const auto a = transfers_of(o, "a");
  const auto b = transfers_of(o, "b");
  const auto c = transfers_of(o, "c");
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(a[0].result, TransferResult::completed);
  EXPECT_NEAR(*a[0].end_s, 907.22, kTol);
  EXPECT_EQ(b[0].result, TransferResult::lost);
  EXPECT_EQ(c[0].result, TransferResult::lost);
  EXPECT_NEAR(c[0].start_s, 900, kTol);  // started by the engine at the tick, then waited
  EXPECT_NEAR(*vm(o, "a").rpo_s, 10, kTol);
  EXPECT_NEAR(*vm(o, "b").rpo_s, 910, kTol);
  EXPECT_NEAR(*vm(o, "c").rpo_s, 910, kTol);
  for (const char* name : {"a", "b", "c"}) EXPECT_NEAR(*vm(o, name).rto_s, 405, kTol) << name;
}

TEST(SimLinkLimit, TheQueueEndsOneTransferAfterAnother) {
  // Limit 1, outage late (2000 s): a ends 907.22, b 914.44, c 921.66. Each point is as of
  // its tick (900) however long it waited. Next cycles (1800) the same: c ends 1821.66.
  const Outcome o = run(queue_on_the_wan(1, 2000));
  EXPECT_NEAR(*transfers_of(o, "a")[0].end_s, 907.22, kTol);
  EXPECT_NEAR(*transfers_of(o, "b")[0].end_s, 914.44, kTol);
  EXPECT_NEAR(*transfers_of(o, "c")[0].end_s, 921.66, kTol);
  EXPECT_NEAR(transfers_of(o, "c")[0].as_of_s, 900, kTol);
  EXPECT_NEAR(*transfers_of(o, "c")[1].end_s, 1821.66, kTol);
  for (const char* name : {"a", "b", "c"}) EXPECT_NEAR(*vm(o, name).rpo_s, 200, kTol) << name;
}

TEST(SimLinkLimit, TwoSlotsShareTheLinkAndTheThirdWaits) {
  // Limit 2: a and b share the WAN (62.5 MB/s each): both end at 900 + 0.02 + 14.4 = 914.42;
  // c then runs alone: 914.42 + 7.22 = 921.64. The site fails at 918: a and b have their
  // points as of 900 (RPO 18 s), c is lost (RPO 918 s).
  const Outcome o = run(queue_on_the_wan(2, 918));
  EXPECT_NEAR(*transfers_of(o, "a")[0].end_s, 914.42, kTol);
  EXPECT_NEAR(*transfers_of(o, "b")[0].end_s, 914.42, kTol);
  EXPECT_EQ(transfers_of(o, "c")[0].result, TransferResult::lost);
  EXPECT_NEAR(*vm(o, "a").rpo_s, 18, kTol);
  EXPECT_NEAR(*vm(o, "b").rpo_s, 18, kTol);
  EXPECT_NEAR(*vm(o, "c").rpo_s, 918, kTol);
}

TEST(SimLinkLimit, AWaitingTransferIsInFlightForTheSkipRule) {
  // A 1 MB/s WAN, limit 1. a changes 1 MB/s (9e8 B: 900.02 s), b 1 kB/s (9e5 B: 0.92 s).
  // a runs 900-1800.02; b waits, then runs to 1800.94. At 1800 both are in flight: both
  // ticks skipped. At 2700 a ships 1800 s of changes (1800.02 s, to 4500.02) and b its
  // 1.8e6 B after it (to 4501.84); the 3600 and 4500 ticks are skipped for both: 6 skips.
  Scenario s = base_scenario("link-limit-skip", 5000);
  s.plan.links[0].bandwidth_Bps = 1e6;
  s.plan.links[0].max_concurrent_transfers = 1;
  add_vm(s, "a", "p1", 45);
  add_vm(s, "b", "p1", 45, {}, 1e3);
  const Outcome o = run(s);
  const auto b = transfers_of(o, "b");
  ASSERT_EQ(b.size(), 2u);
  EXPECT_NEAR(*b[0].end_s, 1800.94, kTol);
  EXPECT_NEAR(b[1].as_of_s, 2700, kTol);
  EXPECT_DOUBLE_EQ(b[1].bytes, 1.8e6);
  EXPECT_NEAR(*b[1].end_s, 4501.84, kTol);
  EXPECT_NEAR(*transfers_of(o, "a")[1].end_s, 4500.02, kTol);
  EXPECT_EQ(o.summary.ticks_skipped, 6);
}

TEST(SimLinkLimit, ALinkCutLosesTheWaitingTransfersToo) {
  // Limit 1; the WAN fails at 903 (a moving, b waiting), repaired at 1000: both lost. At
  // 1800 each ships 1.8e9 B (14.42 s alone): a to 1814.42, b after it to 1828.84.
  Scenario s = base_scenario("link-limit-cut", 2000);
  s.plan.links[0].max_concurrent_transfers = 1;
  add_vm(s, "a", "p1", 45);
  add_vm(s, "b", "p1", 45);
  Event cut = fail_at(K::fail_link, 903, "wan");
  cut.repair_after = DurationSpec::fixed_at(97);
  s.events = {cut};
  const Outcome o = run(s);
  for (const char* name : {"a", "b"}) {
    const auto t = transfers_of(o, name);
    ASSERT_EQ(t.size(), 2u) << name;
    EXPECT_EQ(t[0].result, TransferResult::lost) << name;
    EXPECT_EQ(t[1].result, TransferResult::completed) << name;
  }
  EXPECT_NEAR(*transfers_of(o, "a")[1].end_s, 1814.42, kTol);
  EXPECT_NEAR(*transfers_of(o, "b")[1].end_s, 1828.84, kTol);
}

TEST(SimLinkLimit, FinalSyncsOfAPlannedFailoverQueue) {
  // A 10 MB/s WAN, limit 1: a's 900 s cycle takes 90.02 s (to 990.02), b's waits behind it.
  // Planned failover at 905: a and b shut down together (to 935). Both cycles are then still
  // in flight and cancelled (a's gives its slot to b's, cancelled next); the final syncs ship
  // 935 s of changes each, 9.35e8 B: 93.52 s. a's goes first (to 1028.52), b's after it (to
  // 1122.04). Boots of 45 s: RTO from the first shutdown (905) a 168.52, b 262.04.
  Scenario s = base_scenario("link-limit-planned", 3000);
  s.plan.links[0].bandwidth_Bps = 1e7;
  s.plan.links[0].max_concurrent_transfers = 1;
  add_vm(s, "a", "p1", 45);
  add_vm(s, "b", "p1", 45);
  s.events = {action_at(K::planned_failover, 905)};
  const Outcome o = run(s);
  for (const char* name : {"a", "b"}) {
    const auto cycle = transfers_of(o, name);
    ASSERT_EQ(cycle.size(), 1u) << name;
    EXPECT_EQ(cycle[0].result, TransferResult::cancelled) << name;
    EXPECT_NEAR(*vm(o, name).rpo_s, 0, kTol) << name;
  }
  const auto sync_a = transfers_of(o, "a", TransferKind::final_sync);
  const auto sync_b = transfers_of(o, "b", TransferKind::final_sync);
  ASSERT_EQ(sync_a.size(), 1u);
  ASSERT_EQ(sync_b.size(), 1u);
  EXPECT_NEAR(*sync_a[0].end_s, 1028.52, kTol);
  EXPECT_NEAR(*sync_b[0].end_s, 1122.04, kTol);
  EXPECT_NEAR(*vm(o, "a").rto_s, 168.52, kTol);
  EXPECT_NEAR(*vm(o, "b").rto_s, 262.04, kTol);
}

}  // namespace
}  // namespace firedrill::simtest
