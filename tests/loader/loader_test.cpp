// The loader in-process: the typed model it fills (fields, defaults, distributions, events),
// the evidence it records (input files and their SHA-256), warnings, plan files alone, and
// inputs that must fail cleanly rather than crash or hang.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "engine/loader.hpp"
#include "engine/loader_text.hpp"
#include "engine/sha256.hpp"
#include "fixture.hpp"

namespace firedrill::testing {
namespace {

constexpr double kGiB = 1024.0 * 1024 * 1024;

std::string slurp(const std::string& path) {
  std::ifstream stream(path, std::ios::binary);
  std::stringstream text;
  text << stream.rdbuf();
  return text.str();
}

std::string all(const std::vector<Diagnostic>& diagnostics) {
  std::string text;
  for (const Diagnostic& d : diagnostics) text += d.render() + "\n";
  return text;
}

Loaded load_ok(const Json& scenario, const LoadOptions& options = {}) {
  const Result<Loaded> loaded = load_scenario_text(scenario.dump(), "test.json", options);
  if (!loaded.ok()) ADD_FAILURE() << all(loaded.errors());
  return loaded.ok() ? loaded.value() : Loaded{};
}

TEST(Loader, FillsTheTypedModelFromTheShippedPlan) {
  const std::string scenario_file = std::string(FIREDRILL_SCENARIOS) + "/site-outage.json";
  const Result<Loaded> loaded = load_scenario(scenario_file);
  ASSERT_TRUE(loaded.ok()) << all(loaded.errors());
  const Scenario& s = loaded.value().scenario;
  EXPECT_EQ(s.name, "site-outage");
  EXPECT_EQ(s.seed, 1u);
  EXPECT_EQ(s.duration_s, 6 * 3600.0);
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0].kind, Event::Kind::fail_site);
  EXPECT_EQ(s.events[0].target, "primary");
  EXPECT_EQ(s.events[0].at, DurationSpec::fixed_at(7200));

  const Plan& plan = s.plan;
  EXPECT_EQ(plan.name, "three-tier");
  ASSERT_EQ(plan.sites.size(), 2u);
  EXPECT_EQ(plan.sites[0].hosts[2].name, "esx3");
  EXPECT_EQ(plan.sites[0].hosts[2].site, "primary");
  EXPECT_EQ(plan.sites[1].hosts[0].site, "dr");
  EXPECT_EQ(plan.sites[0].hosts[0].cores, 16);
  EXPECT_EQ(plan.sites[0].hosts[0].memory_B, 128 * kGiB);
  EXPECT_EQ(plan.sites[0].hosts[0].speed_flops, 2e9);
  EXPECT_EQ(plan.datastores[0].read_bandwidth_Bps, 800e6);
  EXPECT_EQ(plan.links[0].bandwidth_Bps, 125e6);
  EXPECT_EQ(plan.links[0].latency_s, 0.02);
  EXPECT_EQ(plan.links[0].between[1], "dr");
  EXPECT_TRUE(plan.networks[2].isolated);
  EXPECT_EQ(plan.networks[0].subnet, "10.0.0.0/24");

  const Vm* db = find_vm(plan, "db");
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(db->host, "esx1");
  EXPECT_EQ(db->vcpus, 4);
  EXPECT_EQ(db->memory_B, 16 * kGiB);
  EXPECT_EQ(db->disk_B, 200 * kGiB);
  EXPECT_EQ(db->change_rate_Bps, 2e6);
  EXPECT_EQ(db->boot_time, DurationSpec::fixed_at(90));
  EXPECT_EQ(db->shutdown_time, DurationSpec::fixed_at(60));
  EXPECT_EQ(db->ip, "10.0.0.11");
  EXPECT_EQ(db->depends_on, std::vector<std::string>{"ad"});
  EXPECT_EQ(db->priority, 2);
  EXPECT_EQ(db->objectives.rto_s, 900.0);
  EXPECT_EQ(db->objectives.rpo_s, 900.0);

  ASSERT_TRUE(plan.clusters[0].ha.has_value());
  EXPECT_EQ(plan.clusters[0].ha->failure_timeout, DurationSpec::fixed_at(15));
  EXPECT_EQ(plan.replication[0].interval_s, 900.0);
  EXPECT_EQ(plan.replication[0].retention.points, 24);
  EXPECT_EQ(plan.recovery.target_site, "dr");
  EXPECT_EQ(plan.recovery.detection, DurationSpec::fixed_at(60));
  EXPECT_EQ(plan.recovery.operator_delay, DurationSpec::fixed_at(300));
  EXPECT_EQ(plan.recovery.network_mapping.at("prod"), "dr-net");
  ASSERT_EQ(plan.recovery.re_ip.size(), 1u);
  EXPECT_EQ(plan.recovery.re_ip[0].to, "10.1.0.*");
  EXPECT_EQ(plan.recovery.test_network, "bubble");
  EXPECT_EQ(plan.recovery.max_concurrent_boots, 4);
}

