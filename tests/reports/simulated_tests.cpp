// Reports of real `firedrill run`s on the simulator, from the shipped scenarios: golden
// report.json and junit.xml for the site outage, byte-identical reports for two runs of
// one seed, well-formed output for every shipped scenario, and a run recorded in a
// history that verifies.
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "tests/reports/support.hpp"

namespace firedrill::testing {
namespace {

// Runs `firedrill run` from the repository root (so input paths in the report are the
// stable relative ones) into `out`.
CommandResult firedrill_run(const std::string& scenario, const std::string& out,
                            const std::string& extra = "--no-history") {
  return run_command("cd " + shell_quote(FIREDRILL_SOURCE_ROOT) + " && " +
                     shell_quote(FIREDRILL_BINARY) + " run " + shell_quote(scenario) +
                     " --quiet --out " + shell_quote(out) + " " + extra);
}

bool ran(const CommandResult& result) {
  return result.exit_status == 0 || result.exit_status == 1;
}

TEST(SimulatedRun, SiteOutageMatchesGoldenFiles) {
  const std::string out = output_dir("sim-site-outage");
  const CommandResult result = firedrill_run("scenarios/site-outage.json", out);
  ASSERT_TRUE(ran(result)) << result.output;
  EXPECT_EQ(compare_golden("sim_site_outage.report.json", read_file(out + "/report.json")), "");
  EXPECT_EQ(compare_golden("sim_site_outage.junit.xml", read_file(out + "/junit.xml")), "");
}

TEST(SimulatedRun, SameSeedGivesByteIdenticalReports) {
  for (const char* scenario : {"scenarios/site-outage.json", "scenarios/test-failover.json"}) {
    const std::string a = output_dir("sim-repeat-a"), b = output_dir("sim-repeat-b");
    ASSERT_TRUE(ran(firedrill_run(scenario, a)));
    ASSERT_TRUE(ran(firedrill_run(scenario, b)));
    EXPECT_EQ(read_file(a + "/report.json"), read_file(b + "/report.json")) << scenario;
    EXPECT_EQ(read_file(a + "/junit.xml"), read_file(b + "/junit.xml")) << scenario;
  }
}

TEST(SimulatedRun, EveryShippedScenarioGivesWellFormedReports) {
  int scenarios = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(FIREDRILL_SOURCE_ROOT) + "/scenarios")) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".json" || name.find(".plan.") != std::string::npos) continue;
    ++scenarios;
    const std::string out = output_dir("sim-all-" + entry.path().stem().string());
    const CommandResult result = firedrill_run("scenarios/" + name, out);
    ASSERT_TRUE(ran(result)) << name << ": " << result.output;
    const auto json = nlohmann::json::parse(read_file(out + "/report.json"));
    EXPECT_EQ(json["backend"], "sim") << name;
    EXPECT_TRUE(json["summary"].is_object()) << name;
    const std::string checker = "python3 " + shell_quote(source_path("check_xml.py"));
    CommandResult check = run_command(checker + " junit " + shell_quote(out + "/junit.xml"));
    EXPECT_EQ(check.exit_status, 0) << name << ": " << check.output;
    check = run_command(checker + " html " + shell_quote(out + "/report.html"));
    EXPECT_EQ(check.exit_status, 0) << name << ": " << check.output;
  }
  EXPECT_GT(scenarios, 3);
}

TEST(SimulatedRun, RunsAreRecordedInAHistoryThatVerifies) {
  const std::string out = output_dir("sim-history");
  const std::string history = out + "/history.db";
  for (const char* scenario : {"scenarios/test-failover.json", "scenarios/site-outage.json"}) {
    const CommandResult result =
        firedrill_run(scenario, out + "/reports", "--history " + shell_quote(history));
    ASSERT_TRUE(ran(result)) << result.output;
  }
  const std::string firedrill =
      shell_quote(FIREDRILL_BINARY) + " history --history " + shell_quote(history);
  CommandResult result = run_command(firedrill + " --verify");
  EXPECT_EQ(result.exit_status, 0) << result.output;
  EXPECT_NE(result.output.find("2 row(s), hash chain intact"), std::string::npos) << result.output;
  result = run_command(firedrill);
  EXPECT_NE(result.output.find("test-failover"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("site-outage"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace firedrill::testing
