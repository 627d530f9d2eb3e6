// The member stage table (engine/stages.cpp): consistent in itself and with what the
// invariants read from it, an edge it does not list throws, and the runs below -- the
// three-tier plan under the analytic backend, some of its activities made to fail -- take
// every edge it lists (an edge no run can take is a dead one and belongs out of the table).
#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <stdexcept>

#include "engine/stages.hpp"
#include "tests/engine/test_plans.hpp"

namespace firedrill::testing {
namespace {

using S = Member::Stage;
using Edge = std::pair<std::string, std::string>;

Member::Stage stage_at(int i) {
  return static_cast<Member::Stage>(i);
}

TEST(Stages, TheTableIsInStageOrderWithOneNameEach) {
  std::set<std::string> names;
  for (int i = 0; i < kStageCount; ++i) {
    EXPECT_EQ(stage_info(stage_at(i)).stage, stage_at(i));
    EXPECT_TRUE(names.insert(stage_name(stage_at(i))).second) << stage_name(stage_at(i));
  }
}

TEST(Stages, EveryStageIsReachedFromPendingAndEveryOpenOneCanFail) {
  std::set<S> seen{S::pending};
  std::vector<S> todo{S::pending};
  while (!todo.empty()) {
    const S from = todo.back();
    todo.pop_back();
    for (const S to : stage_info(from).to) {
      if (seen.insert(to).second) todo.push_back(to);
    }
  }
  for (int i = 0; i < kStageCount; ++i) {
    const StageInfo& info = stage_info(stage_at(i));
    EXPECT_TRUE(seen.count(info.stage)) << info.name << " is never entered";
    // A terminal stage is left by nothing; every other one may fail (end of run, faults).
    EXPECT_EQ(info.terminal, info.to.empty()) << info.name;
    EXPECT_EQ(!info.terminal, stage_edge_allowed(info.stage, S::failed)) << info.name;
  }
  EXPECT_TRUE(stage_info(S::ready).terminal);
  EXPECT_TRUE(stage_info(S::failed).terminal);
}

TEST(Stages, WhatTheInvariantsReadFromTheTableHoldsTogether) {
  for (int i = 0; i < kStageCount; ++i) {
    const StageInfo& info = stage_info(stage_at(i));
    // A transient stage is left in the call that entered it: it waits for no activity and
    // does not loop, else a member could be seen in it between calls.
    if (info.transient) {
      EXPECT_FALSE(info.activity) << info.name;
      EXPECT_FALSE(stage_edge_allowed(info.stage, info.stage)) << info.name;
      EXPECT_FALSE(info.terminal) << info.name;
    }
    // The boot cap counts the members booting: only booting waits for a boot.
    EXPECT_EQ(info.activity == ActivityRef::Kind::boot, info.stage == S::booting) << info.name;
    // A member goes ready from a boot that succeeded, and only so.
    EXPECT_EQ(stage_edge_allowed(info.stage, S::ready), info.stage == S::booting) << info.name;
  }
}

TEST(Stages, AnEdgeNotInTheTableThrowsAsAnInvariantViolation) {
  int illegal = 0;
  for (int f = 0; f < kStageCount; ++f) {
    for (int t = 0; t < kStageCount; ++t) {
      const S from = stage_at(f);
      const S to = stage_at(t);
      if (stage_edge_allowed(from, to)) {
        EXPECT_NO_THROW(require_stage_edge(from, to, 1.5, "vm"));
        continue;
      }
      ++illegal;
      try {
        require_stage_edge(from, to, 1.5, "web (member 3 of operation 0)");
        ADD_FAILURE() << stage_name(from) << " -> " << stage_name(to) << " did not throw";
      } catch (const std::logic_error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("engine invariant violated at t=1.5"), std::string::npos) << what;
        EXPECT_NE(what.find(std::string("web (member 3 of operation 0) cannot go from stage ") +
                            stage_name(from) + " to " + stage_name(to)),
                  std::string::npos)
            << what;
      }
    }
  }
  EXPECT_GT(illegal, 0);
}

// The analytic backend with a hand on what ends: `edit` may change or drop (return false)
// each completion; `started` sees every command first.
class Meddling : public Backend {
 public:
  using Edit = std::function<bool(Completion&)>;
  Meddling(const Scenario& scenario, Edit edit,
           std::function<void(const Command&)> started = nullptr)
      : inner_(scenario), edit_(std::move(edit)), started_(std::move(started)) {}
  void execute(const std::vector<Command>& commands, double now_s) override {
    if (started_) {
      for (const Command& command : commands) started_(command);
    }
    inner_.execute(commands, now_s);
  }
  WaitResult wait(std::optional<double> deadline_s) override {
    WaitResult result = inner_.wait(deadline_s);
    std::vector<Completion> kept;
    for (Completion& completion : result.ended) {
      if (!edit_ || edit_(completion)) kept.push_back(completion);
    }
    result.ended = kept;
    return result;
  }

