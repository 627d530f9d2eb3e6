// SPEC 10 on the lab. First the loop back: the unplanned-failover scenario run three times
// on real hosts through the firedrill CLI, `firedrill calibrate` on their run folders, then a
// fourth run with `--calibration`: its prediction must put every VM's RTO within 10% of
// what the fourth run measured, where the uncalibrated prediction is worse. Both numbers
// are printed per VM. The plan is the lab's with a guessed boot time of 8 s, as a plan
// typed by hand (or imported: 60 s) guesses; the lab guest boots in 3 to 5 s. With the
// lab plan's own 4 s the guess can be right by chance on a loaded machine, and then no
// calibration can be better.
// Its detection is 10 s instead of the lab's 2 s (a real one takes a minute or more): one
// TCG boot of the same guest varies by itself from run to run on this kind of machine
// (2.65 to 3.79 s for ad over six runs on an idle machine, 2.67 to 3.33 s booted alone), so
// with 3 s of timers a VM's RTO would be mostly that one boot, and no prediction, however
// well calibrated, could be held to 10% of a single run.
// Then the way there: `firedrill import` of the lab (two hosts by their local socket, the
// recovery host over qemu+ssh://), `validate`, and a test failover run on the imported
// plan as docs/import.md tells a user to.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "lab_fixture.hpp"

