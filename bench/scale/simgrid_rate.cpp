// The reference for the scale benchmark: SimGrid alone, with no firedrill engine, runs the
// same activities as bench_scale's scenario -- every VM's replication cycle of every tick
// before the outage (a host-to-host communication of change_rate x interval bytes from the
// VM's host to its job's target host, over the same platform) and then one boot per VM (an
// execution of boot_time on a DR host, round-robin) -- and prints SimGrid's raw activity
// rate. bench_scale's time divided by this one is what firedrill adds to SimGrid.
//
// Activities are run the way sim/driver_backend.cpp runs them: a pool of actors, each taking
// the next activity from a queue, making it, starting it and waiting for it (so no actor's
// activity list grows). With the WAN limit the pool has that many actors, so at most that
// many cycles are on the WAN at once, in the order they were queued; without it, one actor
// per cycle of a tick.
//
//   bench_simgrid_rate [--vms 1000,5000,10000] [--hosts M] [--seed S] [--classes]
//                      [--wan-limit K]
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <simgrid/s4u.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "bench/scale/each_size.hpp"
#include "bench/scale/scale_plan.hpp"
#include "sim/driver.hpp"
#include "sim/platform.hpp"

namespace sg4 = simgrid::s4u;

namespace {

using Clock = std::chrono::steady_clock;

struct Activity {
  sg4::Host* from = nullptr;
  sg4::Host* to = nullptr;  // null: an execution of `amount` flops on `from`
  double amount = 0.0;      // bytes or flops
};

// A queue of activities and the pool of actors that carry them out.
class Pool {
 public:
  explicit Pool(sg4::Host* controller)
      : controller_(controller),
        ready_(sg4::Semaphore::create(0)),
        finished_(sg4::Semaphore::create(0)) {}

  // Queues `work` and makes sure at least `actors` actors serve the queue.
  void run(const std::vector<Activity>& work, std::size_t actors) {
    for (const Activity& activity : work) queue_.push_back(activity);
    while (actors_ < actors) {
      ++actors_;
      sg4::Actor::create("worker", controller_, [this] { serve(); });
    }
    for (std::size_t i = 0; i < work.size(); ++i) ready_->release();
  }
  long done() const { return done_; }
  // Blocks the calling actor until `count` activities in all are done (the workers are
  // daemons: the simulation ends with the last actor that is not).
  void wait_until_done(long count) {
    target_ = count;
    if (done_ < target_) finished_->acquire();
  }

 private:
  void serve() {
    sg4::Actor::self()->daemonize();
    for (;;) {
      ready_->acquire();
      const Activity activity = queue_.front();
      queue_.pop_front();
      if (activity.to != nullptr) {
        sg4::CommPtr comm = sg4::Comm::sendto_init(activity.from, activity.to);
        comm->set_payload_size(static_cast<std::uint64_t>(std::llround(activity.amount)));
        comm->start();
        comm->wait();
      } else {
        sg4::ExecPtr exec = sg4::Exec::init();
        exec->set_flops_amount(activity.amount);
        exec->set_host(activity.from);
        exec->start();
        exec->wait();
      }
      if (++done_ == target_) finished_->release();
    }
  }

