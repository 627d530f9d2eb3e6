// The libvirt backend's private header: the state of one run and the class that carries
// out the engine's commands, shared by the files of real/ that implement it:
//   libvirt_driver.cpp       the run loop (run, execute, finish) and small bookkeeping
//   libvirt_setup.cpp        connecting hosts, provisioning and checking sources, seeding
//   libvirt_replication.cpp  one replication cycle (snapshot, stream, commit)
//   libvirt_instances.cpp    restore, boot, shutdown, power-off and deletion of instances
//   libvirt_guest.cpp        real guests: agent readiness, Re-IP by agent, health checks,
//                            data probes (SPEC 7)
//   libvirt_faults.cpp       injected failures, repairs, corruption, lost hosts
//   libvirt_evidence.cpp     libvirt.json and the production-at-end heartbeats
// Not part of the product's interface: real/libvirt_driver.hpp is.
#pragma once

#include "real/libvirt_driver.hpp"

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>
#include <tuple>

#include "engine/commands.hpp"
#include "engine/drive.hpp"
#include "engine/engine.hpp"
#include "engine/link_slots.hpp"
#include "engine/plan_index.hpp"
#include "real/agent/guest_agent.hpp"
#include "real/agent/health_check.hpp"
#include "real/blocks/pull_backup.hpp"
#include "real/console.hpp"
#include "real/guest_xml.hpp"
#include "real/journal.hpp"
#include "real/virt.hpp"

namespace firedrill::libvirt_run {

// The source disk as a cycle finds it: the domain's definition, the volume behind its disk,
// and whether the domain runs (a running raw disk is frozen by a snapshot before the copy).
struct CycleDisk {
  virt::DomainFacts facts;
  virt::Vol base;
  bool live = false;
};

namespace fs = std::filesystem;
using nlohmann::json;

constexpr double kReadyTimeoutFloor_s = 90.0;  // a lab guest is ready in ~3-6 s under TCG
constexpr double kShutdownTimeoutFloor_s = 10.0;
// How long the end of a run waits for every production copy's next heartbeat (one every
// ten records: about 1-2 s, several seconds on a loaded machine).
constexpr double kAliveAtEndTimeout_s = 15.0;
constexpr long kMinMemoryKiB = 96 * 1024;  // the cloud kernel needs about this much
// The largest disks the lab provisions: a raw disk is copied whole every cycle, so it stays
// small; a qcow2 disk ships only its data and written blocks, so it may have a real size.
constexpr double kMaxLabRawDisk_B = 256.0 * 1024 * 1024;
constexpr double kMaxLabQcow2Disk_B = 4.0 * 1024 * 1024 * 1024;
// The longest the run's thread waits before it looks at operator signals again.
constexpr double kWaitSlice_s = 0.2;

// Milliseconds as an integer string (volume names, point keys).
std::string ms_text(double seconds);
// The lab layout behind a URI "qemu:///system?socket=DIR/labN/sock/libvirt-sock": DIR/labN,
// or "" when the URI is not a lab host's.
std::string lab_dir_of(const std::string& uri);
// Directory of the cached lab guest (vmlinuz, initrd.img), or "" when there is none.
std::string find_guest_dir(const std::string& given);
std::string hex_id();
std::string tap_name(const std::string& host, const std::string& instance);
// SIGKILLs every process of a lab host at once; returns their pids.
std::vector<int> crash_lab_host(const std::string& lab_dir);

// True when the plan's VM needs its guest agent: readiness or Re-IP by agent, health
// checks or a data probe (SPEC 7).
bool uses_agent(const Vm& vm);

struct HostState {
  std::string name;
  std::string site;
  std::string uri;
  std::string lab_dir;
  std::unique_ptr<virt::Connection> conn;
  std::atomic<bool> up{false};
  std::atomic<bool> injected{false};
  // Set once a clone on this host fell back to a full copy (no reflinks): noted once.
  std::atomic<bool> clones_copy{false};
};

class LibvirtRun : public Backend {
 public:
  LibvirtRun(const Scenario& scenario, const RealRunOptions& options)
      : scenario_(scenario), options_(options), journal_(options.out_dir) {}
  RealRunResult run();
  int abandoned_workers() const { return abandoned_workers_; }

