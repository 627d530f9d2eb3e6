// `--set PATH=VALUE`: by name, by index, into the scenario, creating optional fields, and
// every way a path can name nothing (each an error that says why).
#include <gtest/gtest.h>

#include "engine/loader_text.hpp"
#include "engine/overrides.hpp"
#include "fixture.hpp"

namespace firedrill::testing {
namespace {

Result<Loaded> load_with(const Json& scenario, std::vector<std::string> overrides) {
  LoadOptions options;
  options.overrides = std::move(overrides);
  return load_scenario_text(scenario.dump(), "s.json", options);
}

std::string first_error(const Result<Loaded>& loaded) {
  return loaded.ok() ? "(no error)" : loaded.errors()[0].render();
}

TEST(Overrides, ByNameByIndexAndIntoTheScenario) {
  const Result<Loaded> loaded = load_with(
      valid_scenario(), {"vms.db.boot_time=90s", "vms[2].memory=2GiB",
                         "replication.to-dr.interval=5m", "recovery.operator_delay=1m",
                         "sites.primary.hosts.esx2.cores=32", "scenario.events[0].at=3h",
                         "scenario.duration=8h", "scenario.seed=99", "links.0.latency=0.05"});
  ASSERT_TRUE(loaded.ok()) << first_error(loaded);
  const Scenario& s = loaded.value().scenario;
  EXPECT_EQ(s.plan.vms[1].boot_time, DurationSpec::fixed_at(90));
  EXPECT_EQ(s.plan.vms[2].memory_B, 2.0 * 1024 * 1024 * 1024);
  EXPECT_EQ(s.plan.replication[0].interval_s, 300.0);
  EXPECT_EQ(s.plan.recovery.operator_delay, DurationSpec::fixed_at(60));
  EXPECT_EQ(s.plan.sites[0].hosts[1].cores, 32);
  EXPECT_EQ(s.events[0].at, DurationSpec::fixed_at(3 * 3600));
  EXPECT_EQ(s.duration_s, 8 * 3600.0);
  EXPECT_EQ(s.seed, 99u);
  EXPECT_EQ(s.plan.links[0].latency_s, 0.05);
}

TEST(Overrides, ValuesAreJsonWhenTheyParseAsJson) {
  const Result<Loaded> loaded = load_with(
      valid_scenario(), {R"(vms.ad.boot_time={"dist":"normal","mean":"45s","sd":"5s"})",
                         "recovery.power_off_source=false", "vms.app.shutdown_time=\"10s\""});
  ASSERT_TRUE(loaded.ok()) << first_error(loaded);
  const Scenario& s = loaded.value().scenario;
  EXPECT_EQ(s.plan.vms[0].boot_time, (DurationSpec{DurationSpec::Kind::normal, 45, 5}));
  EXPECT_FALSE(s.plan.recovery.power_off_source);
  EXPECT_EQ(s.plan.vms[2].shutdown_time, DurationSpec::fixed_at(10));
}

TEST(Overrides, CanSetAnOptionalFieldThatIsAbsent) {
  const Result<Loaded> loaded =
      load_with(valid_scenario(), {"recovery.max_concurrent_boots=2", "vms.db.objectives.rto=10m"});
  ASSERT_TRUE(loaded.ok()) << first_error(loaded);
  EXPECT_EQ(loaded.value().scenario.plan.recovery.max_concurrent_boots, 2);
  EXPECT_EQ(loaded.value().scenario.plan.vms[1].objectives.rto_s, 600.0);
}

TEST(Overrides, SetALinksTransferLimit) {
  const Result<Loaded> loaded =
      load_with(valid_scenario(), {"links.wan.max_concurrent_transfers=64"});
  ASSERT_TRUE(loaded.ok()) << first_error(loaded);
  EXPECT_EQ(loaded.value().scenario.plan.links[0].max_concurrent_transfers, 64);
}

TEST(Overrides, WorkOnAPlanInItsOwnFile) {
  TempDir dir;
  dir.write("p.plan.json", valid_plan().dump());
  Json scenario = valid_scenario();
  scenario["plan"] = "p.plan.json";
  const std::string file = dir.write("s.json", scenario.dump());
  LoadOptions options;
  options.overrides = {"vms.db.boot_time=2m"};
  const Result<Loaded> loaded = load_scenario(file, options);
  ASSERT_TRUE(loaded.ok()) << first_error(loaded);
  EXPECT_EQ(loaded.value().scenario.plan.vms[1].boot_time, DurationSpec::fixed_at(120));
}

struct BadOverride {
  const char* text;
  const char* error;
};

TEST(Overrides, PathsThatNameNothingAreErrors) {
  const BadOverride cases[] = {
      {"vms.dbx.boot_time=90s",
       "s.json: --set vms.dbx.boot_time=90s: no element named 'dbx' in vms (did you mean 'db'?)"},
      {"vms[7].boot_time=90s",
       "s.json: --set vms[7].boot_time=90s: index 7 is out of range: vms has 3 elements"},
      {"vms.db.boot_time.mean=90s",
       "s.json: --set vms.db.boot_time.mean=90s: vms[1].boot_time is a single value, it has no "
       "field 'mean'"},
      {"recovery[0]=1",
       "s.json: --set recovery[0]=1: recovery is an object, not a list: [0] "
       "names nothing"},
      {"scenario.events[3].at=1h",
       "s.json: --set scenario.events[3].at=1h: index 3 is out of range: events has 1 elements"},
      {"vms.db.boot_time", "s.json: --set vms.db.boot_time: expected PATH=VALUE"},
      {"=5", "s.json: --set =5: empty PATH in PATH=VALUE"},
      {"vms..boot_time=1", "s.json: --set vms..boot_time=1: empty key in path"},
      {"vms[db=1", "s.json: --set vms[db=1: unclosed '[' in path"},
  };
  for (const BadOverride& c : cases) {
    EXPECT_EQ(first_error(load_with(valid_scenario(), {c.text})), c.error) << c.text;
  }
}

TEST(Overrides, ANewFieldWithATypoIsAnUnknownFieldNamingTheOverride) {
  EXPECT_EQ(first_error(load_with(valid_scenario(), {"vms.db.boot_tme=90s"})),
            "s.json: plan.vms[1].boot_tme: unknown field 'boot_tme' (did you mean 'boot_time'?) "
            "(set by --set vms.db.boot_tme=90s)");
}

TEST(Overrides, BracketedNamesMayContainDots) {
  Json plan = valid_plan();
  plan["vms"][2]["name"] = "app.1";
  plan["replication"][0]["vms"][2] = "app.1";
  Json root = plan;
  std::string error;
  const auto override = parse_override(R"(vms["app.1"].boot_time=5s)", &error);
  ASSERT_TRUE(override.has_value()) << error;
  const auto applied = apply_override(root, *override, &error);
  ASSERT_TRUE(applied.has_value()) << error;
  EXPECT_EQ(applied->json_path, "vms[2].boot_time");
  EXPECT_EQ(root["vms"][2]["boot_time"], "5s");
}

TEST(Overrides, ScenarioPathsAreRejectedForAPlanAlone) {
  TempDir dir;
  const std::string file = dir.write("p.plan.json", valid_plan().dump());
  LoadOptions options;
  options.overrides = {"scenario.duration=1h"};
  const auto result = validate_file(file, options);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.errors()[0].render(),
            file + ": --set scenario.duration=1h: this file is a plan, not a scenario");
}

}  // namespace
}  // namespace firedrill::testing
