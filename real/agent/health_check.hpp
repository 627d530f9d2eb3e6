// Application health checks of a recovered VM (SPEC 7: tcp, http, exec, file) and the
// runner that schedules their attempts: all of a VM's checks start together (when its
// readiness says so), each waits its initial_delay, tries every interval and fails once
// its timeout (counted from that common start) passes without a success. The runner is
// independent of how one attempt is made (through the guest agent of the VM named by
// `from`: see health_probe.hpp) and of the clock (tests drive it with a fake one).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/model.hpp"

namespace firedrill::agent {

// A check as the plan gives it (engine/model.hpp): the runner takes the plan's own type.
using HealthCheck = HealthCheckSpec;

// "tcp db:5432 from app", "http :80/health", "exec pg_isready -q", "file /var/lib/x".
std::string describe(const HealthCheck& check);

struct AttemptResult {
  bool passed = false;
  std::string error;  // why it failed ("" when it passed)
};

// One attempt of one check, to finish within budget_s.
using AttemptFn = std::function<AttemptResult(const HealthCheck& check, double budget_s)>;

class CheckClock {
 public:
  virtual ~CheckClock() = default;
  virtual double now_s() = 0;
  virtual void sleep_until_s(double t_s) = 0;
};

class SteadyCheckClock : public CheckClock {
 public:
  double now_s() override;
  void sleep_until_s(double t_s) override;
};

struct CheckOutcome {
  std::string check;  // describe()
  bool passed = false;
  std::optional<double> first_pass_s;  // since the checks started
  int attempts = 0;
  std::string last_error;  // of the last failed attempt
  bool abandoned = false;  // stopped because another check failed the VM
};

struct HealthResult {
  bool ready = false;
  double ready_s = 0.0;  // since the checks started: when the last check passed
  std::vector<CheckOutcome> checks;
  std::string reason;  // when not ready: the failed check and its last error
};

// One attempt never gets more than this, so a hung probe cannot eat a long timeout.
inline constexpr double kAttemptLimit_s = 10.0;

HealthResult run_health_checks(const std::vector<HealthCheck>& checks, const AttemptFn& attempt,
                               CheckClock& clock);

}  // namespace firedrill::agent
