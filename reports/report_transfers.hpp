// The replication evidence of report.json: a per-VM summary of every transfer (counts,
// bytes, the newest point made) and the transfer records themselves, all of them with
// --full-evidence, else only those worth reading (docs/reports.md says which). A run of
// 10,000 VMs makes about a million transfer records; listing them all made report.json
// 194 MiB. Internal to reports/.
#pragma once

#include <nlohmann/json.hpp>

#include "engine/outcome.hpp"

namespace firedrill::reports {

// The transfers of a real run that say what they shipped (SPEC 8): how many, the bytes the
// engine modelled for them and the bytes they really shipped. report.json's per-VM
// "shipped" and report.html's shipped-bytes table both sum them this way.
struct ShippedBytes {
  int transfers = 0;
  double modelled_B = 0.0;
  double shipped_B = 0.0;
  // Counts `transfer` when the backend measured what it shipped; ignores it otherwise.
  void add(const TransferRecord& transfer) {
    if (!transfer.shipped_B) return;
    ++transfers;
    modelled_B += transfer.bytes;
    shipped_B += *transfer.shipped_B;
  }
};

// How many of a VM's newest replication cycles the summarised evidence lists.
inline constexpr int kLastCyclesKept = 3;

// Adds "transfer_evidence" ("summary" | "full"), "transfer_summary" (one entry per VM
// that had a transfer, in plan order) and "transfers" (the records kept, in start order)
// to `report`.
void add_transfer_evidence(nlohmann::ordered_json& report, const Outcome& outcome,
                           bool full_evidence);

}  // namespace firedrill::reports
