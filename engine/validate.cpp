// Static checks of a typed plan and scenario (SPEC section 6), one topic per file
// (engine/validate_topology, _vms, _guest, _replication, _recovery, _scenario) over a shared
// context (engine/validate_context). Each check reports against the JSON path where the
// offending element was written, so the user can find it: a plan from its own file gets
// paths relative to that file, an inline plan gets "plan." paths. This file fixes the
// order of the topics, which is the order of the diagnostics.
#include "engine/validate.hpp"

#include "engine/validate_context.hpp"

namespace firedrill {
namespace {

using validation::PlanContext;

// `generic_retention_check`: a plan alone has no corruption event to measure retention
// against, so it is checked against recovery.detection; a scenario checks it per
// corruption event instead.
void check_plan(PlanContext& context, bool generic_retention_check) {
  validation::check_sites(context);
  validation::check_datastores(context);
  validation::check_links(context);
  validation::check_networks(context);
  validation::check_vms(context);
  validation::check_cycles(context);
  validation::check_priorities(context);
  validation::check_guests(context);
  validation::check_host_memory(context);
  validation::check_clusters(context);
  validation::check_replication(context);
  validation::check_recovery(context);
  validation::check_replica_capacity(context);
  if (generic_retention_check) {
    for (std::size_t j = 0; j < context.plan.replication.size(); ++j) {
      validation::check_retention(context, j, context.plan.recovery.detection, "");
    }
  }
}

}  // namespace

std::vector<Diagnostic> validate_plan(const Plan& plan, const std::string& file,
                                      const std::string& json_prefix) {
  std::vector<Diagnostic> out;
  PlanContext context(plan, file, json_prefix, &out);
  check_plan(context, true);
  return out;
}

std::vector<Diagnostic> validate(const Scenario& scenario) {
  std::vector<Diagnostic> out;
  const bool separate = !scenario.plan_file.empty();
  PlanContext plan(scenario.plan, separate ? scenario.plan_file : scenario.file,
                   separate ? "" : "plan", &out);
  check_plan(plan, false);
  validation::check_scenario(scenario, plan, &out);
  return out;
}

}  // namespace firedrill
