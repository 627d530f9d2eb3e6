// Start order (SPEC 3.4): queued members boot when their dependencies are ready, every
// lower priority group is done, and max_concurrent_boots allows; split brain outside a
// test is asserted never to happen.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "engine/engine_impl.hpp"

namespace firedrill {

std::vector<int> EngineState::members_in_order(const Operation& op) const {
  std::vector<int> order(op.members.size());
  for (std::size_t m = 0; m < order.size(); ++m) order[m] = static_cast<int>(m);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    const VmState& va = vms_[op.members[a].vm];
    const VmState& vb = vms_[op.members[b].vm];
    if (va.vm->priority != vb.vm->priority) return va.vm->priority < vb.vm->priority;
    if (va.topo_rank != vb.topo_rank) return va.topo_rank < vb.topo_rank;
    return op.members[a].vm < op.members[b].vm;
  });
  return order;
}

void EngineState::enqueue_boot(int o, int m) {
  Member& member = operations_[o].members[m];
  // Queued already (woken again by member_done or wake_dependents): back among the
  // candidates, no change of stage.
  if (member.stage != Member::Stage::queued) set_stage(o, m, Member::Stage::queued);
  const VmState& vm = vms_[member.vm];
  boot_candidates_.insert({vm.vm->priority, vm.topo_rank, member.vm, o, m});
}

void EngineState::wake_dependents(int v) {
  for (int dependent : vms_[v].dependents) {
    for (std::size_t o = 0; o < operations_.size(); ++o) {
      const Operation& op = operations_[o];
      if (op.finished) continue;
      const auto it = op.member_of_vm.find(dependent);
      if (it != op.member_of_vm.end() && op.members[it->second].stage == Member::Stage::queued) {
        enqueue_boot(static_cast<int>(o), it->second);
      }
    }
  }
}

void EngineState::schedule_boots() {
  // The first candidate in start order is tried until none is left or the boot cap holds:
  // boots and failures leave the set, so do members that wait for something else (they
  // come back through member_done / wake_dependents).
  while (!boot_candidates_.empty()) {
    const auto first = boot_candidates_.begin();
    const auto [priority, rank, vm, o, m] = *first;
    if (operations_[o].members[m].stage != Member::Stage::queued) {
      boot_candidates_.erase(first);
      continue;
    }
    const BootAttempt attempt = try_boot(o, m);
    if (attempt == BootAttempt::capped) return;
    boot_candidates_.erase({priority, rank, vm, o, m});
  }
}

EngineState::BootAttempt EngineState::try_boot(int o, int m) {
  Member& member = operations_[o].members[m];
  if (!hosts_[member.target_host].up) {
    member_failed(o, m, "its host " + hosts_[member.target_host].host->name + " is down");
    return BootAttempt::failed;
  }
  if (const std::optional<BootAttempt> held = dependency_hold(o, m)) return *held;
  if (waits_for_priority_group(o, m)) return BootAttempt::blocked;
  const int cap = plan_.recovery.max_concurrent_boots;
  if (cap > 0 && booting_count_ >= cap) {
    member.blocker = Member::Blocker::boot_cap;
    member.blocker_vm = -1;
    return BootAttempt::capped;
  }
  if (!traits(o).test_copies) assert_no_split_brain(o, m);
  start_boot(o, m);
  return BootAttempt::booted;
}

std::optional<EngineState::BootAttempt> EngineState::dependency_hold(int o, int m) {
  const Operation& op = operations_[o];
  Member& member = operations_[o].members[m];
  const VmState& vm = vms_[member.vm];
  // Dependencies: ready in this operation, or serving outside it.
  for (const std::string& dependency : vm.vm->depends_on) {
    const int d = index_.vm(dependency);
    if (const auto it = op.member_of_vm.find(d); it != op.member_of_vm.end()) {
      const Member& other = op.members[it->second];
      if (other.stage == Member::Stage::failed) {
        member_failed(o, m, "its dependency " + dependency + " was not recovered");
        return BootAttempt::failed;
      }
      if (other.stage != Member::Stage::ready) {
        member.blocker = Member::Blocker::dependency;
        member.blocker_vm = d;
        return BootAttempt::blocked;
      }
      // Ready here but down again (its recovery host failed, SPEC 9): as if outside. (A
      // test copy depends on the test copies of its operation alone.)
      if (traits(o).test_copies || vm_serving(d)) continue;
    } else if (vm_serving(d)) {
      continue;
    }
    const VmState& dep = vms_[d];
    if (dep.active_operation >= 0 || dep.awaiting_repair) {
      member.blocker = Member::Blocker::dependency;
      member.blocker_vm = d;
      return BootAttempt::blocked;  // being recovered by another operation
    }
    member_failed(o, m, "its dependency " + dependency + " is down and not being recovered");
    return BootAttempt::failed;
  }
  return std::nullopt;
}

bool EngineState::waits_for_priority_group(int o, int m) {
  const Operation& op = operations_[o];
  Member& member = operations_[o].members[m];
  const int priority = vms_[member.vm].vm->priority;
  // Priority groups: every member of a lower number is ready or has failed.
  for (int p = 1; p < priority; ++p) {
    if (op.pending_by_priority[p] > 0) {
      member.blocker = Member::Blocker::priority_group;
      member.blocker_vm = -1;
      for (const Member& other : op.members) {
        if (vms_[other.vm].vm->priority == p && other.stage != Member::Stage::ready &&
            other.stage != Member::Stage::failed) {
          member.blocker_vm = other.vm;
          break;
        }
      }
      return true;
    }
  }
  return false;
}

void EngineState::assert_no_split_brain(int o, int m) const {
  const Member& member = operations_[o].members[m];
  const VmState& vm = vms_[member.vm];
  // Split brain is a defect: no second running copy of a VM outside a test, ever.
  for (const InstanceState& instance : vm.instances) {
    const bool this_one = instance.name == member.instance && instance.host == member.target_host;
    if (!instance.test && !this_one && hosts_[instance.host].up) {
      std::fprintf(stderr, "firedrill: engine invariant broken: split brain for VM %s\n",
                   vm.vm->name.c_str());
      std::abort();
    }
  }
}

void EngineState::start_boot(int o, int m) {
  Member& member = operations_[o].members[m];
  const VmState& vm = vms_[member.vm];
  if (now_s_ <= member.prelude_end_s) member.blocker = Member::Blocker::none;
  const ActivityId id = next_activity_++;
  member.boot_time_s = vm.vm->boot_time.seconds();
  out_.push_back(StartBoot{id, vm.vm->name, member.instance, hosts_[member.target_host].host->name,
                           member.boot_time_s, traits(o).from_shared_storage});
  activities_[id] = ActivityRef{ActivityRef::Kind::boot, o, m, member.replica};
  member.activity = id;
  set_stage(o, m, Member::Stage::booting);
  member.boot_start_s = now_s_;
  member.attempt_start_s = now_s_;
}

}  // namespace firedrill
