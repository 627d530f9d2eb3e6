// Random plans and failure sequences for the property tests (tests/sim, tests/property):
// the base plan of sim_plans.hpp with 1-4 primary hosts, 1-8 VMs with random boots,
// dependencies, priorities and change rates, sometimes an HA cluster, and 1-3 failures of
// a host, the primary site, a VM or the WAN (some repaired). Seeded: one seed, one plan.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "engine/model.hpp"
#include "engine/units.hpp"

namespace firedrill::simtest {

Scenario random_scenario(std::uint64_t seed);

// The longest boot path to `name` through the VMs of `group` (recovered by the same
// mechanism from the same incident), at full speed: a lower bound of the boot phase.
double boot_path(const Plan& plan, const std::string& name,
                 const std::function<bool(const std::string&)>& group);

}  // namespace firedrill::simtest
