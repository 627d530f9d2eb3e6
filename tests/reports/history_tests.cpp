// The run history: round trip, the hash chain catching an edited or removed row (also
// through `firedrill history --verify`), concurrent appends from two processes losing
// nothing, and a full disk or a read-only file system giving a clear error and leaving
// an intact database. The last two mount a small tmpfs (root with CAP_SYS_ADMIN, as in
// .ci/run); they fail, not skip, when that is impossible.
#include <gtest/gtest.h>

#include <sqlite3.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

#include "reports/history.hpp"
#include "tests/reports/samples.hpp"
#include "tests/reports/support.hpp"

namespace firedrill::testing {
namespace {

using reports::append_run;
using reports::read_history;
using reports::verify_history;

std::string firedrill_binary() {
  return FIREDRILL_BINARY;
}

void execute(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  char* message = nullptr;
  const int code = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  const std::string text = message != nullptr ? message : "";
  sqlite3_free(message);
  sqlite3_close(db);
  ASSERT_EQ(code, SQLITE_OK) << text;
}

std::string integrity(const std::string& db_path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return "cannot open";
  }
  sqlite3_stmt* statement = nullptr;
  std::string result = "no answer";
  if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &statement, nullptr) == SQLITE_OK &&
      sqlite3_step(statement) == SQLITE_ROW) {
    result = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
  }
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return result;
}

std::int64_t append_three(const std::string& path) {
  std::int64_t last = 0;
  for (const Sample& sample : {site_outage_sample(), test_drill_real_sample(), quiet_sample()}) {
    const auto appended = append_run(path, sample.scenario, sample.outcome, sample.context);
    EXPECT_TRUE(appended.ok()) << (appended.ok() ? "" : appended.errors()[0].render());
    if (appended.ok()) last = appended.value().id;
  }
  return last;
}

// A tmpfs of `size` mounted at a fresh directory; unmounted when destroyed.
class Tmpfs {
 public:
  Tmpfs(const std::string& name, const std::string& size) : dir_(output_dir(name) + "/mnt") {
    std::filesystem::create_directories(dir_);
    const std::string options = "size=" + size + ",mode=0755";
    if (::mount("tmpfs", dir_.c_str(), "tmpfs", 0, options.c_str()) == 0) {
      mounted_ = true;
    } else {
      error_ = std::strerror(errno);
    }
  }
  ~Tmpfs() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }
  const std::string& dir() const { return dir_; }
  bool remount_read_only() {
    return ::mount("tmpfs", dir_.c_str(), "tmpfs", MS_REMOUNT | MS_RDONLY, nullptr) == 0;
  }

 private:
  std::string dir_;
  bool mounted_ = false;
  std::string error_;
};

TEST(History, RoundTrip) {
  const std::string path = output_dir("history-round-trip") + "/sub/history.db";
  std::vector<Sample> samples = {site_outage_sample(), test_drill_real_sample(), quiet_sample()};
  for (const Sample& sample : samples) {
    ASSERT_TRUE(append_run(path, sample.scenario, sample.outcome, sample.context).ok());
  }
  const auto runs = read_history(path);
  ASSERT_TRUE(runs.ok()) << runs.errors()[0].render();
  ASSERT_EQ(runs.value().size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    const reports::HistoryRun& run = runs.value()[i];
    const Sample& sample = samples[i];
    EXPECT_EQ(run.id, static_cast<std::int64_t>(i + 1));
    EXPECT_EQ(run.scenario, sample.scenario.name);
    EXPECT_EQ(run.plan, "three-tier");
    EXPECT_EQ(run.backend, sample.context.backend);
    EXPECT_EQ(run.seed, sample.scenario.seed);
    EXPECT_EQ(run.started_utc, sample.context.started_utc);
    EXPECT_EQ(run.exit_status, exit_status(sample.outcome));
    EXPECT_EQ(run.rto_s, sample.outcome.summary.rto_s);
    EXPECT_EQ(run.rpo_s, sample.outcome.summary.rpo_s);
    EXPECT_EQ(run.report_json,
              reports::render_report_json(sample.scenario, sample.outcome, sample.context));
    EXPECT_EQ(run.row_sha256, reports::row_digest(run));
    EXPECT_EQ(run.previous_sha256, i == 0 ? std::string(64, '0') : runs.value()[i - 1].row_sha256);
  }
  EXPECT_EQ(runs.value()[1].kind, "test");
  EXPECT_EQ(runs.value()[0].kind, "unplanned");
  const auto check = verify_history(path);
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(check.value().rows, 3);
  EXPECT_FALSE(check.value().first_bad_id.has_value());
  EXPECT_EQ(check.value().head_sha256, runs.value()[2].row_sha256);
  // Filter by plan.
  EXPECT_EQ(read_history(path, "three-tier").value().size(), 3u);
  EXPECT_EQ(read_history(path, "other").value().size(), 0u);
  // Views.
  const std::string text = reports::history_text(runs.value());
  EXPECT_NE(text.find("site-outage"), std::string::npos);
  EXPECT_NE(text.find("FAIL"), std::string::npos);
  const std::string csv = reports::history_csv(runs.value());
  EXPECT_NE(csv.find("1,2026-11-24T21:00:00Z,site-outage,three-tier,unplanned,sim,1,FAIL,web,"
                     "recovered,replica,515,900,480,600,false,false"),
            std::string::npos)
      << csv;
  const std::string json = reports::history_json(runs.value());
  EXPECT_NE(json.find("\"row_sha256\""), std::string::npos);
}

