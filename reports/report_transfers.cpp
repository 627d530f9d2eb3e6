// report.json's replication evidence: the per-VM transfer summary and the transfer records
// kept (every one with --full-evidence). Deterministic: the kept set depends only on the
// Outcome.
#include "reports/report_transfers.hpp"

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace firedrill::reports {

namespace {

using Json = nlohmann::ordered_json;

Json optional_number(const std::optional<double>& value) {
  return value ? Json(*value) : Json(nullptr);
}

Json optional_text(const std::string& text) {
  return text.empty() ? Json(nullptr) : Json(text);
}

Json transfer_json(const TransferRecord& transfer) {
  Json json = {{"job", optional_text(transfer.job)},
               {"vm", transfer.vm},
               {"kind", to_string(transfer.kind)},
               {"source", optional_text(transfer.source_host)},
               {"target", optional_text(transfer.target_host)},
               {"as_of", transfer.as_of_s},
               {"start", transfer.start_s},
               {"end", optional_number(transfer.end_s)},
               {"bytes", transfer.bytes},
               {"result", to_string(transfer.result)}};
  // Only a real backend measures what a transfer shipped; the simulator's records stay as
  // they were.
  if (transfer.shipped_B) json["shipped_bytes"] = *transfer.shipped_B;
  return json;
}

// The transfers of a real run that say what they shipped: how many, the bytes the engine
// modelled for them and the bytes they really shipped (SPEC 8). Null when none did (the
// simulator).
Json shipped_json(const Outcome& outcome, const std::vector<std::size_t>& indices) {
  ShippedBytes shipped;
  for (const std::size_t i : indices) shipped.add(outcome.transfers[i]);
  if (shipped.transfers == 0) return nullptr;
  return {{"transfers", shipped.transfers},
          {"modelled_bytes", shipped.modelled_B},
          {"shipped_bytes", shipped.shipped_B}};
}

// The transfers of one VM, as indices into Outcome::transfers in start order.
struct VmTransfers {
  std::string vm;
  std::vector<std::size_t> indices;
};

// Groups the transfers by VM: the plan's VMs first, in plan order, then any other name
// in order of its first transfer.
std::vector<VmTransfers> group_by_vm(const Outcome& outcome) {
  std::vector<VmTransfers> groups;
  std::unordered_map<std::string, std::size_t> group_of;
  for (const VmResult& vm : outcome.vms) {
    group_of.emplace(vm.name, groups.size());
    groups.push_back({vm.name, {}});
  }
  for (std::size_t i = 0; i < outcome.transfers.size(); ++i) {
    const std::string& name = outcome.transfers[i].vm;
    auto [found, added] = group_of.emplace(name, groups.size());
    if (added) groups.push_back({name, {}});
    groups[found->second].indices.push_back(i);
  }
  return groups;
}

bool in_flight_at(const TransferRecord& transfer, double at_s) {
  return transfer.start_s <= at_s && (!transfer.end_s || *transfer.end_s > at_s);
}

// Whether a transfer explains the VM's RPO: it made the point the VM was restored from,
// or it was in flight when an incident hit the VM (lost, or done too late to be used).
bool mattered_for_rpo(const TransferRecord& transfer, const VmResult* vm) {
  if (vm == nullptr) return false;
  if (vm->recovery_point_s && transfer.result == TransferResult::completed &&
      transfer.as_of_s == *vm->recovery_point_s) {
    return true;
  }
  if (vm->incident_s && in_flight_at(transfer, *vm->incident_s)) return true;
  for (const IncidentRecord& incident : vm->incidents) {
    if (in_flight_at(transfer, incident.at_s)) return true;
  }
  return false;
}

// Marks in `keep` the transfers of one VM the summarised evidence lists: every final or
// reverse sync, the newest kLastCyclesKept replication cycles, and those that mattered
// for the RPO.
void mark_kept(const Outcome& outcome, const VmTransfers& group, const VmResult* vm,
               std::vector<bool>& keep) {
  int cycles_seen = 0;
  for (auto it = group.indices.rbegin(); it != group.indices.rend(); ++it) {
    const TransferRecord& transfer = outcome.transfers[*it];
    const bool cycle = transfer.kind == TransferKind::replication;
    if (!cycle || cycles_seen < kLastCyclesKept || mattered_for_rpo(transfer, vm)) {
      keep[*it] = true;
    }
    cycles_seen += cycle;
  }
}

Json summary_json(const Outcome& outcome, const VmTransfers& group, const std::vector<bool>& keep) {
  int completed = 0, lost = 0, cancelled = 0, in_flight = 0, listed = 0;
  double bytes = 0.0, bytes_completed = 0.0;
  std::optional<double> newest_point;
  for (const std::size_t i : group.indices) {
    const TransferRecord& transfer = outcome.transfers[i];
    bytes += transfer.bytes;
    listed += keep[i];
    if (transfer.result == TransferResult::completed) {
      ++completed;
      bytes_completed += transfer.bytes;
      if (transfer.kind == TransferKind::replication &&
          (!newest_point || transfer.as_of_s > *newest_point)) {
        newest_point = transfer.as_of_s;
      }
    } else if (transfer.result == TransferResult::lost) {
      ++lost;
    } else if (transfer.result == TransferResult::cancelled) {
      ++cancelled;
    } else {
      ++in_flight;
    }
  }
  Json summary = {{"vm", group.vm},
                  {"transfers", group.indices.size()},
                  {"completed", completed},
                  {"lost", lost},
                  {"cancelled", cancelled},
                  {"in_flight", in_flight},
                  {"bytes", bytes},
                  {"bytes_completed", bytes_completed},
                  {"first_start", outcome.transfers[group.indices.front()].start_s},
                  {"newest_point", optional_number(newest_point)},
                  {"listed", listed}};
  if (Json shipped = shipped_json(outcome, group.indices); !shipped.is_null()) {
    summary["shipped"] = std::move(shipped);
  }
  return summary;
}

}  // namespace

void add_transfer_evidence(Json& report, const Outcome& outcome, bool full_evidence) {
  std::unordered_map<std::string, const VmResult*> vm_of;
  for (const VmResult& vm : outcome.vms) vm_of.emplace(vm.name, &vm);
  std::vector<bool> keep(outcome.transfers.size(), full_evidence);
  const std::vector<VmTransfers> groups = group_by_vm(outcome);
  if (!full_evidence) {
    for (const VmTransfers& group : groups) {
      const auto found = vm_of.find(group.vm);
      mark_kept(outcome, group, found == vm_of.end() ? nullptr : found->second, keep);
    }
  }
  Json summary = Json::array();
  for (const VmTransfers& group : groups) {
    if (!group.indices.empty()) summary.push_back(summary_json(outcome, group, keep));
  }
  Json records = Json::array();
  for (std::size_t i = 0; i < outcome.transfers.size(); ++i) {
    if (keep[i]) records.push_back(transfer_json(outcome.transfers[i]));
  }
  report["transfer_evidence"] = full_evidence ? "full" : "summary";
  report["transfer_summary"] = std::move(summary);
  report["transfers"] = std::move(records);
}

}  // namespace firedrill::reports