  // engine/drive.hpp's Backend: drive() calls these from the run's thread.
  void execute(const std::vector<Command>& commands, double now_s) override;
  void start_clock() override;
  WaitResult wait(std::optional<double> deadline_s) override;

 private:
  // ---- setup (libvirt_setup.cpp)
  bool connect_hosts(RealRunResult& result);
  bool prepare_sources(RealRunResult& result);
  bool provision_missing_sources(std::vector<std::string>& provisioned, RealRunResult& result);
  bool check_source(const Vm& vm, bool fresh, RealRunResult& result);
  bool source_up(const Vm& vm, bool fresh, RealRunResult& result);
  bool provision_source(const Vm& vm, HostState& host, std::string& error);
  bool guests_supported(RealRunResult& result);
  bool agent_source_ready(const Vm& vm, bool fresh, RealRunResult& result);
  bool seed(const std::vector<Command>& commands, RealRunResult& result);
  // ---- the loop and bookkeeping (libvirt_driver.cpp)
  double now() const;
  void post(DriverEvent event);
  void spawn(std::function<void()> work);
  void carry_out(const std::vector<Command>& commands);  // after the clock started
  void carry_out_one(const Command& command);
  std::size_t delete_side_by_side(const std::vector<Command>& commands, std::size_t first);
  void seed_late(const SeedReplica& seed);
  void prune_point(const PrunePoint& prune);
  void log(const std::string& line);
  void note(const std::string& line);
  // ---- link limits (libvirt_slots.cpp): a transfer copies once it holds its link's slot
  std::vector<std::size_t> route_links(const std::string& source, const std::string& target) const;
  void start_transfer(const StartTransfer& transfer);
  void copy_transfer(const StartTransfer& transfer);
  void release_slots(ActivityId id);
  void cancel_transfer(ActivityId id);
  double take_slot_wait_s(ActivityId id, double started_s);
  // ---- replication (libvirt_replication.cpp)
  // modelled_bytes: what the engine's model moves for this cycle (change_rate x elapsed);
  // none for the seed, which the model takes as done before the run. Both go into the
  // evidence beside the bytes really shipped (SPEC 8). Returns the bytes shipped, or none
  // (with why in detail) when the cycle failed.
  std::optional<long long> replicate(const std::string& vm, const std::string& instance,
                                     const std::string& source, const std::string& target,
                                     double as_of_s, ActivityId id,
                                     std::optional<double> modelled_bytes, std::string& detail);
  // Why a cycle cannot start now (a host unknown or down, the link down); "" when it can.
  std::string replication_blocker(const std::string& source, const std::string& target);
  virt::Vol create_point(HostState& target, const JournalObject& point, long long capacity_B,
                         std::string& detail);
  void merge_overlay(HostState& source, virDomainPtr domain, const JournalObject& overlay,
                     const std::string& instance);
  long long ship_whole_disk(HostState& source, HostState& target, virDomainPtr domain,
                            const CycleDisk& disk, const std::string& vm,
                            const std::string& instance, double as_of_s, const JournalObject& point,
                            long long capacity_B, ActivityId id, double& frozen_s,
                            std::string& detail);
  // ---- incremental cycles of qcow2 disks (libvirt_incremental.cpp)
  // An incremental chain (source host, domain, target host): the newest checkpoint and the
  // point made at it, which the next cycle clones and patches.
  using ChainKey = std::tuple<std::string, std::string, std::string>;
  struct Chain {
    std::string checkpoint;
    std::string point;
  };
  // An NBD export of a source disk on the source host: a seed reads its data extents, an
  // incremental cycle the dirty extents of `bitmap`.
  struct NbdExport {
    std::string name;         // the point's stem, which names the local tunnel socket
    std::string socket_path;  // on the source host
    std::string export_name = "vda";
    std::string bitmap;  // empty: a seed
  };
  std::string incremental_blocker(const HostState& source, const std::string& instance) const;
  virt::Vol start_point(HostState& target, const JournalObject& point, const std::string& previous,
                        long long capacity_B, std::string& detail);
  long long ship_extents(const NbdExport& from, HostState& source, HostState& target,
                         virStorageVolPtr volume, ActivityId id, std::string& detail);
  long long ship_changed_blocks(HostState& source, HostState& target, virDomainPtr domain,
                                bool live, const std::string& disk_path, long long capacity_B,
                                const std::string& instance, const JournalObject& point,
                                ActivityId id, std::string& kind, double& frozen_s,
                                std::string& detail);
  long long ship_stopped_disk(HostState& source, HostState& target, const std::string& disk_path,
                              long long capacity_B, const ChainKey& chain_key, const Chain& chain,
                              const JournalObject& point, const NbdExport& from, ActivityId id,
                              double& frozen_s, std::string& detail);
  // The plan's link between two hosts' sites, by index into Plan::links and by name; -1
  // and "" when they share a site or none joins them.
  int link_index_between_hosts(const std::string& a, const std::string& b) const;
  std::string link_between_hosts(const std::string& a, const std::string& b) const;
  // ---- instances (libvirt_instances.cpp)
  bool restore(const StartRestore& command, std::string& detail);
  bool find_point(const StartRestore& command, std::string& point, virt::DomainFacts& facts,
                  std::string& detail);
  bool may_redefine(const StartRestore& command, virDomainPtr existing, std::string& uuid,
                    std::string& detail);
  bool restore_home(const StartRestore& command, HostState& home, virStorageVolPtr point,
                    virDomainPtr domain, std::string& detail);
  BootEnded boot(const StartBoot& command);
  bool may_boot(const StartBoot& command, bool& test, BootEnded& ended);
  bool split_brain(const StartBoot& command, BootEnded& ended);
  void remember_recovered_copy(const StartBoot& command);
  void record_boot(const StartBoot& command, bool test, const BootEnded& ended, json boot);
  ShutdownEnded shutdown(const StartShutdown& command);
  void power_off(const std::string& host, const std::string& instance);
  void delete_instance(const DeleteInstance& command);
  bool ready_by_console(const StartBoot& command, HostState& host, virDomainPtr domain,
                        double deadline_s, BootEnded& ended, json& boot);
  // ---- real guests (libvirt_guest.cpp)
  struct GuestCopy {  // where a VM's current copy runs, and its address there
    std::string host, instance;
    std::string cidr;  // "10.2.0.10/24", "" when the plan gives none
    std::string address() const { return cidr.substr(0, cidr.find('/')); }
  };
  GuestCopy copy_of(const std::string& vm) const;
  GuestCopy copy_of_locked(const std::string& vm) const;  // under mutex_
  // How a boot's guest agent was seen to connect.
  struct AgentConnect {
    const virt::Connection* conn = nullptr;
    std::string instance;
    double since_s = 0.0;        // the boot's start: a connect before it was another QEMU's
    std::optional<double> at_s;  // run time, once seen
    std::string by;              // "lifecycle event" | "channel state"
    std::optional<double> channel_seen_s;  // when the live XML first said connected
  };
  // Polls until the guest agent answers a typed call (and, with `connect`, first until it
  // connected); false (with why) when it does not within timeout_s, the domain stops, or
  // (until_run_ends) the run ends.
  bool wait_agent(virDomainPtr domain, double timeout_s, std::string& error,
                  bool until_run_ends = true, AgentConnect* connect = nullptr);
  void look_for_agent_connect(virDomainPtr domain, AgentConnect& connect) const;
  bool agent_alive(virDomainPtr domain);
  bool climb_agent_ladder(const StartBoot& command, virDomainPtr domain, const Vm& vm,
                          double started_s, double deadline_s, BootEnded& ended, json& boot,
                          bool& tainted);
  bool re_ip_by_agent(const StartBoot& command, virDomainPtr domain, agent::GuestAgent& guest,
                      ReadinessStep& rung);
  agent::AttemptResult check_attempt(const StartBoot& command, const agent::HealthCheck& check,
                                     double budget_s, bool& tainted);
  bool run_checks(const StartBoot& command, const Vm& vm, BootEnded& ended, bool& tainted);
  bool probe_data(const Vm& vm, agent::GuestAgent& guest, BootEnded& ended);
  // ---- faults (libvirt_faults.cpp)
  void inject(const InjectFailure& command);
  void repair(const Repair& command);
  void corrupt(const CorruptData& command);
  void host_lost(const std::string& host);
  void hang(const std::string& host);
  void lose_hung_hosts();  // under mutex_
  void end_hangs();  // the end of the run: says which daemons stay frozen, and how to wake them
  // ---- bookkeeping (libvirt_driver.cpp)
  HostState* host(const std::string& name);
  bool may_touch(const std::string& host, const std::string& domain) const;
  std::string point_key(const std::string& vm, const std::string& host, double as_of_s) const;
  std::string link_down_between(const std::string& a, const std::string& b) const;
  bool cancelled(ActivityId id) const;
  std::mutex& domain_lock(const std::string& host, const std::string& domain);
  ConsoleWatcher* watch(HostState& host, virDomainPtr domain, const std::string& instance,
                        std::string& error);
  ConsoleWatcher* console(const std::string& host, const std::string& instance) const;
  void finish(RealRunResult& result);
  // ---- evidence (libvirt_evidence.cpp)
  void record_production_at_end();
  void write_evidence(RealRunResult& result);

