// The health check runner: earliest-due-first over a VM's checks, one attempt at a time.
#include "real/agent/health_check.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

namespace firedrill::agent {

namespace {

std::string seconds_text(double s) {
  char text[32];
  std::snprintf(text, sizeof text, "%g s", s);
  return text;
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& word : words) out += (out.empty() ? "" : " ") + word;
  return out;
}

}  // namespace

std::string describe(const HealthCheck& check) {
  std::string text;
  switch (check.kind) {
    case HealthKind::tcp:
      text = "tcp " + check.target_vm + ":" + std::to_string(check.port);
      break;
    case HealthKind::http:
      text = "http " + check.target_vm + ":" + std::to_string(check.port) + check.path;
      break;
    case HealthKind::exec:
      text = "exec " + joined(check.argv);
      break;
    case HealthKind::file:
      text = "file " + check.file;
      break;
  }
  if (!check.from.empty()) text += " from " + check.from;
  return text;
}

double SteadyCheckClock::now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void SteadyCheckClock::sleep_until_s(double t_s) {
  double wait_s = t_s - now_s();
  if (wait_s > 0) std::this_thread::sleep_for(std::chrono::duration<double>(wait_s));
}

HealthResult run_health_checks(const std::vector<HealthCheck>& checks, const AttemptFn& attempt,
                               CheckClock& clock) {
  HealthResult result;
  const double start_s = clock.now_s();
  std::vector<double> next_s;
  for (const auto& check : checks) {
    CheckOutcome outcome;
    outcome.check = describe(check);
    result.checks.push_back(outcome);
    next_s.push_back(start_s + check.initial_delay_s);
  }
  std::vector<bool> done(checks.size(), false);
  for (;;) {
    // The unfinished check due first (ties: plan order).
    std::optional<size_t> due;
    for (size_t i = 0; i < checks.size(); ++i)
      if (!done[i] && (!due || next_s[i] < next_s[*due])) due = i;
    if (!due) break;
    size_t i = *due;
    const HealthCheck& check = checks[i];
    CheckOutcome& outcome = result.checks[i];
    const double deadline_s = start_s + check.timeout_s;
    clock.sleep_until_s(next_s[i]);
    const double attempt_start_s = clock.now_s();
    // At least one attempt is always made, even when the initial delay reaches the timeout.
    double budget_s = std::min(kAttemptLimit_s, std::max(deadline_s - attempt_start_s, 0.1));
    AttemptResult tried = attempt(check, budget_s);
    ++outcome.attempts;
    const double now_s = clock.now_s();
    if (tried.passed) {
      outcome.passed = true;
      outcome.first_pass_s = now_s - start_s;
      done[i] = true;
      continue;
    }
    outcome.last_error = tried.error.empty() ? "failed" : tried.error;
    next_s[i] = std::max(attempt_start_s + check.interval_s, now_s);
    if (next_s[i] >= deadline_s) {
      done[i] = true;
      result.reason = "health check '" + outcome.check + "' still failing at its timeout (" +
                      seconds_text(check.timeout_s) + ", " + std::to_string(outcome.attempts) +
                      " attempts): " + outcome.last_error;
      for (size_t j = 0; j < checks.size(); ++j)
        if (!done[j]) result.checks[j].abandoned = true;
      return result;
    }
  }
  result.ready = true;
  for (const auto& outcome : result.checks)
    result.ready_s = std::max(result.ready_s, outcome.first_pass_s.value_or(0.0));
  return result;
}

}  // namespace firedrill::agent
