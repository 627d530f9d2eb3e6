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
  p.networks = {Network{"prod", "primary", "10.0.0.0/24", false, ""},
                Network{"dr-net", "dr", "10.1.0.0/24", false, ""},
                Network{"bubble", "dr", "", true, ""}};
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

// Writes every command into the test's Log with the time it was given.
class LogObserver : public DriveObserver {
 public:
  explicit LogObserver(Log* log) : log_(log) {}
  void on_commands(const char*, double now_s, const std::vector<Command>& commands) override {
    for (const Command& command : commands) log_->commands.push_back({now_s, command});
  }

 private:
  Log* log_;
};

}  // namespace

namespace {

std::vector<int> transfer_limits(const Plan& plan) {
  std::vector<int> limits;
  for (const Link& link : plan.links) limits.push_back(link.max_concurrent_transfers);
  return limits;
}

// The plan links a transfer crosses (the one joining two sites; none inside a site).
std::vector<std::size_t> route_of(const Scenario& s, const StartTransfer& t) {
  const Host* source = find_host(s.plan, t.source_host);
  const Host* target = find_host(s.plan, t.target_host);
  for (std::size_t l = 0; source->site != target->site && l < s.plan.links.size(); ++l) {
    const Link& link = s.plan.links[l];
    if ((link.between[0] == source->site && link.between[1] == target->site) ||
        (link.between[1] == source->site && link.between[0] == target->site)) {
      return {l};
    }
  }
  return {};
}

}  // namespace

AnalyticBackend::AnalyticBackend(const Scenario& scenario, double extra_transfer_s)
    : scenario_(scenario),
      slots_(transfer_limits(scenario.plan)),
      extra_transfer_s_(extra_transfer_s) {}

void AnalyticBackend::start_transfer(const StartTransfer& transfer) {
  if (!slots_.request(transfer.id, route_of(scenario_, transfer))) {
    waiting_.emplace(transfer.id, transfer);
    return;
  }
  end(transfer.id, transfer_time(scenario_, transfer, extra_transfer_s_),
      TransferEnded{transfer.id, true, ""});
}

void AnalyticBackend::start_admitted(const std::vector<ActivityId>& admitted) {
  for (const ActivityId id : admitted) {
    const StartTransfer transfer = waiting_.at(id);
    waiting_.erase(id);
    end(id, transfer_time(scenario_, transfer, extra_transfer_s_), TransferEnded{id, true, ""});
  }
}

void AnalyticBackend::execute(const std::vector<Command>& commands, double now_s) {
  now_s_ = now_s;
  for (const Command& command : commands) {
    if (const auto* t = std::get_if<StartTransfer>(&command)) {
      start_transfer(*t);
    } else if (const auto* c = std::get_if<CancelTransfer>(&command)) {
      auto it = by_id_.find(c->id);
      if (it != by_id_.end()) {
        pending_.erase(it->second);
        by_id_.erase(it);
      }
      waiting_.erase(c->id);
      start_admitted(slots_.release(c->id));
    } else if (const auto* r = std::get_if<StartRestore>(&command)) {
      end(r->id, 0.0, RestoreEnded{r->id, true, ""});
    } else if (const auto* b = std::get_if<StartBoot>(&command)) {
      end(b->id, b->boot_time_s, BootEnded{b->id, true, "", {}, true, {}});
    } else if (const auto* d = std::get_if<StartShutdown>(&command)) {
      end(d->id, d->shutdown_time_s, ShutdownEnded{d->id, true, ""});
    }
  }
}

WaitResult AnalyticBackend::wait(std::optional<double> deadline_s) {
  WaitResult result;
  if (pending_.empty() || (deadline_s && pending_.begin()->first > *deadline_s)) {
    result.now_s = deadline_s.value_or(now_s_);
    return result;
  }
  const double first_s = pending_.begin()->first;
  now_s_ = first_s;  // transfers let in by one that ends start now
  while (!pending_.empty() && pending_.begin()->first == first_s) {
    const ActivityId id = activity_of(pending_.begin()->second);
    by_id_.erase(id);
    result.ended.push_back(Completion{pending_.begin()->second, first_s});
    pending_.erase(pending_.begin());
    start_admitted(slots_.release(id));  // nothing for activities other than transfers
  }
  result.now_s = first_s;
  return result;
}

void AnalyticBackend::end(ActivityId id, double after_s, DriverEvent event) {
  by_id_[id] = pending_.insert({now_s_ + after_s, std::move(event)});
}

Outcome run_analytic(const Scenario& scenario, Log* log, double extra_transfer_s) {
  FailoverEngine engine(scenario);
  AnalyticBackend backend(scenario, extra_transfer_s);
  LogObserver observer(log);
  const DriveResult result =
      drive(engine, backend, DriveLimits{10'000'000}, log ? &observer : nullptr);
  if (!result.ok()) throw std::runtime_error("analytic run: " + result.error);
  return engine.outcome();
}

const VmResult& vm_result(const Outcome& outcome, const std::string& name) {
  for (const VmResult& vm : outcome.vms) {
    if (vm.name == name) return vm;
  }
  throw std::runtime_error("no VM " + name);
}

}  // namespace firedrill::testing