  sg4::Host* controller_;
  sg4::SemaphorePtr ready_;
  sg4::SemaphorePtr finished_;
  std::deque<Activity> queue_;
  std::size_t actors_ = 0;
  long done_ = 0;
  long target_ = -1;
};

struct Work {
  std::vector<Activity> cycles;  // one tick's
  std::vector<Activity> boots;
  int ticks = 0;
};

// The activities of the scenario: each VM's cycle of one tick, and each VM's boot.
Work work_of(const firedrill::Scenario& scenario, const firedrill::sim::SimPlatform& platform,
             const firedrill::bench::ScaleOptions& options) {
  const firedrill::Plan& plan = scenario.plan;
  std::map<std::string, const firedrill::Vm*> vms;
  for (const firedrill::Vm& vm : plan.vms) vms[vm.name] = &vm;
  Work work;
  for (const firedrill::ReplicationJob& job : plan.replication) {
    for (const std::string& name : job.vms) {
      const firedrill::Vm& vm = *vms.at(name);
      work.cycles.push_back({platform.hosts.at(vm.host), platform.hosts.at(job.target_host),
                             vm.change_rate_Bps * job.interval_s});
    }
  }
  const std::vector<std::string>& dr = platform.hosts_of_site.at("dr");
  for (std::size_t v = 0; v < plan.vms.size(); ++v) {
    const std::string& host = dr[v % dr.size()];
    work.boots.push_back({platform.hosts.at(host), nullptr,
                          plan.vms[v].boot_time.seconds() * platform.speed_of_host.at(host)});
  }
  // Ticks strictly before the outage (a cycle due at the outage itself never runs).
  work.ticks = static_cast<int>(std::ceil(options.replicate_s / options.interval_s)) - 1;
  return work;
}

int run_one(const firedrill::bench::ScaleOptions& options) {
  using namespace firedrill;
  const Scenario scenario = bench::scale_scenario(options);
  std::vector<std::string> args{"bench_simgrid_rate"};
  for (const std::string& arg : sim::simgrid_config(false, false)) args.push_back(arg);
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  int argc = static_cast<int>(argv.size());
  argv.push_back(nullptr);
  sg4::Engine simulation(&argc, argv.data());
  const sim::SimPlatform platform = sim::build_platforms(scenario.plan, 1).front();
  const Work work = work_of(scenario, platform, options);
  Pool pool(platform.controller);
  const std::size_t wan_actors =
      options.wan_limit > 0 ? static_cast<std::size_t>(options.wan_limit) : work.cycles.size();
  sg4::Actor::create("controller", platform.controller, [&] {
    for (int tick = 1; tick <= work.ticks; ++tick) {
      sg4::this_actor::sleep_until(tick * options.interval_s);
      pool.run(work.cycles, wan_actors);
    }
    sg4::this_actor::sleep_until(options.replicate_s);
    pool.run(work.boots, wan_actors + work.boots.size());
    pool.wait_until_done(static_cast<long>(work.ticks * work.cycles.size() + work.boots.size()));
  });
  const double cpu_before_s = firedrill::bench::cpu_seconds();
  const auto start = Clock::now();
  simulation.run();
  const double wall_s = std::chrono::duration<double>(Clock::now() - start).count();
  const double cpu_s = firedrill::bench::cpu_seconds() - cpu_before_s;
  const long activities = pool.done();
  std::printf("%6d %5d %9.2f %8.2f %11ld %13.0f %13.0f\n", options.vms, options.hosts, wall_s,
              cpu_s, activities, static_cast<double>(activities) / wall_s,
              static_cast<double>(activities) / cpu_s);
  std::fflush(stdout);
  return 0;
}

const char* const kUsage =
    "usage: bench_simgrid_rate [--vms N,...] [--hosts M] [--seed S] [--classes] [--wan-limit K]\n"
    "  the activities of bench_scale's scenario (same options, same meaning), in SimGrid\n"
    "  alone: no firedrill engine. Prints SimGrid's activities per second of wall and CPU.\n";

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> sizes{1000, 5000, 10000};
  int hosts = 0;
  firedrill::bench::ScaleOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--vms" && has_value) {
      sizes.clear();
      std::stringstream in(argv[++i]);
      for (std::string item; std::getline(in, item, ',');) sizes.push_back(std::stoi(item));
    } else if (arg == "--hosts" && has_value) {
      hosts = std::stoi(argv[++i]);
    } else if (arg == "--seed" && has_value) {
      options.seed = std::stoull(argv[++i]);
    } else if (arg == "--classes") {
      options.rate_classes = true;
    } else if (arg == "--wan-limit" && has_value && std::stoi(argv[i + 1]) >= 0) {
      options.wan_limit = std::stoi(argv[++i]);
    } else if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    } else {
      std::cerr << kUsage;
      return 2;
    }
  }
  std::printf("# SimGrid alone, the activities of bench_scale's scenario (WAN limit: %s)\n",
              options.wan_limit > 0 ? std::to_string(options.wan_limit).c_str() : "no");
  std::printf("%6s %5s %9s %8s %11s %13s %13s\n", "vms", "hosts", "sim_s", "cpu_s", "activities",
              "per_wall_s", "per_cpu_s");
  std::fflush(stdout);
  return firedrill::bench::run_each_size(
      sizes, hosts, options, [&](const firedrill::bench::ScaleOptions& o) { return run_one(o); });
}