TEST(Loader, RecordsEveryInputFileWithItsSha256) {
  const std::string dir = FIREDRILL_SCENARIOS;
  const Result<Loaded> loaded = load_scenario(dir + "/host-failure.json");
  ASSERT_TRUE(loaded.ok()) << all(loaded.errors());
  const Scenario& s = loaded.value().scenario;
  EXPECT_EQ(s.file, dir + "/host-failure.json");
  EXPECT_EQ(s.plan_file, dir + "/three-tier.plan.json");
  ASSERT_EQ(s.input_files.size(), 2u);
  EXPECT_EQ(s.input_files[0].first, s.file);
  EXPECT_EQ(s.input_files[0].second, sha256_hex(slurp(s.file)));
  EXPECT_EQ(s.input_files[1].first, s.plan_file);
  EXPECT_EQ(s.input_files[1].second, sha256_hex(slurp(s.plan_file)));
  EXPECT_EQ(s.input_sha256, s.input_files[0].second);
  EXPECT_EQ(s.input_sha256.size(), 64u);
}

TEST(Loader, AppliesTheDocumentedDefaults) {
  Json scenario = valid_scenario();
  scenario.erase("seed");
  scenario["plan"]["vms"][0] = Json::parse(R"({"name": "ad", "host": "esx1"})");
  scenario["plan"]["vms"][1].erase("priority");
  scenario["plan"]["vms"][2].erase("priority");
  scenario["plan"]["recovery"] = Json::parse(
      R"({"network_mapping": {"prod": "dr-net"}, "re_ip": [{"from": "10.0.0.*", "to": "10.1.0.*"}]})");
  const Loaded loaded = load_ok(scenario);
  const Scenario& s = loaded.scenario;
  EXPECT_EQ(s.seed, 1u);
  const Vm& ad = s.plan.vms[0];
  EXPECT_EQ(ad.vcpus, 1);
  EXPECT_EQ(ad.memory_B, kGiB);
  EXPECT_EQ(ad.disk_B, 10 * kGiB);
  EXPECT_EQ(ad.change_rate_Bps, 0.0);
  EXPECT_EQ(ad.boot_time, DurationSpec::fixed_at(60));
  EXPECT_EQ(ad.shutdown_time, DurationSpec::fixed_at(30));
  EXPECT_EQ(ad.priority, 3);
  EXPECT_FALSE(ad.objectives.rto_s.has_value());
  const Recovery& r = s.plan.recovery;
  EXPECT_EQ(r.target_site, "dr") << "inferred from the replication target";
  EXPECT_EQ(r.detection, DurationSpec::fixed_at(60));
  EXPECT_EQ(r.operator_delay, DurationSpec::fixed_at(0));
  EXPECT_TRUE(r.power_off_source);
  EXPECT_EQ(r.max_concurrent_boots, 0);
  EXPECT_EQ(r.boot_retries, 1) << "SPEC 9: one retry by default";
  EXPECT_EQ(r.final_sync_timeout_s, 600.0) << "SPEC 9: 10m by default";
  EXPECT_EQ(ad.boot_failure_probability, 0.0);
  EXPECT_EQ(s.plan.links[0].max_concurrent_transfers, 0) << "no limit unless given";
  EXPECT_EQ(s.plan.replication[0].retention.points, 24);
  EXPECT_EQ(s.plan.sites[0].hosts[0].speed_flops, 1e9);
}

TEST(Loader, ReadsTheFaultsDuringAFailoverFields) {
  Json scenario = valid_scenario();
  scenario["plan"]["recovery"]["boot_retries"] = 3;
  scenario["plan"]["recovery"]["final_sync_timeout"] = "90s";
  scenario["plan"]["vms"][1]["boot_failure_probability"] = 0.25;
  scenario["plan"]["vms"][2]["boot_failure_probability"] = 1;
  const Loaded loaded = load_ok(scenario);
  const Plan& plan = loaded.scenario.plan;
  EXPECT_EQ(plan.recovery.boot_retries, 3);
  EXPECT_EQ(plan.recovery.final_sync_timeout_s, 90.0);
  EXPECT_EQ(plan.vms[1].boot_failure_probability, 0.25);
  EXPECT_EQ(plan.vms[2].boot_failure_probability, 1.0);
  EXPECT_EQ(plan.vms[0].boot_failure_probability, 0.0);
}

