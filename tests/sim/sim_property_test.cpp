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
#include "sim/simulate.hpp"
#include "sim/sweep.hpp"
#include "tests/sim/sim_plans.hpp"

namespace firedrill::simtest {
namespace {

constexpr double kTol = 1e-6;

int pick(Rng& rng, int lo, int hi) {  // inclusive
  return lo + static_cast<int>(rng.next_u64() % static_cast<std::uint64_t>(hi - lo + 1));
}

double between(Rng& rng, double lo, double hi) {
  return lo + (hi - lo) * rng.uniform01();
}

Scenario random_scenario(std::uint64_t seed) {
  Rng rng(seed);
  Scenario s = base_scenario("property-" + std::to_string(seed), 6 * 3600);
  Plan& p = s.plan;
  p.sites[0].hosts.clear();
  const int primary_hosts = pick(rng, 1, 4);
  for (int h = 0; h < primary_hosts; ++h) {
    p.sites[0].hosts.push_back(Host{"p" + std::to_string(h + 1), "primary", pick(rng, 2, 16),
                                    between(rng, 8, 64) * kGiB, 1e9, ""});
  }
  p.sites[1].hosts[0].cores = pick(rng, 1, 16);
  p.links[0].bandwidth_Bps = between(rng, 20e6, 500e6);
  p.links[0].latency_s = between(rng, 0.001, 0.08);
  p.replication[0].interval_s = pick(rng, 1, 6) * 300.0;
  p.recovery.detection = DurationSpec::fixed_at(between(rng, 10, 300));
  p.recovery.operator_delay = DurationSpec::fixed_at(between(rng, 0, 900));
  p.recovery.max_concurrent_boots = pick(rng, 0, 3);
  if (rng.uniform01() < 0.5 && primary_hosts > 1) {
    std::vector<std::string> names;
    for (const Host& h : p.sites[0].hosts) names.push_back(h.name);
    p.datastores = {Datastore{"san1", names, std::nullopt}};
    p.clusters = {
        Cluster{"prod", names, "san1", HaPolicy{DurationSpec::fixed_at(between(rng, 5, 60))}}};
  }
  const int vms = pick(rng, 1, 8);
  for (int v = 0; v < vms; ++v) {
    std::vector<std::string> deps;
    int priority = pick(rng, 1, 5);
    for (int d = 0; d < v; ++d) {
      if (rng.uniform01() < 0.3) {
        deps.push_back("vm" + std::to_string(d));
        priority = std::max(priority, p.vms[static_cast<std::size_t>(d)].priority);
      }
    }
    Vm& vm =
        add_vm(s, "vm" + std::to_string(v),
               p.sites[0].hosts[static_cast<std::size_t>(pick(rng, 0, primary_hosts - 1))].name,
               between(rng, 5, 120), deps, between(rng, 1e4, 5e6));
    vm.priority = priority;
    vm.memory_B = between(rng, 1, 16) * kGiB;
  }
  const int events = pick(rng, 1, 3);
  for (int e = 0; e < events; ++e) {
    const double at = between(rng, 600, 4 * 3600);
    Event event;
    switch (pick(rng, 0, 3)) {
      case 0:
        event = fail_at(Event::Kind::fail_host, at, p.sites[0].hosts[0].name);
        break;
      case 1:
        event = fail_at(Event::Kind::fail_site, at, "primary");
        break;
      case 2:
        event = fail_at(Event::Kind::fail_vm, at, p.vms[0].name);
        break;
      default:
        event = fail_at(Event::Kind::fail_link, at, "wan");
        break;
    }
    if (rng.uniform01() < 0.3) event.repair_after = DurationSpec::fixed_at(between(rng, 60, 3600));
    s.events.push_back(event);
  }
  std::sort(s.events.begin(), s.events.end(),
            [](const Event& a, const Event& b) { return a.at.seconds() < b.at.seconds(); });
  return s;
}

// The longest boot path to `name` through the VMs of `group` (recovered by the same
// mechanism from the same incident), at full speed: a lower bound of the boot phase.
double boot_path(const Plan& plan, const std::string& name,
                 const std::function<bool(const std::string&)>& group) {
  const Vm* vm = find_vm(plan, name);
  double longest = 0.0;
  for (const std::string& dep : vm->depends_on) {
    if (group(dep)) longest = std::max(longest, boot_path(plan, dep, group));
  }
  return longest + vm->boot_time.seconds();
}

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
      SweepOptions{});
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
      SweepOptions{});
  EXPECT_NE(error.find("a batch needs one platform"), std::string::npos) << error;
}

}  // namespace
}  // namespace firedrill::simtest
