// The VMs of whatif.html's panels (see whatif_vm_columns.hpp).
#include "reports/whatif_vm_columns.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "reports/text.hpp"

namespace firedrill::whatif {

using reports::xml_escape;

std::string clip(const std::string& text, std::size_t count) {
  auto starts_character = [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; };
  std::size_t characters = 0;
  for (char c : text) characters += starts_character(c) ? 1 : 0;
  if (characters <= count || count == 0) return text;
  std::size_t seen = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!starts_character(text[i])) continue;
    if (seen++ == count - 1) return text.substr(0, i) + "\xE2\x80\xA6";
  }
  return text;
}

std::vector<VmColumn> vm_columns(const SweepSummary& summary) {
  std::vector<VmColumn> columns;
  std::map<std::string, std::size_t> position;
  const std::size_t count = summary.combinations.size();
  for (std::size_t c = 0; c < count; ++c) {
    for (const VmStats& vm : summary.combinations[c].vms) {
      auto [it, inserted] = position.emplace(vm.name, columns.size());
      if (inserted) {
        columns.push_back({vm.name, columns.size(), std::vector<const VmStats*>(count)});
      }
      VmColumn& column = columns[it->second];
      column.stats[c] = &vm;
      column.affected += vm.recovered + vm.failed + vm.lost;
      column.not_recovered += vm.failed + vm.lost;
      column.completed += vm.recovered + vm.failed + vm.lost + vm.unaffected;
      if (vm.rto) {
        column.worst_p95_rto =
            column.any_rto ? std::max(column.worst_p95_rto, vm.rto->p95) : vm.rto->p95;
        column.any_rto = true;
      }
      if (vm.rpo) column.any_rpo = true;
    }
  }
  return columns;
}

VmSelection select_vms(const std::vector<VmColumn>& columns) {
  VmSelection selection;
  std::vector<const VmColumn*> ranked;
  for (const VmColumn& column : columns) {
    (column.affected > 0 ? ranked : selection.never_affected).push_back(&column);
  }
  auto badness = [](const VmColumn* vm) {
    if (vm->any_rto) return vm->worst_p95_rto;
    return vm->not_recovered > 0 ? HUGE_VAL : -1.0;
  };
  std::stable_sort(ranked.begin(), ranked.end(),
                   [&](const VmColumn* a, const VmColumn* b) { return badness(a) > badness(b); });
  const std::size_t drawn = std::min(ranked.size(), kMaxVmCharts);
  selection.drawn.assign(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(drawn));
  selection.left_out.assign(ranked.begin() + static_cast<std::ptrdiff_t>(drawn), ranked.end());
  auto by_order = [](const VmColumn* a, const VmColumn* b) { return a->order < b->order; };
  std::sort(selection.drawn.begin(), selection.drawn.end(), by_order);
  std::sort(selection.left_out.begin(), selection.left_out.end(), by_order);
  return selection;
}

std::string name_list(const std::vector<const VmColumn*>& vms) {
  std::string text;
  for (std::size_t i = 0; i < vms.size() && i < kMaxListedNames; ++i) {
    if (i > 0) text += ", ";
    text += "<b>" + xml_escape(vms[i]->name) + "</b>";
  }
  if (vms.size() > kMaxListedNames) {
    text += " and " + std::to_string(vms.size() - kMaxListedNames) + " more";
  }
  return text;
}

const std::optional<Distribution>& metric(const VmStats& vm, bool rto) {
  return rto ? vm.rto : vm.rpo;
}

std::vector<double> objectives_of(const VmColumn& vm, bool rto) {
  std::vector<double> objectives;
  for (const VmStats* stats : vm.stats) {
    if (!stats) continue;
    const auto& objective = rto ? stats->objective_rto_s : stats->objective_rpo_s;
    if (objective &&
        std::find(objectives.begin(), objectives.end(), *objective) == objectives.end()) {
      objectives.push_back(*objective);
    }
  }
  std::sort(objectives.begin(), objectives.end());
  return objectives;
}

std::string not_recovered_text(const VmColumn& vm) {
  if (vm.not_recovered == 0) return "";
  return "\xE2\x9C\x98 not recovered in " + std::to_string(vm.not_recovered) + " of " +
         std::to_string(vm.completed) + " runs";
}

std::string warning_text(const VmColumn& vm, const std::vector<const CombinationStats*>& drawn,
                         bool rto) {
  std::string no_run, no_value;
  for (const CombinationStats* c : drawn) {
    const VmStats* stats = vm.stats[c->index];
    std::string& list = stats ? no_value : no_run;
    if (!stats || !metric(*stats, rto))
      list += (list.empty() ? "#" : ", #") + std::to_string(c->index);
  }
  std::string text = not_recovered_text(vm);
  auto add = [&text](const std::string& part) { text += (text.empty() ? "" : "; ") + part; };
  if (!no_run.empty()) add("no completed run in " + no_run);
  if (!no_value.empty()) add(std::string(rto ? "no RTO" : "no RPO") + " in " + no_value);
  return text;
}

}  // namespace firedrill::whatif