namespace {

using namespace lab;

const std::vector<std::string> kAll = {"ad", "db", "app", "web"};
// A guess far enough off that the uncalibrated prediction misses every VM's RTO by more
// than the 10% the calibrated one must meet (the lab guest boots in 3 to 7 s under TCG).
constexpr const char* kGuessedBootTime = "15s";
// A monitoring system's detection (a minute), not the lab's 2 s: the host's TCG speed
// drifts by up to a quarter between the three calibration drills and the fourth on a
// shared CI machine (boots of 4.1-4.9 s, then 3.2 s), and with seconds of timers a chain
// of four boots is the whole RTO, so that drift alone would be more than 10% of it.
constexpr const char* kDetection = "60s";
// The lab scenario's 90 s ends before the last boot once detection takes a minute.
constexpr const char* kDuration = "180s";
// The lab plan's 90 s RTO objective is below a minute's detection plus the guessed boots;
// the copy's objective leaves every run's exit status to what failed, not to the guess.
constexpr const char* kObjectiveRto = "5m";

// The lab's unplanned-failover scenario on a copy of its plan whose boot times are guessed
// wrong (kGuessedBootTime), whose detection is kDetection and whose RTO objective is
// kObjectiveRto, lasting kDuration; written into g_root, its path returned.
std::string guessed_scenario() {
  json plan = read_json(kSource + "/scenarios/lab/lab.plan.json");
  for (auto& vm : plan["vms"]) {
    vm["boot_time"] = kGuessedBootTime;
    vm["objectives"]["rto"] = kObjectiveRto;
  }
  plan["recovery"]["detection"] = kDetection;
  json scenario = read_json(kSource + "/scenarios/lab/unplanned-site-crash.json");
  const fs::path plan_path = fs::path(g_root) / "guessed.plan.json";
  scenario["plan"] = plan_path.string();
  scenario["duration"] = kDuration;
  const fs::path scenario_path = fs::path(g_root) / "guessed-site-crash.json";
  std::ofstream(plan_path) << plan.dump(2);
  std::ofstream(scenario_path) << scenario.dump(2);
  return scenario_path.string();
}

// One CLI run into g_root/NAME (report.json with the prediction), then the crashed hosts
// revived and what they still held cleaned up, so that the next run starts clean.
json run_cli(const std::string& scenario, const std::string& name, const std::string& extra = "") {
  const fs::path out = fs::path(g_root) / name;
  std::string output;
  const int status = shell(kCli + " run " + scenario + " --backend libvirt --hosts-file " +
                               g_lab_dir + "/hosts --out " + out.string() +
                               " --end-when-settled --no-history --quiet " + extra,
                           &output);
  EXPECT_TRUE(status == 0 || status == 1) << output;
  std::string revive;
  EXPECT_EQ(shell(kLab + " up 3 " + g_lab_dir, &revive), 0) << revive;
  EXPECT_EQ(shell(kCli + " cleanup " + out.string(), &revive), 0) << revive;
  return read_json(out / "report.json");
}

// An item of a plan's or report's list by name.
json named(const json& list, const std::string& name) {
  for (const auto& item : list) {
    if (item["name"] == name) return item;
  }
  return nullptr;
}

TEST_F(RealLab, ThreeRunsCalibrateTheFourthsPrediction) {
  const std::string scenario = guessed_scenario();
  std::string folders;
  std::vector<json> reports;
  for (int i = 1; i <= 3; ++i) {
    reports.push_back(run_cli(scenario, "measured-" + std::to_string(i)));
    ASSERT_TRUE(reports.back().is_object()) << "run " << i << " wrote no report.json";
    folders += " " + (fs::path(g_root) / ("measured-" + std::to_string(i))).string();
  }
  const fs::path calibration = fs::path(g_root) / "calibration.json";
  std::string output;
  ASSERT_EQ(shell(kCli + " calibrate" + folders + " --out " + calibration.string(), &output), 0)
      << output;
  std::printf("%s", output.c_str());
  const json fitted = read_json(calibration);
  for (const std::string& vm : kAll) {
    EXPECT_TRUE(fitted["set"].contains("vms." + vm + ".boot_time")) << fitted.dump(2);
  }

  const json fourth = run_cli(scenario, "calibrated", "--calibration " + calibration.string());
  ASSERT_TRUE(fourth.is_object());
  ASSERT_TRUE(fourth["calibration"].is_object()) << "report.json does not name the calibration";
  EXPECT_EQ(fourth["calibration"]["file"], calibration.string());
  // The uncalibrated prediction of the same run: the plan's own values, same seed.
  const fs::path plain_out = fs::path(g_root) / "uncalibrated-prediction";
  ASSERT_EQ(shell(kCli + " run " + scenario + " --out " + plain_out.string() +
                      " --no-history --quiet --end-when-settled",
                  &output),
            0)
      << output;
  const json plain = read_json(plain_out / "report.json");
  std::printf("[ calibrate] %-4s %10s %12s %8s %14s %8s\n", "VM", "measured", "calibrated", "error",
              "uncalibrated", "error");
  for (const std::string& vm : kAll) {
    const json row = named(fourth["prediction"]["vms"], vm);
    ASSERT_FALSE(row.is_null()) << vm;
    ASSERT_TRUE(row["measured_rto"].is_number() && row["rto"].is_number()) << row.dump();
    const double measured = row["measured_rto"].get<double>();
    const double calibrated = row["rto"].get<double>();
    const json plain_row = named(plain["vms"], vm);
    const double uncalibrated = plain_row.is_null() ? -1 : plain_row["rto"].get<double>();
    const double calibrated_error = std::abs(calibrated - measured) / measured;
    const double uncalibrated_error = std::abs(uncalibrated - measured) / measured;
    std::printf("[ calibrate] %-4s %9.3fs %11.3fs %7.1f%% %13.3fs %7.1f%%\n", vm.c_str(), measured,
                calibrated, 100 * calibrated_error, uncalibrated, 100 * uncalibrated_error);
    EXPECT_LT(calibrated_error, 0.10)
        << vm << ": measured " << measured << " s, calibrated " << calibrated << " s";
    EXPECT_LT(calibrated_error, uncalibrated_error)
        << vm << ": the calibration did not improve on the plan's values";
  }
  EXPECT_TRUE(lab_inventory().empty()) << "left:" << joined(lab_inventory());
}

// HOST's URI in a hosts file (HOST=URI lines), or "".
std::string host_uri_in(const std::string& hosts_file, const std::string& host) {
  std::ifstream file(hosts_file);
  for (std::string line; std::getline(file, line);) {
    if (line.rfind(host + "=", 0) == 0) return line.substr(host.size() + 1);
  }
  return "";
}

// The lab's agent plan run with --keep leaves its four sources running on lab1 and lab2
// (with qemu-ga); the import reads them, lab3 only over SSH.
TEST_F(RealLab, AnImportedLabValidatesAndRunsATestFailover) {
  std::string out;
  ASSERT_EQ(shell(kLab + " ssh " + g_lab_dir + " lab3", &out), 0) << out;
  const std::string dr_uri = host_uri_in(g_lab_dir + "/hosts-ssh", "lab3");
  ASSERT_EQ(dr_uri.rfind("qemu+ssh://", 0), 0u) << out;
  const fs::path sources = fs::path(g_root) / "sources";
  ASSERT_EQ(shell(kCli + " run " + kSource + "/scenarios/lab/agent-test-failover.json" +
                      " --backend libvirt --hosts-file " + g_lab_dir + "/hosts --out " +
                      sources.string() + " --end-when-settled --no-history --quiet --keep",
                  &out),
            0)
      << out;

  const std::string import = kCli + " import --agent --site 'primary=" + uri(1) + "," + uri(2) +
                             "' --site 'dr=" + dr_uri + "' --out ";
  const fs::path plan_path = fs::path(g_root) / "imported.plan.json";
  const fs::path again_path = fs::path(g_root) / "again.plan.json";
  ASSERT_EQ(shell(import + plan_path.string(), &out), 0) << out;
  std::printf("%s", out.c_str());
  ASSERT_EQ(shell(import + again_path.string(), &out), 0) << out;
  std::ifstream a(plan_path), b(again_path);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(a), {}),
            std::string(std::istreambuf_iterator<char>(b), {}))
      << "importing the same estate twice gives other bytes";
  ASSERT_EQ(shell(kCli + " validate " + plan_path.string(), &out), 0) << out;

  const json plan = read_json(plan_path);
  ASSERT_EQ(plan["sites"].size(), 2u) << plan.dump(2);
  EXPECT_EQ(plan["sites"][0]["hosts"][0]["libvirt"], uri(1));
  EXPECT_EQ(plan["sites"][0]["hosts"][1]["libvirt"], uri(2));
  EXPECT_EQ(plan["sites"][1]["hosts"][0]["libvirt"], dr_uri);
  const std::vector<std::pair<std::string, std::string>> addresses = {
      {"ad", "10.0.0.10"}, {"db", "10.0.0.11"}, {"app", "10.0.0.12"}, {"web", "10.0.0.13"}};
  for (const auto& [vm, ip] : addresses) {
    const json row = named(plan["vms"], vm);
    ASSERT_FALSE(row.is_null()) << vm << " not imported: " << plan["vms"].dump();
    EXPECT_EQ(row["ip"], ip) << vm << ": the address its agent reports";
    EXPECT_EQ(row["network"], "prod") << row.dump();
    EXPECT_EQ(row["memory"], "128MiB") << row.dump();
    EXPECT_EQ(row["disk"], "8MiB") << row.dump();
  }
  // the DR host defines the same network names as the primary hosts
  EXPECT_EQ(named(plan["networks"], "bubble-2")["libvirt_name"], "bubble") << plan["networks"];
  EXPECT_EQ(named(plan["networks"], "prod-2")["site"], "dr") << plan["networks"];

  // The docs' test failover: the plan's hosts carry their URIs, so no hosts file.
  const fs::path scenario = fs::path(g_root) / "imported-test-failover.json";
  std::ofstream(scenario) << json{{"name", "imported-test-failover"},
                                  {"plan", plan_path.string()},
                                  {"seed", 1},
                                  {"duration", "10m"},
                                  {"events",
                                   json::array({{{"at", "15s"}, {"action", "test_failover"}}})}}
                                 .dump(2);
  const fs::path run_out = fs::path(g_root) / "imported-run";
  const int status = shell(kCli + " run " + scenario.string() + " --backend libvirt" +
                               " --set recovery.test_network=bubble-2" +
                               " --set networks.bubble-2.isolated=true --out " + run_out.string() +
                               " --end-when-settled --no-history --quiet",
                           &out);
  EXPECT_EQ(status, 0) << out;
  const json report = read_json(run_out / "report.json");
  ASSERT_TRUE(report.is_object()) << out;
  EXPECT_EQ(report["production_untouched"], true) << report.dump(2);
  for (const auto& [vm, ip] : addresses) {
    const json row = named(report["vms"], vm);
    EXPECT_EQ(row["outcome"], "recovered") << vm << ": " << row.dump();
  }
  std::string cleanup;
  EXPECT_EQ(shell(kCli + " cleanup " + sources.string(), &cleanup), 0) << cleanup;
  EXPECT_TRUE(lab_inventory().empty()) << "left:" << joined(lab_inventory());
}

}  // namespace
