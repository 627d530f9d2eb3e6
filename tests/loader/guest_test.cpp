// The real-guest fields of a VM (SPEC 7) in-process: every form of guest, health and
// data_probe the loader reads into the model, their defaults, every bad input with the
// file, JSON path and reason of its message, and the validation of which VMs a check may
// name (the VM itself or a transitive dependency) and of re_ip "agent".
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/loader_text.hpp"
#include "fixture.hpp"

namespace firedrill::testing {
namespace {

// The fixture's VMs: vms[0] ad, vms[1] db (depends on ad), vms[2] app (depends on db).
Json with_vm_field(int vm, const std::string& key, const std::string& json) {
  Json scenario = valid_scenario();
  scenario["plan"]["vms"][vm][key] = Json::parse(json);
  return scenario;
}

Plan plan_of(const Json& scenario) {
  const Result<Loaded> loaded = load_scenario_text(scenario.dump(), "test.json");
  std::string errors;
  if (!loaded.ok()) {
    for (const Diagnostic& d : loaded.errors()) errors += d.render() + "\n";
  }
  EXPECT_TRUE(loaded.ok()) << errors;
  return loaded.ok() ? loaded.value().scenario.plan : Plan{};
}

// Every error of loading `scenario` as test.json, rendered ("test.json: PATH: reason").
std::vector<std::string> errors_of(const Json& scenario) {
  const Result<Loaded> loaded = load_scenario_text(scenario.dump(), "test.json");
  std::vector<std::string> errors;
  if (loaded.ok()) return errors;
  for (const Diagnostic& d : loaded.errors()) {
    if (d.severity == Diagnostic::Severity::error) errors.push_back(d.render());
  }
  return errors;
}

TEST(GuestFields, ReadsEveryFormOfTheSpec) {
  Json scenario = valid_scenario();
  Json& app = scenario["plan"]["vms"][2];
  app["guest"] = Json::parse(
      R"({"readiness": "agent", "re_ip": "agent", "os": "windows", "disk_format": "qcow2"})");
  app["health"] = Json::parse(R"([
    {"tcp": 5432},
    {"tcp": "db:5432", "from": "app"},
    {"http": {"port": 80, "path": "/health", "status": 204, "body": "ok"}},
    {"http": {"port": 8080, "target": "db"}, "from": "db"},
    {"exec": ["pg_isready", "-q"]},
    {"file": "/var/lib/app/ready", "contains": "ok", "timeout": "5m", "interval": "2s"},
    {"tcp": "ad:389", "timeout": 30, "interval": "500ms", "initial_delay": "10s"}
  ])");
  app["data_probe"] = Json::parse(R"({"exec": ["sh", "-c", "date +%s"]})");
  const Plan plan = plan_of(scenario);
  ASSERT_EQ(plan.vms.size(), 3u);
  const Vm& vm = plan.vms[2];
  EXPECT_EQ(vm.guest.readiness, Readiness::agent);
  EXPECT_EQ(vm.guest.re_ip, GuestReIp::agent);
  EXPECT_EQ(vm.guest.os, GuestOs::windows);
  EXPECT_EQ(vm.guest.disk_format, DiskFormat::qcow2);
  ASSERT_EQ(vm.health.size(), 7u);
  const std::vector<HealthCheckSpec>& h = vm.health;
  EXPECT_EQ(h[0].kind, HealthKind::tcp);
  EXPECT_EQ(h[0].port, 5432);
  EXPECT_EQ(h[0].target_vm, "");
  EXPECT_EQ(h[1].target_vm, "db");
  EXPECT_EQ(h[1].port, 5432);
  EXPECT_EQ(h[1].from, "app");
  EXPECT_EQ(h[2].kind, HealthKind::http);
  EXPECT_EQ(h[2].port, 80);
  EXPECT_EQ(h[2].path, "/health");
  EXPECT_EQ(h[2].status, 204);
  EXPECT_EQ(h[2].body, "ok");
  EXPECT_EQ(h[3].target_vm, "db");
  EXPECT_EQ(h[3].port, 8080);
  EXPECT_EQ(h[3].from, "db");
  EXPECT_EQ(h[4].kind, HealthKind::exec);
  EXPECT_EQ(h[4].argv, (std::vector<std::string>{"pg_isready", "-q"}));
  EXPECT_EQ(h[5].kind, HealthKind::file);
  EXPECT_EQ(h[5].file, "/var/lib/app/ready");
  EXPECT_EQ(h[5].contains, "ok");
  EXPECT_EQ(h[5].timeout_s, 300.0);
  EXPECT_EQ(h[5].interval_s, 2.0);
  EXPECT_EQ(h[6].target_vm, "ad");
  EXPECT_EQ(h[6].timeout_s, 30.0);
  EXPECT_EQ(h[6].interval_s, 0.5);
  EXPECT_EQ(h[6].initial_delay_s, 10.0);
  ASSERT_TRUE(vm.data_probe.has_value());
  EXPECT_EQ(vm.data_probe->argv, (std::vector<std::string>{"sh", "-c", "date +%s"}));
}

TEST(GuestFields, DefaultsAreTheLabGuestAndTheSpecTimes) {
  Json scenario = valid_scenario();
  scenario["plan"]["vms"][1]["guest"] = Json::object();
  scenario["plan"]["vms"][1]["health"] = Json::parse(R"([{"http": {"port": 80}}])");
  const Plan plan = plan_of(scenario);
  ASSERT_EQ(plan.vms.size(), 3u);
  for (const Vm& vm : plan.vms) {
    EXPECT_EQ(vm.guest.readiness, Readiness::console) << vm.name;
    EXPECT_EQ(vm.guest.re_ip, GuestReIp::kernel_cmdline) << vm.name;
    EXPECT_EQ(vm.guest.os, GuestOs::linux) << vm.name;
    EXPECT_FALSE(vm.data_probe.has_value()) << vm.name;
  }
  EXPECT_TRUE(plan.vms[0].health.empty());
  ASSERT_EQ(plan.vms[1].health.size(), 1u);
  const HealthCheckSpec& check = plan.vms[1].health[0];
  EXPECT_EQ(check.kind, HealthKind::http);
  EXPECT_EQ(check.path, "/");
  EXPECT_EQ(check.status, 200);
  EXPECT_FALSE(check.body.has_value());
  EXPECT_EQ(check.target_vm, "");
  EXPECT_EQ(check.from, "");
  EXPECT_EQ(check.timeout_s, 300.0);
  EXPECT_EQ(check.interval_s, 2.0);
  EXPECT_EQ(check.initial_delay_s, 0.0);
}

struct BadGuest {
  const char* name;
  int vm;
  const char* key;
  const char* json;
  const char* message;  // the whole rendered diagnostic
};

class BadGuestInput : public ::testing::TestWithParam<BadGuest> {};

TEST_P(BadGuestInput, IsOneErrorNamingFilePathAndReason) {
  const BadGuest& c = GetParam();
  const std::vector<std::string> errors = errors_of(with_vm_field(c.vm, c.key, c.json));
  ASSERT_EQ(errors.size(), 1u) << (errors.empty() ? "no error" : errors[0] + " ...");
  EXPECT_EQ(errors[0], c.message);
}

const BadGuest kBadGuests[] = {
    // guest
    {"unknown_readiness", 2, "guest", R"({"readiness": "agnet"})",
     "test.json: plan.vms[2].guest.readiness: unknown readiness 'agnet': expected one of console, "
     "agent, none (did you mean 'agent'?)"},
    {"unknown_re_ip", 2, "guest", R"({"re_ip": "kernel_cmdline"})",
     "test.json: plan.vms[2].guest.re_ip: unknown re_ip 'kernel_cmdline': expected one of "
     "kernel-cmdline, agent, cloud-init, none (did you mean 'kernel-cmdline'?)"},
    {"unknown_os", 2, "guest", R"({"os": "linx"})",
     "test.json: plan.vms[2].guest.os: unknown os 'linx': expected one of linux, windows (did you "
     "mean 'linux'?)"},
    {"unknown_disk_format", 2, "guest", R"({"disk_format": "vmdk"})",
     "test.json: plan.vms[2].guest.disk_format: unknown disk_format 'vmdk': expected one of raw, "
     "qcow2"},
    {"readiness_not_a_string", 2, "guest", R"({"readiness": true})",
     "test.json: plan.vms[2].guest.readiness: expected a string, got a boolean (true)"},
    {"unknown_guest_field", 2, "guest", R"({"readyness": "agent"})",
     "test.json: plan.vms[2].guest.readyness: unknown field 'readyness' (did you mean "
     "'readiness'?)"},
    {"guest_not_an_object", 2, "guest", R"("agent")",
     "test.json: plan.vms[2].guest: expected a guest object, got a string (\"agent\")"},
    // health: shape
    {"health_not_a_list", 2, "health", R"({"tcp": 80})",
     "test.json: plan.vms[2].health: expected a list, got an object"},
    {"check_not_an_object", 2, "health", R"([80])",
     "test.json: plan.vms[2].health[0]: expected a health check object, got a number (80)"},
    {"check_without_kind", 2, "health", R"([{"tcp": 80}, {"from": "app"}])",
     "test.json: plan.vms[2].health[1]: a health check has exactly one of tcp, http, exec, file; "
     "this one has none"},
    {"check_with_two_kinds", 2, "health", R"([{"tcp": 80}, {"tcp": 80, "exec": ["true"]}])",
     "test.json: plan.vms[2].health[1]: a health check has exactly one of tcp, http, exec, file; "
     "this one has tcp and exec"},
    {"check_unknown_key", 2, "health", R"([{"tcp": 80, "timout": "5m"}])",
     "test.json: plan.vms[2].health[0].timout: unknown field 'timout' (did you mean 'timeout'?)"},
    // tcp
    {"tcp_port_zero", 2, "health", R"([{"tcp": 0}])",
     "test.json: plan.vms[2].health[0].tcp: must be in 1..65535, got 0"},
    {"tcp_port_too_big", 2, "health", R"([{"tcp": 65536}])",
     "test.json: plan.vms[2].health[0].tcp: must be in 1..65535, got 65536"},
    {"tcp_port_fraction", 2, "health", R"([{"tcp": 80.5}])",
     "test.json: plan.vms[2].health[0].tcp: expected an integer, got a number (80.5)"},
    {"tcp_vm_without_port", 2, "health", R"([{"tcp": "db"}])",
     "test.json: plan.vms[2].health[0].tcp: expected a port (5432) or \"VM:port\" "
     "(\"db:5432\"), got \"db\""},
    {"tcp_port_without_vm", 2, "health", R"([{"tcp": ":5432"}])",
     "test.json: plan.vms[2].health[0].tcp: expected a port (5432) or \"VM:port\" "
     "(\"db:5432\"), got \":5432\""},
    {"tcp_vm_port_out_of_range", 2, "health", R"([{"tcp": "db:99999"}])",
     "test.json: plan.vms[2].health[0].tcp: the port must be in 1..65535, got \"db:99999\""},
    {"tcp_not_a_port", 2, "health", R"([{"tcp": [80]}])",
     "test.json: plan.vms[2].health[0].tcp: expected a port (5432) or \"VM:port\" "
     "(\"db:5432\"), got [80]"},
    // http
    {"http_without_port", 2, "health", R"([{"http": {"path": "/x"}}])",
     "test.json: plan.vms[2].health[0].http: missing required field 'port'"},
    {"http_port_zero", 2, "health", R"([{"http": {"port": 0}}])",
     "test.json: plan.vms[2].health[0].http.port: must be in 1..65535, got 0"},
    {"http_relative_path", 2, "health", R"([{"http": {"port": 80, "path": "health"}}])",
     "test.json: plan.vms[2].health[0].http.path: a URL path must start with /, got \"health\""},
    {"http_status_too_small", 2, "health", R"([{"http": {"port": 80, "status": 99}}])",
     "test.json: plan.vms[2].health[0].http.status: must be in 100..599, got 99"},
    {"http_status_too_big", 2, "health", R"([{"http": {"port": 80, "status": 600}}])",
     "test.json: plan.vms[2].health[0].http.status: must be in 100..599, got 600"},
    {"http_body_not_text", 2, "health", R"([{"http": {"port": 80, "body": 1}}])",
     "test.json: plan.vms[2].health[0].http.body: expected a string, got a number (1)"},
    {"http_unknown_key", 2, "health", R"([{"http": {"port": 80, "vm": "db"}}])",
     "test.json: plan.vms[2].health[0].http.vm: unknown field 'vm'"},
    {"http_not_an_object", 2, "health", R"([{"http": 80}])",
     "test.json: plan.vms[2].health[0].http: expected an http check object {\"port\": 80, ...}, "
     "got a number (80)"},
    // exec and file
    {"exec_empty", 2, "health", R"([{"exec": []}])",
     "test.json: plan.vms[2].health[0].exec: a command needs at least the program to run"},
    {"exec_a_string", 2, "health", R"([{"exec": "pg_isready -q"}])",
     "test.json: plan.vms[2].health[0].exec: expected a command as a list of strings like "
     "[\"pg_isready\", \"-q\"], got \"pg_isready -q\""},
    {"exec_argument_not_text", 2, "health", R"([{"exec": ["sleep", 1]}])",
     "test.json: plan.vms[2].health[0].exec[1]: expected a string, got a number (1)"},
    {"exec_empty_program", 2, "health", R"([{"exec": ["", "x"]}])",
     "test.json: plan.vms[2].health[0].exec[0]: the program must not be empty"},
    {"file_relative", 2, "health", R"([{"file": "var/ready"}])",
     "test.json: plan.vms[2].health[0].file: a file in the guest must start with /, got "
     "\"var/ready\""},
    {"file_empty", 2, "health", R"([{"file": ""}])",
     "test.json: plan.vms[2].health[0].file: must not be empty"},
    {"contains_without_file", 2, "health", R"([{"tcp": 80, "contains": "ok"}])",
     "test.json: plan.vms[2].health[0].contains: \"contains\" is for a file check only (the text "
     "the file must hold)"},
    // common keys
    {"timeout_zero", 2, "health", R"([{"tcp": 80, "timeout": 0}])",
     "test.json: plan.vms[2].health[0].timeout: must be greater than zero, got 0"},
    {"interval_negative", 2, "health", R"([{"tcp": 80, "interval": "-2s"}])",
     "test.json: plan.vms[2].health[0].interval: must be greater than zero, got \"-2s\""},
    {"initial_delay_negative", 2, "health", R"([{"tcp": 80, "initial_delay": -1}])",
     "test.json: plan.vms[2].health[0].initial_delay: must not be negative, got -1"},
    {"timeout_bad_unit", 2, "health", R"([{"tcp": 80, "timeout": "5 minutes"}])",
     "test.json: plan.vms[2].health[0].timeout: bad duration \"5 minutes\": expected a number of "
     "seconds or a number with a unit ms, s, m, h, d, e.g. \"45s\" or \"15m\""},
    {"from_empty", 2, "health", R"([{"tcp": 80, "from": ""}])",
     "test.json: plan.vms[2].health[0].from: must not be empty"},
    // data_probe
    {"data_probe_without_exec", 2, "data_probe", R"({})",
     "test.json: plan.vms[2].data_probe: missing required field 'exec'"},
    {"data_probe_empty_exec", 2, "data_probe", R"({"exec": []})",
     "test.json: plan.vms[2].data_probe.exec: a command needs at least the program to run"},
    {"data_probe_unknown_key", 2, "data_probe", R"({"exec": ["date"], "shell": true})",
     "test.json: plan.vms[2].data_probe.shell: unknown field 'shell'"},
    {"data_probe_a_list", 2, "data_probe", R"(["date", "+%s"])",
     "test.json: plan.vms[2].data_probe: expected a data probe object {\"exec\": [...]}, got a "
     "list"},
    // validation: which VMs a check may name, re_ip agent
    {"target_unknown_vm", 2, "health", R"([{"tcp": "dbx:5432"}])",
     "test.json: plan.vms[2].health[0].tcp: unknown VM 'dbx' (did you mean 'db'?)"},
    {"target_not_a_dependency", 1, "health", R"([{"tcp": "app:80"}])",
     "test.json: plan.vms[1].health[0].tcp: the check's target VM 'app' is neither 'db' nor a VM "
     "it depends on (directly or through depends_on): its checks run once its dependencies are "
     "up, and 'app' may not be; add it to depends_on"},
    {"http_target_not_a_dependency", 1, "health", R"([{"http": {"port": 80, "target": "app"}}])",
     "test.json: plan.vms[1].health[0].http.target: the check's target VM 'app' is neither 'db' "
     "nor a VM it depends on (directly or through depends_on): its checks run once its "
     "dependencies are up, and 'app' may not be; add it to depends_on"},
    {"from_not_a_dependency", 1, "health", R"([{"tcp": 5432, "from": "app"}])",
     "test.json: plan.vms[1].health[0].from: the VM the check runs from 'app' is neither 'db' nor "
     "a VM it depends on (directly or through depends_on): its checks run once its dependencies "
     "are up, and 'app' may not be; add it to depends_on"},
    {"from_unknown_vm", 2, "health", R"([{"tcp": 5432, "from": "appp"}])",
     "test.json: plan.vms[2].health[0].from: unknown VM 'appp' (did you mean 'app'?)"},
    {"re_ip_agent_without_agent_readiness", 2, "guest", R"({"re_ip": "agent"})",
     "test.json: plan.vms[2].guest.re_ip: re_ip \"agent\" needs readiness \"agent\": the guest "
     "agent sets the new address, so the VM must wait for the agent to answer first"},
    {"re_ip_agent_with_console_readiness", 2, "guest",
     R"({"readiness": "console", "re_ip": "agent"})",
     "test.json: plan.vms[2].guest.re_ip: re_ip \"agent\" needs readiness \"agent\": the guest "
     "agent sets the new address, so the VM must wait for the agent to answer first"},
};

INSTANTIATE_TEST_SUITE_P(Loader, BadGuestInput, ::testing::ValuesIn(kBadGuests),
                         [](const ::testing::TestParamInfo<BadGuest>& info) {
                           return std::string(info.param.name);
                         });

TEST(GuestValidation, AThreeTierCheckingThroughItsDependenciesPasses) {
  // app depends on db, db on ad: app may check db and ad (through db), from itself or db.
  Json scenario = valid_scenario();
  Json& vms = scenario["plan"]["vms"];
  vms[2]["guest"] = Json::parse(R"({"readiness": "agent", "re_ip": "agent"})");
  vms[2]["health"] = Json::parse(R"([
    {"tcp": "db:5432", "from": "app"},
    {"tcp": "ad:389", "from": "db"},
    {"http": {"port": 80, "target": "app"}, "from": "ad"},
    {"tcp": "app:80"}
  ])");
  vms[1]["health"] = Json::parse(R"([{"tcp": "ad:389", "from": "db"}, {"exec": ["true"]}])");
  vms[0]["health"] = Json::parse(R"([{"tcp": "ad:389", "from": "ad"}])");
  EXPECT_EQ(errors_of(scenario), std::vector<std::string>{});
}