  // Written during setup, before any worker thread runs, then only read: no lock. A
  // HostState's `up` and `injected` are atomics and its connection is thread-safe.
  Scenario scenario_;
  PlanIndex index_{scenario_.plan};  // the relations of the plan, as the engine sees them
  // ---- link limits (libvirt_slots.cpp); guarded by mutex_
  LinkSlots slots_{scenario_.plan};
  std::map<ActivityId, StartTransfer> waiting_for_slot_;
  std::map<ActivityId, double> slot_asked_s_;  // when each waiting transfer began to wait
  RealRunOptions options_;
  Journal journal_;  // appends are serialised inside it
  std::string run_id_ = hex_id();
  std::map<std::string, std::unique_ptr<HostState>> hosts_;
  SkewTable skews_;  // its own lock
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::atomic<double> epoch0_{epoch_now()};
  std::atomic<bool> finishing_{false};
  bool clock_started_ = false;  // the run's thread only

  // mutex_ guards everything below. Hold it only for bookkeeping: never across a libvirt
  // call, a console stop or a join, which can take as long as a host takes to answer.
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::pair<DriverEvent, double>> queue_;
  std::set<ActivityId> cancelled_;
  std::vector<std::thread> workers_;
  int workers_running_ = 0;                    // spawned and not yet returned
  int abandoned_workers_ = 0;                  // detached at the end, stuck on a host (finish)
  std::map<std::string, std::string> points_;  // point_key -> volume name
  std::map<ChainKey, Chain> chains_;
  std::map<std::string, virt::DomainFacts> templates_;     // vm -> captured definition
  std::set<std::pair<std::string, std::string>> created_;  // (host, domain) this run made
  std::set<std::pair<std::string, std::string>> test_instances_;
  std::map<std::pair<std::string, std::string>, std::string> instance_volume_;
  std::map<std::string, std::string> vm_host_;  // vm -> host its production copy runs on
  std::map<std::pair<std::string, std::string>, std::string> instance_cidr_;  // its address
  std::map<std::string, GuestCopy> recovered_;  // vm -> the copy this run booted last
  std::map<std::pair<std::string, std::string>, std::unique_ptr<ConsoleWatcher>> consoles_;
  std::vector<std::unique_ptr<ConsoleWatcher>> retired_consoles_;  // replaced, kept alive
  std::set<std::string> links_down_;
  struct FrozenDaemon {
    pid_t pid = -1;
    double since_s = 0.0;  // run clock
    bool lost = false;     // HostLost posted
  };
  std::map<std::string, FrozenDaemon> frozen_daemons_;  // host -> its libvirtd, frozen by a hang
  // One lock per (host, domain): a replication cycle (snapshot .. commit) and a shutdown of
  // the same domain never overlap, nor do two cycles of it.
  std::map<std::pair<std::string, std::string>, std::unique_ptr<std::mutex>> domain_locks_;
  json evidence_boots_ = json::array();
  json evidence_failed_boots_ = json::array();  // attempts that did not reach ready
  json evidence_transfers_ = json::array();
  json evidence_events_ = json::array();
  json evidence_production_ = json::object();
  std::vector<std::string> notes_;
};

}  // namespace firedrill::libvirt_run
