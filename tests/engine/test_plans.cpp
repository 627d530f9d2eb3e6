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
