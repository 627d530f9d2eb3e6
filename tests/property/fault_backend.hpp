// A seeded, fault-injecting backend for drive() (engine/drive.hpp): textbook timings like
// the engine tests' analytic backend, but it reports transfers, restores, boots and
// shutdowns as failed or late, loses hosts (HostLost) the scenario never failed (one of them,
// often, a recovery host just as the failover restores or boots there), ends boots "did not become
// ready", fails what runs on a host or crosses a link when the scenario fails it (as the simulator
// does), puts end times on a coarse clock so that many activities end at one instant, and hands the
// completions of an instant over in a shuffled order. One seed, one run.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/drive.hpp"
#include "engine/units.hpp"

namespace firedrill::property {

struct FaultRates {
  double fail = 0.05;          // an activity fails (part-way through)
  double late = 0.15;          // an activity takes up to a few times its time
  double host_lost_run = 0.3;  // the run loses a host (HostLost) at a random time
  double coarse_clock = 0.5;   // the run rounds end times up to whole seconds
  double boot_fail = 0.1;      // a boot runs its whole time, then does not reach ready
  // The run loses the recovery host of its first restore or boot there, mid-failover.
  double recovery_host_lost_run = 0.3;
  static FaultRates none() { return FaultRates{0, 0, 0, 0, 0, 0}; }
};

// What the backend did to the run, for the checks and the failure messages.
struct FaultLog {
  int failed = 0, late = 0, boots_not_ready = 0;
  int recovery_hosts_lost = 0;                             // of hosts_lost, mid-failover
  std::vector<std::pair<double, std::string>> hosts_lost;  // time, host
  bool any() const { return failed > 0 || late > 0 || boots_not_ready > 0 || !hosts_lost.empty(); }
};

class FaultBackend : public Backend {
 public:
  FaultBackend(const Scenario& scenario, std::uint64_t seed, FaultRates rates);
  void execute(const std::vector<Command>& commands, double now_s) override;
  WaitResult wait(std::optional<double> deadline_s) override;
  const FaultLog& log() const { return log_; }

 private:
  enum class Kind { transfer, restore, boot, shutdown, host_lost };
  struct Activity {
    Kind kind = Kind::transfer;
    ActivityId id = 0;
    bool ok = true;
    std::string detail;
    std::vector<std::string> hosts;  // where it runs (a transfer: both ends)
    bool crosses_sites = false;
    std::string lost_host;  // host_lost
  };
  using Queue = std::multimap<double, Activity>;

  void start(Activity activity, double duration_s);
  void fail_where(const std::function<bool(const Activity&)>& hit, const std::string& why);
  void set_down(const std::string& kind, const std::string& target, bool down);
  bool any_down(const std::vector<std::string>& hosts) const;
  double end_time(double duration_s);
  void maybe_lose_recovery_host(const std::string& host);

  const Scenario& scenario_;
  FaultRates rates_;
  Rng rng_;
  bool coarse_;
  bool lose_recovery_host_ = false;  // at the first restore or boot on a recovery host
  double now_s_ = 0.0;
  Queue queue_;
  std::map<ActivityId, Queue::iterator> by_id_;
  std::map<std::string, std::set<std::string>> host_down_;  // host -> causes
  std::set<std::string> links_down_;
  FaultLog log_;
};

}  // namespace firedrill::property
