// A generator of large plans for the benchmark: N VMs on M hosts over two sites ("primary"
// runs the VMs, "dr" holds their replicas), applications as small random dependency DAGs,
// one WAN link sized to carry the replication (by default with a cap on concurrent
// transfers), one replication job per primary host, and a scenario that replicates for
// `replicate_s` and then loses the primary site.
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

#include "engine/model.hpp"

namespace firedrill::bench {

struct ScaleOptions {
  int vms = 1000;
  int hosts = 50;  // split evenly: the first half at primary, the rest at dr
  std::uint64_t seed = 1;
  double replicate_s = 24 * 3600.0;  // then the site outage
  double after_s = 6 * 3600.0;       // run length after the outage
  double interval_s = 900.0;
  // Change rates: "random" draws each VM's rate (log-uniform 10 KB/s .. 500 KB/s); "classes"
  // gives each VM one of five template rates, so cycles of a class end together.
  bool rate_classes = false;
  // The WAN's max_concurrent_transfers: 64 by default, as 16 replication appliances of 4
  // tasks each would allow; 0 lifts the limit (every cycle of a tick on the WAN at once).
  int wan_limit = 64;
};

// A valid, realized scenario (every duration fixed).
Scenario scale_scenario(const ScaleOptions& options);

// The scenario in the scenario-file format of SPEC section 2 (plan inline), for
// `firedrill run`.
nlohmann::json scenario_json(const Scenario& scenario);

}  // namespace firedrill::bench
