// The base plan of the simulation tests and the helpers that run it (sim_plans.hpp).
#include "tests/sim/sim_plans.hpp"

#include <cstdlib>
#include <stdexcept>

#include "sim/simulate.hpp"

namespace firedrill::simtest {

Scenario base_scenario(const std::string& name, double duration_s) {
  Scenario s;
  s.name = name;
  s.duration_s = duration_s;
  s.seed = 1;
  Plan& p = s.plan;
  p.name = name + "-plan";
  p.sites = {Site{"primary",
                  {Host{"p1", "primary", 16, 128 * kGiB, 1e9, ""},
                   Host{"p2", "primary", 16, 128 * kGiB, 1e9, ""}}},
             Site{"dr", {Host{"d1", "dr", 16, 128 * kGiB, 1e9, ""}}}};
  p.links = {Link{"wan", {"primary", "dr"}, kWanBps, kWanLatency}};
  p.networks = {Network{"prod", "primary", "10.0.0.0/24", false, ""},
                Network{"dr-net", "dr", "10.1.0.0/24", false, ""},
                Network{"bubble", "dr", "", true, ""}};
  p.replication = {ReplicationJob{"to-dr", {}, "d1", 900.0, Retention{24, 0, 0, 0}}};
  p.recovery.target_site = "dr";
  p.recovery.detection = DurationSpec::fixed_at(60);
  p.recovery.operator_delay = DurationSpec::fixed_at(300);
  p.recovery.network_mapping = {{"prod", "dr-net"}};
  p.recovery.re_ip = {ReIpRule{"10.0.0.*", "10.1.0.*"}};
  p.recovery.test_network = "bubble";
  return s;
}

Vm& add_vm(Scenario& s, const std::string& name, const std::string& host, double boot_s,
           std::vector<std::string> depends_on, double change_rate_Bps, bool replicated) {
  Vm v;
  v.name = name;
  v.host = host;
  v.vcpus = 2;
  v.memory_B = 4 * kGiB;
  v.disk_B = 60 * kGiB;
  v.change_rate_Bps = change_rate_Bps;
  v.boot_time = DurationSpec::fixed_at(boot_s);
  v.network = "prod";
  v.ip = "10.0.0." + std::to_string(10 + s.plan.vms.size());
  v.depends_on = std::move(depends_on);
  s.plan.vms.push_back(v);
  if (replicated) s.plan.replication.at(0).vms.push_back(name);
  return s.plan.vms.back();
}

Event fail_at(Event::Kind kind, double at_s, const std::string& target) {
  Event e;
  e.kind = kind;
  e.at = DurationSpec::fixed_at(at_s);
  e.target = target;
  return e;
}

Event action_at(Event::Kind kind, double at_s) {
  return fail_at(kind, at_s, "");
}

Outcome run(const Scenario& scenario) {
  SimOptions options;
  options.verbose = std::getenv("FIREDRILL_SIM_VERBOSE") != nullptr;  // to debug a test
  Result<Outcome> outcome = simulate(realize(scenario, scenario.seed), options);
  if (!outcome.ok()) throw std::runtime_error(outcome.errors().at(0).render());
  return outcome.value();
}

const VmResult& vm(const Outcome& outcome, const std::string& name) {
  for (const VmResult& result : outcome.vms) {
    if (result.name == name) return result;
  }
  throw std::runtime_error("no VM " + name + " in the outcome");
}

std::vector<TransferRecord> transfers_of(const Outcome& outcome, const std::string& vm,
                                         TransferKind kind) {
  std::vector<TransferRecord> found;
  for (const TransferRecord& t : outcome.transfers) {
    if (t.vm == vm && t.kind == kind) found.push_back(t);
  }
  return found;
}

std::vector<TimelineStep> steps_of(const Outcome& outcome, const std::string& vm,
                                   const std::string& step) {
  std::vector<TimelineStep> found;
  for (const TimelineStep& t : outcome.timeline) {
    if (t.vm == vm && t.step == step) found.push_back(t);
  }
  return found;
}

}  // namespace firedrill::simtest
