// Realizing a scenario (drawing its distributions from the seed) and small lookups.
#include "engine/model.hpp"

namespace firedrill {

namespace {

void realize_spec(DurationSpec& spec, Rng& rng) {
  if (!spec.is_fixed()) spec = DurationSpec::fixed_at(draw_s(spec, rng));
}

}  // namespace

const char* to_string(Event::Kind kind) {
  switch (kind) {
    case Event::Kind::fail_host:
      return "fail host";
    case Event::Kind::fail_site:
      return "fail site";
    case Event::Kind::fail_datastore:
      return "fail datastore";
    case Event::Kind::fail_link:
      return "fail link";
    case Event::Kind::fail_vm:
      return "fail vm";
    case Event::Kind::corrupt:
      return "corrupt";
    case Event::Kind::test_failover:
      return "test_failover";
    case Event::Kind::planned_failover:
      return "planned_failover";
    case Event::Kind::failback:
      return "failback";
  }
  return "?";
}

const char* to_string(Readiness readiness) {
  for (const EnumName<Readiness>& entry : kReadinessNames) {
    if (entry.value == readiness) return entry.name.data();  // a literal: NUL-terminated
  }
  return "?";
}

Scenario realize(const Scenario& scenario, std::uint64_t seed) {
  Scenario realized = scenario;
  realized.seed = seed;
  Rng rng(seed);
  // The order of draws is part of the contract: a seed reproduces a run exactly.
  for (Event& event : realized.events) {
    realize_spec(event.at, rng);
    if (event.repair_after) realize_spec(*event.repair_after, rng);
  }
  for (Vm& vm : realized.plan.vms) {
    realize_spec(vm.boot_time, rng);
    realize_spec(vm.shutdown_time, rng);
  }
  for (Cluster& cluster : realized.plan.clusters) {
    if (cluster.ha) realize_spec(cluster.ha->failure_timeout, rng);
  }
  realize_spec(realized.plan.recovery.detection, rng);
  realize_spec(realized.plan.recovery.operator_delay, rng);
  return realized;
}

Scenario realize_prediction(const Scenario& scenario, std::uint64_t seed) {
  Scenario realized = realize(scenario, seed);
  for (std::size_t i = 0; i < realized.plan.vms.size(); ++i) {
    const Vm& planned = scenario.plan.vms[i];
    realized.plan.vms[i].boot_time = DurationSpec::fixed_at(planned.boot_time.mean_s());
    realized.plan.vms[i].shutdown_time = DurationSpec::fixed_at(planned.shutdown_time.mean_s());
  }
  return realized;
}

const Host* find_host(const Plan& plan, const std::string& name) {
  for (const Site& site : plan.sites) {
    for (const Host& host : site.hosts) {
      if (host.name == name) return &host;
    }
  }
  return nullptr;
}

const Vm* find_vm(const Plan& plan, const std::string& name) {
  for (const Vm& vm : plan.vms) {
    if (vm.name == name) return &vm;
  }
  return nullptr;
}

const Network* find_network(const Plan& plan, const std::string& name) {
  for (const Network& network : plan.networks) {
    if (network.name == name) return &network;
  }
  return nullptr;
}

}  // namespace firedrill
