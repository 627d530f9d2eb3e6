// A calibration (run/whatif/validate --calibration, SPEC 10) through the loader: its values
// replace the plan's, a --set of the same path still wins, it must be of the scenario's plan,
// an error in one of its values names the calibration, and the loaded scenario records it
// (for report.json and the input files). Also the file's own checks, through the binary.
#include <gtest/gtest.h>

#include "engine/loader_text.hpp"
#include "fixture.hpp"

namespace firedrill::testing {
namespace {

std::string all(const std::vector<Diagnostic>& diagnostics) {
  std::string text;
  for (const Diagnostic& d : diagnostics) text += d.render() + "\n";
  return text;
}

CalibrationUsed calibration_of(std::vector<std::string> overrides) {
  return {"cal.json", "abc123", valid_plan()["name"].get<std::string>(), std::move(overrides)};
}

const Vm& vm_named(const Scenario& scenario, const std::string& name) {
  for (const Vm& vm : scenario.plan.vms) {
    if (vm.name == name) return vm;
  }
  throw std::runtime_error("no VM " + name);
}

TEST(Calibration, ReplacesThePlansValuesAndIsRecorded) {
  LoadOptions options;
  options.calibration =
      calibration_of({R"(vms.db.boot_time={"dist":"lognormal","mean":"33s","sd":"2s"})",
                      R"(links.wan.bandwidth="12345678Bps")"});
  const Result<Loaded> loaded = load_scenario_text(valid_scenario().dump(), "s.json", options);
  ASSERT_TRUE(loaded.ok()) << all(loaded.errors());
  const Scenario& scenario = loaded.value().scenario;
  const DurationSpec boot = vm_named(scenario, "db").boot_time;
  EXPECT_EQ(boot.kind, DurationSpec::Kind::lognormal);
  EXPECT_DOUBLE_EQ(boot.a_s, 33.0);
  EXPECT_DOUBLE_EQ(boot.b_s, 2.0);
  EXPECT_DOUBLE_EQ(scenario.plan.links.at(0).bandwidth_Bps, 12345678.0);
  ASSERT_TRUE(scenario.calibration.has_value());
  EXPECT_EQ(scenario.calibration->file, "cal.json");
  ASSERT_FALSE(scenario.input_files.empty());
  EXPECT_EQ(scenario.input_files.back(),
            std::make_pair(std::string("cal.json"), std::string("abc123")));
}

TEST(Calibration, ASetOfTheSamePathWins) {
  LoadOptions options;
  options.calibration = calibration_of({R"(vms.db.boot_time="33s")"});
  options.overrides = {"vms.db.boot_time=44s"};
  const Result<Loaded> loaded = load_scenario_text(valid_scenario().dump(), "s.json", options);
  ASSERT_TRUE(loaded.ok()) << all(loaded.errors());
  EXPECT_EQ(vm_named(loaded.value().scenario, "db").boot_time, DurationSpec::fixed_at(44));
}

TEST(Calibration, OfAnotherPlanIsRefusedNamingBoth) {
  LoadOptions options;
  options.calibration = calibration_of({R"(vms.nosuchvm.boot_time="3s")"});
  options.calibration->plan = "some-other-plan";
  const Result<Loaded> loaded = load_scenario_text(valid_scenario().dump(), "s.json", options);
  ASSERT_FALSE(loaded.ok());
  const std::string text = all(loaded.errors());
  EXPECT_NE(text.find("cal.json: plan: fitted for plan 'some-other-plan', but s.json runs plan"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("nosuchvm"), std::string::npos) << "the plan check comes first: " << text;
}

TEST(Calibration, AValueThatDoesNotApplyNamesTheCalibration) {
  LoadOptions options;
  options.calibration = calibration_of({R"(vms.dbx.boot_time="3s")"});
  Result<Loaded> loaded = load_scenario_text(valid_scenario().dump(), "s.json", options);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(all(loaded.errors())
                .find("calibration cal.json vms.dbx.boot_time=\"3s\": no element "
                      "named 'dbx' in vms (did you mean 'db'?)"),
            std::string::npos)
      << all(loaded.errors());
  // A value of the wrong kind is named too, after it has been applied.
  options.calibration = calibration_of({R"(vms.db.boot_time="fast")"});
  loaded = load_scenario_text(valid_scenario().dump(), "s.json", options);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(all(loaded.errors()).find("(set by calibration cal.json vms.db.boot_time=\"fast\")"),
            std::string::npos)
      << all(loaded.errors());
}

TEST(Calibration, BadFilesExitTwoWithTheFileAndPath) {
  TempDir dir;
  dir.write("s.json", valid_scenario().dump());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{", "c.json: invalid JSON at line 1, column 2"},
      {R"({"plan": "x", "set": {}})", "c.json: format: not a firedrill calibration"},
      {R"({"format": "firedrill-calibration-1", "set": {}})", "c.json: plan: expected the name"},
      {R"({"format": "firedrill-calibration-1", "plan": "p"})", "c.json: set: expected an object"},
      {R"({"format": "firedrill-calibration-1", "plan": "p", "set": {"vms.a.boot_time": [1]}})",
       "c.json: set.vms.a.boot_time: expected a duration"},
      {R"({"format": "firedrill-calibration-1", "plan": "p", "set": {"scenario.seed": 3}})",
       "c.json: set.scenario.seed: a calibration sets plan values only"},
  };
  for (const auto& [text, message] : cases) {
    dir.write("c.json", text);
    const CommandRun run =
        run_firedrill(dir.path(), {"run", "s.json", "--calibration", "c.json", "--no-history"});
    EXPECT_EQ(run.exit_code, 2) << text;
    EXPECT_NE(run.err.find(message), std::string::npos) << text << "\n" << run.err;
    const CommandRun validate =
        run_firedrill(dir.path(), {"validate", "s.json", "--calibration", "c.json"});
    EXPECT_EQ(validate.exit_code, 2) << text;
    EXPECT_NE(validate.err.find(message), std::string::npos) << text << "\n" << validate.err;
  }
  const CommandRun missing =
      run_firedrill(dir.path(), {"run", "s.json", "--calibration", "none.json"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("none.json: cannot read the calibration file"), std::string::npos)
      << missing.err;
  EXPECT_EQ(dir.listing(), (std::vector<std::string>{"c.json", "s.json"})) << "nothing written";
}

}  // namespace
}  // namespace firedrill::testing
