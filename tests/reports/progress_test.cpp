// Progress lines (reports/progress.hpp): what an operator sees as a drill goes, in text and
// JSON Lines, from the commands and completions drive() shows its observer; and the CLI's
// --progress on a simulated run.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "reports/progress.hpp"

namespace firedrill::reports {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

StartBoot boot(ActivityId id) {
  StartBoot c;
  c.id = id;
  c.vm = "web";
  c.instance = "web-test";
  c.host = "lab3";
  return c;
}

StartTransfer transfer(ActivityId id, TransferKind kind) {
  StartTransfer c;
  c.id = id;
  c.kind = kind;
  c.vm = c.instance = "db";
  c.source_host = "lab1";
  c.target_host = "lab3";
  return c;
}

TEST(Progress, ABootShowsWhenItStartsAndWhenTheGuestIsReadyWithItsDuration) {
  std::ostringstream out;
  ProgressPrinter progress(out, ProgressFormat::text);
  progress.on_commands("handle", 28.2, {boot(7)});
  progress.on_event({BootEnded{7, true, "", std::nullopt, true, {}}, 38.5}, 38.5);
  EXPECT_EQ(lines_of(out.str()),
            (std::vector<std::string>{"  +28.2s web-test boot on lab3",
                                      "  +38.5s web-test ready on lab3 (boot 10.3s)"}));
}

TEST(Progress, SuccessfulReplicationCyclesAreQuietFailedOnesAndFinalSyncsAreShown) {
  std::ostringstream out;
  ProgressPrinter progress(out, ProgressFormat::text);
  progress.on_commands("advance", 10.0, {transfer(1, TransferKind::replication)});
  progress.on_event({TransferEnded{1, true, ""}, 11.0}, 11.0);
  progress.on_commands("advance", 20.0, {transfer(2, TransferKind::replication)});
  progress.on_event({TransferEnded{2, false, "link wan is down"}, 22.0}, 22.0);
  progress.on_commands("handle", 30.0, {transfer(3, TransferKind::final_sync)});
  progress.on_event({TransferEnded{3, true, ""}, 31.5}, 31.5);
  EXPECT_EQ(lines_of(out.str()),
            (std::vector<std::string>{
                "  +22.0s db replication failed to lab3 (2.0s): link wan is down",
                "  +30.0s db final_sync to lab3", "  +31.5s db final_sync done to lab3 (1.5s)"}));
}

TEST(Progress, LostHostsAndInjectedFailuresAreShown) {
  std::ostringstream out;
  ProgressPrinter progress(out, ProgressFormat::text);
  progress.on_commands("advance", 15.0, {InjectFailure{FailureTarget::site, "primary"}});
  progress.on_event({HostLost{"lab3"}, 40.0}, 40.0);
  EXPECT_EQ(lines_of(out.str()),
            (std::vector<std::string>{"  +15.0s site primary fails",
                                      "  +40.0s host lab3 lost: it stopped answering"}));
}

TEST(Progress, JsonLinesCarryEveryField) {
  std::ostringstream out;
  ProgressPrinter progress(out, ProgressFormat::jsonl);
  progress.on_commands("handle", 28.25, {boot(7)});
  progress.on_event(
      {BootEnded{7, false, "no READY line from the guest within 90 s", std::nullopt, true, {}}, 118.25},
      118.25);
  const auto lines = lines_of(out.str());
  ASSERT_EQ(lines.size(), 2u);
  const auto started = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(started["step"], "boot");
  EXPECT_EQ(started["t"], 28.25);
  EXPECT_TRUE(started["took_s"].is_null());
  const auto failed = nlohmann::json::parse(lines[1]);
  EXPECT_EQ(failed["step"], "boot failed");
  EXPECT_EQ(failed["vm"], "web");
  EXPECT_EQ(failed["instance"], "web-test");
  EXPECT_EQ(failed["host"], "lab3");
  EXPECT_EQ(failed["ok"], false);
  EXPECT_EQ(failed["took_s"], 90.0);
  EXPECT_EQ(failed["detail"], "no READY line from the guest within 90 s");
}

// `firedrill run --progress=jsonl` on a shipped scenario: every stderr line but the
// "running" banner is a JSON object, and the recovered VMs' boots show as ready.
TEST(Progress, TheCommandLineShowsASimulatedRunsStepsAsJsonLines) {
  const std::string out_dir = std::string(FIREDRILL_REPORTS_OUTPUT_DIR) + "/progress";
  const std::string command = std::string(FIREDRILL_BINARY) + " run " + FIREDRILL_SOURCE_ROOT +
                              "/scenarios/site-outage.json --no-history --progress=jsonl --out " +
                              out_dir + " 2>&1 >/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string text;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe)) text += buffer;
  const int status = pclose(pipe);
  ASSERT_TRUE(WIFEXITED(status)) << text;
  int ready = 0;
  for (const std::string& line : lines_of(text)) {
    if (line.rfind("firedrill: running", 0) == 0) continue;
    const auto parsed = nlohmann::json::parse(line, nullptr, false);
    ASSERT_TRUE(parsed.is_object()) << line;
    if (parsed["step"] == "ready") ++ready;
  }
  EXPECT_GT(ready, 0) << text;
}

}  // namespace
}  // namespace firedrill::reports
