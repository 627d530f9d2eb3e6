// `firedrill calibrate` end to end: the built binary on the run folders of
// tests/calibrate/runs/. The file reads back with read_calibration() into the overrides it
// fitted, those overrides apply to the lab plan, the same folders give the same bytes, and
// every error exits 2 with a message naming the file and writes nothing.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "real/calibrate/calibration.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string run_dir(const std::string& name) {
  return std::string(CALIBRATE_RUNS) + "/" + name;
}

std::string slurp(const fs::path& file) {
  std::ifstream stream(file, std::ios::binary);
  std::stringstream text;
  text << stream.rdbuf();
  return text.str();
}

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (const char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

class CalibrateCli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "firedrill-calibrate-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  struct Run {
    int exit_code = -1;
    std::string out, err;
  };
  Run firedrill(const std::vector<std::string>& args) {
    std::string command = shell_quote(FIREDRILL_BINARY);
    for (const std::string& arg : args) command += " " + shell_quote(arg);
    command += " >" + shell_quote((dir_ / "stdout").string()) + " 2>" +
               shell_quote((dir_ / "stderr").string()) + " </dev/null";
    const int status = std::system(command.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(dir_ / "stdout"),
            slurp(dir_ / "stderr")};
  }
  // Runs calibrate with --out into the temporary folder; the error names `expected` and
  // nothing is written.
  void expect_refused(const std::vector<std::string>& args, const std::string& expected) {
    std::vector<std::string> all{"calibrate"};
    all.insert(all.end(), args.begin(), args.end());
    const std::string out = (dir_ / "refused.json").string();
    all.insert(all.end(), {"--out", out});
    const Run run = firedrill(all);
    EXPECT_EQ(run.exit_code, 2) << run.err;
    EXPECT_NE(run.err.find(expected), std::string::npos) << run.err;
    EXPECT_EQ(run.out, "");
    EXPECT_FALSE(fs::exists(out));
  }
  fs::path dir_;
};

TEST_F(CalibrateCli, WritesAFileThatReadsBackIntoItsOverrides) {
  const std::string out = (dir_ / "calibration.json").string();
  const Run run = firedrill({"calibrate", run_dir("boots"), run_dir("links"), "--out", out});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("  links.wan.bandwidth=\"1200000Bps\"  (from 4 transfers in 1 run)"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("  vms.a.change_rate: every cycle copied the whole disk"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("wrote " + out), std::string::npos) << run.out;
  const auto file = firedrill::calibrate::read_calibration(out);
  ASSERT_TRUE(file.ok()) << file.errors().front().render();
  EXPECT_EQ(file.value().plan, "p");
  const json written = json::parse(slurp(out));
  const std::string a_boot = written["set"]["vms.a.boot_time"].dump();
  EXPECT_EQ(file.value().overrides,
            (std::vector<std::string>{"links.wan.bandwidth=\"1200000Bps\"",
                                      "vms.a.boot_time=" + a_boot, "vms.b.boot_time=\"3.296s\""}));
  EXPECT_EQ(written["runs"].size(), 2u);
  EXPECT_EQ(written["runs"][0]["dir"], run_dir("boots"));
}

TEST_F(CalibrateCli, WithoutOutTheFileGoesToStdoutAndTheSummaryToStderr) {
  const Run run = firedrill({"calibrate", run_dir("lab-run3")});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(json::parse(run.out)["format"], firedrill::calibrate::kCalibrationFormat);
  EXPECT_NE(run.err.find("fitted for plan lab-three-tier"), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("wrote"), std::string::npos) << run.err;
}

TEST_F(CalibrateCli, TheSameFoldersGiveTheSameBytes) {
  const std::vector<std::string> runs{run_dir("lab-run3"), run_dir("lab-run1-old")};
  std::vector<std::string> first{"calibrate"}, second{"calibrate"};
  first.insert(first.end(), runs.begin(), runs.end());
  second.insert(second.end(), runs.begin(), runs.end());
  first.insert(first.end(), {"--out", (dir_ / "one.json").string()});
  second.insert(second.end(), {"--out", (dir_ / "two.json").string()});
  ASSERT_EQ(firedrill(first).exit_code, 0);
  ASSERT_EQ(firedrill(second).exit_code, 0);
  const std::string one = slurp(dir_ / "one.json");
  EXPECT_FALSE(one.empty());
  EXPECT_EQ(one, slurp(dir_ / "two.json"));
}

TEST_F(CalibrateCli, TheLabRunsOverridesApplyToTheLabPlan) {
  const std::string out = (dir_ / "lab.json").string();
  ASSERT_EQ(
      firedrill({"calibrate", run_dir("lab-run3"), run_dir("lab-run1-old"), "-o", out}).exit_code,
      0);
  const auto file = firedrill::calibrate::read_calibration(out);
  ASSERT_TRUE(file.ok());
  std::vector<std::string> validate{"validate", LAB_SCENARIO};
  for (const std::string& text : file.value().overrides) {
    validate.insert(validate.end(), {"--set", text});
  }
  const Run run = firedrill(validate);
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
}

TEST_F(CalibrateCli, EveryErrorExits2AndWritesNothing) {
  expect_refused({}, "firedrill calibrate: no run folder given");
  expect_refused({run_dir("missing")}, run_dir("missing") + ": no such folder");
  expect_refused({run_dir("sim")}, run_dir("sim") + "/report.json: backend: a simulated run");
  expect_refused({run_dir("no-libvirt")}, run_dir("no-libvirt") + "/libvirt.json: cannot read");
  expect_refused({run_dir("bad-json")},
                 run_dir("bad-json") + "/report.json: invalid JSON at line 2");
  expect_refused({run_dir("boots"), run_dir("other-plan")},
                 run_dir("other-plan") + "/report.json: plan: a run of plan 'q', but " +
                     run_dir("boots") + " is a run of plan 'p'");
  expect_refused({run_dir("empty")}, run_dir("empty") + ": nothing to fit");
  expect_refused({run_dir("boots"), run_dir("boots")}, "is the same run folder as");
  expect_refused({"--bogus"}, "firedrill calibrate: unrecognised option '--bogus'");
}

TEST_F(CalibrateCli, Help) {
  const Run run = firedrill({"calibrate", "--help"});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_EQ(run.out.rfind("Usage: firedrill calibrate RUN_DIR... [--out FILE]\n", 0), 0u);
  EXPECT_NE(run.out.find("--out"), std::string::npos);
}

}  // namespace