TEST(History, VerifyNamesTheFirstModifiedRow) {
  const std::string path = output_dir("history-tamper") + "/history.db";
  append_three(path);
  execute(path, "UPDATE runs SET rto = 100 WHERE id = 2");
  const auto check = verify_history(path);
  ASSERT_TRUE(check.ok());
  ASSERT_TRUE(check.value().first_bad_id.has_value());
  EXPECT_EQ(*check.value().first_bad_id, 2);
  EXPECT_NE(check.value().problem.find("modified"), std::string::npos);
  // The report inside a row is covered too.
  const std::string path2 = output_dir("history-tamper-report") + "/history.db";
  append_three(path2);
  execute(path2,
          "UPDATE runs SET report_json = replace(report_json, '515.0', '415.0') WHERE id = 1");
  EXPECT_EQ(verify_history(path2).value().first_bad_id, 1);
}

TEST(History, VerifyCatchesARemovedRowEvenWithItsSuccessorsRehashed) {
  const std::string path = output_dir("history-delete") + "/history.db";
  append_three(path);
  execute(path, "DELETE FROM runs WHERE id = 2");
  auto check = verify_history(path);
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(check.value().first_bad_id, 3);
  // Renumbering row 3 to 2 does not help: its previous_sha256 still names the lost row.
  execute(path, "UPDATE runs SET id = 2 WHERE id = 3");
  check = verify_history(path);
  EXPECT_EQ(check.value().first_bad_id, 2);
}

TEST(History, CommandLineListsVerifiesAndWritesTheTrend) {
  const std::string dir = output_dir("history-cli");
  const std::string path = dir + "/history.db";
  append_three(path);
  const std::string firedrill =
      shell_quote(firedrill_binary()) + " history --history " + shell_quote(path);
  CommandResult result = run_command(firedrill);
  EXPECT_EQ(result.exit_status, 0) << result.output;
  EXPECT_NE(result.output.find("test-drill"), std::string::npos);
  result = run_command(firedrill + " --format csv --plan three-tier");
  EXPECT_EQ(result.exit_status, 0) << result.output;
  EXPECT_EQ(result.output.rfind("run_id,", 0), 0u);
  result = run_command(firedrill + " --format json");
  EXPECT_EQ(result.exit_status, 0) << result.output;
  result = run_command(firedrill + " --verify");
  EXPECT_EQ(result.exit_status, 0) << result.output;
  EXPECT_NE(result.output.find("3 row(s), hash chain intact"), std::string::npos) << result.output;
  result = run_command(firedrill + " --html " + shell_quote(dir + "/trend.html"));
  EXPECT_EQ(result.exit_status, 0) << result.output;
  EXPECT_TRUE(std::filesystem::exists(dir + "/trend.html"));
  execute(path, "UPDATE runs SET scenario = 'edited' WHERE id = 2");
  result = run_command(firedrill + " --verify");
  EXPECT_EQ(result.exit_status, 1) << result.output;
  EXPECT_NE(result.output.find("BROKEN at row 2"), std::string::npos) << result.output;
  // Usage errors and a missing history: exit 2 with a message.
  result = run_command(firedrill + " --format xml");
  EXPECT_EQ(result.exit_status, 2);
  EXPECT_NE(result.output.find("--format must be"), std::string::npos);
  result = run_command(shell_quote(firedrill_binary()) + " history --history " +
                       shell_quote(dir + "/missing.db"));
  EXPECT_EQ(result.exit_status, 2);
  EXPECT_NE(result.output.find("no run history here yet"), std::string::npos) << result.output;
  EXPECT_FALSE(std::filesystem::exists(dir + "/missing.db"));
  result = run_command(shell_quote(firedrill_binary()) + " history --help");
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_NE(result.output.find("--verify"), std::string::npos);
}

