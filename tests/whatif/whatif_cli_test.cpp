// `firedrill whatif` end to end, through the binary: the RPO of one uncontended periodic
// job against theory, monotone sweeps, shard merging byte for byte, reproducibility from
// the seed, a SIGINT mid-sweep, and bad --vary input.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

const std::string kScenario = std::string(WHATIF_TEST_DATA) + "/one-job-rpo.json";
// The plan: interval 10 min, change rate 1 MB/s, WAN 100 MB/s with 20 ms latency, so a
// cycle ships I * 1e6 bytes in D = 0.02 + I / 100 seconds, alone on the link.
double transfer_time_s(double interval_s) {
  return 0.02 + interval_s * 1e6 / 1e8;
}

fs::path fresh_dir(const std::string& name) {
  const fs::path dir =
      fs::path(::testing::TempDir()) / ("whatif-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Starts firedrill with `args`; stdout and stderr go to `log`. Returns the pid.
pid_t start(const std::vector<std::string>& args, const fs::path& log) {
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    std::vector<char*> argv;
    std::string binary = FIREDRILL_BINARY;
    argv.push_back(binary.data());
    std::vector<std::string> copies = args;
    for (std::string& arg : copies) argv.push_back(arg.data());
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int firedrill(const std::vector<std::string>& args, const fs::path& log) {
  return wait_exit(start(args, log));
}

// The largest N of the progress lines "whatif: N/TOTAL runs ..." in a log.
long runs_done_in_log(const std::string& log) {
  long done = 0;
  for (std::size_t at = log.find("whatif: "); at != std::string::npos;
       at = log.find("whatif: ", at + 1)) {
    done = std::max(done, std::strtol(log.c_str() + at + 8, nullptr, 10));
  }
  return done;
}

Json whatif_json(const fs::path& dir) {
  return Json::parse(slurp(dir / "whatif.json"));
}

const Json& vm(const Json& combination, const std::string& name) {
  for (const Json& row : combination["vms"]) {
    if (row["name"] == name) return row;
  }
  throw std::runtime_error("no VM " + name);
}

TEST(WhatifCli, RpoOfOnePeriodicJobMatchesTheory) {
  const fs::path dir = fresh_dir("theory");
  const int runs = 300;
  ASSERT_EQ(firedrill({"whatif", kScenario, "--runs", std::to_string(runs), "--out", dir.string(),
                       "--quiet"},
                      dir / "log"),
            0)
      << slurp(dir / "log");
  const Json json = whatif_json(dir);
  ASSERT_EQ(json["runs_completed"], runs);
  const Json& rpo = vm(json["combinations"][0], "app")["rpo"];
  ASSERT_EQ(rpo["n"], runs);
  const double interval = 600;
  const double d = transfer_time_s(interval);
  // Failure phase uniform over [0, I): RPO uniform over [D, I + D): mean I/2 + D,
  // standard error I / sqrt(12 n); allow four of them.
  const double standard_error = interval / std::sqrt(12.0 * runs);
  EXPECT_NEAR(rpo["mean"].get<double>(), interval / 2 + d, 4 * standard_error);
  EXPECT_NEAR(rpo["p50"].get<double>(), interval / 2 + d, 0.06 * interval);
  EXPECT_LE(rpo["max"].get<double>(), interval + d + 1e-3);
  EXPECT_GE(rpo["max"].get<double>(), interval + d - 0.03 * interval);
  EXPECT_GE(rpo["min"].get<double>(), d - 1e-3);
  EXPECT_LE(rpo["min"].get<double>(), d + 0.03 * interval);
}

TEST(WhatifCli, IntervalSweepIsMonotoneWhereTheorySaysSo) {
  const fs::path dir = fresh_dir("monotone");
  const int runs = 80;
  ASSERT_EQ(firedrill({"whatif", kScenario, "--vary", "replication.to-dr.interval=5m,10m,20m,40m",
                       "--runs", std::to_string(runs), "--out", dir.string(), "--quiet"},
                      dir / "log"),
            0)
      << slurp(dir / "log");
  const Json json = whatif_json(dir);
  ASSERT_EQ(json["combinations"].size(), 4u);
  const double intervals[] = {300, 600, 1200, 2400};
  double previous_mean = 0, previous_p95 = 0, previous_max = 0;
  std::optional<double> rto_p50;
  for (int c = 0; c < 4; ++c) {
    const Json& app = vm(json["combinations"][c], "app");
    const double mean = app["rpo"]["mean"], p95 = app["rpo"]["p95"], max = app["rpo"]["max"];
    // RPO grows with the interval: mean, p95 and max.
    EXPECT_GT(mean, previous_mean) << intervals[c];
    EXPECT_GT(p95, previous_p95) << intervals[c];
    EXPECT_GT(max, previous_max) << intervals[c];
    EXPECT_NEAR(mean, intervals[c] / 2 + transfer_time_s(intervals[c]),
                4 * intervals[c] / std::sqrt(12.0 * runs));
    EXPECT_LE(max, intervals[c] + transfer_time_s(intervals[c]) + 1e-3);
    previous_mean = mean, previous_p95 = p95, previous_max = max;
    // RTO does not depend on the interval: detection + operator delay + boot.
    const double p50 = app["rto"]["p50"];
    if (rto_p50) {
      EXPECT_DOUBLE_EQ(p50, *rto_p50);
    }
    rto_p50 = p50;
  }
  EXPECT_NEAR(*rto_p50, 60 + 120 + 30, 1.0);
}

TEST(WhatifCli, MergedShardsEqualOneRunByteForByte) {
  const fs::path dir = fresh_dir("shards");
  const std::vector<std::string> sweep = {"whatif", kScenario,
                                          "--vary", "replication.to-dr.interval=5m,15m",
                                          "--vary", "recovery.operator_delay=1m,5m",
                                          "--runs", "7",
                                          "--seed", "11",
                                          "--quiet"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = sweep;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  ASSERT_EQ(firedrill(with({"--out", (dir / "whole").string()}), dir / "log"), 0)
      << slurp(dir / "log");
  std::vector<std::string> merge = {"whatif", "--merge"};
  for (int i = 0; i < 3; ++i) {
    const std::string shard_dir = (dir / ("shard" + std::to_string(i))).string();
    ASSERT_EQ(
        firedrill(with({"--shard", std::to_string(i) + "/3", "--out", shard_dir, "--jobs", "1"}),
                  dir / "log"),
        0)
        << slurp(dir / "log");
    EXPECT_FALSE(fs::exists(fs::path(shard_dir) / "whatif.json"));
    merge.push_back(shard_dir);
  }
  // Shards in any order; leave one out first: partial, exit 4.
  std::vector<std::string> two = {
      "whatif", "--merge", merge[3], merge[2], "--out", (dir / "two").string(), "--quiet"};
  EXPECT_EQ(firedrill(two, dir / "log"), 4);
  EXPECT_EQ(whatif_json(dir / "two")["partial"], true);
  std::reverse(merge.begin() + 2, merge.end());
  merge.insert(merge.end(), {"--out", (dir / "merged").string(), "--quiet"});
  ASSERT_EQ(firedrill(merge, dir / "log"), 0) << slurp(dir / "log");
  for (const char* file : {"whatif.json", "whatif.csv", "whatif.html", "runs.jsonl"}) {
    EXPECT_EQ(slurp(dir / "merged" / file), slurp(dir / "whole" / file)) << file;
  }
  EXPECT_EQ(whatif_json(dir / "merged")["partial"], false);
}

TEST(WhatifCli, SameSeedSameBytes) {
  const fs::path dir = fresh_dir("seed");
  auto sweep = [&](const std::string& seed, const std::string& out, const std::string& jobs) {
    return firedrill(
        {"whatif", kScenario, "--vary", "recovery.operator_delay=1m,4m", "--runs", "30", "--seed",
         seed, "--jobs", jobs, "--out", (dir / out).string(), "--quiet"},
        dir / "log");
  };
  ASSERT_EQ(sweep("5", "a", "2"), 0) << slurp(dir / "log");
  ASSERT_EQ(sweep("5", "b", "1"), 0) << slurp(dir / "log");
  ASSERT_EQ(sweep("6", "c", "2"), 0) << slurp(dir / "log");
  EXPECT_EQ(slurp(dir / "a" / "whatif.json"), slurp(dir / "b" / "whatif.json"));
  EXPECT_NE(slurp(dir / "a" / "whatif.json"), slurp(dir / "c" / "whatif.json"));
}

TEST(WhatifCli, SigintMidSweepLeavesAValidPartialResult) {
  const fs::path dir = fresh_dir("sigint");
  const pid_t pid =
      start({"whatif", kScenario, "--runs", "1000000", "--jobs", "2", "--out", dir.string()},
            dir / "log");
  // Wait until some runs are done (the progress line says so), then Ctrl-C.
  for (int i = 0; i < 600; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (runs_done_in_log(slurp(dir / "log")) > 0) break;
  }
  ASSERT_EQ(::kill(pid, SIGINT), 0);
  EXPECT_EQ(wait_exit(pid), 130) << slurp(dir / "log");
  const Json json = whatif_json(dir);
  EXPECT_EQ(json["partial"], true);
  EXPECT_GT(json["runs_completed"].get<int>(), 0);
  EXPECT_LT(json["runs_completed"].get<int>(), 1000000);
  EXPECT_EQ(json["runs_failed"], 0);
  EXPECT_EQ(vm(json["combinations"][0], "app")["rpo"]["n"], json["runs_completed"]);
  EXPECT_NE(slurp(dir / "whatif.html").find("Partial result"), std::string::npos);
  const std::string runs = slurp(dir / "runs.jsonl");
  EXPECT_NE(runs.find("\"interrupted\":true"), std::string::npos);
  // No temporary files left behind.
  for (const auto& entry : fs::directory_iterator(dir)) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
  }
}

TEST(WhatifCli, BadVaryIsNamed) {
  const fs::path dir = fresh_dir("bad");
  EXPECT_EQ(firedrill({"whatif", kScenario, "--vary", "replication.to-dr.interval=5m,soon", "--out",
                       dir.string()},
                      dir / "log"),
            2);
  EXPECT_NE(slurp(dir / "log").find("replication.to-dr.interval=soon"), std::string::npos)
      << slurp(dir / "log");
  EXPECT_EQ(firedrill({"whatif", kScenario, "--vary", "vms.nosuchvm.boot_time=5s", "--vary",
                       "recovery.operator_delay=1m,2m", "--out", dir.string()},
                      dir / "log"),
            2);
  EXPECT_NE(slurp(dir / "log").find("vms.nosuchvm.boot_time=5s"), std::string::npos)
      << slurp(dir / "log");
  EXPECT_EQ(
      firedrill({"whatif", kScenario, "--vary", "novalues", "--out", dir.string()}, dir / "log"),
      2);
  EXPECT_EQ(firedrill({"whatif", kScenario, "--shard", "3/3"}, dir / "log"), 2);
  EXPECT_FALSE(fs::exists(dir / "whatif.json"));
}

}  // namespace
