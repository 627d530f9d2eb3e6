// Random plans and failure sequences for the property tests (random_plans.hpp).
#include "tests/sim/random_plans.hpp"

#include <algorithm>

#include "tests/sim/sim_plans.hpp"

namespace firedrill::simtest {

namespace {

int pick(Rng& rng, int lo, int hi) {  // inclusive
  return lo + static_cast<int>(rng.next_u64() % static_cast<std::uint64_t>(hi - lo + 1));
}

double between(Rng& rng, double lo, double hi) {
  return lo + (hi - lo) * rng.uniform01();
}

}  // namespace

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
  // The WAN's transfer limit comes from a stream of its own, so every other draw stays what
  // it was before links had limits: none in about a third of the plans, else 1 or 2.
  Rng limit_rng(seed ^ 0x6c696d6974ULL);
  p.links[0].max_concurrent_transfers = pick(limit_rng, 0, 2);
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

double boot_path(const Plan& plan, const std::string& name,
                 const std::function<bool(const std::string&)>& group) {
  const Vm* vm = find_vm(plan, name);
  double longest = 0.0;
  for (const std::string& dep : vm->depends_on) {
    if (group(dep)) longest = std::max(longest, boot_path(plan, dep, group));
  }
  return longest + vm->boot_time.seconds();
}

}  // namespace firedrill::simtest
