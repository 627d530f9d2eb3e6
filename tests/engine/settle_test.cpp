// Ending a run when it has settled (Scenario::end_when_settled, engine/engine.hpp): the run
// ends at the instant nothing more can happen that the report is about, with the same
// results as a run to `duration`; never before the last scripted event, never before a
// test's copies are deleted, never at all without an incident. Also: a failback requested
// while VMs are still on their way to the DR site waits for them.
// Numbers as in engine_test.cpp: detection 60 s, operator delay 300 s, boots ad 45, db 60,
// app 30, web 20 s.
#include <gtest/gtest.h>

#include "engine/outcome_json.hpp"
#include "tests/engine/test_plans.hpp"

namespace firedrill::testing {
namespace {

Scenario settling(Scenario s) {
  s.end_when_settled = true;
  return s;
}

// Everything about the VMs, without the run's length and the replication history (a run
// that ends earlier has fewer cycles).
nlohmann::json vm_results(const Outcome& outcome) {
  return outcome_to_json(outcome).at("vms");
}

TEST(Settle, EndsWhenTheLastVmOfAnUnplannedFailoverIsReady) {
  Scenario s = three_tier();
  s.events = {event_at(Event::Kind::fail_site, "primary", 7000)};
  const Outcome full = run_analytic(s);
  const Outcome settled = run_analytic(settling(s));
  EXPECT_EQ(full.ended, RunEnd::duration);
  EXPECT_DOUBLE_EQ(full.end_s, 6 * 3600.0);
  EXPECT_EQ(settled.ended, RunEnd::settled);
  // web is ready at 7000 + 60 + 300 + 45 + 60 + 30 + 20 = 7515.
  EXPECT_DOUBLE_EQ(settled.end_s, 7515);
  EXPECT_DOUBLE_EQ(*vm_result(settled, "web").ready_s, 7515);
  EXPECT_EQ(vm_results(settled), vm_results(full));
  EXPECT_EQ(settled.summary.recovered, 4);
  EXPECT_EQ(exit_status(settled), exit_status(full));
}

TEST(Settle, NeverBeforeTheLastScriptedEvent) {
  Scenario s = three_tier();
  // The failover is done at 7515; a link failure is still scripted at 12000.
  s.events = {event_at(Event::Kind::fail_site, "primary", 7000),
              event_at(Event::Kind::fail_link, "wan", 12000)};
  const Outcome outcome = run_analytic(settling(s));
  EXPECT_EQ(outcome.ended, RunEnd::settled);
  EXPECT_DOUBLE_EQ(outcome.end_s, 12000);
}

TEST(Settle, NeverWhileARepairIsPending) {
  Scenario s = three_tier();
  // esx1's HA restart is done within minutes; its repair after 1 h is still to come.
  Event failure = event_at(Event::Kind::fail_host, "esx1", 7000);
  failure.repair_after = DurationSpec::fixed_at(3600);
  s.events = {failure};
  const Outcome outcome = run_analytic(settling(s));
  EXPECT_EQ(vm_result(outcome, "ad").mechanism, Mechanism::ha);
  EXPECT_DOUBLE_EQ(outcome.end_s, 7000 + 3600);
}

TEST(Settle, ATestFailoverSettlesOnlyOnceItsCopiesAreDeleted) {
  Scenario s = three_tier();
  s.events = {event_at(Event::Kind::test_failover, "", 7000)};
  Log log;
  const Outcome outcome = run_analytic(settling(s), &log);
  EXPECT_EQ(outcome.ended, RunEnd::settled);
  // The test copies boot one after the other (45 + 60 + 30 + 20) and are deleted at once.
  EXPECT_DOUBLE_EQ(outcome.end_s, 7000 + 155);
  const auto deletions = log.all<DeleteInstance>();
  ASSERT_EQ(deletions.size(), 4u);
  for (const auto& [t, deletion] : deletions) EXPECT_DOUBLE_EQ(t, outcome.end_s);
  EXPECT_EQ(log.commands.back().first, outcome.end_s);
  ASSERT_TRUE(outcome.production_untouched.has_value());
  EXPECT_TRUE(*outcome.production_untouched);
  for (const VmResult& vm : outcome.vms) EXPECT_EQ(vm.outcome, VmOutcome::recovered) << vm.name;
}

TEST(Settle, WithoutAnIncidentTheRunLastsItsDuration) {
  const Outcome outcome = run_analytic(settling(three_tier(3600)));
  EXPECT_EQ(outcome.ended, RunEnd::duration);
  EXPECT_DOUBLE_EQ(outcome.end_s, 3600);
  EXPECT_EQ(outcome.summary.unaffected, 4);
  // A link failure hits no VM: still no incident of a VM, still the whole duration.
  Scenario link = three_tier(3600);
  link.events = {event_at(Event::Kind::fail_link, "wan", 1000)};
  EXPECT_DOUBLE_EQ(run_analytic(settling(link)).end_s, 3600);
}

TEST(Settle, TheDurationStaysTheDeadline) {
  // The failover needs until 7515, the run only lasts until 7400: it ends at its duration,
  // exactly as without the option.
  Scenario s = three_tier(7400);
  s.events = {event_at(Event::Kind::fail_site, "primary", 7000)};
  const Outcome outcome = run_analytic(settling(s));
  EXPECT_EQ(outcome.ended, RunEnd::duration);
  EXPECT_DOUBLE_EQ(outcome.end_s, 7400);
  EXPECT_EQ(vm_result(outcome, "web").outcome, VmOutcome::failed);
  EXPECT_EQ(outcome_to_json(outcome), outcome_to_json(run_analytic(s)));
}

TEST(Settle, IsDeterministic) {
  Scenario s = settling(three_tier());
  s.events = {event_at(Event::Kind::planned_failover, "", 7000)};
  Log a, b;
  const Outcome first = run_analytic(s, &a);
  const Outcome second = run_analytic(s, &b);
  EXPECT_EQ(first.ended, RunEnd::settled);
  EXPECT_EQ(outcome_to_json(first).dump(), outcome_to_json(second).dump());
  ASSERT_EQ(a.commands.size(), b.commands.size());
  for (std::size_t i = 0; i < a.commands.size(); ++i) {
    EXPECT_EQ(a.commands[i].first, b.commands[i].first);
    EXPECT_EQ(describe(a.commands[i].second), describe(b.commands[i].second));
  }
}

TEST(Settle, AFailbackWaitsForVmsStillOnTheirWayToTheRecoverySite) {
  // The failback is asked for 10 s after the planned move began, long before any VM runs
  // at dr1: each joins its phase 1 once it is ready there, then all come home.
  Scenario s = three_tier();
  s.events = {event_at(Event::Kind::planned_failover, "", 7000),
              event_at(Event::Kind::failback, "", 7010)};
  Log log;
  const Outcome outcome = run_analytic(settling(s), &log);
  EXPECT_EQ(outcome.ended, RunEnd::settled);
  for (const VmResult& vm : outcome.vms) {
    EXPECT_EQ(vm.mechanism, Mechanism::planned) << vm.name;
    EXPECT_EQ(vm.recovered_on, "dr1") << vm.name;
    ASSERT_TRUE(vm.failback.has_value()) << vm.name;
    EXPECT_EQ(vm.failback->outcome, FailbackOutcome::recovered)
        << vm.name << ": " << vm.failback->reason;
    EXPECT_DOUBLE_EQ(vm.failback->start_s, 7010);
    EXPECT_DOUBLE_EQ(*vm.failback->rpo_s, 0);
  }
  // Each reverse sync starts when its VM is ready at dr1, never before.
  for (const auto& [t, transfer] : log.all<StartTransfer>()) {
    if (transfer.kind != TransferKind::reverse_sync || transfer.source_host != "dr1") continue;
    EXPECT_GE(t + 1e-9, *vm_result(outcome, transfer.vm).ready_s) << transfer.vm;
  }
  const auto boots = log.all<StartBoot>();
  ASSERT_EQ(boots.size(), 8u);
  EXPECT_EQ(boots[4].second.host, "esx1");  // ad home first
  EXPECT_DOUBLE_EQ(outcome.end_s, *vm_result(outcome, "web").failback->end_s);
}

TEST(Settle, AFailbackWhoseVmNeverReachesTheRecoverySiteFailsItThere) {
  // The planned move of every VM fails (the only recovery host fails, with every recovery
  // point, before any final sync), so the failback asked for meanwhile has nothing to bring
  // home. (A cut WAN would not do: the move waits for it, then restores older points, SPEC 9.)
  Scenario s = three_tier();
  s.events = {event_at(Event::Kind::planned_failover, "", 7000),
              event_at(Event::Kind::fail_host, "dr1", 7001),
              event_at(Event::Kind::failback, "", 7002)};
  const Outcome outcome = run_analytic(settling(s));
  for (const VmResult& vm : outcome.vms) {
    ASSERT_TRUE(vm.failback.has_value()) << vm.name;
    EXPECT_EQ(vm.failback->outcome, FailbackOutcome::failed) << vm.name;
    EXPECT_NE(vm.failback->reason.find("did not complete"), std::string::npos)
        << vm.failback->reason;
  }
}

}  // namespace
}  // namespace firedrill::testing