TEST(Loader, ANetworkMayNameItsLibvirtNetwork) {
  Json scenario = valid_scenario();
  scenario["plan"]["networks"][1]["libvirt_name"] = "dr net";
  const Loaded loaded = load_ok(scenario);
  const Plan& plan = loaded.scenario.plan;
  EXPECT_EQ(plan.networks[1].name_in_libvirt(), "dr net");
  EXPECT_EQ(plan.networks[0].libvirt_name, "");
  EXPECT_EQ(plan.networks[0].name_in_libvirt(), plan.networks[0].name) << "the plan name";
  scenario["plan"]["networks"][1]["libvirt_name"] = "";
  const Result<Loaded> empty = load_scenario_text(scenario.dump(), "test.json", {});
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(all(empty.errors()).find("plan.networks[1].libvirt_name: must not be empty"),
            std::string::npos)
      << all(empty.errors());
}

TEST(Loader, ReadsDistributionsWhereDurationsMayVary) {
  Json scenario = valid_scenario();
  auto& plan = scenario["plan"];
  plan["vms"][0]["boot_time"] = Json::parse(R"({"dist": "normal", "mean": "45s", "sd": "10s"})");
  plan["vms"][0]["shutdown_time"] = Json::parse(R"({"dist": "uniform", "min": 10, "max": "30s"})");
  plan["recovery"]["detection"] =
      Json::parse(R"({"dist": "lognormal", "mean": "2m", "sd": "30s"})");
  plan["recovery"]["operator_delay"] = Json::parse(R"({"dist": "exponential", "mean": "5m"})");
  plan["clusters"][0]["ha"]["failure_timeout"] =
      Json::parse(R"({"dist": "uniform", "min": "10s", "max": "20s"})");
  scenario["events"][0]["at"] = Json::parse(R"({"dist": "uniform", "min": "1h", "max": "3h"})");
  scenario["events"][0]["repair_after"] = Json::parse(R"({"dist": "exponential", "mean": "1h"})");
  const Scenario s = load_ok(scenario).scenario;
  using K = DurationSpec::Kind;
  EXPECT_EQ(s.plan.vms[0].boot_time, (DurationSpec{K::normal, 45, 10}));
  EXPECT_EQ(s.plan.vms[0].shutdown_time, (DurationSpec{K::uniform, 10, 30}));
  EXPECT_EQ(s.plan.recovery.detection, (DurationSpec{K::lognormal, 120, 30}));
  EXPECT_EQ(s.plan.recovery.operator_delay, (DurationSpec{K::exponential, 300, 0}));
  EXPECT_EQ(s.plan.clusters[0].ha->failure_timeout, (DurationSpec{K::uniform, 10, 20}));
  EXPECT_EQ(s.events[0].at, (DurationSpec{K::uniform, 3600, 10800}));
  EXPECT_EQ(*s.events[0].repair_after, (DurationSpec{K::exponential, 3600, 0}));
}

TEST(Loader, FixedOnlyDurationsRejectDistributions) {
  Json scenario = valid_scenario();
  scenario["plan"]["links"][0]["latency"] =
      Json::parse(R"({"dist": "exponential", "mean": "5ms"})");
  const Result<Loaded> loaded = load_scenario_text(scenario.dump(), "t.json");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.errors()[0].render(),
            "t.json: plan.links[0].latency: must be a fixed duration here, not a distribution");
}

TEST(Loader, ReadsEveryEventKind) {
  Json scenario = valid_scenario();
  scenario["duration"] = "20h";
  scenario["events"] = Json::parse(R"([
    {"at": "1h", "fail": "host", "target": "esx2", "repair_after": "30m"},
    {"at": "2h", "fail": "datastore", "target": "san1"},
    {"at": "3h", "fail": "link", "target": "wan", "repair_after": 600},
    {"at": "4h", "fail": "vm", "target": "db"},
    {"at": "5h", "corrupt": ["db", "app"]},
    {"at": "6h", "action": "test_failover"},
    {"at": "7h", "action": "planned_failover"},
    {"at": "8h", "fail": "site", "target": "primary"},
    {"at": "9h", "action": "failback"}
  ])");
  const Scenario s = load_ok(scenario).scenario;
  using K = Event::Kind;
  const K kinds[] = {K::fail_host,     K::fail_datastore,   K::fail_link, K::fail_vm, K::corrupt,
                     K::test_failover, K::planned_failover, K::fail_site, K::failback};
  ASSERT_EQ(s.events.size(), 9u);
  for (std::size_t i = 0; i < 9; ++i) EXPECT_EQ(s.events[i].kind, kinds[i]) << i;
  EXPECT_EQ(*s.events[0].repair_after, DurationSpec::fixed_at(1800));
  EXPECT_EQ(*s.events[2].repair_after, DurationSpec::fixed_at(600));
  EXPECT_EQ(s.events[4].vms, (std::vector<std::string>{"db", "app"}));
  EXPECT_EQ(s.events[1].target, "san1");
}

