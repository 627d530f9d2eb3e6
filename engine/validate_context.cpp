// The shared context of validation: the plan's names indexed once, paths, diagnostics,
// and the lookups several topics need (a host's site, a VM's datastore, HA coverage,
// the link between two sites).
#include "engine/validate_context.hpp"

#include <algorithm>

namespace firedrill::validation {

std::string named(const std::string& name) {
  return "'" + name + "'";
}

double upper_s(const DurationSpec& spec) {
  switch (spec.kind) {
    case DurationSpec::Kind::fixed:
      return spec.a_s;
    case DurationSpec::Kind::uniform:
      return spec.b_s;
    case DurationSpec::Kind::normal:
    case DurationSpec::Kind::lognormal:
      return spec.a_s + 3 * spec.b_s;
    case DurationSpec::Kind::exponential:
      return 3 * spec.a_s;
  }
  return spec.a_s;
}

double mean_of(const DurationSpec& spec) {
  return spec.kind == DurationSpec::Kind::uniform ? (spec.a_s + spec.b_s) / 2 : spec.a_s;
}

std::vector<std::string> keys_of(const std::map<std::string, std::size_t>& index) {
  std::vector<std::string> keys;
  for (const auto& [name, position] : index) keys.push_back(name);
  return keys;
}

namespace {

// The names of `items` with their indices (the first of duplicates wins).
template <typename T>
std::map<std::string, std::size_t> index_names(const std::vector<T>& items) {
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < items.size(); ++i) index.emplace(items[i].name, i);
  return index;
}

}  // namespace

PlanContext::PlanContext(const Plan& checked, std::string file, std::string prefix,
                         std::vector<Diagnostic>* out)
    : plan(checked), index(checked), file_(std::move(file)), prefix_(std::move(prefix)), out_(out) {
  sites = index_names(plan.sites);
  for (std::size_t s = 0; s < plan.sites.size(); ++s) {
    for (std::size_t h = 0; h < plan.sites[s].hosts.size(); ++h) {
      hosts.emplace(plan.sites[s].hosts[h].name, HostRef{s, h});
    }
  }
  datastores = index_names(plan.datastores);
  links = index_names(plan.links);
  networks = index_names(plan.networks);
  vms = index_names(plan.vms);
  for (std::size_t j = 0; j < plan.replication.size(); ++j) {
    for (const std::string& vm : plan.replication[j].vms) replicated_by.emplace(vm, j);
  }
}

void PlanContext::error(const std::string& path, std::string message) {
  out_->push_back({Diagnostic::Severity::error, file_, path, std::move(message)});
}

void PlanContext::warn(const std::string& path, std::string message) {
  out_->push_back({Diagnostic::Severity::warning, file_, path, std::move(message)});
}

std::string PlanContext::at(const char* list, std::size_t i) const {
  return json_path_index(json_path_join(prefix_, list), i);
}

std::string PlanContext::host_path(const HostRef& ref) const {
  return json_path_index(at("sites", ref.site) + ".hosts", ref.host);
}

std::string PlanContext::recovery_path(const std::string& key) const {
  return json_path_join(json_path_join(prefix_, "recovery"), key);
}

const Host& PlanContext::host_at(const std::string& name) const {
  const HostRef& ref = hosts.at(name);
  return plan.sites[ref.site].hosts[ref.host];
}

std::string PlanContext::site_of_host(const std::string& host) const {
  const int h = index.host(host);
  return h < 0 ? "" : plan.sites[index.site_of_host(h)].name;
}

std::vector<std::string> PlanContext::host_names() const {
  std::vector<std::string> names;
  for (const auto& [name, ref] : hosts) names.push_back(name);
  return names;
}

bool PlanContext::ha_covers_host_failure(std::size_t vm) const {
  return index.ha_cluster_of_vm(static_cast<int>(vm)) >= 0;
}

std::string PlanContext::datastore_of(std::size_t vm) const {
  const int datastore = index.datastore_of_vm(static_cast<int>(vm));
  return datastore < 0 ? "" : plan.datastores[datastore].name;
}

// The engine replicates over one link between two sites (engine/plan_index.hpp): a route
// through a third site is not modelled, so validation does not accept one.
bool PlanContext::linked_directly(const std::string& from, const std::string& to) const {
  return index.link_between(index.site(from), index.site(to)) >= 0;
}

}  // namespace firedrill::validation
