// The engine's invariants (FailoverEngine::check_invariants): bookkeeping that several
// transitions keep in step, checked from outside after every engine call by the property
// campaign's observer (tests/property) and by debug builds at the end of every call. A
// violation is a defect of the engine, never an input problem.
#include <cmath>
#include <stdexcept>

#include "engine/engine.hpp"
#include "engine/engine_impl.hpp"
#include "engine/stages.hpp"

namespace firedrill {

namespace {

// Neither ready nor failed (the stage table, engine/stages.cpp).
bool is_open(Member::Stage stage) {
  return !stage_info(stage).terminal;
}

// Memory in bytes, summed and subtracted in floating point as VMs come and go: a byte of
// slack (plus rounding on very large totals) is far below any VM's size.
bool close(double a, double b) {
  return std::abs(a - b) <= 1.0 + 1e-12 * std::max(std::abs(a), std::abs(b));
}

}  // namespace

std::string EngineState::invariant_violation() const {
  // Boots in progress: the boot cap counts exactly the members booting.
  int booting = 0;
  for (const Operation& op : operations_) {
    int open = 0;
    int open_by_priority[6] = {0, 0, 0, 0, 0, 0};
    for (const Member& member : op.members) {
      if (member.stage == Member::Stage::booting) ++booting;
      if (is_open(member.stage)) {
        ++open;
        ++open_by_priority[vms_[member.vm].vm->priority];
      }
    }
    // Pending members: those neither ready nor failed, in total and by priority group.
    if (open != op.pending) {
      return "an operation counts " + std::to_string(op.pending) + " pending members but " +
             std::to_string(open) + " are neither ready nor failed";
    }
    for (int p = 0; p < 6; ++p) {
      if (open_by_priority[p] != op.pending_by_priority[p]) {
        return "an operation counts " + std::to_string(op.pending_by_priority[p]) +
               " pending members of priority " + std::to_string(p) + " but has " +
               std::to_string(open_by_priority[p]);
      }
    }
  }
  if (const std::string why = member_violation(); !why.empty()) return why;
  if (booting != booting_count_) {
    return "the boot count is " + std::to_string(booting_count_) + " but " +
           std::to_string(booting) + " members are booting";
  }
  if (const std::string why = failure_violation(); !why.empty()) return why;
  // Memory reserved on each host: exactly its instances' (a host that failed holds none).
  std::vector<double> memory_B(hosts_.size(), 0.0);
  for (const VmState& vm : vms_) {
    for (const InstanceState& instance : vm.instances) memory_B[instance.host] += vm.vm->memory_B;
  }
  for (std::size_t h = 0; h < hosts_.size(); ++h) {
    if (!close(memory_B[h], hosts_[h].memory_used_B)) {
      return "host " + hosts_[h].host->name + " has " + std::to_string(hosts_[h].memory_used_B) +
             " B reserved but its instances need " + std::to_string(memory_B[h]) + " B";
    }
  }
  // No split brain: at most one non-test copy of a VM boots or runs as a member at a time.
  std::vector<int> copies(vms_.size(), 0);
  for (std::size_t o = 0; o < operations_.size(); ++o) {
    if (traits(static_cast<int>(o)).test_copies || operations_[o].finished) continue;
    for (const Member& member : operations_[o].members) {
      if (member.stage == Member::Stage::booting) ++copies[member.vm];
    }
  }
  for (std::size_t v = 0; v < vms_.size(); ++v) {
    if (copies[v] > 1)
      return vms_[v].vm->name + " has " + std::to_string(copies[v]) + " copies booting";
  }
  return "";
}

// Each host is up exactly when no unrepaired failure holds it down (a link's and a
// datastore's state is their causes, engine_impl.hpp).
std::string EngineState::failure_violation() const {
  for (std::size_t h = 0; h < hosts_.size(); ++h) {
    if (hosts_[h].up != host_down_by_[h].empty()) {
      return "host " + hosts_[h].host->name + " is " + (hosts_[h].up ? "up" : "down") + " but " +
             std::to_string(host_down_by_[h].size()) + " failures hold it down";
    }
  }
  return "";
}

// Each member against its own activity, reservation and boot attempts, and recovery points
// against the hosts that hold them (SPEC 9: a failed host's points are gone).
std::string EngineState::member_violation() const {
  for (std::size_t o = 0; o < operations_.size(); ++o) {
    for (std::size_t m = 0; m < operations_[o].members.size(); ++m) {
      const Member& member = operations_[o].members[m];
      const std::string who = vms_[member.vm].vm->name + " (member " + std::to_string(m) +
                              " of operation " + std::to_string(o) + ")";
      // The stage table says which activity, if any, a stage waits for.
      const StageInfo& stage = stage_info(member.stage);
      if (stage.transient) return who + " is still " + stage.name + " between engine calls";
      if (stage.activity.has_value() != member.activity.has_value()) {
        return who +
               (member.activity ? " holds an activity in stage " : " has no activity in stage ") +
               stage.name;
      }
      if (member.activity) {
        const auto it = activities_.find(*member.activity);
        if (it == activities_.end() || it->second.operation != static_cast<int>(o) ||
            it->second.member != static_cast<int>(m)) {
          return who + " holds activity #" + std::to_string(*member.activity) +
                 " that is not its own";
        }
        if (it->second.kind != *stage.activity) {
          return who + " holds an activity of another kind than stage " + stage.name + " waits for";
        }
      }
      if (is_open(member.stage) && member.reserved &&
          (member.target_host < 0 || !hosts_[member.target_host].up)) {
        return who + " holds a reservation on a host that is down";
      }
      const int most = plan_.recovery.boot_retries + (is_open(member.stage) ? 0 : 1);
      if (member.failed_boots > most) {
        return who + " failed " + std::to_string(member.failed_boots) +
               " boots, more than recovery.boot_retries allows";
      }
    }
  }
  for (const ReplicaState& replica : replicas_) {
    if (!hosts_[replica.target_host].up && !replica.points.empty()) {
      return vms_[replica.vm].vm->name + " keeps recovery points on " +
             hosts_[replica.target_host].host->name + ", which is down";
    }
  }
  return "";
}

void throw_invariant_violation(double now_s, const std::string& why) {
  throw std::logic_error("engine invariant violated at t=" + std::to_string(now_s) + ": " + why);
}

void FailoverEngine::check_invariants() const {
  if (const std::string why = state_->invariant_violation(); !why.empty()) {
    throw_invariant_violation(state_->now_s_, why);
  }
}

}  // namespace firedrill
