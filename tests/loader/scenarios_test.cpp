// The shipped scenarios: every one validates (through the binary and the library), covers
// the failover types and failure kinds of SPEC section 2, and runs under a day.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "engine/loader.hpp"
#include "fixture.hpp"

namespace firedrill::testing {
namespace {

std::vector<std::string> shipped_files() {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(FIREDRILL_SCENARIOS)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(ShippedScenarios, AllValidateThroughTheBinary) {
  std::vector<std::string> args = {"validate"};
  for (const std::string& file : shipped_files()) args.push_back(file);
  ASSERT_GE(args.size(), 10u);
  const CommandRun run = run_firedrill(FIREDRILL_SCENARIOS, args);
  EXPECT_EQ(run.exit_code, 0) << run.err;
}

TEST(ShippedScenarios, CoverEveryFailoverTypeAndFailureKindUnderADay) {
  std::set<Event::Kind> kinds;
  std::set<std::string> names;
  for (const std::string& file : shipped_files()) {
    if (file.find(".plan.json") != std::string::npos) continue;
    const Result<Loaded> loaded = load_scenario(file);
    ASSERT_TRUE(loaded.ok()) << loaded.errors()[0].render();
    const Scenario& s = loaded.value().scenario;
    EXPECT_LT(s.duration_s, 86400.0) << file;
    EXPECT_TRUE(names.insert(s.name).second) << "two scenarios named " << s.name;
    EXPECT_EQ(std::filesystem::path(file).stem().string(), s.name) << file;
    for (const Event& event : s.events) kinds.insert(event.kind);
  }
  using K = Event::Kind;
  for (K kind : {K::fail_host, K::fail_site, K::fail_datastore, K::fail_link, K::corrupt,
                 K::test_failover, K::planned_failover, K::failback}) {
    EXPECT_TRUE(kinds.count(kind)) << to_string(kind);
  }
}

TEST(ShippedScenarios, JsonFormatListsTheWarnings) {
  const CommandRun run =
      run_firedrill(FIREDRILL_SCENARIOS, {"validate", "ransomware.json", "--format", "json",
                                          "--set", "replication.to-dr.retention.points=24"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  const Json report = Json::parse(run.out);
  ASSERT_TRUE(report.is_array());
  ASSERT_EQ(report.size(), 1u) << run.out;
  EXPECT_EQ(report[0]["severity"], "warning");
  EXPECT_EQ(report[0]["file"], "ransomware.json");
  EXPECT_EQ(report[0]["path"], "plan.replication[0].retention");
}

TEST(ValidateCommand, HelpAndUsage) {
  const CommandRun help = run_firedrill(FIREDRILL_SCENARIOS, {"validate", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--format"), std::string::npos);
  EXPECT_NE(help.out.find("--set"), std::string::npos);
  EXPECT_EQ(run_firedrill(FIREDRILL_SCENARIOS, {"validate"}).exit_code, 2);
  EXPECT_EQ(run_firedrill(FIREDRILL_SCENARIOS, {"validate", "site-outage.json", "--format", "xml"})
                .exit_code,
            2);
  EXPECT_EQ(run_firedrill(FIREDRILL_SCENARIOS, {"validate", "--bogus"}).exit_code, 2);
}

TEST(ValidateCommand, OneBadFileAmongGoodOnesExitsTwoNamingIt) {
  TempDir dir;
  dir.write("good.json", valid_scenario().dump());
  Json bad = valid_scenario();
  bad["plan"]["vms"][2]["depends_on"] = {"db2"};
  dir.write("bad.json", bad.dump());
  const CommandRun run = run_firedrill(dir.path(), {"validate", "good.json", "bad.json"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("bad.json: plan.vms[2].depends_on[0]: unknown VM 'db2' (did you mean "
                         "'db'?)"),
            std::string::npos)
      << run.err;
  EXPECT_EQ(run.err.find("good.json"), std::string::npos) << run.err;
  EXPECT_NE(run.out.find("good.json: valid"), std::string::npos) << run.out;
}

TEST(ValidateCommand, WarningsExitZeroAndArePrinted) {
  TempDir dir;
  Json scenario = valid_scenario();
  scenario["plan"]["sites"][1]["hosts"][0]["memory"] = "16GiB";
  dir.write("w.json", scenario.dump());
  const CommandRun run = run_firedrill(dir.path(), {"validate", "w.json"});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_NE(run.err.find("warning: w.json: plan.replication[0].target_host: the replicas of"),
            std::string::npos)
      << run.err;
}

TEST(ValidateCommand, SetAppliesBeforeValidation) {
  const CommandRun run = run_firedrill(
      FIREDRILL_SCENARIOS, {"validate", "site-outage.json", "--set", "vms.web.priority=1"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("three-tier.plan.json: vms[3].depends_on[0]: priority deadlock"),
            std::string::npos)
      << run.err;
}

}  // namespace
}  // namespace firedrill::testing
