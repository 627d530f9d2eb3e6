// Property test: many random plans and failure sequences (seeded, so any failure is
// reproducible from the printed case number) never end in split brain (the engine asserts
// it; a crash fails the run), never report an RTO below its analytic lower bound, and never
// an RPO above interval + transfer time for periodic replication that was not disturbed.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "engine/loader.hpp"
#include "engine/outcome_json.hpp"
#include "engine/units.hpp"
#include "sim/fork_pool.hpp"
#include "sim/simulate.hpp"
#include "tests/sim/random_plans.hpp"
#include "tests/sim/sim_plans.hpp"

namespace firedrill::simtest {
namespace {

constexpr double kTol = 1e-6;

TEST(SimProperty, RandomPlansKeepTheInvariants) {
  constexpr int kCases = 120;
  int checked_rto = 0, checked_rpo = 0;
  for (std::uint64_t seed = 1; seed <= kCases; ++seed) {
    SCOPED_TRACE("random case " + std::to_string(seed));
    const Scenario s = random_scenario(seed);
    Outcome o;
    ASSERT_NO_THROW(o = run(s));
    const Plan& p = s.plan;
    bool wan_failed_before = false;
    double first_wan_failure = 1e300;
    for (const Event& e : s.events) {
      if (e.kind == Event::Kind::fail_link)
        first_wan_failure = std::min(first_wan_failure, e.at.seconds());
    }
    for (const VmResult& r : o.vms) {
      if (r.outcome != VmOutcome::recovered || !r.rto_s || !r.incident_s) continue;
      ASSERT_TRUE(r.ready_s);
      EXPECT_GE(*r.ready_s + kTol, *r.incident_s) << r.name;  // the source was down first
      auto same = [&](const std::string& other) {
        const VmResult& o2 = vm(o, other);
        return o2.mechanism == r.mechanism && o2.incident_s == r.incident_s;
      };
      double bound = boot_path(p, r.name, same);
      if (r.mechanism == Mechanism::replica) {
        bound += p.recovery.detection.seconds() + p.recovery.operator_delay.seconds();
      } else if (r.mechanism == Mechanism::ha) {
        bound += p.clusters.at(0).ha->failure_timeout.seconds();
      }
      EXPECT_GE(*r.rto_s + kTol, bound) << r.name << " " << to_string(r.mechanism);
      ++checked_rto;
      wan_failed_before = first_wan_failure < *r.incident_s;
      if (r.mechanism == Mechanism::replica && r.rpo_s && !wan_failed_before &&
          o.summary.ticks_skipped == 0) {
        // Worst case interval + D, D at most every VM's cycle sharing the WAN at once.
        double bytes = 0.0;
        for (const Vm& v : p.vms) bytes += v.change_rate_Bps * p.replication[0].interval_s;
        const double d = p.links[0].latency_s + bytes / p.links[0].bandwidth_Bps;
        EXPECT_LE(*r.rpo_s, p.replication[0].interval_s + d + kTol) << r.name;
        ++checked_rpo;
      }
    }
  }
  EXPECT_GT(checked_rto, kCases / 2);
  EXPECT_GT(checked_rpo, kCases / 4);
}

// ---- Batches: runs of one plan side by side in one simulation (sim/driver.hpp run_batch)

// Every outcome of `batch` simulated together in one forked child, as JSON text (an
// {"error": ...} object for a run the driver stopped).
std::vector<std::string> batch_outcomes(const std::vector<Scenario>& batch) {
  std::vector<std::string> dumps;
  run_forked(
      {0},
      [&](std::size_t) {
        nlohmann::json answers = nlohmann::json::array();
        for (const sim::BatchResult& result : simulate_batch_in_process(batch, SimOptions{})) {
          answers.push_back(result.outcome ? outcome_to_json(*result.outcome).dump()
                                           : nlohmann::json{{"error", result.error}}.dump());
        }
        return answers.dump();
      },
      [&](TaskResult&& result) {
        ASSERT_EQ(result.status, TaskResult::Status::ok) << result.error;
        for (const auto& answer : nlohmann::json::parse(result.output)) {
          dumps.push_back(answer.get<std::string>());
        }
      },
      PoolOptions{});
  return dumps;
}

std::string alone(const Scenario& realized) {
  Result<Outcome> outcome = simulate(realized, SimOptions{});
  if (!outcome.ok()) return nlohmann::json{{"error", outcome.errors().at(0).render()}}.dump();
  return outcome_to_json(outcome.value()).dump();
}

// The copies of the platform share nothing and same-instant events reach the engine in a
// canonical order, so a run in a batch ends exactly (byte for byte) as it does alone.
TEST(SimBatch, RandomPlansEndInABatchExactlyAsAlone) {
  constexpr int kCases = 40;
  for (std::uint64_t seed = 1; seed <= kCases; ++seed) {
    SCOPED_TRACE("random case " + std::to_string(seed));
    const Scenario s = random_scenario(seed);
    // Same plan, three different runs: as generated, events moved, and another seed with
    // a lognormal boot time (so realize() draws).
    Scenario moved = s;
    for (Event& event : moved.events) event.at = DurationSpec::fixed_at(event.at.seconds() + 137);
    Scenario drawn = s;
    drawn.plan.vms[0].boot_time = DurationSpec{DurationSpec::Kind::lognormal, 60, 20};
    const std::vector<Scenario> batch{realize(s, seed), realize(moved, seed),
                                      realize(drawn, seed + 1000)};
    const std::vector<std::string> together = batch_outcomes(batch);
    ASSERT_EQ(together.size(), batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
      EXPECT_EQ(together[i], alone(batch[i])) << "run " << i << " of the batch";
    }
  }
}

TEST(SimBatch, ShippedScenariosEndInABatchExactlyAsAlone) {
  int checked = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(FIREDRILL_SOURCE_DIR) + "/scenarios")) {
    if (entry.path().extension() != ".json" ||
        entry.path().filename().string().find(".plan.") != std::string::npos) {
      continue;
    }
    SCOPED_TRACE(entry.path().string());
    auto loaded = load_scenario(entry.path().string());
    ASSERT_TRUE(loaded.ok()) << loaded.errors().at(0).render();
    const Scenario& s = loaded.value().scenario;
    const std::vector<Scenario> batch{realize(s, s.seed), realize(s, s.seed + 1),
                                      realize(s, s.seed + 2)};
    const std::vector<std::string> together = batch_outcomes(batch);
    ASSERT_EQ(together.size(), batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
      EXPECT_EQ(together[i], alone(batch[i])) << "run " << i << " of the batch";
    }
    ++checked;
  }
  EXPECT_GE(checked, 8);
}

TEST(SimBatch, ABatchNeedsOnePlatform) {
  Scenario a = random_scenario(3);
  Scenario b = a;
  b.plan.links[0].bandwidth_Bps *= 2;
  std::string error;
  run_forked(
      {0},
      [&](std::size_t) {
        simulate_batch_in_process({realize(a, 1), realize(b, 1)}, SimOptions{});
        return std::string("ran");
      },
      [&](TaskResult&& result) {
        EXPECT_EQ(result.status, TaskResult::Status::failed);
        error = result.error;
      },
      PoolOptions{});
  EXPECT_NE(error.find("a batch needs one platform"), std::string::npos) << error;
}

}  // namespace
}  // namespace firedrill::simtest
