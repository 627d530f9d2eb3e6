// Scenario events and repairs: what a host, site, datastore, link or VM failure does to
// the engine's state (transfers lost, instances stopped, production down and routed to
// recovery), corruption, the operator's actions, and what a repair brings back.

#include "engine/engine_impl.hpp"

namespace firedrill {

void EngineState::on_scenario_event(int event_index) {
  const Event& event = scenario_.events[event_index];
  const std::string cause =
      std::string(to_string(event.kind)) + (event.target.empty() ? "" : " " + event.target);
  if (!first_incident_s_) first_incident_s_ = now_s_;
  switch (event.kind) {
    case Event::Kind::fail_host:
      inject_host_failure(event_index, cause);
      break;
    case Event::Kind::fail_site:
      inject_site_failure(event_index, cause);
      break;
    case Event::Kind::fail_datastore:
      out_.push_back(InjectFailure{FailureTarget::datastore, event.target});
      step("", "failure", -1, now_s_, now_s_, cause);
      fail_datastore(index_.datastore(event.target), event_index, cause);
      break;
    case Event::Kind::fail_link:
      out_.push_back(InjectFailure{FailureTarget::link, event.target});
      step("", "failure", -1, now_s_, now_s_, cause);
      fail_link(index_.link(event.target), event_index);
      break;
    case Event::Kind::fail_vm:
      inject_vm_failure(event, cause);
      break;
    case Event::Kind::corrupt:
      begin_corruption(event);
      break;
    case Event::Kind::test_failover:
    case Event::Kind::planned_failover:
    case Event::Kind::failback:
      start_operator_action(event.kind);
      break;
  }
  if (event.repair_after) {
    schedule(now_s_ + event.repair_after->seconds(), Timer::Kind::repair, event_index);
  }
}

void EngineState::inject_host_failure(int index, const std::string& cause) {
  const Event& event = scenario_.events[index];
  const int host = index_.host(event.target);
  out_.push_back(InjectFailure{FailureTarget::host, event.target, event.hang});
  if (event.hang) {
    // Nothing is known to have failed yet: the host is lost when the backend says so
    // (HostLost, after recovery.host_timeout), and its VMs' incidents start then.
    step("", "failure", host, now_s_, now_s_,
         "hang host " + event.target + ": its daemon stops answering");
    hung_[host] = Hang{now_s_, index};
    return;
  }
  step("", "failure", host, now_s_, now_s_, cause);
  fail_host(host, index, cause);
}

void EngineState::inject_site_failure(int index, const std::string& cause) {
  const Event& event = scenario_.events[index];
  out_.push_back(InjectFailure{FailureTarget::site, event.target});
  step("", "failure", -1, now_s_, now_s_, cause);
  const int site = index_.site(event.target);
  // Everything of the site goes down at once, before any VM is routed to recovery, so
  // that no decision counts on a host or datastore that is failing at the same instant.
  mark_site_down(site, index);
  for (std::size_t h = 0; h < hosts_.size(); ++h) {
    if (hosts_[h].site == site) fail_host(static_cast<int>(h), index, cause);
  }
}

namespace {

// Whether every host of datastore `d` is at `site` (a site's failure takes it down).
bool datastore_within_site(const Plan& plan, const PlanIndex& index, std::size_t d, int site) {
  bool all_in_site = !plan.datastores[d].hosts.empty();
  for (const std::string& host : plan.datastores[d].hosts) {
    all_in_site = all_in_site && index.site_of_host(index.host(host)) == site;
  }
  return all_in_site;
}

bool link_touches_site(const Link& link, const std::string& site_name) {
  return link.between[0] == site_name || link.between[1] == site_name;
}

}  // namespace

void EngineState::mark_site_down(int site, int index) {
  const std::string& site_name = scenario_.events[index].target;
  for (std::size_t l = 0; l < plan_.links.size(); ++l) {
    if (link_touches_site(plan_.links[l], site_name)) fail_link(static_cast<int>(l), index);
  }
  for (std::size_t d = 0; d < plan_.datastores.size(); ++d) {
    if (datastore_within_site(plan_, index_, d, site)) datastore_down_by_[d].insert(index);
  }
  for (std::size_t h = 0; h < hosts_.size(); ++h) {
    if (hosts_[h].site == site) hosts_[h].up = false;
  }
}

void EngineState::release_site(int site, int index, std::vector<int>& repaired) {
  const std::string& site_name = scenario_.events[index].target;
  for (std::size_t h = 0; h < hosts_.size(); ++h) {
    if (hosts_[h].site != site) continue;
    host_down_by_[h].erase(index);
    if (host_down_by_[h].empty() && !hosts_[h].up) repaired.push_back(static_cast<int>(h));
  }
  for (std::size_t l = 0; l < plan_.links.size(); ++l) {
    if (link_touches_site(plan_.links[l], site_name)) link_down_by_[l].erase(index);
  }
  for (std::set<int>& held_by : datastore_down_by_) held_by.erase(index);
}

void EngineState::inject_vm_failure(const Event& event, const std::string& cause) {
  const int v = index_.vm(event.target);
  out_.push_back(InjectFailure{FailureTarget::vm, event.target});
  if (vm_serving(v)) {
    release_instance(v, vms_[v].vm->name);
    production_down(v, cause, /*data_damaged=*/true);  // records the failure step
  } else {
    step(event.target, "failure", vms_[v].current_host, now_s_, now_s_, cause);
  }
}

void EngineState::begin_corruption(const Event& event) {
  for (const std::string& name : event.vms) {
    const int v = index_.vm(name);
    VmState& vm = vms_[v];
    if (!vm_serving(v) || vm.corrupted_since_s) continue;
    out_.push_back(CorruptData{name, hosts_[vm.current_host].host->name});
    step(name, "corruption", vm.current_host, now_s_, now_s_, "data corruption begins");
    vm.corrupted_since_s = now_s_;
    note_incident(v, now_s_, "corrupt");
    // The VM keeps serving bad data until the failover powers it off.
    join_replica_failover(v, now_s_, "corrupt", /*corruption=*/true);
  }
}

void EngineState::start_operator_action(Event::Kind action) {
  switch (action) {
    case Event::Kind::test_failover:
      step("", "operator_action", -1, now_s_, now_s_, "test failover");
      start_test_failover(now_s_);
      break;
    case Event::Kind::planned_failover:
      step("", "operator_action", -1, now_s_, now_s_, "planned failover");
      start_planned_failover(now_s_);
      break;
    case Event::Kind::failback:
      step("", "operator_action", -1, now_s_, now_s_, "failback");
      start_failback(now_s_);
      break;
    default:
      break;  // failures and corruption are not operator actions
  }
}

void EngineState::on_repair(int event_index) {
  const Event& event = scenario_.events[event_index];
  std::vector<int> repaired_hosts;
  switch (event.kind) {
    case Event::Kind::fail_host: {
      const int host = index_.host(event.target);
      out_.push_back(Repair{FailureTarget::host, event.target});
      const bool was_lost = host_down_by_[host].erase(event_index) > 0;
      hung_.erase(host);
      // A hang that ends before the host was lost leaves it as it was: nothing to restart.
      if (event.hang && !was_lost) {
        step("", "repair", host, now_s_, now_s_, "host " + event.target + " answers again");
        return;
      }
      if (host_down_by_[host].empty() && !hosts_[host].up) repaired_hosts.push_back(host);
      break;
    }
    case Event::Kind::fail_site:
      out_.push_back(Repair{FailureTarget::site, event.target});
      release_site(index_.site(event.target), event_index, repaired_hosts);
      break;
    case Event::Kind::fail_datastore: {
      out_.push_back(Repair{FailureTarget::datastore, event.target});
      datastore_down_by_[index_.datastore(event.target)].erase(event_index);
      break;
    }
    case Event::Kind::fail_link: {
      out_.push_back(Repair{FailureTarget::link, event.target});
      link_down_by_[index_.link(event.target)].erase(event_index);
      break;
    }
    default:
      return;  // VM crashes, corruption and actions have nothing to repair
  }
  step("", "repair", repaired_hosts.size() == 1 ? repaired_hosts[0] : -1, now_s_, now_s_,
       std::string("repair ") + to_string(event.kind) + " " + event.target);
  resume_final_syncs();  // moves whose final sync waits for this route go on (SPEC 9)
  for (int h : repaired_hosts) {
    // A repaired host comes back empty: nothing it ran is restarted behind the engine's
    // back (a VM recovered elsewhere must not run twice).
    hosts_[h].up = true;
    hosts_[h].memory_used_B = 0.0;
  }
  // VMs that had no other way back restart where their disk survived.
  for (std::size_t v = 0; v < vms_.size(); ++v) {
    VmState& vm = vms_[v];
    if (!vm.awaiting_repair) continue;
    const bool host_ok = hosts_[vm.home_host].up;
    const bool disk_ok = vm.datastore < 0 || datastore_up(vm.datastore);
    if (host_ok && disk_ok) {
      vm.awaiting_repair = false;
      start_repair_restart(static_cast<int>(v), now_s_, "repair");
    }
  }
}

void EngineState::fail_host(int host, int index, const std::string& cause) {
  host_down_by_[host].insert(index);
  hosts_[host].up = false;
  lose_transfers_where([host](int source, int target) { return source == host || target == host; },
                       "host " + hosts_[host].host->name + " failed");
  stop_instances_on_host(host, cause);
  hosts_[host].memory_used_B = 0.0;
}

void EngineState::fail_link(int link, int index) {
  const bool was_up = link_up(link);
  link_down_by_[link].insert(index);
  if (!was_up) return;
  lose_transfers_where(
      [this, link](int source, int target) {
        return index_.link_between(hosts_[source].site, hosts_[target].site) == link;
      },
      "link " + plan_.links[link].name + " failed");
}

void EngineState::fail_datastore(int datastore, int index, const std::string& cause) {
  datastore_down_by_[datastore].insert(index);
  for (std::size_t v = 0; v < vms_.size(); ++v) {
    VmState& vm = vms_[v];
    if (vm.datastore != datastore || !vm.at_home) continue;
    vm.data_damaged = true;
    lose_transfers_where([&vm](int source, int) { return source == vm.current_host; },
                         "datastore " + plan_.datastores[datastore].name + " failed");
    if (vm_serving(static_cast<int>(v))) {
      release_instance(static_cast<int>(v), vm.vm->name);
      production_down(static_cast<int>(v), cause, /*data_damaged=*/true);
    }
  }
}

void EngineState::stop_instances_on_host(int host, const std::string& cause) {
  // Its recovery points go with it; copies booting, restoring or queued here (production or
  // test) are restored again elsewhere or fail with their member (recovery_faults.cpp).
  drop_points_on_host(host);
  for (std::size_t o = 0; o < operations_.size(); ++o) {
    if (operations_[o].finished) continue;
    for (std::size_t m = 0; m < operations_[o].members.size(); ++m) {
      const Member& member = operations_[o].members[m];
      if (member.target_host != host) continue;
      if (member.stage == Member::Stage::booting || member.stage == Member::Stage::restoring ||
          member.stage == Member::Stage::queued) {
        member_host_failed(static_cast<int>(o), static_cast<int>(m), host, cause);
      }
    }
  }
  for (std::size_t v = 0; v < vms_.size(); ++v) {
    VmState& vm = vms_[v];
    const bool production_here = vm.running && vm.current_host == host;
    std::erase_if(vm.instances, [host](const InstanceState& i) { return i.host == host; });
    if (production_here) production_down(static_cast<int>(v), cause, /*data_damaged=*/false);
  }
}

void EngineState::production_down(int v, const std::string& cause, bool data_damaged) {
  VmState& vm = vms_[v];
  vm.running = false;
  if (data_damaged) vm.data_damaged = true;
  step(vm.vm->name, "failure", vm.current_host, now_s_, now_s_, cause);
  note_incident(v, now_s_, cause);
  // A VM in the middle of a planned move loses that move; it is routed like any other.
  if (vm.active_operation >= 0) {
    const Operation& op = operations_[vm.active_operation];
    if (const auto it = op.member_of_vm.find(v); it != op.member_of_vm.end()) {
      member_failed(vm.active_operation, it->second, "source failed: " + cause);
    }
  }
  route_down_vm(v, now_s_, cause);
}

}  // namespace firedrill
