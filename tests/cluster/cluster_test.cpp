// The documented ways of running a sweep's shards, run as docs/whatif.md writes them: the
// Slurm job array (script and submission) on a one-machine Slurm cluster
// (slurm_cluster.hpp), and the GNU parallel recipe for one machine. Each merges its shards;
// the merge must equal the unsharded sweep, run with the same options, byte for byte.
// The only inputs the test sets are the environment a reader would: PATH (firedrill)
// and RUNS (the documented knob, for a short sweep). CTest label `cluster`.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/cluster/slurm_cluster.hpp"

namespace firedrill::testing {
namespace {

namespace fs = std::filesystem;

const std::string kSource = FIREDRILL_SOURCE_DIR;
const std::string kCli = FIREDRILL_CLI;
const char* const kOutputs[] = {"whatif.json", "whatif.csv", "whatif.html", "runs.jsonl"};

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The ```sh blocks of the section of `markdown` under the heading line `heading`.
std::vector<std::string> code_blocks(const std::string& markdown, const std::string& heading) {
  std::istringstream lines(markdown);
  std::string line;
  bool in_section = false, in_block = false;
  std::vector<std::string> blocks;
  while (std::getline(lines, line)) {
    if (in_block) {
      if (line == "```") {
        in_block = false;
      } else {
        blocks.back() += line + "\n";
      }
    } else if (line.rfind("#", 0) == 0) {
      in_section = line == heading;
    } else if (in_section && line == "```sh") {
      in_block = true;
      blocks.emplace_back();
    }
  }
  return blocks;
}

// The arguments of every firedrill call the recipes made, as the PATH wrapper recorded
// them (one file per call, NUL-separated).
std::vector<std::vector<std::string>> recorded_calls(const fs::path& calls) {
  std::vector<std::vector<std::string>> all;
  for (const auto& entry : fs::directory_iterator(calls)) {
    std::vector<std::string> args;
    std::istringstream text(slurp(entry.path()));
    for (std::string arg; std::getline(text, arg, '\0');) args.push_back(arg);
    all.push_back(args);
  }
  return all;
}

// The options of the shards' sweep without the shard's own (--shard, --out, --jobs);
// every shard must have been given the same.
std::vector<std::string> sweep_options(const fs::path& calls, int* shards) {
  std::vector<std::string> sweep;
  *shards = 0;
  for (const std::vector<std::string>& call : recorded_calls(calls)) {
    std::vector<std::string> options;
    bool shard = false;
    for (std::size_t i = 0; i < call.size(); ++i) {
      if (call[i] == "--shard" || call[i] == "--out" || call[i] == "--jobs") {
        shard |= call[i] == "--shard";
        ++i;
      } else {
        options.push_back(call[i]);
      }
    }
    if (!shard) continue;
    ++*shards;
    if (sweep.empty()) sweep = options;
    EXPECT_EQ(options, sweep) << "the shards ran different sweeps";
  }
  return sweep;
}

class Cluster : public ::testing::Test {
 protected:
  void SetUp() override {
    char name[] = "/tmp/firedrill-cluster-XXXXXX";
    ASSERT_NE(::mkdtemp(name), nullptr);
    root_ = name;
    work_ = root_ / "work";
    fs::create_directories(work_);
    fs::create_directories(root_ / "calls");
    fs::create_directories(root_ / "bin");
    fs::create_directory_symlink(kSource + "/scenarios", work_ / "scenarios");
    // `firedrill` on PATH records its arguments, then runs the build's firedrill.
    const fs::path wrapper = root_ / "bin" / "firedrill";
    std::ofstream(wrapper) << "#!/bin/sh\nprintf '%s\\0' \"$@\" > "
                           << quote((root_ / "calls").string()) << "/call.$$\nexec " << quote(kCli)
                           << " \"$@\"\n";
    fs::permissions(wrapper, fs::perms::owner_all);
  }

  void TearDown() override {
    if (HasFailure()) {
      std::cerr << "cluster test files kept in " << root_ << "\n";
    } else {
      fs::remove_all(root_);
    }
  }

