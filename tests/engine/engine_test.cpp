// Engine unit tests: events in, commands out, with no SimGrid. Expected numbers are
// worked out by hand from SPEC section 3 for the three-tier plan of test_plans.cpp:
// change 1 MB/s, interval 900 s, WAN 125 MB/s + 20 ms => a cycle ships 900 MB in 7.22 s;
// detection 60 s, operator delay 300 s; boots ad 45, db 60, app 30, web 20 s.
#include <gtest/gtest.h>

#include "tests/engine/test_plans.hpp"

namespace firedrill::testing {
namespace {

Event action(Event::Kind kind, double at_s) {
  return event_at(kind, "", at_s);
}

TEST(Engine, SetupSeedsEveryReplicaAtTimeZero) {
  FailoverEngine engine(three_tier());
  const std::vector<Command> commands = engine.setup();
  ASSERT_EQ(commands.size(), 4u);
  for (const Command& command : commands) {
    const auto* seed = std::get_if<SeedReplica>(&command);
    ASSERT_NE(seed, nullptr);
    EXPECT_EQ(seed->target_host, "dr1");
    EXPECT_DOUBLE_EQ(seed->bytes, 60.0 * 1024 * 1024 * 1024);
  }
  EXPECT_EQ(engine.poll_timeout(), 900.0);
}

TEST(Engine, ALimitedLinkShipsTheCyclesInTurn) {
  // max_concurrent_transfers 1: the four 7.22 s cycles of the 900 s tick go one after another
  // in the order started (ad, db, app, web), each as of 900 s. A site outage at 920 s finds
  // ad and db shipped (RPO 20 s), app moving and web waiting (both lost: RPO 920 s).
  Scenario s = three_tier(2000);
  s.plan.links[0].max_concurrent_transfers = 1;
  s.plan.clusters.clear();  // no HA: every VM fails over to its replica
  s.events = {event_at(Event::Kind::fail_site, "primary", 920)};
  const Outcome o = run_analytic(s);
  ASSERT_EQ(o.transfers.size(), 4u);
  const double ends[] = {907.22, 914.44};
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(o.transfers[i].result, TransferResult::completed) << o.transfers[i].vm;
    EXPECT_NEAR(*o.transfers[i].end_s, ends[i], 1e-6) << o.transfers[i].vm;
  }
  EXPECT_EQ(o.transfers[2].result, TransferResult::lost);
  EXPECT_EQ(o.transfers[3].result, TransferResult::lost);
  EXPECT_NEAR(*vm_result(o, "ad").rpo_s, 20, 1e-6);
  EXPECT_NEAR(*vm_result(o, "db").rpo_s, 20, 1e-6);
  EXPECT_NEAR(*vm_result(o, "app").rpo_s, 920, 1e-6);
  EXPECT_NEAR(*vm_result(o, "web").rpo_s, 920, 1e-6);
}

TEST(Engine, ReplicationTickShipsChangesSinceThePreviousPoint) {
  FailoverEngine engine(three_tier());
  engine.setup();
  EXPECT_TRUE(engine.advance(0).empty());
  const std::vector<Command> tick = engine.advance(900);
  ASSERT_EQ(tick.size(), 4u);
  const auto& transfer = std::get<StartTransfer>(tick[0]);
  EXPECT_EQ(transfer.kind, TransferKind::replication);
  EXPECT_EQ(transfer.source_host, "esx1");
  EXPECT_DOUBLE_EQ(transfer.bytes, 900e6);
  EXPECT_DOUBLE_EQ(transfer.as_of_s, 900);
}

TEST(Engine, NoFailureLeavesEveryVmUnaffected) {
  const Outcome outcome = run_analytic(three_tier(3600));
  EXPECT_EQ(outcome.summary.unaffected, 4);
  EXPECT_FALSE(outcome.incident_time_s.has_value());
  for (const VmResult& vm : outcome.vms) EXPECT_FALSE(vm.rto_s.has_value());
  // Ticks at 900, 1800 and 2700 complete; the one at 3600 is still in flight at the end.
  EXPECT_EQ(outcome.summary.transfers_completed, 12);
  EXPECT_EQ(exit_status(outcome), 0);
}

TEST(Engine, SiteOutageRtoIsDetectionPlusDelayPlusTheBootPath) {
  Scenario s = three_tier();
  s.events = {event_at(Event::Kind::fail_site, "primary", 7000)};
  Log log;
  const Outcome outcome = run_analytic(s, &log);
  // Start at 7000 + 60 + 300 = 7360; ad 45 -> db 60 -> app 30 -> web 20.
  EXPECT_DOUBLE_EQ(*vm_result(outcome, "ad").rto_s, 405);
  EXPECT_DOUBLE_EQ(*vm_result(outcome, "db").rto_s, 465);
  EXPECT_DOUBLE_EQ(*vm_result(outcome, "app").rto_s, 495);
  EXPECT_DOUBLE_EQ(*vm_result(outcome, "web").rto_s, 515);
  for (const VmResult& vm : outcome.vms) {
    EXPECT_EQ(vm.outcome, VmOutcome::recovered) << vm.name;
    EXPECT_EQ(vm.mechanism, Mechanism::replica);
    EXPECT_EQ(vm.recovered_on, "dr1");
    EXPECT_DOUBLE_EQ(*vm.rpo_s, 700);  // the 6300 point completed at 6307.22
    EXPECT_DOUBLE_EQ(*vm.recovery_point_s, 6300);
    EXPECT_EQ(vm.network, "dr-net");
    EXPECT_TRUE(*vm.rto_met);
  }
  EXPECT_EQ(vm_result(outcome, "web").ip, "10.1.0.13");
  EXPECT_DOUBLE_EQ(*outcome.summary.rto_s, 515);
  // Boots in dependency order, one after the other.
  const auto boots = log.all<StartBoot>();
  ASSERT_EQ(boots.size(), 4u);
  EXPECT_EQ(boots[0].second.vm, "ad");
  EXPECT_DOUBLE_EQ(boots[0].first, 7360);
  EXPECT_EQ(boots[3].second.vm, "web");
  EXPECT_DOUBLE_EQ(boots[3].first, 7495);
  // The restore carries network mapping and Re-IP.
  const auto restores = log.all<StartRestore>();
  ASSERT_EQ(restores.size(), 4u);
  EXPECT_EQ(restores[0].second.network, "dr-net");
  EXPECT_EQ(restores[0].second.ip, "10.1.0.10");
}

TEST(Engine, CriticalPathAddsUpToTheRto) {
  Scenario s = three_tier();
  s.events = {event_at(Event::Kind::fail_site, "primary", 7000)};
  const Outcome outcome = run_analytic(s);
  const VmResult& web = vm_result(outcome, "web");
  double total = 0;
  for (const CriticalStep& step : web.critical_path) total += step.seconds;
  EXPECT_DOUBLE_EQ(total, *web.rto_s);
  ASSERT_GE(web.critical_path.size(), 6u);
  EXPECT_EQ(web.critical_path[0].step, "detection");
  EXPECT_EQ(web.critical_path[1].step, "operator_delay");
  EXPECT_EQ(web.critical_path[2].step, "boot");
  EXPECT_EQ(web.critical_path[2].vm, "ad");
}

TEST(Engine, RpoJustBeforeAndJustAfterATransferCompletes) {
  // The 6300 cycle completes at 6307.22: in flight at 6307 (lost), done at 6308.
  Scenario before = three_tier();
  before.events = {event_at(Event::Kind::fail_site, "primary", 6307)};
  EXPECT_DOUBLE_EQ(*vm_result(run_analytic(before), "db").rpo_s, 907);
  Scenario after = three_tier();
  after.events = {event_at(Event::Kind::fail_site, "primary", 6308)};
  EXPECT_DOUBLE_EQ(*vm_result(run_analytic(after), "db").rpo_s, 8);
}

TEST(Engine, HostFailureInTheClusterRestartsByHa) {
  Scenario s = three_tier();
  s.events = {event_at(Event::Kind::fail_host, "esx1", 7000)};
  Log log;
  const Outcome outcome = run_analytic(s, &log);
  const VmResult& ad = vm_result(outcome, "ad");
  EXPECT_EQ(ad.mechanism, Mechanism::ha);
  EXPECT_EQ(ad.recovered_on, "esx2");
  EXPECT_DOUBLE_EQ(*ad.rto_s, 15 + 45);
  EXPECT_DOUBLE_EQ(*ad.rpo_s, 0);
  EXPECT_DOUBLE_EQ(*vm_result(outcome, "db").rto_s, 15 + 45 + 60);
  EXPECT_EQ(vm_result(outcome, "app").outcome, VmOutcome::unaffected);
  const auto boots = log.all<StartBoot>();
  ASSERT_EQ(boots.size(), 2u);
  EXPECT_TRUE(boots[0].second.from_shared_storage);
  EXPECT_TRUE(log.all<StartRestore>().empty());
}

TEST(Engine, HaWithoutMemoryFallsBackToTheReplica) {
  Scenario s = three_tier();
  s.plan.sites[0].hosts[1].memory_B = 10.0 * 1024 * 1024 * 1024;  // esx2: room for 2 VMs only
  s.events = {event_at(Event::Kind::fail_host, "esx1", 7000)};
  const Outcome outcome = run_analytic(s);
  const VmResult& ad = vm_result(outcome, "ad");
  EXPECT_EQ(ad.mechanism, Mechanism::replica);
  EXPECT_EQ(ad.recovered_on, "dr1");
  EXPECT_DOUBLE_EQ(*ad.rto_s, 405);
  EXPECT_DOUBLE_EQ(*vm_result(outcome, "db").rto_s, 465);
}

TEST(Engine, MaxConcurrentBootsCapsBootsPlanWide) {
  Scenario s = three_tier();
  for (Vm& vm : s.plan.vms) {
    vm.depends_on.clear();
    vm.boot_time = DurationSpec::fixed_at(60);
  }
  s.plan.recovery.max_concurrent_boots = 2;
  s.events = {event_at(Event::Kind::fail_site, "primary", 7000)};
  const Outcome outcome = run_analytic(s);
  EXPECT_DOUBLE_EQ(*vm_result(outcome, "ad").rto_s, 420);
  EXPECT_DOUBLE_EQ(*vm_result(outcome, "db").rto_s, 420);
  EXPECT_DOUBLE_EQ(*vm_result(outcome, "app").rto_s, 480);
  EXPECT_DOUBLE_EQ(*vm_result(outcome, "web").rto_s, 480);
  const std::vector<CriticalStep>& path = vm_result(outcome, "web").critical_path;
  ASSERT_EQ(path.size(), 4u);
  EXPECT_EQ(path[2].step, "boot_cap");
  EXPECT_DOUBLE_EQ(path[2].seconds, 60);
}

TEST(Engine, PriorityGroupsBootLowerNumbersFirst) {
  Scenario s = three_tier();
  for (Vm& vm : s.plan.vms) vm.depends_on.clear();
  s.plan.vms[3].priority = 1;  // web first, then the rest together
  s.events = {event_at(Event::Kind::fail_site, "primary", 7000)};
  const Outcome outcome = run_analytic(s);
  EXPECT_DOUBLE_EQ(*vm_result(outcome, "web").rto_s, 380);
  EXPECT_DOUBLE_EQ(*vm_result(outcome, "ad").rto_s, 380 + 45);
  EXPECT_DOUBLE_EQ(*vm_result(outcome, "db").rto_s, 380 + 60);
}

TEST(Engine, TestFailoverLeavesProductionUntouched) {
  Scenario s = three_tier();
  s.events = {action(Event::Kind::test_failover, 7000)};
  Log log;
  const Outcome outcome = run_analytic(s, &log);
  for (const VmResult& vm : outcome.vms) {
    EXPECT_EQ(vm.mechanism, Mechanism::test) << vm.name;
    EXPECT_EQ(vm.instance, vm.name + "-test");
    EXPECT_EQ(vm.network, "bubble");
    EXPECT_DOUBLE_EQ(*vm.rpo_s, 700);
  }
  EXPECT_DOUBLE_EQ(*vm_result(outcome, "web").rto_s, 45 + 60 + 30 + 20);
  ASSERT_TRUE(outcome.production_untouched.has_value());
  EXPECT_TRUE(*outcome.production_untouched);
  EXPECT_EQ(log.all<DeleteInstance>().size(), 4u);
  EXPECT_TRUE(log.all<PowerOff>().empty());
  EXPECT_TRUE(log.all<StartShutdown>().empty());
  // Replication went on during and after the test: 23 cycles done in 6 h, the 24th in flight.
  EXPECT_EQ(outcome.summary.transfers_completed, 4 * 23);
}

TEST(Engine, PlannedFailoverShutsDownInReverseOrderWithoutLoss) {
  Scenario s = three_tier();
  s.events = {action(Event::Kind::planned_failover, 7000)};
  Log log;
  const Outcome outcome = run_analytic(s, &log);
  const auto shutdowns = log.all<StartShutdown>();
  ASSERT_EQ(shutdowns.size(), 4u);
  EXPECT_EQ(shutdowns[0].second.vm, "web");
  EXPECT_EQ(shutdowns[1].second.vm, "app");
  EXPECT_EQ(shutdowns[2].second.vm, "db");
  EXPECT_EQ(shutdowns[3].second.vm, "ad");
  EXPECT_DOUBLE_EQ(shutdowns[3].first, 7090);
  for (const VmResult& vm : outcome.vms) {
    EXPECT_EQ(vm.mechanism, Mechanism::planned);
    EXPECT_DOUBLE_EQ(*vm.rpo_s, 0);
  }
  // ad off at 7120, final sync of 820 MB takes 6.58 s, then ad 45, db 60, app 30, web 20.
  EXPECT_NEAR(*vm_result(outcome, "web").rto_s, 120 + 6.58 + 155, 1e-6);
  EXPECT_EQ(log.all<StartTransfer>().back().second.kind, TransferKind::final_sync);
}

TEST(Engine, RansomwareRestoresTheNewestCleanPoint) {
  Scenario s = three_tier();
  Event corrupt;
  corrupt.kind = Event::Kind::corrupt;
  corrupt.vms = {"db"};
  corrupt.at = DurationSpec::fixed_at(7000);
  s.events = {corrupt};
  Log log;
  const Outcome outcome = run_analytic(s, &log);
  const VmResult& db = vm_result(outcome, "db");
  EXPECT_EQ(db.outcome, VmOutcome::recovered);
  EXPECT_DOUBLE_EQ(*db.recovery_point_s, 6300);
  EXPECT_DOUBLE_EQ(*db.rpo_s, 700);
  EXPECT_DOUBLE_EQ(*db.rto_s, 420);
  ASSERT_EQ(log.all<PowerOff>().size(), 1u);  // the corrupted source is fenced first
  EXPECT_EQ(vm_result(outcome, "ad").outcome, VmOutcome::unaffected);
}

TEST(Engine, RansomwareFoundLateOutlivesShortRetention) {
  Scenario s = three_tier(20 * 3600);
  s.plan.recovery.detection = DurationSpec::fixed_at(10 * 3600);  // found 10 h later
  Event corrupt;
  corrupt.kind = Event::Kind::corrupt;
  corrupt.vms = {"db"};
  corrupt.at = DurationSpec::fixed_at(7000);
  s.events = {corrupt};
  // 24 points of 15 min hold 6 h: every clean point is pruned by the time it is found.
  const VmResult short_retention = vm_result(run_analytic(s), "db");
  EXPECT_EQ(short_retention.outcome, VmOutcome::lost);
  EXPECT_FALSE(short_retention.rpo_s.has_value());
  s.plan.replication[0].retention.points = 48;  // 12 h
  const VmResult long_retention = vm_result(run_analytic(s), "db");
  EXPECT_EQ(long_retention.outcome, VmOutcome::recovered);
  EXPECT_DOUBLE_EQ(*long_retention.rpo_s, 700);
}

TEST(Engine, GrandfatherFatherSonRetentionKeepsADailyPoint) {
  // Corruption at 86000 s (day 0; its newest point is 85500), found 1.5 days later.
  Scenario s = three_tier(3 * 86400);
  s.plan.recovery.detection = DurationSpec::fixed_at(1.5 * 86400);
  Event corrupt;
  corrupt.kind = Event::Kind::corrupt;
  corrupt.vms = {"db"};
  corrupt.at = DurationSpec::fixed_at(86000);
  s.events = {corrupt};
  s.plan.replication[0].retention = {4, 0, 0, 0};  // one hour of points: too short
  EXPECT_EQ(vm_result(run_analytic(s), "db").outcome, VmOutcome::lost);
  s.plan.replication[0].retention = {4, 3, 0, 0};  // + the newest point of each of 3 days
  const VmResult daily = vm_result(run_analytic(s), "db");
  ASSERT_EQ(daily.outcome, VmOutcome::recovered);
  EXPECT_DOUBLE_EQ(*daily.recovery_point_s, 85500);
  EXPECT_DOUBLE_EQ(*daily.rpo_s, 500);
}

TEST(Engine, WanCutThenOutageLosesEverythingSinceTheCut) {
  Scenario s = three_tier();
  s.events = {event_at(Event::Kind::fail_link, "wan", 5000),
              event_at(Event::Kind::fail_site, "primary", 7000)};
  const Outcome outcome = run_analytic(s);
  EXPECT_DOUBLE_EQ(*vm_result(outcome, "db").rpo_s, 7000 - 4500);
  EXPECT_EQ(outcome.summary.ticks_skipped, 8);  // 5400 and 6300 stalled for 4 VMs
  // The link is down, so nothing can reach dr1 from primary -- but the replicas are there.
  EXPECT_EQ(vm_result(outcome, "db").outcome, VmOutcome::recovered);
}

TEST(Engine, SkipRuleWhenATransferOutlastsTheInterval) {
  Scenario s = three_tier(4000);
  Log log;
  run_analytic(s, &log, 1000.0);  // every transfer takes 1007.22 s
  const auto transfers = log.all<StartTransfer>();
  ASSERT_EQ(transfers.size(), 8u);  // ticks 900 and 2700 start; 1800 and 3600 are skipped
  EXPECT_DOUBLE_EQ(transfers[0].first, 900);
  EXPECT_DOUBLE_EQ(transfers[4].first, 2700);
  EXPECT_DOUBLE_EQ(transfers[4].second.bytes, 1800e6);
}

TEST(Engine, FailbackReturnsHomeWithoutLoss) {
  Scenario s = three_tier(6 * 3600);
  Event outage = event_at(Event::Kind::fail_site, "primary", 7000);
  outage.repair_after = DurationSpec::fixed_at(3600);
  s.events = {outage, action(Event::Kind::failback, 14400)};
  Log log;
  const Outcome outcome = run_analytic(s, &log);
  for (const VmResult& vm : outcome.vms) {
    EXPECT_EQ(vm.mechanism, Mechanism::replica) << vm.name;
    ASSERT_TRUE(vm.failback.has_value()) << vm.name;
    EXPECT_EQ(vm.failback->outcome, FailbackOutcome::recovered) << vm.failback->reason;
    EXPECT_DOUBLE_EQ(*vm.failback->rpo_s, 0);
    EXPECT_GT(*vm.failback->rto_s, 0);
  }
  const auto boots = log.all<StartBoot>();
  ASSERT_EQ(boots.size(), 8u);
  EXPECT_EQ(boots[4].second.host, "esx1");  // ad comes home first
  EXPECT_EQ(boots[7].second.host, "esx2");
  // Reverse replication shipped the changes made at DR: ad ran there from 7405.
  const auto transfers = log.all<StartTransfer>();
  bool found = false;
  for (const auto& [t, transfer] : transfers) {
    if (transfer.kind == TransferKind::reverse_sync && transfer.vm == "ad" && t == 14400) {
      EXPECT_DOUBLE_EQ(transfer.bytes, (14400 - 7405) * 1e6);
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

TEST(Engine, RefusesSplitBrainWhenSourcesMayNotBePoweredOff) {
  Scenario s = three_tier();
  s.plan.recovery.power_off_source = false;
  Event corrupt;
  corrupt.kind = Event::Kind::corrupt;
  corrupt.vms = {"db"};
  corrupt.at = DurationSpec::fixed_at(7000);
  s.events = {corrupt};
  const VmResult db = vm_result(run_analytic(s), "db");
  EXPECT_EQ(db.outcome, VmOutcome::failed);
  EXPECT_NE(db.reason.find("split brain"), std::string::npos);
}

TEST(Engine, VmWithoutProtectionIsLost) {
  Scenario s = three_tier();
  s.plan.replication[0].vms = {"ad", "db", "app"};
  s.plan.clusters.clear();
  s.events = {event_at(Event::Kind::fail_host, "esx2", 7000)};
  const Outcome outcome = run_analytic(s);
  EXPECT_EQ(vm_result(outcome, "web").outcome, VmOutcome::lost);
  EXPECT_EQ(vm_result(outcome, "app").outcome, VmOutcome::recovered);
  EXPECT_EQ(exit_status(outcome), 1);
}

TEST(Engine, RepairRestartsAnUnprotectedVmInPlace) {
  Scenario s = three_tier();
  s.plan.replication[0].vms = {"ad", "db", "app"};
  s.plan.clusters.clear();
  Event failure = event_at(Event::Kind::fail_host, "esx2", 7000);
  failure.repair_after = DurationSpec::fixed_at(600);
  s.events = {failure};
  const VmResult web = vm_result(run_analytic(s), "web");
  EXPECT_EQ(web.outcome, VmOutcome::recovered);
  EXPECT_EQ(web.mechanism, Mechanism::none);
  EXPECT_EQ(web.recovered_on, "esx2");
  EXPECT_DOUBLE_EQ(*web.rpo_s, 0);
}

TEST(Engine, ARunIsDeterministic) {
  Scenario s = three_tier();
  s.events = {event_at(Event::Kind::fail_site, "primary", 7000)};
  Log a, b;
  run_analytic(s, &a);
  run_analytic(s, &b);
  ASSERT_EQ(a.commands.size(), b.commands.size());
  for (std::size_t i = 0; i < a.commands.size(); ++i) {
    EXPECT_EQ(describe(a.commands[i].second), describe(b.commands[i].second));
  }
}

TEST(Engine, RealizeDrawsTheSameValuesForTheSameSeed) {
  Scenario s = three_tier();
  s.plan.vms[0].boot_time = DurationSpec{DurationSpec::Kind::normal, 45, 10};
  s.plan.recovery.operator_delay = DurationSpec{DurationSpec::Kind::exponential, 300, 0};
  const Scenario a = realize(s, 7), b = realize(s, 7), c = realize(s, 8);
  EXPECT_TRUE(a.plan.vms[0].boot_time.is_fixed());
  EXPECT_EQ(a.plan.vms[0].boot_time, b.plan.vms[0].boot_time);
  EXPECT_NE(a.plan.vms[0].boot_time, c.plan.vms[0].boot_time);
  EXPECT_EQ(a.plan.recovery.operator_delay, b.plan.recovery.operator_delay);
}

TEST(Realize, APredictionEnactsTheSameDrawsButExpectsTheMeanBootAndShutdown) {
  Scenario s = three_tier();
  s.plan.vms[0].boot_time = DurationSpec{DurationSpec::Kind::lognormal, 45, 10};
  s.plan.vms[1].shutdown_time = DurationSpec{DurationSpec::Kind::uniform, 10, 30};
  s.plan.recovery.operator_delay = DurationSpec{DurationSpec::Kind::exponential, 300, 0};
  s.events = {event_at(Event::Kind::fail_site, "primary", 0)};
  s.events[0].at = DurationSpec{DurationSpec::Kind::uniform, 100, 200};
  const Scenario real = realize(s, 7), predicted = realize_prediction(s, 7);
  EXPECT_EQ(predicted.plan.vms[0].boot_time, DurationSpec::fixed_at(45));
  EXPECT_NE(real.plan.vms[0].boot_time, predicted.plan.vms[0].boot_time);
  EXPECT_EQ(predicted.plan.vms[1].shutdown_time, DurationSpec::fixed_at(20));
  EXPECT_EQ(predicted.plan.vms[2].boot_time, s.plan.vms[2].boot_time);  // fixed stays
  // what the real run enacts is drawn exactly as for the real run
  EXPECT_EQ(predicted.events[0].at, real.events[0].at);
  EXPECT_EQ(predicted.plan.recovery.operator_delay, real.plan.recovery.operator_delay);
  EXPECT_EQ(predicted.plan.recovery.detection, real.plan.recovery.detection);
}

}  // namespace
}  // namespace firedrill::testing