 private:
  AnalyticBackend inner_;
  Edit edit_;
  std::function<void(const Command&)> started_;
};

std::set<Edge> edges_of(const Scenario& s, Meddling::Edit edit = nullptr,
                        std::function<void(const Command&)> started = nullptr) {
  FailoverEngine engine(s);
  Meddling backend(s, std::move(edit), std::move(started));
  const DriveResult result = drive(engine, backend, DriveLimits{1'000'000}, nullptr);
  if (!result.ok()) throw std::runtime_error(result.error);
  engine.check_invariants();
  const auto taken = engine.stage_edges_taken();
  return {taken.begin(), taken.end()};
}

Scenario with(std::vector<Event> events, double duration_s = 6 * 3600.0) {
  Scenario s = three_tier(duration_s);
  s.events = std::move(events);
  return s;
}

Event repaired(Event event, double after_s) {
  event.repair_after = DurationSpec::fixed_at(after_s);
  return event;
}

// A second recovery host, dr2, with its own job: a VM restored again after dr1 fails.
Scenario with_second_dr_host(std::vector<Event> events) {
  Scenario s = with(std::move(events));
  s.plan.sites[1].hosts.push_back(s.plan.sites[1].hosts[0]);
  s.plan.sites[1].hosts.back().name = "dr2";
  s.plan.replication.push_back(s.plan.replication[0]);
  s.plan.replication.back().name = "to-dr2";
  s.plan.replication.back().target_host = "dr2";
  return s;
}

// A third cluster host, esx3: an HA restart that loses its host restarts elsewhere.
Scenario with_third_cluster_host(std::vector<Event> events) {
  Scenario s = with(std::move(events));
  s.plan.sites[0].hosts.push_back(s.plan.sites[0].hosts[0]);
  s.plan.sites[0].hosts.back().name = "esx3";
  s.plan.datastores[0].hosts.push_back("esx3");
  s.plan.clusters[0].hosts.push_back("esx3");
  return s;
}

template <typename T>
bool fails(Completion& c, const std::function<bool(const T&)>& which) {
  if (auto* e = std::get_if<T>(&c.event); e && which(*e)) e->ok = false;
  return true;
}

std::set<Edge> every_run() {
  using K = Event::Kind;
  std::set<Edge> all;
  auto add = [&all](const std::set<Edge>& edges) { all.insert(edges.begin(), edges.end()); };
  add(edges_of(with({event_at(K::fail_site, "primary", 7000)})));         // replica
  add(edges_of(with({event_at(K::fail_host, "esx1", 7000)})));            // HA
  add(edges_of(with({event_at(K::test_failover, "", 7000)})));            // test
  add(edges_of(with({event_at(K::fail_site, "primary", 21500)})));        // run ends
  add(edges_of(with({event_at(K::planned_failover, "", 7100),             // move, and
                     event_at(K::failback, "", 9000)})));                 // back
  add(edges_of(with({event_at(K::planned_failover, "", 7100),             // a failback
                     event_at(K::failback, "", 7101)})));                 // waits
  add(edges_of(with({event_at(K::fail_site, "primary", 7000),             // ... for VMs
                     event_at(K::failback, "", 7370),                     // that never
                     event_at(K::fail_host, "dr1", 7380)})));             // arrive
  add(edges_of(with({event_at(K::fail_link, "wan", 7000),                 // cut-off
                     event_at(K::planned_failover, "", 7100)})));         // final syncs
  add(edges_of(with({repaired(event_at(K::fail_link, "wan", 7000), 300),  // ... resumed
                     event_at(K::planned_failover, "", 7100)})));
  add(edges_of(with({event_at(K::planned_failover, "", 7100),  // cut mid-sync
                     event_at(K::fail_link, "wan", 7132)})));
  add(edges_of(with({event_at(K::planned_failover, "", 7100),   // source lost
                     event_at(K::fail_host, "esx2", 7110)})));  // mid-shutdown
  add(edges_of(with({event_at(K::planned_failover, "", 7100),   // phase 1 cut
                     event_at(K::failback, "", 9000), event_at(K::fail_link, "wan", 9000.01)})));
  add(edges_of(with({event_at(K::planned_failover, "", 7100),  // phase 2 cut
                     event_at(K::failback, "", 9000), event_at(K::fail_link, "wan", 9100)})));
  add(edges_of(with({event_at(K::planned_failover, "", 7100),  // DR host lost
                     event_at(K::failback, "", 9000), event_at(K::fail_host, "dr1", 9000.01)})));
  add(edges_of(with_second_dr_host({event_at(K::fail_site, "primary", 7000),   // restored
                                    event_at(K::fail_host, "dr1", 7380)})));   // again
  add(edges_of(with_third_cluster_host({event_at(K::fail_host, "esx1", 7000),  // HA again
                                        event_at(K::fail_host, "esx3", 7020)})));
  add(edges_of(with_second_dr_host({event_at(K::planned_failover, "", 7100),  // no route,
                                    event_at(K::fail_host, "dr1", 7110)})));  // older point
  // The run ends during a final sync (web: shutdown 21567-21597, then about 6 s of sync),
  // and while final syncs wait for a route.
  add(edges_of(with({event_at(K::planned_failover, "", 21567)})));
  add(edges_of(
      with({event_at(K::fail_link, "wan", 21000), event_at(K::planned_failover, "", 21500)})));
  // Boots of ad fail (db then fails while queued for its dependency); restores fail.
  add(edges_of(with({event_at(K::fail_site, "primary", 7000)}), [](Completion& c) {
    return fails<BootEnded>(c, [](const BootEnded&) { return true; });
  }));
  add(edges_of(with({event_at(K::fail_site, "primary", 7000)}), [](Completion& c) {
    return fails<RestoreEnded>(c, [](const RestoreEnded&) { return true; });
  }));
  // The first final sync fails with its route up: it is sent again.
  bool failed_once = false;
  std::set<ActivityId> final_syncs;
  add(edges_of(
      with({event_at(K::planned_failover, "", 7100)}),
      [&](Completion& c) {
        const auto* t = std::get_if<TransferEnded>(&c.event);
        if (t && final_syncs.count(t->id) && !failed_once) {
          failed_once = true;
          std::get<TransferEnded>(c.event).ok = false;
        }
        return true;
      },
      [&](const Command& command) {
        const auto* t = std::get_if<StartTransfer>(&command);
        if (t && t->kind == TransferKind::final_sync) final_syncs.insert(t->id);
      }));
  // ad's reverse sync is never reported: the others wait reverse_synced when dr1 fails.
  std::set<ActivityId> ad_reverse_syncs;
  add(edges_of(
      with({event_at(K::planned_failover, "", 7100), event_at(K::failback, "", 9000),
            event_at(K::fail_host, "dr1", 9100)}),
      [&](Completion& c) {
        const auto* t = std::get_if<TransferEnded>(&c.event);
        return !t || !ad_reverse_syncs.count(t->id);
      },
      [&](const Command& command) {
        const auto* t = std::get_if<StartTransfer>(&command);
        if (t && t->kind == TransferKind::reverse_sync && t->vm == "ad") {
          ad_reverse_syncs.insert(t->id);
        }
      }));
  // Restores never reported: a recovery host lost under a restore.
  add(edges_of(with_second_dr_host(
                   {event_at(K::fail_site, "primary", 7000), event_at(K::fail_host, "dr1", 7400)}),
               [](Completion& c) { return !std::holds_alternative<RestoreEnded>(c.event); }));
  return all;
}

TEST(Stages, TheRunsTakeEveryEdgeOfTheTable) {
  const std::set<Edge> taken = every_run();
  for (int f = 0; f < kStageCount; ++f) {
    for (const S to : stage_info(stage_at(f)).to) {
      EXPECT_TRUE(taken.count({stage_name(stage_at(f)), stage_name(to)}))
          << stage_name(stage_at(f)) << " -> " << stage_name(to) << " taken by no run";
    }
  }
}

}  // namespace
}  // namespace firedrill::testing
