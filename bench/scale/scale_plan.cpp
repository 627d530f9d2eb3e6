// The large-plan generator of scale_plan.hpp.
#include "bench/scale/scale_plan.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "engine/units.hpp"

namespace firedrill::bench {

namespace {

constexpr double kGiB = 1024.0 * 1024 * 1024;

std::string numbered(const char* prefix, int n) {
  char text[32];
  std::snprintf(text, sizeof text, "%s%05d", prefix, n);
  return text;
}

int pick(Rng& rng, int lo, int hi) {  // inclusive
  return lo + static_cast<int>(rng.next_u64() % static_cast<std::uint64_t>(hi - lo + 1));
}

}  // namespace

Scenario scale_scenario(const ScaleOptions& options) {
  Rng rng(options.seed);
  Scenario s;
  s.name = "scale-" + std::to_string(options.vms) + "-vms";
  s.seed = options.seed;
  s.duration_s = options.replicate_s + options.after_s;
  Plan& p = s.plan;
  p.name = "scale-" + std::to_string(options.vms) + "x" + std::to_string(options.hosts);

  const int primary_hosts = std::max(1, (options.hosts + 1) / 2);
  const int dr_hosts = std::max(1, options.hosts - primary_hosts);
  Site primary{"primary", {}};
  Site dr{"dr", {}};
  for (int h = 0; h < primary_hosts; ++h) {
    primary.hosts.push_back(Host{numbered("p", h), "primary", 32, 1024 * kGiB, 1e9, ""});
  }
  for (int h = 0; h < dr_hosts; ++h) {
    dr.hosts.push_back(Host{numbered("d", h), "dr", 32, 2048 * kGiB, 1e9, ""});
  }
  p.sites = {primary, dr};
  p.networks = {Network{"prod", "primary", "10.0.0.0/16", false, ""},
                Network{"dr-net", "dr", "10.1.0.0/16", false, ""}};

  const double class_rates[] = {20e3, 50e3, 100e3, 200e3, 400e3};
  double total_rate = 0.0;
  int app_left = 0, app_first = 0;
  for (int v = 0; v < options.vms; ++v) {
    if (app_left == 0) {  // a new application of 2..12 VMs
      app_left = pick(rng, 2, 12);
      app_first = v;
    }
    --app_left;
    Vm vm;
    vm.name = numbered("vm", v);
    vm.host = p.sites[0].hosts[static_cast<std::size_t>(v % primary_hosts)].name;
    vm.vcpus = pick(rng, 1, 8);
    vm.memory_B = pick(rng, 2, 16) * kGiB;
    vm.disk_B = pick(rng, 20, 200) * kGiB;
    vm.change_rate_Bps = options.rate_classes ? class_rates[pick(rng, 0, 4)]
                                              : std::pow(10.0, 4.0 + 1.7 * rng.uniform01());
    total_rate += vm.change_rate_Bps;
    vm.boot_time = DurationSpec::fixed_at(pick(rng, 20, 120));
    vm.network = "prod";
    vm.ip = "10.0." + std::to_string(v / 250) + "." + std::to_string(v % 250 + 2);
    vm.objectives = Objectives{4 * 3600.0, 1800.0};
    for (int d = app_first; d < v; ++d) {
      if (rng.uniform01() < 0.35) vm.depends_on.push_back(numbered("vm", d));
    }
    vm.priority = vm.depends_on.empty() && rng.uniform01() < 0.05 ? 2 : 3;
    p.vms.push_back(vm);
  }

  // One WAN: 1.5 x the total change rate, in whole Gbps, so cycles fit in the interval.
  const double gbps = 125e6;
  p.links = {Link{"wan",
                  {"primary", "dr"},
                  std::ceil(1.5 * total_rate / gbps) * gbps,
                  0.020,
                  options.wan_limit}};

  for (int h = 0; h < primary_hosts; ++h) {
    ReplicationJob job;
    job.name = "rep-" + p.sites[0].hosts[static_cast<std::size_t>(h)].name;
    job.target_host = p.sites[1].hosts[static_cast<std::size_t>(h % dr_hosts)].name;
    job.interval_s = options.interval_s;
    job.retention = Retention{24, 0, 0, 0};
    for (int v = h; v < options.vms; v += primary_hosts) job.vms.push_back(numbered("vm", v));
    if (!job.vms.empty()) p.replication.push_back(job);
  }

  p.recovery.target_site = "dr";
  p.recovery.detection = DurationSpec::fixed_at(60);
  p.recovery.operator_delay = DurationSpec::fixed_at(300);
  p.recovery.network_mapping = {{"prod", "dr-net"}};
  p.recovery.re_ip = {ReIpRule{"10.0.*.*", "10.1.*.*"}};

  Event outage;
  outage.kind = Event::Kind::fail_site;
  outage.at = DurationSpec::fixed_at(options.replicate_s);
  outage.target = "primary";
  s.events = {outage};
  return s;
}

nlohmann::json scenario_json(const Scenario& s) {
  using nlohmann::json;
  const Plan& p = s.plan;
  json plan = {{"name", p.name}};
  for (const Site& site : p.sites) {
    json hosts = json::array();
    for (const Host& h : site.hosts) {
      hosts.push_back({{"name", h.name}, {"cores", h.cores}, {"memory", h.memory_B}});
    }
    plan["sites"].push_back({{"name", site.name}, {"hosts", hosts}});
  }
  for (const Link& l : p.links) {
    plan["links"].push_back({{"name", l.name},
                             {"between", {l.between[0], l.between[1]}},
                             {"bandwidth", format_rate(l.bandwidth_Bps)},
                             {"latency", format_duration(l.latency_s)}});
    if (l.max_concurrent_transfers > 0) {
      plan["links"].back()["max_concurrent_transfers"] = l.max_concurrent_transfers;
    }
  }
  for (const Network& n : p.networks) {
    plan["networks"].push_back({{"name", n.name}, {"site", n.site}, {"subnet", n.subnet}});
  }
  for (const Vm& v : p.vms) {
    json vm = {{"name", v.name},
               {"host", v.host},
               {"vcpus", v.vcpus},
               {"memory", v.memory_B},
               {"disk", v.disk_B},
               {"change_rate", format_rate(v.change_rate_Bps)},
               {"boot_time", format_duration(v.boot_time.seconds())},
               {"network", v.network},
               {"ip", v.ip},
               {"objectives",
                {{"rto", format_duration(*v.objectives.rto_s)},
                 {"rpo", format_duration(*v.objectives.rpo_s)}}}};
    if (!v.depends_on.empty()) vm["depends_on"] = v.depends_on;
    if (v.priority != 3) vm["priority"] = v.priority;
    plan["vms"].push_back(vm);
  }
  for (const ReplicationJob& j : p.replication) {
    plan["replication"].push_back({{"name", j.name},
                                   {"vms", j.vms},
                                   {"target_host", j.target_host},
                                   {"interval", format_duration(j.interval_s)},
                                   {"retention", {{"points", j.retention.points}}}});
  }
  json re_ip = json::array();
  for (const ReIpRule& r : p.recovery.re_ip) re_ip.push_back({{"from", r.from}, {"to", r.to}});
  plan["recovery"] = {{"target_site", p.recovery.target_site},
                      {"detection", format_duration(p.recovery.detection.seconds())},
                      {"operator_delay", format_duration(p.recovery.operator_delay.seconds())},
                      {"network_mapping", p.recovery.network_mapping},
                      {"re_ip", re_ip}};
  json events = json::array();
  for (const Event& e : s.events) {
    events.push_back(
        {{"at", format_duration(e.at.seconds())}, {"fail", "site"}, {"target", e.target}});
  }
  return {{"name", s.name},
          {"plan", plan},
          {"seed", s.seed},
          {"duration", format_duration(s.duration_s)},
          {"events", events}};
}

}  // namespace firedrill::bench
