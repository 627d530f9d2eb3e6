// The sample runs of samples.hpp. Numbers follow SPEC section 3 by hand: replication every
// 15 min over a 1 Gbps link shared by four VMs, detection 60 s, operator delay 5 min,
// boots in dependency order.
#include "tests/reports/samples.hpp"

namespace firedrill::testing {

namespace {

constexpr double kGiB = 1024.0 * 1024 * 1024;
constexpr double kMB = 1e6;

Plan three_tier_plan() {
  Plan plan;
  plan.name = "three-tier";
  Site primary{"primary", {}};
  primary.hosts.push_back({"esx1", "primary", 16, 128 * kGiB, 1e9, ""});
  primary.hosts.push_back({"esx2", "primary", 16, 128 * kGiB, 1e9, ""});
  Site dr{"dr", {}};
  dr.hosts.push_back({"dr1", "dr", 16, 128 * kGiB, 1e9, ""});
  plan.sites = {primary, dr};
  plan.datastores.push_back({"san1", {"esx1", "esx2"}, 800 * kMB});
  Link wan;
  wan.name = "wan";
  wan.between[0] = "primary";
  wan.between[1] = "dr";
  wan.bandwidth_Bps = 125 * kMB;
  wan.latency_s = 0.02;
  plan.links.push_back(wan);
  plan.networks = {{"prod", "primary", "10.0.0.0/24", false, ""},
                   {"dr-net", "dr", "10.1.0.0/24", false, ""},
                   {"bubble", "dr", "", true, ""}};
  auto vm = [](const char* name, const char* host, double boot_s, std::vector<std::string> deps,
               int priority, double rto_s, double rpo_s, const char* ip) {
    Vm v;
    v.name = name;
    v.host = host;
    v.vcpus = 2;
    v.memory_B = 4 * kGiB;
    v.disk_B = 60 * kGiB;
    v.change_rate_Bps = 1 * kMB;
    v.boot_time = DurationSpec::fixed_at(boot_s);
    v.network = "prod";
    v.ip = ip;
    v.objectives = {rto_s, rpo_s};
    v.depends_on = std::move(deps);
    v.priority = priority;
    return v;
  };
  plan.vms.push_back(vm("ad", "esx1", 45, {}, 3, 900, 900, "10.0.0.10"));
  plan.vms.push_back(vm("db", "esx1", 60, {"ad"}, 3, 900, 900, "10.0.0.20"));
  plan.vms.push_back(vm("app", "esx2", 30, {"db", "ad"}, 3, 900, 900, "10.0.0.30"));
  plan.vms.push_back(vm("web", "esx2", 20, {"app"}, 4, 480, 600, "10.0.0.40"));
  plan.vms.push_back(vm("batch", "esx2", 90, {}, 5, 3600, 0, "10.0.0.50"));
  plan.vms.back().objectives.rpo_s.reset();
  plan.clusters.push_back({"prod", {"esx1", "esx2"}, "san1", HaPolicy{}});
  ReplicationJob job;
  job.name = "to-dr";
  job.vms = {"ad", "db", "app", "web"};
  job.target_host = "dr1";
  job.interval_s = 900;
  plan.replication.push_back(job);
  plan.recovery.target_site = "dr";
  plan.recovery.detection = DurationSpec::fixed_at(60);
  plan.recovery.operator_delay = DurationSpec::fixed_at(300);
  plan.recovery.network_mapping = {{"prod", "dr-net"}};
  plan.recovery.re_ip = {{"10.0.0.*", "10.1.0.*"}};
  plan.recovery.test_network = "bubble";
  plan.recovery.max_concurrent_boots = 10;
  return plan;
}

// Replication cycles of the four replicated VMs at every 15 min tick in [from, to):
// 900 s x 1 MB/s = 900 MB each, four sharing 125 MB/s: 28.8 s + 20 ms latency.
void add_cycles(Outcome& outcome, double from_s, double to_s, const char* source_for_web) {
  for (double tick = from_s; tick < to_s; tick += 900) {
    for (const char* vm : {"ad", "db", "app", "web"}) {
      TransferRecord t;
      t.job = "to-dr";
      t.vm = vm;
      t.kind = TransferKind::replication;
      t.source_host =
          (std::string(vm) == "ad" || std::string(vm) == "db") ? "esx1" : source_for_web;
      t.target_host = "dr1";
      t.as_of_s = tick;
      t.start_s = tick;
      t.end_s = tick + 28.82;
      t.bytes = 900 * kMB;
      t.result = TransferResult::completed;
      outcome.transfers.push_back(t);
    }
  }
}

VmResult recovered(const char* name, Mechanism mechanism, double incident, double ready,
                   double point, double rto_objective, std::optional<double> rpo_objective,
                   const char* ip) {
  VmResult vm;
  vm.name = name;
  vm.outcome = VmOutcome::recovered;
  vm.mechanism = mechanism;
  vm.recovered_on = "dr1";
  vm.instance = name;
  vm.network = "dr-net";
  vm.ip = ip;
  vm.rto_s = ready - incident;
  vm.rpo_s = incident - point;
  vm.recovery_point_s = point;
  vm.incident_s = incident;
  vm.ready_s = ready;
  vm.objective_rto_s = rto_objective;
  vm.objective_rpo_s = rpo_objective;
  vm.rto_met = *vm.rto_s <= rto_objective;
  if (rpo_objective) vm.rpo_met = *vm.rpo_s <= *rpo_objective;
  vm.incidents.push_back({incident, "fail site primary", ready});
  return vm;
}

TimelineStep step(const char* vm, const char* name, const char* host, double start, double end,
                  const char* detail = "") {
  return TimelineStep{vm, name, host, start, end, detail};
}

Scenario scenario_named(const char* name, const char* file) {
  Scenario scenario;
  scenario.name = name;
  scenario.plan = three_tier_plan();
  scenario.seed = 1;
  scenario.duration_s = 21600;
  scenario.file = file;
  scenario.plan_file = "scenarios/three-tier.plan.json";
  scenario.input_sha256 = "5d41402abc4b2a76b9719d911017c592aa6f0c1d0cb4dc6b1f1a8f1e5c1a2b3c";
  scenario.input_files = {{file, scenario.input_sha256},
                          {"scenarios/three-tier.plan.json",
                           "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}};
  return scenario;
}

}  // namespace

Sample site_outage_sample() {
  Sample sample;
  sample.scenario = scenario_named("site-outage", "scenarios/site-outage.json");
  Event failure;
  failure.kind = Event::Kind::fail_site;
  failure.at = DurationSpec::fixed_at(7200);
  failure.target = "primary";
  sample.scenario.events.push_back(failure);

  Outcome& o = sample.outcome;
  const double T = 7200;
  o.incident_time_s = T;
  o.end_s = 21600;
  add_cycles(o, 0, T, "esx2");
  // The tick at T starts as the site dies: those transfers are lost.
  for (const char* vm : {"ad", "db", "app", "web"}) {
    TransferRecord t;
    t.job = "to-dr";
    t.vm = vm;
    t.kind = TransferKind::replication;
    t.source_host = std::string(vm) == "ad" || std::string(vm) == "db" ? "esx1" : "esx2";
    t.target_host = "dr1";
    t.as_of_s = T;
    t.start_s = T;
    t.bytes = 900 * kMB;
    t.result = TransferResult::lost;
    o.transfers.push_back(t);
  }
  // Declared at T + 60, started at T + 360, boots in order ad, db, app, web.
  const double start = T + 60 + 300;
  o.vms.push_back(recovered("ad", Mechanism::replica, T, start + 45, 6300, 900, 900, "10.1.0.10"));
  o.vms.push_back(recovered("db", Mechanism::replica, T, start + 105, 6300, 900, 900, "10.1.0.20"));
  o.vms.push_back(
      recovered("app", Mechanism::replica, T, start + 135, 6300, 900, 900, "10.1.0.30"));
  o.vms.push_back(
      recovered("web", Mechanism::replica, T, start + 155, 6300, 480, 600, "10.1.0.40"));
  VmResult batch;
  batch.name = "batch";
  batch.outcome = VmOutcome::lost;
  batch.mechanism = Mechanism::none;
  batch.incident_s = T;
  batch.objective_rto_s = 3600;
  batch.reason = "no replica and no HA cover outside the failed site";
  batch.incidents.push_back({T, "fail site primary", std::nullopt});
  o.vms.push_back(batch);
  const std::vector<CriticalStep> base = {{"detection", "", 60}, {"operator_delay", "", 300}};
  auto path = [&base](std::vector<CriticalStep> boots) {
    std::vector<CriticalStep> steps = base;
    steps.insert(steps.end(), boots.begin(), boots.end());
    return steps;
  };
  o.vms[0].critical_path = path({{"boot", "ad", 45}});
  o.vms[1].critical_path = path({{"boot", "ad", 45}, {"boot", "db", 60}});
  o.vms[2].critical_path = path({{"boot", "ad", 45}, {"boot", "db", 60}, {"boot", "app", 30}});
  o.vms[3].critical_path =
      path({{"boot", "ad", 45}, {"boot", "db", 60}, {"boot", "app", 30}, {"boot", "web", 20}});

  o.timeline.push_back(step("", "failure", "", T, T, "fail site primary"));
  o.timeline.push_back(step("", "detection", "", T, T + 60));
  o.timeline.push_back(step("", "operator_wait", "", T + 60, start));
  const char* names[] = {"ad", "db", "app", "web"};
  const double boots[][2] = {{0, 45}, {45, 105}, {105, 135}, {135, 155}};
  for (int i = 0; i < 4; ++i) {
    o.timeline.push_back(
        step(names[i], "restore", "dr1", start, start, "recovery point as of 6300"));
  }
  for (int i = 0; i < 4; ++i) {
    o.timeline.push_back(step(names[i], "boot", "dr1", start + boots[i][0], start + boots[i][1]));
    o.timeline.push_back(step(names[i], "ready", "dr1", start + boots[i][1], start + boots[i][1]));
  }
  Summary& s = o.summary;
  s.rto_s = 515;
  s.rpo_s = 900;
  s.objectives_met = false;
  s.recovered = 4;
  s.lost = 1;
  s.transfers_completed = 32;
  s.transfers_lost = 4;
  sample.context.backend = "sim";
  sample.context.started_utc = "2026-11-24T21:00:00Z";
  sample.context.ended_utc = "2026-11-24T21:00:01Z";
  return sample;
}

Sample test_drill_real_sample() {
  Sample sample;
  sample.scenario = scenario_named("test-drill", "scenarios/test-drill.json");
  sample.scenario.seed = 7;
  sample.scenario.duration_s = 4 * 3600;
  for (Site& site : sample.scenario.plan.sites) {
    for (Host& host : site.hosts) {
      host.libvirt_uri = "qemu+ssh://admin:s3cret@" + host.name +
                         ".lab/system?keyfile=/root/.ssh/lab_key&no_verify=1";
    }
  }
  Event test;
  test.kind = Event::Kind::test_failover;
  test.at = DurationSpec::fixed_at(10800);
  sample.scenario.events.push_back(test);

  auto make = [](double ad_boot, double db_boot, double rp_lag) {
    Outcome o;
    const double T = 10800;
    o.incident_time_s = T;
    o.end_s = 14400;
    add_cycles(o, 0, T + 900, "esx2");
    o.production_untouched = true;
    const double point = 9900;
    VmResult ad = recovered("ad", Mechanism::test, T, T + ad_boot, point, 900, 900, "10.1.0.10");
    VmResult db =
        recovered("db", Mechanism::test, T, T + ad_boot + db_boot, point, 900, 900, "10.1.0.20");
    for (VmResult* vm : {&ad, &db}) {
      vm->instance = "test-" + vm->name;
      vm->network = "bubble";
      vm->incidents = {{T, "test_failover", vm->ready_s}};
      vm->rpo_s = T - point + rp_lag;
      vm->rpo_met = *vm->rpo_s <= 900;
    }
    ad.critical_path = {{"boot", "ad", ad_boot}};
    db.critical_path = {{"boot", "ad", ad_boot}, {"boot", "db", db_boot}};
    o.vms = {ad, db};
    for (const char* name : {"app", "web", "batch"}) {
      VmResult idle;
      idle.name = name;
      idle.objective_rto_s = 900;
      idle.objective_rpo_s = 900;
      o.vms.push_back(idle);
    }
    o.timeline.push_back(step("", "operator_wait", "", T, T, "test_failover"));
    o.timeline.push_back(step("ad", "boot", "dr1", T, T + ad_boot, "as test-ad in bubble"));
    o.timeline.push_back(step("ad", "ready", "dr1", T + ad_boot, T + ad_boot));
    o.timeline.push_back(
        step("db", "boot", "dr1", T + ad_boot, T + ad_boot + db_boot, "as test-db in bubble"));
    o.timeline.push_back(step("db", "ready", "dr1", T + ad_boot + db_boot, T + ad_boot + db_boot));
    o.timeline.push_back(step("ad", "cleanup", "dr1", 14400, 14400));
    o.timeline.push_back(step("db", "cleanup", "dr1", 14400, 14400));
    o.summary.rto_s = ad_boot + db_boot;
    o.summary.rpo_s = T - point + rp_lag;
    o.summary.objectives_met = true;
    o.summary.recovered = 2;
    o.summary.unaffected = 3;
    o.summary.transfers_completed = 52;
    return o;
  };
  sample.outcome = make(1.62, 2.05, 0.0);
  sample.outcome.vms[0].rpo_from_data_s = 900.1;
  sample.outcome.vms[1].rpo_from_data_s = 900.3;
  sample.context.backend = "libvirt";
  sample.context.prediction = make(45, 60, 0.0);
  sample.context.started_utc = "2026-11-24T21:10:00Z";
  sample.context.ended_utc = "2026-11-24T21:14:02Z";
  sample.context.host_uris = {{"dr1", "qemu:///system?socket=/run/lab/dr1/libvirt-sock"}};
  return sample;
}

Sample quiet_sample() {
  Sample sample;
  sample.scenario = scenario_named("quiet-day", "scenarios/quiet-day.json");
  Outcome& o = sample.outcome;
  o.end_s = 3600;
  add_cycles(o, 0, 3600, "esx2");
  for (const Vm& vm : sample.scenario.plan.vms) {
    VmResult result;
    result.name = vm.name;
    result.objective_rto_s = vm.objectives.rto_s;
    result.objective_rpo_s = vm.objectives.rpo_s;
    o.vms.push_back(result);
  }
  o.summary.unaffected = 5;
  o.summary.transfers_completed = 16;
  return sample;
}

}  // namespace firedrill::testing
