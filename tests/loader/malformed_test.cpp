// Every kind of malformed input, through the real binary: `firedrill validate` and
// `firedrill run` both exit 2, the message names the file and the JSON path, and nothing is
// written. The same input through load_scenario() gives the same diagnostic as a value.
#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/loader.hpp"
#include "fixture.hpp"

namespace firedrill::testing {
namespace {

struct Malformed {
  Malformed(std::string name_, std::function<void(Json&)> mutate_, std::string path_,
            std::string message_, std::optional<std::string> raw_ = std::nullopt,
            bool separate_plan_ = false, std::vector<std::string> extra_args_ = {})
      : name(std::move(name_)),
        mutate(std::move(mutate_)),
        path(std::move(path_)),
        message(std::move(message_)),
        raw(std::move(raw_)),
        separate_plan(separate_plan_),
        extra_args(std::move(extra_args_)) {}

  std::string name;                     // also the scenario's file name: NAME.json
  std::function<void(Json&)> mutate;    // applied to valid_scenario() (plan inline)
  std::string path;                     // the JSON path the message must name
  std::string message;                  // a fragment of the reason
  std::optional<std::string> raw;       // the file's bytes instead of a mutated scenario
  bool separate_plan = false;           // write the plan to shared.plan.json, refer to it
  std::vector<std::string> extra_args;  // e.g. --set
};

Json& vm(Json& scenario, int index) {
  return scenario["plan"]["vms"][index];
}

std::vector<Malformed> cases() {
  return {
      {"invalid_json", {}, "", "invalid JSON at line 3, column", R"({"name": "x",
  "plan": "p.json",
  "duration": ,
})"},
      {"empty_file", {}, "", "the file is empty", ""},
      {"not_an_object", {}, "", "expected a scenario object", "[1, 2, 3]"},
      {"duplicate_key",
       {},
       "",
       "duplicate key 'duration'",
       R"({"name": "x", "duration": "1h", "duration": "2h", "plan": {}})"},
      {"nesting_too_deep",
       {},
       "",
       "nesting deeper than 64 levels",
       std::string(200, '[') + std::string(200, ']')},
      {"unknown_field_did_you_mean",
       [](Json& s) {
         s["duraton"] = s["duration"];
         s.erase("duration");
       },
       "duraton", "unknown field 'duraton' (did you mean 'duration'?)"},
      {"unknown_vm_field", [](Json& s) { vm(s, 1)["boot_tme"] = "90s"; }, "plan.vms[1].boot_tme",
       "unknown field 'boot_tme' (did you mean 'boot_time'?)"},
      {"health_check_with_two_kinds",
       [](Json& s) { vm(s, 2)["health"] = Json::parse(R"([{"tcp": 80, "file": "/ready"}])"); },
       "plan.vms[2].health[0]", "a health check has exactly one of tcp, http, exec, file"},
      {"health_check_target_not_a_dependency",
       [](Json& s) { vm(s, 0)["health"] = Json::parse(R"([{"tcp": "db:5432"}])"); },
       "plan.vms[0].health[0].tcp", "the check's target VM 'db' is neither 'ad' nor a VM"},
      {"re_ip_agent_without_agent_readiness",
       [](Json& s) { vm(s, 1)["guest"] = Json::parse(R"({"re_ip": "agent"})"); },
       "plan.vms[1].guest.re_ip", "re_ip \"agent\" needs readiness \"agent\""},
      {"missing_required_field", [](Json& s) { s.erase("duration"); }, "",
       "missing required field 'duration'"},
      {"wrong_type_cores", [](Json& s) { s["plan"]["sites"][0]["hosts"][1]["cores"] = "many"; },
       "plan.sites[0].hosts[1].cores", "expected an integer, got a string (\"many\")"},
      {"wrong_type_depends_on", [](Json& s) { vm(s, 2)["depends_on"] = "db"; },
       "plan.vms[2].depends_on", "expected a list of names"},
      {"wrong_type_isolated", [](Json& s) { s["plan"]["networks"][2]["isolated"] = "yes"; },
       "plan.networks[2].isolated", "expected true or false"},
      {"bad_duration_unit", [](Json& s) { vm(s, 0)["boot_time"] = "45 seconds"; },
       "plan.vms[0].boot_time", "bad duration \"45 seconds\""},
      {"bad_size_unit", [](Json& s) { vm(s, 0)["memory"] = "4 gigs"; }, "plan.vms[0].memory",
       "bad size \"4 gigs\""},
      {"bad_rate_unit", [](Json& s) { s["plan"]["links"][0]["bandwidth"] = "1Gbit"; },
       "plan.links[0].bandwidth", "bad rate \"1Gbit\""},
      {"negative_interval", [](Json& s) { s["plan"]["replication"][0]["interval"] = "-5m"; },
       "plan.replication[0].interval", "must be greater than zero, got \"-5m\""},
      {"zero_duration", [](Json& s) { s["duration"] = 0; }, "duration",
       "must be greater than zero, got 0"},
      {"zero_disk", [](Json& s) { vm(s, 1)["disk"] = "0GiB"; }, "plan.vms[1].disk",
       "must be greater than zero"},
      {"zero_retention_points",
       [](Json& s) { s["plan"]["replication"][0]["retention"] = Json::parse(R"({"points": 0})"); },
       "plan.replication[0].retention.points", "must be at least 1, got 0"},
      {"zero_cores", [](Json& s) { s["plan"]["sites"][1]["hosts"][0]["cores"] = 0; },
       "plan.sites[1].hosts[0].cores", "must be in 1..1048576, got 0"},
      {"unknown_distribution",
       [](Json& s) { vm(s, 1)["boot_time"] = Json::parse(R"({"dist":"gaussian","mean":"1m"})"); },
       "plan.vms[1].boot_time.dist", "unknown distribution 'gaussian'"},
      {"uniform_min_above_max",
       [](Json& s) {
         s["events"][0]["at"] = Json::parse(R"({"dist":"uniform","min":"3h","max":"1h"})");
       },
       "events[0].at", "min (3h) is greater than max (1h)"},
      {"unknown_vm_in_depends_on", [](Json& s) { vm(s, 2)["depends_on"] = {"db2"}; },
       "plan.vms[2].depends_on[0]", "unknown VM 'db2' (did you mean 'db'?)"},
      {"unknown_host_of_vm", [](Json& s) { vm(s, 0)["host"] = "esx9"; }, "plan.vms[0].host",
       "unknown host 'esx9'"},
      {"unknown_site_of_network", [](Json& s) { s["plan"]["networks"][1]["site"] = "dr2"; },
       "plan.networks[1].site", "unknown site 'dr2' (did you mean 'dr'?)"},
      {"unknown_datastore_of_cluster",
       [](Json& s) { s["plan"]["clusters"][0]["datastore"] = "san2"; },
       "plan.clusters[0].datastore", "unknown datastore 'san2' (did you mean 'san1'?)"},
      {"unknown_network_of_vm", [](Json& s) { vm(s, 1)["network"] = "prd"; }, "plan.vms[1].network",
       "unknown network 'prd' (did you mean 'prod'?)"},
      {"unknown_site_of_link", [](Json& s) { s["plan"]["links"][0]["between"][1] = "nowhere"; },
       "plan.links[0].between[1]", "unknown site 'nowhere'"},
      {"unknown_link_in_event",
       [](Json& s) {
         s["events"][0] = Json::parse(R"({"at": "1h", "fail": "link", "target": "wna"})");
       },
       "events[0].target", "unknown link 'wna' (did you mean 'wan'?)"},
      {"unknown_vm_in_corrupt",
       [](Json& s) { s["events"][0] = Json::parse(R"({"at": "1h", "corrupt": ["ad", "dc"]})"); },
       "events[0].corrupt[1]", "unknown VM 'dc'"},
      {"duplicate_vm_name", [](Json& s) { vm(s, 2)["name"] = "ad"; }, "plan.vms[2].name",
       "duplicate VM name 'ad' (first defined at plan.vms[0])"},
      {"duplicate_host_name", [](Json& s) { s["plan"]["sites"][1]["hosts"][0]["name"] = "esx1"; },
       "plan.sites[1].hosts[0].name", "duplicate host name 'esx1'"},
      {"dependency_cycle",
       [](Json& s) {
         for (int i = 0; i < 3; ++i) vm(s, i).erase("priority");
         vm(s, 0)["depends_on"] = {"app"};
       },
       "plan.vms[1].depends_on[0]", "dependency cycle ad -> app -> db -> ad"},
      {"priority_deadlock", [](Json& s) { vm(s, 1)["priority"] = 4; }, "plan.vms[2].depends_on[0]",
       "priority deadlock: VM 'app' (priority 3) depends on 'db' of a later priority group (4)"},
      {"priority_out_of_range", [](Json& s) { vm(s, 0)["priority"] = 7; }, "plan.vms[0].priority",
       "priority must be 1 (boots first) to 5 (boots last), got 7"},
      {"replication_target_unknown",
       [](Json& s) { s["plan"]["replication"][0]["target_host"] = "dr2"; },
       "plan.replication[0].target_host", "unknown host 'dr2' (did you mean 'dr1'?)"},
      {"replication_target_on_source_site",
       [](Json& s) {
         s["plan"]["replication"][0]["target_host"] = "esx2";
         s["plan"]["recovery"].erase("target_site");
       },
       "plan.replication[0].target_host", "is at site 'primary', where VM 'ad' runs"},
      {"replication_through_a_third_site",
       [](Json& s) {
         s["plan"]["sites"].push_back(Json::parse(
             R"({"name": "vault", "hosts": [{"name": "v1", "cores": 8, "memory": "64GiB"}]})"));
         s["plan"]["links"].push_back(Json::parse(
             R"({"name": "tape", "between": ["dr", "vault"], "bandwidth": "1Gbps", "latency": "5ms"})"));
         s["plan"]["replication"][0]["target_host"] = "v1";
         s["plan"]["recovery"].erase("target_site");
       },
       "plan.replication[0].target_host",
       "no link connects site 'primary' to site 'vault': replication runs over one link"},
      {"network_without_mapping",
       [](Json& s) { s["plan"]["recovery"]["network_mapping"] = Json::object(); },
       "plan.vms[0].network", "has no mapping at the recovery site 'dr'"},
      {"re_ip_rule_does_not_parse",
       [](Json& s) { s["plan"]["recovery"]["re_ip"][0]["to"] = "10.1.0.300"; },
       "plan.recovery.re_ip[0].to", "bad Re-IP pattern '10.1.0.300'"},
      {"re_ip_outside_target_subnet",
       [](Json& s) { s["plan"]["recovery"]["re_ip"][0]["to"] = "10.2.0.*"; },
       "plan.recovery.re_ip[0]", "outside network 'dr-net' (10.1.0.0/24)"},
      {"test_network_not_isolated",
       [](Json& s) { s["plan"]["recovery"]["test_network"] = "dr-net"; },
       "plan.recovery.test_network", "test network 'dr-net' is not isolated"},
      {"max_concurrent_transfers_zero",
       [](Json& s) { s["plan"]["links"][0]["max_concurrent_transfers"] = 0; },
       "plan.links[0].max_concurrent_transfers", "must be at least 1 (leave it out for no limit)"},
      {"max_concurrent_transfers_negative",
       [](Json& s) { s["plan"]["links"][0]["max_concurrent_transfers"] = -3; },
       "plan.links[0].max_concurrent_transfers", "must be at least 1"},
      {"max_concurrent_transfers_fraction",
       [](Json& s) { s["plan"]["links"][0]["max_concurrent_transfers"] = 2.5; },
       "plan.links[0].max_concurrent_transfers", "expected an integer"},
      {"max_concurrent_transfers_text",
       [](Json& s) { s["plan"]["links"][0]["max_concurrent_transfers"] = "64"; },
       "plan.links[0].max_concurrent_transfers", "expected an integer"},
      {"max_concurrent_boots_zero",
       [](Json& s) { s["plan"]["recovery"]["max_concurrent_boots"] = 0; },
       "plan.recovery.max_concurrent_boots", "must be at least 1"},
      {"boot_retries_negative", [](Json& s) { s["plan"]["recovery"]["boot_retries"] = -1; },
       "plan.recovery.boot_retries", "must be in 0..100, got -1"},
      {"boot_retries_fraction", [](Json& s) { s["plan"]["recovery"]["boot_retries"] = 1.5; },
       "plan.recovery.boot_retries", "expected an integer"},
      {"final_sync_timeout_bad_unit",
       [](Json& s) { s["plan"]["recovery"]["final_sync_timeout"] = "10 minutes"; },
       "plan.recovery.final_sync_timeout", "bad duration \"10 minutes\""},
      {"final_sync_timeout_negative",
       [](Json& s) { s["plan"]["recovery"]["final_sync_timeout"] = -5; },
       "plan.recovery.final_sync_timeout", "must not be negative"},
      {"boot_failure_probability_above_one",
       [](Json& s) { vm(s, 1)["boot_failure_probability"] = 1.5; },
       "plan.vms[1].boot_failure_probability", "must be from 0 to 1, got 1.5"},
      {"boot_failure_probability_text",
       [](Json& s) { vm(s, 1)["boot_failure_probability"] = "10%"; },
       "plan.vms[1].boot_failure_probability", "expected a probability (a number from 0 to 1)"},
      {"vm_replicated_twice_to_one_host",
       [](Json& s) {
         Json again = s["plan"]["replication"][0];
         again["name"] = "again";
         s["plan"]["replication"].push_back(again);
       },
       "plan.replication[1].vms[0]", "is already replicated to 'dr1' by job"},
      {"event_unknown_host",
       [](Json& s) {
         s["events"][0] = Json::parse(R"({"at": "1h", "fail": "host", "target": "esx3"})");
       },
       "events[0].target", "unknown host 'esx3'"},
      {"event_outside_duration", [](Json& s) { s["events"][0]["at"] = "7h"; }, "events[0].at",
       "falls outside the scenario's duration (6h)"},
      {"test_failover_without_test_network",
       [](Json& s) {
         s["plan"]["recovery"].erase("test_network");
         s["events"][0] = Json::parse(R"({"at": "1h", "action": "test_failover"})");
       },
       "events[0].action", "a test failover needs recovery.test_network"},
      {"event_without_kind", [](Json& s) { s["events"][0] = Json::parse(R"({"at": "1h"})"); },
       "events[0]", "an event needs one of \"fail\", \"corrupt\" or \"action\""},
      {"unknown_fail_kind", [](Json& s) { s["events"][0]["fail"] = "sight"; }, "events[0].fail",
       "unknown kind 'sight'"},
      {"negative_seed", [](Json& s) { s["seed"] = -1; }, "seed", "must not be negative"},
      {"bad_ip_address", [](Json& s) { vm(s, 0)["ip"] = "10.0.0.256"; }, "plan.vms[0].ip",
       "bad IP address '10.0.0.256'"},
      {"separate_plan_unknown_vm", [](Json& s) { vm(s, 2)["depends_on"] = {"db2"}; },
       "vms[2].depends_on[0]", "unknown VM 'db2'", std::nullopt, true},
      {"separate_plan_bad_unit", [](Json& s) { vm(s, 0)["disk"] = "60Gib"; }, "vms[0].disk",
       "bad size \"60Gib\"", std::nullopt, true},
      {"missing_plan_file", [](Json& s) { s["plan"] = "nowhere.plan.json"; }, "plan",
       "nowhere.plan.json': no such file"},
      {"override_names_nothing",
       {},
       "",
       "--set vms.dbx.boot_time=90s: no element named 'dbx' in "
       "vms (did you mean 'db'?)",
       std::nullopt,
       false,
       {"--set", "vms.dbx.boot_time=90s"}},
      {"override_bad_value",
       {},
       "plan.vms[1].boot_time",
       "(set by --set vms.db.boot_time=ninety)",
       std::nullopt,
       false,
       {"--set", "vms.db.boot_time=ninety"}},
  };
}

class MalformedInput : public ::testing::TestWithParam<Malformed> {};

std::string contents_of(const Malformed& c, std::string* plan_text) {
  if (c.raw) return *c.raw;
  Json scenario = valid_scenario();
  if (c.mutate) c.mutate(scenario);
  if (c.separate_plan) {
    *plan_text = scenario["plan"].dump(2);
    scenario["plan"] = "shared.plan.json";
  }
  return scenario.dump(2);
}

TEST_P(MalformedInput, ExitsTwoNamingFileAndPathAndWritesNothing) {
  const Malformed& c = GetParam();
  TempDir dir;
  std::string plan_text;
  const std::string file = c.name + ".json";
  dir.write(file, contents_of(c, &plan_text));
  if (c.separate_plan) dir.write("shared.plan.json", plan_text);
  const std::vector<std::string> inputs = dir.listing();

  // What the message must say: "FILE: PATH: reason".
  const std::string named_file = c.separate_plan ? "shared.plan.json" : file;
  const std::string where = named_file + ": " + (c.path.empty() ? "" : c.path + ": ");

  std::vector<std::string> validate_args = {"validate", file};
  validate_args.insert(validate_args.end(), c.extra_args.begin(), c.extra_args.end());
  const CommandRun validate = run_firedrill(dir.path(), validate_args);
  EXPECT_EQ(validate.exit_code, 2) << validate.err;
  EXPECT_NE(validate.err.find(where), std::string::npos) << "expected '" << where << "' in:\n"
                                                         << validate.err;
  EXPECT_NE(validate.err.find(c.message), std::string::npos)
      << "expected '" << c.message << "' in:\n"
      << validate.err;
  EXPECT_EQ(dir.listing(), inputs);

  std::vector<std::string> run_args = {"run", file, "--out", "out"};
  run_args.insert(run_args.end(), c.extra_args.begin(), c.extra_args.end());
  const CommandRun run = run_firedrill(dir.path(), run_args);
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_EQ(dir.listing(), inputs) << "firedrill run wrote output for a bad input";
  if (run.err.find("not implemented") == std::string::npos) {
    EXPECT_NE(run.err.find(where), std::string::npos) << "expected '" << where << "' in:\n"
                                                      << run.err;
  }

  // The same through the library: errors are values.
  LoadOptions options;
  for (std::size_t i = 0; i + 1 < c.extra_args.size(); i += 2) {
    options.overrides.push_back(c.extra_args[i + 1]);
  }
  const Result<Loaded> loaded = load_scenario((dir.path() / file).string(), options);
  ASSERT_FALSE(loaded.ok());
  bool found = false;
  for (const Diagnostic& d : loaded.errors()) {
    const std::string text = d.render();
    if (text.find(where) != std::string::npos && text.find(c.message) != std::string::npos) {
      found = true;
    }
  }
  EXPECT_TRUE(found) << "no diagnostic with '" << where << "' and '" << c.message
                     << "'; first: " << loaded.errors().front().render();
}

INSTANTIATE_TEST_SUITE_P(Loader, MalformedInput, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Malformed>& info) {
                           return info.param.name;
                         });

TEST(MalformedInput, AtLeastThirtyDistinctCases) {
  EXPECT_GE(cases().size(), 30u);
}

}  // namespace
}  // namespace firedrill::testing
