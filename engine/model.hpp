// The typed plan and scenario: what the loader produces and the engine consumes. Every
// field here is checked by the loader and validation; nothing downstream touches JSON.
// Quantities carry their unit in the name (memory_B, bandwidth_Bps, latency_s).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/units.hpp"

namespace firedrill {

struct Host {
  std::string name;
  std::string site;  // filled by the loader from the enclosing site
  int cores = 1;
  double memory_B = 0.0;
  double speed_flops = 1e9;  // simulator only: a core's speed; boots are scaled to it
  std::string libvirt_uri;   // real backend: the host's libvirt URI (optional)
};

struct Site {
  std::string name;
  std::vector<Host> hosts;
};

struct Datastore {
  std::string name;
  std::vector<std::string> hosts;
  std::optional<double> read_bandwidth_Bps;
};

struct Link {
  std::string name;
  std::string between[2];  // two site names
  double bandwidth_Bps = 0.0;
  double latency_s = 0.0;
  // At most this many transfers on the link at once, both directions together; the others
  // wait in the order they were started (SPEC section 8). 0: no limit.
  int max_concurrent_transfers = 0;
};

struct Network {
  std::string name;
  std::string site;
  std::string subnet;  // "10.0.0.0/24", may be empty
  bool isolated = false;
  // Real backend: the network's name in libvirt on its site's hosts, when the plan's name
  // differs (import makes names unique across sites; libvirt names need only be unique
  // per host). Empty: the plan name.
  std::string libvirt_name;
  const std::string& name_in_libvirt() const { return libvirt_name.empty() ? name : libvirt_name; }
};

struct Objectives {
  std::optional<double> rto_s;
  std::optional<double> rpo_s;
};

// One name of a string enum in the plan's JSON, and the value it stands for.
template <typename E>
struct EnumName {
  std::string_view name;
  E value;
};

// SPEC 7: how a real guest is known to be up and how it gets its new address. The default
// is the lab guest's way (its console protocol, the address on the kernel command line).
enum class Readiness { console, agent, none };
// The plan's names of a readiness: the loader reads them (engine/loader_guest.cpp) and
// to_string writes them back (the libvirt backend's evidence).
inline constexpr EnumName<Readiness> kReadinessNames[] = {
    {"console", Readiness::console}, {"agent", Readiness::agent}, {"none", Readiness::none}};
const char* to_string(Readiness readiness);  // "console", "agent", "none"
enum class GuestReIp { kernel_cmdline, agent, cloud_init, none };
enum class GuestOs { linux, windows };
// The format of the disk the libvirt backend provisions for a lab VM (an existing domain's
// disk is what it is). qcow2 disks replicate incrementally (SPEC 8).
enum class DiskFormat { raw, qcow2 };

struct Guest {
  Readiness readiness = Readiness::console;
  GuestReIp re_ip = GuestReIp::kernel_cmdline;
  GuestOs os = GuestOs::linux;
  DiskFormat disk_format = DiskFormat::raw;
};

// One application health check of a recovered VM (SPEC 7). tcp/http probe a port of
// target_vm's recovered address ("" = this VM); exec passes on exit status 0; file passes
// when the file is readable (and holds `contains`, when given). The VM named by `from`
// ("" = this VM) runs it through its guest agent.
enum class HealthKind { tcp, http, exec, file };
// The libvirt backend runs it as it is (real/agent/health_check.hpp).
struct HealthCheckSpec {
  HealthKind kind = HealthKind::tcp;
  std::string target_vm;                // tcp/http: the VM whose address is probed ("" = this VM)
  int port = 0;                         // tcp/http
  std::string path = "/";               // http
  int status = 200;                     // http: the status that passes
  std::optional<std::string> body;      // http: text the body must contain
  std::vector<std::string> argv;        // exec: passes on exit status 0
  std::string file;                     // file: its path in the guest
  std::optional<std::string> contains;  // file: text it must contain (else: readable)
  std::string from;                     // the VM whose agent runs the check ("" = this VM)
  double timeout_s = 300.0;
  double interval_s = 2.0;
  double initial_delay_s = 0.0;
};

// Run by the agent in the restored copy; prints the Unix time of the newest data it holds.
struct DataProbe {
  std::vector<std::string> argv;
};

struct Vm {
  std::string name;
  std::string host;
  int vcpus = 1;
  double memory_B = 1024.0 * 1024 * 1024;
  double disk_B = 10.0 * 1024 * 1024 * 1024;
  double change_rate_Bps = 0.0;
  DurationSpec boot_time = DurationSpec::fixed_at(60);
  DurationSpec shutdown_time = DurationSpec::fixed_at(30);
  std::string network;    // may be empty
  std::string ip;         // may be empty
  std::string datastore;  // empty: the cluster's datastore of its host, else local disk
  Objectives objectives;
  std::vector<std::string> depends_on;
  int priority = 3;  // 1 boots first ... 5 last
  // Simulator only: the chance that one boot attempt does not reach ready (SPEC 9), drawn
  // per attempt from the run's seed by the simulator; real boots fail on their own.
  double boot_failure_probability = 0.0;
  // Real backend only (SPEC 7); the simulator's boot_time already means "service ready".
  Guest guest;
  std::vector<HealthCheckSpec> health;
  std::optional<DataProbe> data_probe;
};

struct HaPolicy {
  DurationSpec failure_timeout = DurationSpec::fixed_at(15);
};

struct Cluster {
  std::string name;
  std::vector<std::string> hosts;
  std::string datastore;
  std::optional<HaPolicy> ha;  // no "ha" object: the cluster does not restart VMs
};

struct Retention {
  int points = 24;  // newest N overall
  int daily = 0;    // grandfather-father-son, on top of `points`
  int weekly = 0;
  int monthly = 0;
};

struct ReplicationJob {
  std::string name;
  std::vector<std::string> vms;
  std::string target_host;
  double interval_s = 900.0;
  Retention retention;
};

struct ReIpRule {
  std::string from;  // "10.0.0.*": each '*' is one octet captured in order
  std::string to;    // "10.1.0.*": each '*' takes the next captured octet
};

struct Recovery {
  std::string target_site;
  DurationSpec detection = DurationSpec::fixed_at(60);
  DurationSpec operator_delay = DurationSpec::fixed_at(0);
  std::map<std::string, std::string> network_mapping;
  std::vector<ReIpRule> re_ip;
  std::string test_network;  // may be empty: a test failover then needs one
  bool power_off_source = true;
  int max_concurrent_boots = 0;  // 0: no cap
  // A real host whose daemon stops answering for this long is lost (SPEC 9); also the bound
  // on opening a connection to it.
  double host_timeout_s = 60.0;
  // A boot that does not reach ready is powered off and tried again this many times before
  // the VM is failed (SPEC 9).
  int boot_retries = 1;
  // A planned failover's final sync whose route fails waits this long for a repair, then
  // the VM is restored from its newest recovery point instead (SPEC 9).
  double final_sync_timeout_s = 600.0;
};

struct Plan {
  std::string name;
  std::vector<Site> sites;
  std::vector<Datastore> datastores;
  std::vector<Link> links;
  std::vector<Network> networks;
  std::vector<Vm> vms;
  std::vector<Cluster> clusters;
  std::vector<ReplicationJob> replication;
  Recovery recovery;
};

struct Event {
  enum class Kind {
    fail_host,
    fail_site,
    fail_datastore,
    fail_link,
    fail_vm,
    corrupt,
    test_failover,
    planned_failover,
    failback,
  };
  Kind kind = Kind::fail_host;
  DurationSpec at;
  std::string target;            // host/site/datastore/link/vm name (fail_* kinds)
  std::vector<std::string> vms;  // corrupt
  std::optional<DurationSpec> repair_after;
  // fail_host only ("mode": "hang"): the host's daemon stops answering instead of the host
  // stopping; a backend finds it lost after recovery.host_timeout (SPEC 9).
  bool hang = false;
};

const char* to_string(Event::Kind kind);  // "fail host", "corrupt", "test_failover", ...

// A calibration file applied to a scenario (`run --calibration`, SPEC 10): measured values
// as "PATH=VALUE" overrides of the plan, fitted from real runs of the plan named `plan`.
struct CalibrationUsed {
  std::string file;    // as given
  std::string sha256;  // of the file's bytes
  std::string plan;
  std::vector<std::string> overrides;
};

struct Scenario {
  std::string name;
  Plan plan;
  std::uint64_t seed = 1;
  double duration_s = 0.0;
  std::vector<Event> events;
  // A run option, not read from the scenario file (`firedrill run --end-when-settled`):
  // end the run as soon as it has settled (engine/engine.hpp) instead of at `duration`,
  // which stays the deadline.
  bool end_when_settled = false;