  // What a reader's shell has: firedrill on PATH, RUNS for a short sweep.
  std::string shell_environment(int runs) const {
    return "export PATH=" + quote((root_ / "bin").string()) +
           ":\"$PATH\" RUNS=" + std::to_string(runs) + "; cd " + quote(work_.string()) + " && ";
  }

  // Runs the unsharded sweep with the shards' options and compares the merge with it.
  void expect_merge_equals_unsharded(int expected_shards) {
    int shards = 0;
    const std::vector<std::string> options = sweep_options(root_ / "calls", &shards);
    ASSERT_EQ(shards, expected_shards);
    std::string command = "cd " + quote(work_.string()) + " && " + quote(kCli);
    for (const std::string& option : options) command += " " + quote(option);
    if (std::find(options.begin(), options.end(), "--quiet") == options.end())
      command += " --quiet";
    command += " --jobs 2 --out " + quote((root_ / "whole").string());
    std::string output;
    ASSERT_EQ(run_bounded(command, 300, &output), 0) << command << "\n" << output;
    for (const char* file : kOutputs) {
      const std::string merged = slurp(work_ / "results" / "merged" / file);
      const std::string whole = slurp(root_ / "whole" / file);
      EXPECT_FALSE(whole.empty()) << file;
      EXPECT_TRUE(merged == whole) << file << " differs: merged " << merged.size()
                                   << " bytes, unsharded " << whole.size() << " bytes";
    }
  }

  fs::path root_, work_;
};

// Every job the cluster knows (each task of the array, the merge) ended COMPLETED with
// exit code 0; returns how many there are.
int expect_all_completed(const SlurmCluster& cluster) {
  std::string output;
  EXPECT_EQ(run_bounded(cluster.environment() + " scontrol -o show job", 30, &output), 0) << output;
  std::istringstream lines(output);
  int jobs = 0;
  for (std::string line; std::getline(lines, line); ++jobs) {
    EXPECT_NE(line.find("JobState=COMPLETED"), std::string::npos) << line;
    EXPECT_NE(line.find("ExitCode=0:0"), std::string::npos) << line;
  }
  return jobs;
}

TEST_F(Cluster, SlurmJobArrayAsDocumentedMergesToTheUnshardedSweep) {
  const std::vector<std::string> blocks =
      code_blocks(slurp(kSource + "/docs/whatif.md"), "### Slurm: a job array");
  ASSERT_EQ(blocks.size(), 2u) << "docs/whatif.md: the job script, then its submission";
  std::ofstream(work_ / "whatif.sbatch") << blocks[0];
  std::ofstream(work_ / "submit.sh") << blocks[1];

  SlurmCluster cluster((root_ / "slurm").string(), 60);
  ASSERT_EQ(cluster.problem(), "");
  std::string output;
  ASSERT_EQ(
      run_bounded(cluster.environment() + shell_environment(20) + "bash -e submit.sh", 60, &output),
      0)
      << output;
  ASSERT_TRUE(cluster.wait_until_idle(600)) << "jobs still queued after 600 s" << cluster.logs();
  EXPECT_EQ(expect_all_completed(cluster), 33) << "32 array tasks and the merge";
  EXPECT_EQ(run_bounded("ls " + quote((work_ / "results").string()) + " | grep -c '^shard-'", 10,
                        &output),
            0);
  EXPECT_EQ(output, "32\n") << "one shard per array task";
  expect_merge_equals_unsharded(32);
  EXPECT_TRUE(fs::exists(work_ / "logs" / "merge.log"));
}

TEST_F(Cluster, GnuParallelRecipeMergesToTheUnshardedSweep) {
  const std::vector<std::string> blocks =
      code_blocks(slurp(kSource + "/docs/whatif.md"), "### GNU parallel: on one machine");
  ASSERT_EQ(blocks.size(), 1u);
  std::ofstream(work_ / "recipe.sh") << blocks[0];
  std::string output;
  ASSERT_EQ(run_bounded(shell_environment(40) + "bash -e recipe.sh", 300, &output), 0) << output;
  expect_merge_equals_unsharded(8);
}

}  // namespace
}  // namespace firedrill::testing