TEST(GuestValidation, AMissingDependencyLinkIsFoundEvenThroughAChain) {
  // Cut app -> db: ad is then no longer reachable from app either.
  Json scenario = valid_scenario();
  Json& app = scenario["plan"]["vms"][2];
  app["depends_on"] = Json::array();
  app["health"] = Json::parse(R"([{"tcp": "ad:389"}])");
  const std::vector<std::string> errors = errors_of(scenario);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("test.json: plan.vms[2].health[0].tcp: the check's target VM 'ad' is "
                           "neither 'app' nor a VM it depends on"),
            std::string::npos)
      << errors[0];
}

TEST(GuestValidation, APlanFileGetsPathsRelativeToItself) {
  Json plan = valid_plan();
  plan["vms"][1]["health"] = Json::parse(R"([{"tcp": 5432, "from": "app"}])");
  const Result<std::vector<Diagnostic>> checked = validate_text(plan.dump(), "p.plan.json");
  ASSERT_FALSE(checked.ok());
  std::vector<std::string> errors;
  for (const Diagnostic& d : checked.errors()) {
    if (d.severity == Diagnostic::Severity::error) errors.push_back(d.render());
  }
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(
      errors[0].rfind("p.plan.json: vms[1].health[0].from: the VM the check runs from 'app'", 0),
      0u)
      << errors[0];
}

}  // namespace
}  // namespace firedrill::testing
