// The fork pool: every task's result comes back, a crash, a throw or a hang is
// reported with its task, and a stop kills and reaps the running children.
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <map>
#include <stdexcept>

#include <gtest/gtest.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/fork_pool.hpp"

namespace firedrill {
namespace {

std::vector<std::size_t> first(std::size_t n) {
  std::vector<std::size_t> tasks;
  for (std::size_t i = 0; i < n; ++i) tasks.push_back(i);
  return tasks;
}

bool no_children_left() {
  int status = 0;
  return ::waitpid(-1, &status, WNOHANG) < 0 && errno == ECHILD;
}

TEST(Sweep, EveryTaskComesBackOnce) {
  std::map<std::size_t, std::string> results;
  PoolOptions options;
  options.jobs = 3;
  const auto stats = run_forked(
      first(40), [](std::size_t task) { return "task " + std::to_string(task * task); },
      [&](TaskResult&& result) {
        EXPECT_EQ(result.status, TaskResult::Status::ok) << result.error;
        EXPECT_TRUE(results.emplace(result.task, result.output).second);
      },
      options);
  EXPECT_EQ(stats.launched, 40u);
  EXPECT_EQ(stats.delivered, 40u);
  EXPECT_FALSE(stats.stopped);
  ASSERT_EQ(results.size(), 40u);
  EXPECT_EQ(results[7], "task 49");
  EXPECT_TRUE(no_children_left());
}

TEST(Sweep, LargeOutputsArriveWhole) {
  std::string received;
  run_forked(
      {0}, [](std::size_t) { return std::string(3 << 20, 'x') + "end"; },
      [&](TaskResult&& result) { received = std::move(result.output); }, PoolOptions{});
  EXPECT_EQ(received.size(), (3u << 20) + 3);
  EXPECT_EQ(received.substr(received.size() - 3), "end");
}

TEST(Sweep, CrashesThrowsAndExitsAreReportedNotDropped) {
  std::map<std::size_t, TaskResult> results;
  PoolOptions options;
  options.jobs = 2;
  run_forked(
      first(5),
      [](std::size_t task) -> std::string {
        switch (task) {
          case 1:
            std::fprintf(stderr, "about to crash\n");
            std::raise(SIGSEGV);
            break;
          case 2:
            throw std::runtime_error("no route from esx1 to dr1");
          case 3:
            std::fprintf(stderr, "giving up on dr1\n");
            ::_exit(4);
          case 4:
            std::abort();
        }
        return "fine";
      },
      [&](TaskResult&& result) { results[result.task] = std::move(result); }, options);
  ASSERT_EQ(results.size(), 5u);
  EXPECT_EQ(results[0].status, TaskResult::Status::ok);
  EXPECT_EQ(results[1].status, TaskResult::Status::crashed);
  // Killed by SIGSEGV; under AddressSanitizer its SEGV handler reports and exits instead.
  const bool segv = results[1].error.find("signal 11") != std::string::npos ||
                    results[1].error.find("SEGV") != std::string::npos;
  EXPECT_TRUE(segv) << results[1].error;
  EXPECT_EQ(results[2].status, TaskResult::Status::failed);
  EXPECT_NE(results[2].error.find("no route"), std::string::npos);
  EXPECT_EQ(results[3].status, TaskResult::Status::crashed);
  EXPECT_NE(results[3].error.find("status 4"), std::string::npos);
  EXPECT_NE(results[3].error.find("stderr: giving up on dr1"), std::string::npos)
      << results[3].error;
  EXPECT_EQ(results[4].status, TaskResult::Status::crashed);
  EXPECT_NE(results[4].error.find("signal 6"), std::string::npos);
  EXPECT_TRUE(no_children_left());
}

TEST(Sweep, HangingTasksTimeOut) {
  std::map<std::size_t, TaskResult> results;
  PoolOptions options;
  options.jobs = 2;
  options.task_timeout_s = 2;  // generous: a loaded CI machine may starve the others
  run_forked(
      first(3),
      [](std::size_t task) -> std::string {
        if (task == 1) ::pause();
        return "ok";
      },
      [&](TaskResult&& result) { results[result.task] = std::move(result); }, options);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[1].status, TaskResult::Status::timed_out);
  EXPECT_NE(results[1].error.find("timed out"), std::string::npos);
  EXPECT_EQ(results[2].status, TaskResult::Status::ok);
  EXPECT_TRUE(no_children_left());
}

TEST(Sweep, StopKillsRunningChildrenAndKeepsDelivered) {
  volatile std::sig_atomic_t stop = 0;
  std::size_t delivered = 0;
  PoolOptions options;
  options.jobs = 2;
  options.stop = &stop;
  const auto stats = run_forked(
      first(1000),
      [](std::size_t task) -> std::string {
        if (task >= 6) ::pause();  // these would never finish on their own
        return "ok";
      },
      [&](TaskResult&& result) {
        EXPECT_EQ(result.status, TaskResult::Status::ok);
        if (++delivered == 6) stop = 1;
      },
      options);
  EXPECT_TRUE(stats.stopped);
  EXPECT_EQ(stats.delivered, 6u);
  EXPECT_LE(stats.launched, 8u);
  EXPECT_TRUE(no_children_left());
}

TEST(Sweep, SignalHandlerStopsTheLoop) {
  static volatile std::sig_atomic_t stop = 0;
  struct sigaction action {};
  action.sa_handler = [](int) { stop = 1; };
  sigemptyset(&action.sa_mask);
  struct sigaction previous {};
  ASSERT_EQ(::sigaction(SIGALRM, &action, &previous), 0);
  PoolOptions options;
  options.jobs = 2;
  options.stop = &stop;
  itimerval timer{};
  timer.it_value.tv_sec = 1;  // one SIGALRM after 1 s, like a Ctrl-C mid-sweep
  ::setitimer(ITIMER_REAL, &timer, nullptr);
  const auto stats = run_forked(
      first(100000), [](std::size_t) -> std::string { return "ok"; }, [](TaskResult&&) {}, options);
  ::sigaction(SIGALRM, &previous, nullptr);
  EXPECT_TRUE(stats.stopped);
  EXPECT_GT(stats.delivered, 0u);
  EXPECT_LT(stats.delivered, 100000u);
  EXPECT_TRUE(no_children_left());
}

TEST(Sweep, ProgressIsReported) {
  std::size_t calls = 0;
  PoolProgress last;
  PoolOptions options;
  options.jobs = 2;
  options.progress_interval_s = 0;
  options.progress = [&](const PoolProgress& progress) {
    ++calls;
    last = progress;
  };
  run_forked(
      first(10), [](std::size_t) { return std::string("ok"); }, [](TaskResult&&) {}, options);
  EXPECT_GE(calls, 1u);
  EXPECT_EQ(last.done, 10u);
  EXPECT_EQ(last.total, 10u);
  EXPECT_EQ(last.failed, 0u);
}

}  // namespace
}  // namespace firedrill
