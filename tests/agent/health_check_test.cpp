// The health check runner on a fake clock: initial delay, interval, timeout, first-pass
// time, attempts and last error, several checks of one VM at once, and the describe() text.
#include <gtest/gtest.h>

#include <map>

#include "real/agent/health_check.hpp"

namespace firedrill::agent {
namespace {

// Time moves only when the runner sleeps or an attempt "takes" time.
class FakeClock : public CheckClock {
 public:
  double now_s() override { return t_s; }
  void sleep_until_s(double until_s) override { t_s = std::max(t_s, until_s); }
  double t_s = 1000.0;
};

HealthCheck tcp(int port, double timeout_s, double interval_s, double delay_s = 0) {
  HealthCheck check;
  check.kind = HealthKind::tcp;
  check.port = port;
  check.timeout_s = timeout_s;
  check.interval_s = interval_s;
  check.initial_delay_s = delay_s;
  return check;
}

TEST(HealthChecks, PassesAtTheFirstAttemptThatSucceeds) {
  FakeClock clock;
  std::vector<double> attempts_at;
  auto attempt = [&](const HealthCheck&, double) {
    attempts_at.push_back(clock.t_s - 1000.0);
    clock.t_s += 0.5;  // each attempt takes half a second
    return AttemptResult{attempts_at.size() == 4, attempts_at.size() < 4 ? "refused" : ""};
  };
  HealthResult result = run_health_checks({tcp(5432, 60, 2, 3)}, attempt, clock);
  ASSERT_TRUE(result.ready) << result.reason;
  EXPECT_EQ(attempts_at, (std::vector<double>{3, 5, 7, 9}));  // delay, then every interval
  ASSERT_EQ(result.checks.size(), 1u);
  EXPECT_EQ(result.checks[0].attempts, 4);
  EXPECT_DOUBLE_EQ(*result.checks[0].first_pass_s, 9.5);
  EXPECT_DOUBLE_EQ(result.ready_s, 9.5);
  EXPECT_EQ(result.checks[0].last_error, "refused");  // the last failure is kept
}

TEST(HealthChecks, FailsAtItsTimeoutWithTheLastError) {
  FakeClock clock;
  int n = 0;
  auto attempt = [&](const HealthCheck&, double) {
    ++n;
    return AttemptResult{false, "connection refused #" + std::to_string(n)};
  };
  HealthCheck check = tcp(5433, 10, 2);
  check.target_vm = "db";
  check.from = "app";
  HealthResult result = run_health_checks({check}, attempt, clock);
  EXPECT_FALSE(result.ready);
  EXPECT_EQ(result.checks[0].attempts, 5);  // at 0, 2, 4, 6, 8; the next would be at 10
  EXPECT_FALSE(result.checks[0].first_pass_s);
  EXPECT_LE(clock.t_s - 1000.0, 10.0);  // gave up at its timeout, not later
  EXPECT_NE(result.reason.find("tcp db:5433 from app"), std::string::npos) << result.reason;
  EXPECT_NE(result.reason.find("connection refused #5"), std::string::npos) << result.reason;
}

TEST(HealthChecks, SlowAttemptsAreRetriedAtOnceAndBudgetedByTheTimeLeft) {
  FakeClock clock;
  std::vector<double> budgets;
  auto attempt = [&](const HealthCheck&, double budget_s) {
    budgets.push_back(budget_s);
    clock.t_s += 3.0;  // longer than the interval
    return AttemptResult{false, "timed out"};
  };
  HealthResult result = run_health_checks({tcp(80, 25, 1)}, attempt, clock);
  EXPECT_FALSE(result.ready);
  // Attempts start at 0, 3, ..., 24; each gets min(10 s, time left).
  ASSERT_EQ(budgets.size(), 9u);
  EXPECT_DOUBLE_EQ(budgets[0], kAttemptLimit_s);
  EXPECT_DOUBLE_EQ(budgets[8], 1.0);
}

TEST(HealthChecks, ChecksOfOneVmRunTogetherAndTheLastPassEndsIt) {
  FakeClock clock;
  std::map<int, int> tries;
  auto attempt = [&](const HealthCheck& check, double) {
    int n = ++tries[check.port];
    clock.t_s += 0.1;
    // port 1 passes on its 2nd try, port 2 on its 5th
    return AttemptResult{n >= (check.port == 1 ? 2 : 5), "not yet"};
  };
  HealthResult result = run_health_checks({tcp(1, 60, 2), tcp(2, 60, 1)}, attempt, clock);
  ASSERT_TRUE(result.ready) << result.reason;
  EXPECT_EQ(result.checks[0].attempts, 2);
  EXPECT_EQ(result.checks[1].attempts, 5);
  // port 2 tries at about 0.1, 1.1, 2.2, 3.2, 4.2 while port 1 passes at about 2.1
  EXPECT_NEAR(*result.checks[0].first_pass_s, 2.1, 0.15);
  EXPECT_NEAR(*result.checks[1].first_pass_s, 4.3, 0.25);
  EXPECT_DOUBLE_EQ(result.ready_s, *result.checks[1].first_pass_s);
}

TEST(HealthChecks, AFailedCheckStopsTheOthersAsAbandoned) {
  FakeClock clock;
  auto attempt = [&](const HealthCheck& check, double) {
    clock.t_s += 0.1;
    return AttemptResult{false, check.port == 1 ? "refused" : "wrong body"};
  };
  HealthResult result = run_health_checks({tcp(1, 5, 1), tcp(2, 50, 1)}, attempt, clock);
  EXPECT_FALSE(result.ready);
  EXPECT_FALSE(result.checks[0].abandoned);
  EXPECT_TRUE(result.checks[1].abandoned);
  EXPECT_NE(result.reason.find("tcp :1"), std::string::npos) << result.reason;
}

TEST(HealthChecks, NoChecksMeansReadyAtOnceAndADelayPastTheTimeoutStillTriesOnce) {
  FakeClock clock;
  int calls = 0;
  auto attempt = [&](const HealthCheck&, double) {
    ++calls;
    return AttemptResult{true, ""};
  };
  HealthResult none = run_health_checks({}, attempt, clock);
  EXPECT_TRUE(none.ready);
  EXPECT_EQ(none.ready_s, 0.0);
  HealthResult late = run_health_checks({tcp(1, 5, 1, 8)}, attempt, clock);
  EXPECT_TRUE(late.ready);
  EXPECT_EQ(calls, 1);
  EXPECT_DOUBLE_EQ(late.ready_s, 8.0);
}

TEST(HealthChecks, DescribesEachKind) {
  HealthCheck http;
  http.kind = HealthKind::http;
  http.port = 80;
  http.path = "/health";
  EXPECT_EQ(describe(http), "http :80/health");
  HealthCheck exec;
  exec.kind = HealthKind::exec;
  exec.argv = {"pg_isready", "-q"};
  EXPECT_EQ(describe(exec), "exec pg_isready -q");
  HealthCheck file;
  file.kind = HealthKind::file;
  file.file = "/var/lib/app/ready";
  file.from = "web";
  EXPECT_EQ(describe(file), "file /var/lib/app/ready from web");
}

}  // namespace
}  // namespace firedrill::agent
