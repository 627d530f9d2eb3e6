// A three-tier plan in C++ and the analytic driver of test_plans.hpp.
#include "tests/engine/test_plans.hpp"

#include <cmath>
#include <stdexcept>

namespace firedrill::testing {

Event event_at(Event::Kind kind, const std::string& target, double at_s) {
  Event e;
  e.kind = kind;
  e.target = target;
  e.at = DurationSpec::fixed_at(at_s);
  return e;
}

Scenario three_tier(double duration_s) {
  Scenario s;
  s.name = "three-tier-test";
  s.duration_s = duration_s;
  Plan& p = s.plan;
  p.name = "three-tier";
  const double GiB = 1024.0 * 1024 * 1024;
  p.sites = {Site{"primary",
                  {Host{"esx1", "primary", 16, 128 * GiB, 1e9, ""},
                   Host{"esx2", "primary", 16, 128 * GiB, 1e9, ""}}},
             Site{"dr", {Host{"dr1", "dr", 16, 128 * GiB, 1e9, ""}}}};
  p.datastores = {Datastore{"san1", {"esx1", "esx2"}, 800e6}};
  p.links = {Link{"wan", {"primary", "dr"}, 125e6, 0.020}};
  p.networks = {Network{"prod", "primary", "10.0.0.0/24", false},
                Network{"dr-net", "dr", "10.1.0.0/24", false}, Network{"bubble", "dr", "", true}};
  auto vm = [&](std::string name, std::string host, double boot_s, std::string ip,
                std::vector<std::string> deps) {
    Vm v;
    v.name = name;
    v.host = host;
    v.vcpus = 2;
    v.memory_B = 4 * GiB;
    v.disk_B = 60 * GiB;
    v.change_rate_Bps = 1e6;
    v.boot_time = DurationSpec::fixed_at(boot_s);
    v.network = "prod";
    v.ip = ip;
    v.objectives.rto_s = 900;
    v.objectives.rpo_s = 900;
    v.depends_on = deps;
    return v;
  };
  p.vms = {vm("ad", "esx1", 45, "10.0.0.10", {}), vm("db", "esx1", 60, "10.0.0.11", {"ad"}),
           vm("app", "esx2", 30, "10.0.0.12", {"db", "ad"}),
           vm("web", "esx2", 20, "10.0.0.13", {"app"})};
  p.clusters = {Cluster{"prod", {"esx1", "esx2"}, "san1", HaPolicy{DurationSpec::fixed_at(15)}}};
  p.replication = {
      ReplicationJob{"to-dr", {"ad", "db", "app", "web"}, "dr1", 900.0, {24, 0, 0, 0}}};
  p.recovery.target_site = "dr";
  p.recovery.detection = DurationSpec::fixed_at(60);
  p.recovery.operator_delay = DurationSpec::fixed_at(300);
  p.recovery.network_mapping = {{"prod", "dr-net"}};
  p.recovery.re_ip = {ReIpRule{"10.0.0.*", "10.1.0.*"}};
  p.recovery.test_network = "bubble";
  return s;
}

namespace {

struct Pending {
  double end_s;
  DriverEvent event;
};

double transfer_time(const Scenario& s, const StartTransfer& t, double extra_s) {
  const Host* source = find_host(s.plan, t.source_host);
  const Host* target = find_host(s.plan, t.target_host);
  if (source->site == target->site) return extra_s;
  for (const Link& link : s.plan.links) {
    const bool joins = (link.between[0] == source->site && link.between[1] == target->site) ||
                       (link.between[1] == source->site && link.between[0] == target->site);
    if (joins) return link.latency_s + t.bytes / link.bandwidth_Bps + extra_s;
  }
  throw std::runtime_error("no route");
}

}  // namespace

Outcome run_analytic(const Scenario& scenario, Log* log, double extra_transfer_s) {
  FailoverEngine engine(scenario);
  std::multimap<double, DriverEvent> pending;  // ordered by end time, then insertion
  std::map<ActivityId, std::multimap<double, DriverEvent>::iterator> by_id;
  double now = 0.0;
  auto execute = [&](const std::vector<Command>& commands) {
    for (const Command& command : commands) {
      if (log) log->commands.push_back({now, command});
      if (const auto* t = std::get_if<StartTransfer>(&command)) {
        by_id[t->id] = pending.insert(
            {now + transfer_time(scenario, *t, extra_transfer_s), TransferEnded{t->id, true, ""}});
      } else if (const auto* c = std::get_if<CancelTransfer>(&command)) {
        auto it = by_id.find(c->id);
        if (it != by_id.end()) {
          pending.erase(it->second);
          by_id.erase(it);
        }
      } else if (const auto* r = std::get_if<StartRestore>(&command)) {
        by_id[r->id] = pending.insert({now, RestoreEnded{r->id, true, ""}});
      } else if (const auto* b = std::get_if<StartBoot>(&command)) {
        by_id[b->id] = pending.insert({now + b->boot_time_s, BootEnded{b->id, true, "", {}}});
      } else if (const auto* d = std::get_if<StartShutdown>(&command)) {
        by_id[d->id] = pending.insert({now + d->shutdown_time_s, ShutdownEnded{d->id, true, ""}});
      }
    }
  };
  execute(engine.setup());
  execute(engine.advance(0.0));
  for (int guard = 0; guard < 10'000'000 && !engine.finished(); ++guard) {
    const std::optional<double> timeout = engine.poll_timeout();
    if (!pending.empty() && (!timeout || pending.begin()->first < *timeout)) {
      auto it = pending.begin();
      now = it->first;
      const DriverEvent event = it->second;
      by_id.erase(std::visit(
          [](const auto& e) -> ActivityId {
            if constexpr (requires { e.id; }) {
              return e.id;
            } else {
              return 0;
            }
          },
          event));
      pending.erase(it);
      execute(engine.handle(event, now));
    } else if (timeout) {
      now = *timeout;
      execute(engine.advance(now));
    } else {
      break;
    }
  }
  return engine.outcome();
}

const VmResult& vm_result(const Outcome& outcome, const std::string& name) {
  for (const VmResult& vm : outcome.vms) {
    if (vm.name == name) return vm;
  }
  throw std::runtime_error("no VM " + name);
}

}  // namespace firedrill::testing
