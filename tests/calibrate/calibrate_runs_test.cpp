// calibrate_runs() on hand-made run folders (tests/calibrate/runs/) whose numbers are known:
// the values written, the fits' records, what is not fitted and why, and the errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "real/calibrate/calibrate.hpp"

namespace {

using namespace firedrill::calibrate;
using nlohmann::json;

std::string run(const std::string& name) {
  return std::string(CALIBRATE_RUNS) + "/" + name;
}

json calibrate_json(const std::vector<std::string>& dirs) {
  const auto result = calibrate_runs(dirs);
  if (!result.ok()) {
    ADD_FAILURE() << result.errors().front().render();
    return json::object();
  }
  return json::parse(result.value().text);
}

std::string first_error(const std::vector<std::string>& dirs) {
  const auto result = calibrate_runs(dirs);
  return result.ok() ? "(no error)" : result.errors().front().render();
}

const json& fit_of(const json& file, const std::string& path) {
  for (const json& fit : file["fits"]) {
    if (fit["path"] == path) return fit;
  }
  static const json kNone;
  ADD_FAILURE() << "no fit for " << path;
  return kNone;
}

std::string reason_of(const json& file, const std::string& path) {
  for (const json& entry : file["not_fitted"]) {
    if (entry["path"] == path) return entry["reason"];
  }
  return "(fitted)";
}

std::string ms(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", seconds);
  std::string out = text;
  while (out.back() == '0') out.pop_back();
  if (out.back() == '.') out.pop_back();
  return out + "s";
}

TEST(CalibrateRuns, BootsOfTwoOrMoreGiveTheMaximumLikelihoodLognormal) {
  const json file = calibrate_json({run("boots")});
  // a booted in 2 s, 4 s (a test-failover copy) and 8 s: by hand from the formulas.
  const double mu = (std::log(2.0) + std::log(4.0) + std::log(8.0)) / 3.0;
  double squares = 0;
  for (const double x : {2.0, 4.0, 8.0}) squares += std::pow(std::log(x) - mu, 2);
  const double sigma2 = squares / 3.0;
  const double mean = std::exp(mu + sigma2 / 2.0);
  const double sd = mean * std::sqrt(std::exp(sigma2) - 1.0);
  EXPECT_EQ(file["set"]["vms.a.boot_time"],
            json({{"dist", "lognormal"}, {"mean", ms(mean)}, {"sd", ms(sd)}}));
  EXPECT_EQ(ms(mean), "4.695s");  // 4 exp((ln 2)^2 / 3)
  const json& fit = fit_of(file, "vms.a.boot_time");
  EXPECT_EQ(fit["samples"].size(), 3u);
  EXPECT_EQ(fit["samples"][1]["test"], true);
  EXPECT_EQ(fit["samples"][1]["seconds"], 4.0);
  EXPECT_NEAR(fit["mu"].get<double>(), mu, 1e-6);
  EXPECT_NEAR(fit["sigma"].get<double>(), std::sqrt(sigma2), 1e-6);
  EXPECT_EQ(fit["runs"], 1);
}

TEST(CalibrateRuns, OneBootGivesAFixedDurationAndFailedBootsAreCountedNotTimed) {
  const json file = calibrate_json({run("boots")});
  EXPECT_EQ(file["set"]["vms.b.boot_time"], "3.296s");
  EXPECT_EQ(fit_of(file, "vms.b.boot_time")["failed_boots"], 1);
  EXPECT_EQ(fit_of(file, "vms.b.boot_time")["samples"].size(), 1u);
}

TEST(CalibrateRuns, BandwidthIsBytesOverTheUnionOfBusyIntervals) {
  const json file = calibrate_json({run("links")});
  // Seed [1, 2] (setup clock), cycles [0, 2] and [1, 3] overlapping, [5, 6]: busy 1 + 3 + 1
  // = 5 s for 1 + 2 + 2 + 1 MB. The failed transfer and the one with no link do not count.
  EXPECT_EQ(file["set"]["links.wan.bandwidth"], "1200000Bps");
  const json& fit = fit_of(file, "links.wan.bandwidth");
  EXPECT_EQ(fit["bytes"], 6000000);
  EXPECT_EQ(fit["busy_s"], 5.0);
  EXPECT_EQ(fit["transfers"], 4);
  EXPECT_EQ(fit["seeds"], 1);
  EXPECT_EQ(fit["failed_transfers"], 1);
  EXPECT_EQ(reason_of(file, "vms.a.boot_time"), "no boot of a reached ready in these runs");
}

TEST(CalibrateRuns, FullCopiesFitNoChangeRate) {
  const json file = calibrate_json({run("links")});
  EXPECT_FALSE(file["set"].contains("vms.a.change_rate"));
  EXPECT_EQ(reason_of(file, "vms.a.change_rate"),
            "every cycle copied the whole disk (copy: full); change rates need incremental "
            "cycles");
  EXPECT_EQ(reason_of(file, "vms.b.change_rate"), reason_of(file, "vms.a.change_rate"));
}

TEST(CalibrateRuns, IncrementalCyclesGiveAChangeRate) {
  const json file = calibrate_json({run("incremental")});
  // 5000 B over 10 s, 15000 B over 10 s, then (after a failed cycle) 10000 B over the 20 s
  // since the last good point: 30000 B / 40 s.
  EXPECT_EQ(file["set"]["vms.a.change_rate"], "750Bps");
  const json& fit = fit_of(file, "vms.a.change_rate");
  EXPECT_EQ(fit["bytes"], 30000);
  EXPECT_EQ(fit["covered_s"], 40.0);
  ASSERT_EQ(fit["cycles"].size(), 3u);
  EXPECT_EQ(fit["cycles"][2]["previous_as_of"], 20.0);
}

// A seed in the middle of a chain (a qcow2 chain that started again) is a recovery point
// but not a measurement: the cycle after it covers only the time since the seed.
TEST(CalibrateRuns, ASeedIsAPointButMeasuresNoChange) {
  char pattern[] = "/tmp/fd-calibrate-seed-XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr);
  const std::string dir = pattern;
  std::filesystem::copy(run("incremental"), dir);
  json evidence = json::parse(std::ifstream(dir + "/libvirt.json"));
  evidence["transfers"][2]["copy"] = "seed";  // the 15000 B at 20 s
  std::ofstream(dir + "/libvirt.json") << evidence.dump(2);
  const json file = calibrate_json({dir});
  std::filesystem::remove_all(dir);
  // 5000 B over 10 s, then 10000 B over the 20 s since the seed: 15000 B / 30 s.
  EXPECT_EQ(file["set"]["vms.a.change_rate"], "500Bps");
  const json& fit = fit_of(file, "vms.a.change_rate");
  ASSERT_EQ(fit["cycles"].size(), 2u);
  EXPECT_EQ(fit["cycles"][1]["previous_as_of"], 20.0);
}

TEST(CalibrateRuns, ARealLabRun) {
  const json file = calibrate_json({run("lab-run3")});
  EXPECT_EQ(file["plan"], "lab-three-tier");
  EXPECT_EQ(file["runs"][0]["scenario"], "lab-unplanned-site-crash");
  EXPECT_EQ(file["runs"][0]["seed"], 1);
  EXPECT_EQ(file["runs"][0]["report_sha256"].get<std::string>().size(), 64u);
  EXPECT_EQ(file["set"]["vms.ad.boot_time"], "3.658s");
  // 8 x 8 MiB over the seeds' 0.363964 s and the cycles' 0.283027 s.
  EXPECT_EQ(file["set"]["links.wan.bandwidth"], "103724529Bps");
  EXPECT_EQ(file["not_fitted"].size(), 4u);  // the four change rates
}

TEST(CalibrateRuns, OlderEvidenceWithoutLinksIsNotedNotGuessed) {
  const json file = calibrate_json({run("lab-run3"), run("lab-run1-old")});
  EXPECT_EQ(fit_of(file, "links.wan.bandwidth")["runs"], 1);
  ASSERT_EQ(file["notes"].size(), 1u);
  EXPECT_NE(file["notes"][0].get<std::string>().find("4 transfers name no link"),
            std::string::npos);
  EXPECT_EQ(fit_of(file, "vms.ad.boot_time")["samples"].size(), 2u);
  EXPECT_NE(reason_of(file, "vms.ad.change_rate").find("predates"), std::string::npos);
}

TEST(CalibrateRuns, SetAndFitsAreSortedByPath) {
  const json file = calibrate_json({run("boots"), run("links"), run("incremental")});
  std::vector<std::string> paths;
  for (const json& fit : file["fits"]) paths.push_back(fit["path"]);
  EXPECT_TRUE(std::is_sorted(paths.begin(), paths.end()));
  EXPECT_EQ(paths, (std::vector<std::string>{"links.wan.bandwidth", "vms.a.boot_time",
                                             "vms.a.change_rate", "vms.b.boot_time"}));
}

TEST(CalibrateRuns, Errors) {
  EXPECT_EQ(first_error({}), "<input>: no run folder given");
  EXPECT_EQ(first_error({run("missing")}), run("missing") + ": no such folder");
  EXPECT_EQ(first_error({run("sim")}),
            run("sim") +
                "/report.json: backend: a simulated run measures nothing real: calibrate reads "
                "runs made with `firedrill run --backend libvirt`");
  EXPECT_EQ(first_error({run("boots"), run("other-plan")}),
            run("other-plan") + "/report.json: plan: a run of plan 'q', but " + run("boots") +
                " is a run of plan 'p': a calibration is for one plan");
  EXPECT_NE(first_error({run("no-libvirt")}).find(run("no-libvirt") + "/libvirt.json: cannot read"),
            std::string::npos);
  EXPECT_NE(
      first_error({run("bad-json")}).find(run("bad-json") + "/report.json: invalid JSON at line 2"),
      std::string::npos);
  EXPECT_EQ(first_error({run("empty")}),
            run("empty") +
                ": nothing to fit: no boot reached ready and no completed transfer crossed a plan "
                "link");
  EXPECT_EQ(
      first_error({run("boots"), run("boots") + "/."}),
      run("boots") + "/.: is the same run folder as " + run("boots") + " (each run counts once)");
}

}  // namespace
