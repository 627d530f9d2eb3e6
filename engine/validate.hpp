// Static checks of a typed scenario (SPEC section 6): references, duplicates, dependency
// cycles, priority deadlocks, value ranges, replication targets, network mapping, Re-IP,
// test network, event targets and times -- errors -- and warnings for VMs a scenario
// fails without HA or replica, replicas that do not fit their target host, and retention
// too short for the corruption-detection window.
#pragma once

#include <vector>

#include "engine/error.hpp"
#include "engine/model.hpp"

namespace firedrill {

// Errors and warnings, in the order of the file. Paths are rendered against the file
// where the element was written (the plan file when the plan is a path).
std::vector<Diagnostic> validate(const Scenario& scenario);
// A plan alone (firedrill validate PLAN.json).
std::vector<Diagnostic> validate_plan(const Plan& plan, const std::string& file,
                                      const std::string& json_prefix);

}  // namespace firedrill
