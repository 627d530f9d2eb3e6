// Hand-built, deterministic scenarios and outcomes for the report tests: what the engine
// would produce for a site outage of the three-tier example (one VM missing its RTO, one
// its RPO, one lost), a test failover measured on real hosts with the simulator's
// prediction, and a run where nothing failed.
#pragma once

#include "engine/model.hpp"
#include "engine/outcome.hpp"
#include "reports/report.hpp"

namespace firedrill::testing {

struct Sample {
  Scenario scenario;
  Outcome outcome;
  reports::RunContext context;
};

Sample site_outage_sample();
Sample test_drill_real_sample();
Sample quiet_sample();

}  // namespace firedrill::testing