TEST(Loader, AHostFailureMayBeAHang) {
  Json scenario = valid_scenario();
  scenario["events"][0] = Json::parse(R"({"at": "1h", "fail": "host", "target": "esx2",
                                          "mode": "hang", "repair_after": "30s"})");
  EXPECT_TRUE(load_ok(scenario).scenario.events[0].hang);
  scenario["events"][0]["mode"] = "crash";
  EXPECT_FALSE(load_ok(scenario).scenario.events[0].hang);

  scenario["events"][0]["mode"] = "hnag";
  Result<Loaded> loaded = load_scenario_text(scenario.dump(), "t.json");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.errors()[0].render(),
            "t.json: events[0].mode: unknown mode 'hnag': expected crash or hang (did you mean "
            "'hang'?)");

  scenario["events"][0] = Json::parse(R"({"at": "1h", "fail": "link", "target": "wan",
                                          "mode": "hang"})");
  loaded = load_scenario_text(scenario.dump(), "t.json");
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(
      loaded.errors()[0].render().find("t.json: events[0].mode: \"hang\" applies to a host only"),
      std::string::npos)
      << loaded.errors()[0].render();
}

TEST(Loader, SeedOptionReplacesTheScenarioSeed) {
  LoadOptions options;
  options.seed = 12345;
  EXPECT_EQ(load_ok(valid_scenario(), options).scenario.seed, 12345u);
  EXPECT_EQ(load_ok(valid_scenario()).scenario.seed, 7u);
}

TEST(Loader, ReportsEveryErrorNotJustTheFirst) {
  Json scenario = valid_scenario();
  scenario["plan"]["vms"][0]["memory"] = "lots";
  scenario["plan"]["vms"][2]["cpus"] = 4;
  scenario["duration"] = "-1h";
  const Result<Loaded> loaded = load_scenario_text(scenario.dump(), "t.json");
  ASSERT_FALSE(loaded.ok());
  const std::string text = all(loaded.errors());
  EXPECT_NE(text.find("t.json: plan.vms[0].memory: bad size \"lots\""), std::string::npos) << text;
  EXPECT_NE(text.find("t.json: plan.vms[2].cpus: unknown field 'cpus'"), std::string::npos) << text;
  EXPECT_NE(text.find("t.json: duration: must be greater than zero"), std::string::npos) << text;
}

// --- warnings ------------------------------------------------------------------------------

TEST(Warnings, VmWithNeitherHaNorReplicaThatTheScenarioFails) {
  Json scenario = valid_scenario();
  scenario["plan"]["sites"][0]["hosts"].push_back(
      Json::parse(R"({"name": "esx3", "cores": 4, "memory": "16GiB"})"));
  scenario["plan"]["vms"].push_back(Json::parse(R"({"name": "legacy", "host": "esx3"})"));
  const Loaded loaded = load_ok(scenario);
  ASSERT_EQ(loaded.warnings.size(), 1u) << all(loaded.warnings);
  EXPECT_EQ(loaded.warnings[0].severity, Diagnostic::Severity::warning);
  EXPECT_EQ(loaded.warnings[0].render(),
            "warning: test.json: events[0]: VM 'legacy' has neither HA nor a replica: this "
            "fail site leaves it down for the rest of the run");
}

TEST(Warnings, VmWithHaButNoReplicaHitByAFailureHaCannotFix) {
  Json scenario = valid_scenario();
  scenario["plan"]["vms"].push_back(Json::parse(R"({"name": "build", "host": "esx2"})"));
  scenario["events"][0] = Json::parse(R"({"at": "1h", "fail": "datastore", "target": "san1"})");
  const Loaded loaded = load_ok(scenario);
  ASSERT_EQ(loaded.warnings.size(), 1u) << all(loaded.warnings);
  EXPECT_NE(loaded.warnings[0].message.find("VM 'build' has HA but no replica"), std::string::npos);
  // A host failure inside the HA cluster is covered: no warning.
  scenario["events"][0] = Json::parse(R"({"at": "1h", "fail": "host", "target": "esx2"})");
  EXPECT_TRUE(load_ok(scenario).warnings.empty());
}

