// Replication: periodic cycles per job and VM (seeded at t = 0, a tick every interval, a
// tick skipped while the previous transfer of the same VM is in flight), recovery points
// with their "as of" time, retention (newest N and grandfather-father-son), and transfers
// lost when their source or route fails.
#include <algorithm>
#include <cmath>
#include <set>

#include "engine/engine_impl.hpp"

namespace firedrill {

namespace {

constexpr double kDay_s = 86400.0;
constexpr double kWeek_s = 7 * kDay_s;
constexpr double kMonth_s = 30 * kDay_s;

}  // namespace

bool EngineState::route_up(int source_host, int target_host) const {
  if (!hosts_[source_host].up || !hosts_[target_host].up) return false;
  const int source_site = hosts_[source_host].site;
  const int target_site = hosts_[target_host].site;
  if (source_site == target_site) return true;
  const int link = index_.link_between(source_site, target_site);
  return link >= 0 && link_up(link);
}

int EngineState::primary_replica(int vm) const {
  return vms_[vm].replicas.empty() ? -1 : vms_[vm].replicas.front();
}

void EngineState::replication_tick(int job_index) {
  const ReplicationJob& job = plan_.replication[job_index];
  const double next_s = (std::round(now_s_ / job.interval_s) + 1) * job.interval_s;
  if (next_s <= scenario_.duration_s) schedule(next_s, Timer::Kind::replication_tick, job_index);
  for (const int r : job_replicas_[job_index]) {
    ReplicaState& replica = replicas_[r];
    if (!replica.active) continue;
    const int v = replica.vm;
    VmState& vm = vms_[v];
    if (!vm_serving(v) || !vm.at_home) continue;  // nothing to copy from
    if (replica.in_flight || !route_up(vm.current_host, replica.target_host)) {
      // In flight: skipped, its changes go with the next cycle. Route down: stalled.
      ++ticks_skipped_;
      continue;
    }
    const double since_s = replica.points.empty() ? 0.0 : replica.points.back().as_of_s;
    const double bytes = vm.vm->change_rate_Bps * (now_s_ - since_s);
    replica.in_flight = start_transfer(TransferKind::replication, r, v, vm.vm->name,
                                       vm.current_host, replica.target_host, bytes, now_s_, -1, -1);
    replica.in_flight_record = static_cast<int>(transfers_.size()) - 1;
  }
}

ActivityId EngineState::start_transfer(TransferKind kind, int replica, int vm,
                                       const std::string& instance, int source_host,
                                       int target_host, double bytes, double as_of_s, int operation,
                                       int member) {
  const ActivityId id = next_activity_++;
  const std::string job = replica >= 0 ? plan_.replication[replicas_[replica].job].name : "";
  out_.push_back(StartTransfer{id, kind, job, vms_[vm].vm->name, instance,
                               hosts_[source_host].host->name, hosts_[target_host].host->name,
                               bytes, as_of_s});
  activities_[id] = ActivityRef{
      ActivityRef::Kind::transfer, operation, member, replica, source_host, target_host};
  TransferRecord record;
  record.job = job;
  record.vm = vms_[vm].vm->name;
  record.kind = kind;
  record.source_host = hosts_[source_host].host->name;
  record.target_host = hosts_[target_host].host->name;
  record.as_of_s = as_of_s;
  record.start_s = now_s_;
  record.bytes = bytes;
  record.result = TransferResult::in_flight;
  transfers_.push_back(std::move(record));
  if (operation >= 0) {
    operations_[operation].members[member].transfer_record =
        static_cast<int>(transfers_.size()) - 1;
  }
  return id;
}

void EngineState::transfer_lost(ActivityId id, const std::string& why) {
  auto it = activities_.find(id);
  if (it == activities_.end()) return;
  const ActivityRef ref = it->second;
  activities_.erase(it);
  const int record_index = ref.operation >= 0
                               ? operations_[ref.operation].members[ref.member].transfer_record
                               : replicas_[ref.replica].in_flight_record;
  if (record_index >= 0) {
    transfers_[record_index].end_s = now_s_;
    transfers_[record_index].result = TransferResult::lost;
  }
  if (ref.operation < 0) {
    replicas_[ref.replica].in_flight.reset();
    replicas_[ref.replica].in_flight_record = -1;
    return;
  }
  const Member& member = operations_[ref.operation].members[ref.member];
  if (member.stage == Member::Stage::syncing && !traits(ref.operation).reverse) {
    final_sync_cut_off(ref.operation, ref.member, why);  // waits or falls back (SPEC 9)
    return;
  }
  member_failed(ref.operation, ref.member, "transfer lost: " + why);
}

void EngineState::lose_transfers_where(const std::function<bool(int, int)>& hit,
                                       const std::string& why) {
  std::vector<ActivityId> lost;
  for (const auto& [id, ref] : activities_) {
    if (ref.kind != ActivityRef::Kind::transfer) continue;
    if (hit(ref.source_host, ref.target_host)) lost.push_back(id);
  }
  for (ActivityId id : lost) {
    out_.push_back(CancelTransfer{id});
    transfer_lost(id, why);
  }
}

void EngineState::add_point(int r, double as_of_s) {
  ReplicaState& replica = replicas_[r];
  const VmState& vm = vms_[replica.vm];
  const bool corrupted = vm.corrupted_since_s && as_of_s >= *vm.corrupted_since_s;
  RecoveryPoint point{as_of_s, now_s_, corrupted};
  auto position = std::upper_bound(
      replica.points.begin(), replica.points.end(), point,
      [](const RecoveryPoint& a, const RecoveryPoint& b) { return a.as_of_s < b.as_of_s; });
  replica.points.insert(position, point);
  apply_retention(r);
}

void EngineState::apply_retention(int r) {
  ReplicaState& replica = replicas_[r];
  const Retention& retention = plan_.replication[replica.job].retention;
  const int count = static_cast<int>(replica.points.size());
  auto prune = [&](const RecoveryPoint& point) {
    out_.push_back(PrunePoint{plan_.replication[replica.job].name, vms_[replica.vm].vm->name,
                              hosts_[replica.target_host].host->name, point.as_of_s});
  };
  if (retention.daily <= 0 && retention.weekly <= 0 && retention.monthly <= 0) {
    // Newest N only: drop the oldest (the common case, kept cheap for large plans).
    const int excess = count - std::max(1, retention.points);
    for (int i = 0; i < excess; ++i) prune(replica.points[i]);
    if (excess > 0) replica.points.erase(replica.points.begin(), replica.points.begin() + excess);
    return;
  }
  std::set<int> keep;
  keep.insert(count - 1);  // the newest point is always kept
  for (int i = std::max(0, count - retention.points); i < count; ++i) keep.insert(i);
  // Grandfather-father-son: the newest point of each of the last N periods, counted from t=0.
  auto keep_per_period = [&](int periods, double period_s) {
    if (periods <= 0) return;
    const long current = static_cast<long>(std::floor(now_s_ / period_s));
    std::map<long, int> newest_of_period;
    for (int i = 0; i < count; ++i) {
      const long period = static_cast<long>(std::floor(replica.points[i].as_of_s / period_s));
      if (period > current - periods) newest_of_period[period] = i;
    }
    for (const auto& [period, index] : newest_of_period) keep.insert(index);
  };
  keep_per_period(retention.daily, kDay_s);
  keep_per_period(retention.weekly, kWeek_s);
  keep_per_period(retention.monthly, kMonth_s);
  std::vector<RecoveryPoint> kept;
  for (int i = 0; i < count; ++i) {
    if (keep.count(i)) {
      kept.push_back(replica.points[i]);
    } else {
      prune(replica.points[i]);
    }
  }
  replica.points = std::move(kept);
}

void EngineState::stop_replication(int v) {
  for (int r : vms_[v].replicas) {
    ReplicaState& replica = replicas_[r];
    replica.active = false;
    if (replica.in_flight) {
      const ActivityId id = *replica.in_flight;
      out_.push_back(CancelTransfer{id});
      activities_.erase(id);
      if (replica.in_flight_record >= 0) {
        transfers_[replica.in_flight_record].result = TransferResult::cancelled;
        transfers_[replica.in_flight_record].end_s = now_s_;
      }
      replica.in_flight.reset();
      replica.in_flight_record = -1;
    }
  }
}

const RecoveryPoint* EngineState::newest_point_completed_by(int r, double t_s) const {
  const RecoveryPoint* best = nullptr;
  for (const RecoveryPoint& point : replicas_[r].points) {
    if (point.completed_s <= t_s) best = &point;  // ascending as_of: the last match is newest
  }
  return best;
}

const RecoveryPoint* EngineState::newest_clean_point_before(int r, double t_s) const {
  const RecoveryPoint* best = nullptr;
  for (const RecoveryPoint& point : replicas_[r].points) {
    if (point.as_of_s < t_s && !point.corrupted && point.completed_s <= now_s_) best = &point;
  }
  return best;
}

}  // namespace firedrill
