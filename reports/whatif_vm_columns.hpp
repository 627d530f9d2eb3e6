// What whatif.html's panels know of each VM across the combinations, which VMs they draw
// (at most kMaxVmCharts, the worst p95 RTO first) and how they say what is missing.
// Internal to reports/ (whatif_vm_columns.cpp).
#pragma once

#include <string>
#include <vector>

#include "whatif/stats.hpp"

namespace firedrill::whatif {

inline constexpr std::size_t kMaxVmCharts = 20;     // VMs drawn; the others are named
inline constexpr std::size_t kMaxListedNames = 30;  // names in a sentence before "and N more"

// One VM across the combinations, as the per-VM charts see it.
struct VmColumn {
  std::string name;
  std::size_t order = 0;                // first appearance: plan order
  std::vector<const VmStats*> stats;    // per combination index; null when absent
  int affected = 0, not_recovered = 0;  // over every combination's completed runs
  int completed = 0;
  bool any_rto = false, any_rpo = false;
  double worst_p95_rto = 0;  // over the combinations
};

std::vector<VmColumn> vm_columns(const SweepSummary& summary);

struct VmSelection {
  std::vector<const VmColumn*> drawn;           // plan order
  std::vector<const VmColumn*> left_out;        // plan order
  std::vector<const VmColumn*> never_affected;  // plan order
};

// The VMs affected in some run, at most kMaxVmCharts of them: those with the worst p95
// RTO over the combinations (a VM that was affected but never recovered counts as worst).
VmSelection select_vms(const std::vector<VmColumn>& columns);

// "<b>db</b>, <b>web</b> and 3 more", escaped.
std::string name_list(const std::vector<const VmColumn*>& vms);

const std::optional<Distribution>& metric(const VmStats& vm, bool rto);

// The VM's distinct objectives for RTO or RPO over the combinations, ascending.
std::vector<double> objectives_of(const VmColumn& vm, bool rto);

// "✘ not recovered in 2 of 40 runs", or empty.
std::string not_recovered_text(const VmColumn& vm);
// What a panel lacks, in words: runs in which the VM was not recovered, combinations
// without a completed run, combinations in which it got no RTO (RPO).
std::string warning_text(const VmColumn& vm, const std::vector<const CombinationStats*>& drawn,
                         bool rto);

// At most `count` characters (UTF-8 code points, never cut inside one), the last one an
// ellipsis when the text is longer. Not escaped.
std::string clip(const std::string& text, std::size_t count);

}  // namespace firedrill::whatif