  // Where it came from, for messages and evidence.
  std::string file;       // the scenario file as given
  std::string plan_file;  // the plan file when "plan" was a path, else empty
  // SHA-256 (hex) of every input file read, in reading order: {path, sha256}.
  std::vector<std::pair<std::string, std::string>> input_files;
  std::string input_sha256;                    // SHA-256 over the scenario file's bytes
  std::optional<CalibrationUsed> calibration;  // `run --calibration`, when given
};

// Replaces every distribution in the scenario with one value drawn from `seed`, in a
// fixed traversal order (events in order, then VMs, clusters, recovery), so one seed
// always gives the same realized scenario. The engine only accepts realized scenarios.
Scenario realize(const Scenario& scenario, std::uint64_t seed);

// The realization a real run's prediction simulates: realize(scenario, seed), the same
// draws the real run enacts (event times, detection, operator delay, HA timeouts), except
// for what the real backend measures rather than enacts, the guests' own boot and shutdown
// times: those are their distributions' means. A draw of a boot time has nothing to do
// with how long the real guest will take; the mean is the best single guess of it, and
// the RTO of a chain of boots then predicts the sum of their means.
Scenario realize_prediction(const Scenario& scenario, std::uint64_t seed);

// Lookup helpers (linear; plans are small enough and callers cache what they need).
const Host* find_host(const Plan& plan, const std::string& name);
const Vm* find_vm(const Plan& plan, const std::string& name);
const Network* find_network(const Plan& plan, const std::string& name);

}  // namespace firedrill
