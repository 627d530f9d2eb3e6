// The evidence of one real run as `firedrill calibrate` needs it: read from a run folder's
// report.json (which plan, scenario and seed; which VMs) and libvirt.json (every boot that
// reached ready, every replication cycle), with only the fields the fits use.
#pragma once

#include <cstddef>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engine/error.hpp"

namespace firedrill::calibrate {

struct BootSample {
  std::string vm;        // the plan's VM (a test-failover copy boots the same guest)
  std::string instance;  // the libvirt domain that booted
  std::string host;
  bool test = false;
  double start_s = 0;  // on the run's clock
  double ready_s = 0;
  std::optional<double> expected_s;  // the boot time the engine expected ("expected_boot_time")
};

struct TransferSample {
  std::string vm;
  std::string target;  // host the recovery point was written to
  // The plan link crossed; nullopt when source and target share a site (no link) or when
  // the evidence predates the field (has_link_field false).
  std::optional<std::string> link;
  bool has_link_field = true;
  // Seeds run before the run's clock starts, so their times are on another clock.
  bool seed = false;
  // "full", "incremental", ...; nullopt when the evidence predates the field.
  std::optional<std::string> copy;
  bool ok = false;
  double as_of_s = 0;  // the recovery point's time
  double start_s = 0;
  double end_s = 0;
  double bytes_B = 0;  // really shipped
};

struct RunEvidence {
  std::string dir;  // as given
  std::string plan;
  std::string scenario;
  nlohmann::json seed;  // as report.json has it
  std::string report_sha256;
  std::vector<std::string> vms;  // report.json's VMs, in its order
  std::vector<BootSample> boots;
  std::map<std::string, std::size_t> failed_boots;  // VM -> boots that never reached ready
  std::vector<TransferSample> transfers;
};

// Reads DIR/report.json and DIR/libvirt.json. Errors (exit 2 for the caller) name the file
// and the JSON path: a missing folder or file, invalid JSON, a simulated run (it measured
// nothing), a field of the wrong type.
Result<RunEvidence> read_run(const std::string& dir);

}  // namespace firedrill::calibrate