TEST(History, TwoProcessesAppendingAtOnceLoseNothing) {
  const std::string path = output_dir("history-concurrent") + "/history.db";
  constexpr int kProcesses = 2, kEach = 25;
  std::vector<pid_t> children;
  for (int p = 0; p < kProcesses; ++p) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int failures = 0;
      Sample sample = p == 0 ? site_outage_sample() : test_drill_real_sample();
      for (int i = 0; i < kEach; ++i) {
        sample.scenario.seed = static_cast<std::uint64_t>(p * 1000 + i);
        failures += !append_run(path, sample.scenario, sample.outcome, sample.context).ok();
      }
      ::_exit(failures == 0 ? 0 : 1);
    }
    children.push_back(pid);
  }
  for (const pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "an append failed";
  }
  const auto runs = read_history(path);
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs.value().size(), static_cast<std::size_t>(kProcesses * kEach));
  std::set<std::uint64_t> seeds;
  for (const auto& run : runs.value()) seeds.insert(run.seed);
  EXPECT_EQ(seeds.size(), static_cast<std::size_t>(kProcesses * kEach));
  const auto check = verify_history(path);
  ASSERT_TRUE(check.ok());
  EXPECT_FALSE(check.value().first_bad_id.has_value()) << check.value().problem;
}

TEST(History, FullDiskGivesAClearErrorAndAnIntactDatabase) {
  Tmpfs disk("history-full", "160k");
  ASSERT_TRUE(disk.mounted()) << "cannot mount a tmpfs (" << disk.error()
                              << "): this test needs root with CAP_SYS_ADMIN, as .ci/run has";
  const std::string path = disk.dir() + "/history.db";
  int appended = 0;
  std::string error;
  for (int i = 0; i < 400; ++i) {
    const Sample sample = i % 2 == 0 ? site_outage_sample() : test_drill_real_sample();
    const auto result = append_run(path, sample.scenario, sample.outcome, sample.context);
    if (!result.ok()) {
      error = result.errors()[0].render();
      break;
    }
    ++appended;
  }
  ASSERT_FALSE(error.empty()) << "the tmpfs never filled up";
  EXPECT_GT(appended, 0);
  EXPECT_NE(error.find(path), std::string::npos) << error;
  EXPECT_NE(error.find("full"), std::string::npos) << error;
  EXPECT_EQ(integrity(path), "ok");
  const auto check = verify_history(path);
  ASSERT_TRUE(check.ok()) << check.errors()[0].render();
  EXPECT_EQ(check.value().rows, appended);
  EXPECT_FALSE(check.value().first_bad_id.has_value());
  EXPECT_FALSE(std::filesystem::exists(path + "-journal"));
}

TEST(History, ReadOnlyPathGivesAClearErrorAndAnIntactDatabase) {
  Tmpfs disk("history-read-only", "4m");
  ASSERT_TRUE(disk.mounted()) << "cannot mount a tmpfs (" << disk.error()
                              << "): this test needs root with CAP_SYS_ADMIN, as .ci/run has";
  const std::string path = disk.dir() + "/history.db";
  append_three(path);
  ASSERT_TRUE(disk.remount_read_only()) << std::strerror(errno);
  const Sample sample = site_outage_sample();
  auto result = append_run(path, sample.scenario, sample.outcome, sample.context);
  ASSERT_FALSE(result.ok());
  std::string error = result.errors()[0].render();
  EXPECT_NE(error.find(path), std::string::npos) << error;
  EXPECT_NE(error.find("readonly"), std::string::npos) << error;
  // A new database on the read-only file system.
  const std::string fresh = disk.dir() + "/new/history.db";
  result = append_run(fresh, sample.scenario, sample.outcome, sample.context);
  ASSERT_FALSE(result.ok());
  error = result.errors()[0].render();
  EXPECT_NE(error.find("Read-only file system"), std::string::npos) << error;
  // Reading and verifying still work; nothing changed.
  EXPECT_EQ(integrity(path), "ok");
  const auto check = verify_history(path);
  ASSERT_TRUE(check.ok()) << check.errors()[0].render();
  EXPECT_EQ(check.value().rows, 3);
  EXPECT_FALSE(check.value().first_bad_id.has_value());
}

TEST(History, RefusesAFileThatIsNotAFiredrillHistory) {
  const std::string dir = output_dir("history-foreign");
  write_file(dir + "/text.db", "this is not a database at all, just some text that is long enough");
  const Sample sample = site_outage_sample();
  auto result = append_run(dir + "/text.db", sample.scenario, sample.outcome, sample.context);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.errors()[0].render().find("not a database"), std::string::npos)
      << result.errors()[0].render();
  execute(dir + "/other.db", "CREATE TABLE things (x)");
  result = append_run(dir + "/other.db", sample.scenario, sample.outcome, sample.context);
  EXPECT_TRUE(result.ok()) << "a fresh SQLite file without our tables gets them";
  execute(dir + "/foreign.db",
          "CREATE TABLE firedrill_meta (key TEXT PRIMARY KEY, value TEXT); INSERT INTO "
          "firedrill_meta VALUES ('format', 'something-else')");
  result = append_run(dir + "/foreign.db", sample.scenario, sample.outcome, sample.context);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.errors()[0].render().find("not a firedrill run history"), std::string::npos);
  const auto read = read_history(dir + "/foreign.db");
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.errors()[0].render().find("not a firedrill run history"), std::string::npos);
}

}  // namespace
}  // namespace firedrill::testing