TEST(Warnings, ReplicasThatDoNotFitTheTargetHost) {
  Json scenario = valid_scenario();
  scenario["plan"]["sites"][1]["hosts"][0]["memory"] = "16GiB";
  const Loaded loaded = load_ok(scenario);
  ASSERT_EQ(loaded.warnings.size(), 1u) << all(loaded.warnings);
  EXPECT_EQ(loaded.warnings[0].json_path, "plan.replication[0].target_host");
  EXPECT_NE(loaded.warnings[0].message.find("the replicas of ad, db, app need 20GiB of memory on "
                                            "host 'dr1'"),
            std::string::npos)
      << loaded.warnings[0].message;
}

TEST(Warnings, RetentionShorterThanTheCorruptionDetectionWindow) {
  Json scenario = valid_scenario();
  scenario["duration"] = "1d";
  scenario["plan"]["recovery"]["detection"] = "8h";
  scenario["plan"]["replication"][0]["retention"] = Json::parse(R"({"points": 24})");
  scenario["events"][0] = Json::parse(R"({"at": "2h", "corrupt": ["db"]})");
  const Loaded loaded = load_ok(scenario);
  ASSERT_EQ(loaded.warnings.size(), 1u) << all(loaded.warnings);
  EXPECT_EQ(loaded.warnings[0].json_path, "plan.replication[0].retention");
  EXPECT_NE(loaded.warnings[0].message.find("retention keeps 5h45m of recovery points (24 points "
                                            "every 15m), less than the corruption-detection "
                                            "window of 8h"),
            std::string::npos)
      << loaded.warnings[0].message;
  // Enough points: no warning. Daily points cover it too.
  scenario["plan"]["replication"][0]["retention"]["points"] = 40;
  EXPECT_TRUE(load_ok(scenario).warnings.empty());
  scenario["plan"]["replication"][0]["retention"] = Json::parse(R"({"points": 4, "daily": 7})");
  EXPECT_TRUE(load_ok(scenario).warnings.empty());
}

// --- plans alone, and files that are not files ------------------------------------------

TEST(ValidateFile, AcceptsAPlanAlone) {
  TempDir dir;
  const std::string file = dir.write("p.plan.json", valid_plan().dump());
  const auto result = validate_file(file);
  ASSERT_TRUE(result.ok()) << all(result.errors());
  EXPECT_TRUE(result.value().empty()) << all(result.value());
}

TEST(ValidateFile, PlanAloneErrorsHavePathsRelativeToThePlan) {
  TempDir dir;
  Json plan = valid_plan();
  plan["vms"][1]["depends_on"] = {"add"};
  const std::string file = dir.write("p.plan.json", plan.dump());
  const auto result = validate_file(file);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.errors()[0].render(),
            file + ": vms[1].depends_on[0]: unknown VM 'add' (did you mean 'ad'?)");
}

TEST(ValidateFile, ScenarioReturnsItsWarnings) {
  TempDir dir;
  Json scenario = valid_scenario();
  scenario["plan"]["sites"][1]["hosts"][0]["memory"] = "16GiB";
  const auto result = validate_file(dir.write("s.json", scenario.dump()));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.value().size(), 1u);
}

TEST(ValidateFile, UnreadableInputsFailCleanly) {
  TempDir dir;
  auto first_error = [](const std::string& path) {
    const auto result = validate_file(path);
    EXPECT_FALSE(result.ok()) << path;
    return result.ok() ? std::string() : result.errors()[0].render();
  };
  EXPECT_EQ(first_error((dir.path() / "missing.json").string()),
            (dir.path() / "missing.json").string() + ": cannot read: no such file");
  EXPECT_EQ(first_error(dir.path().string()),
            dir.path().string() + ": cannot read: it is a directory");
  EXPECT_EQ(first_error("/dev/zero"), "/dev/zero: cannot read: not a regular file");
  // A plan path that names a device must not hang either.
  Json scenario = valid_scenario();
  scenario["plan"] = "/dev/zero";
  const auto loaded = load_scenario_text(scenario.dump(), "s.json");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.errors()[0].render(),
            "s.json: plan: cannot read plan file '/dev/zero': not a regular file");
}

TEST(ValidateFile, InvalidUtf8AndControlCharactersAreSyntaxErrors) {
  const auto result = validate_text(std::string("{\"name\": \"a\xff\"}"), "bad.json");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.errors()[0].render().find("bad.json: invalid JSON at line 1, column"),
            std::string::npos)
      << result.errors()[0].render();
}

}  // namespace
}  // namespace firedrill::testing
