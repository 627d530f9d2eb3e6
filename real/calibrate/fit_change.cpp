// Change rates per VM (fits.hpp). Only an incremental cycle measures how fast a disk
// changes: it ships what changed since the previous recovery point, so its bytes over
// (its as_of - the previous point's as_of) is a rate. A full copy ships the whole disk
// whatever changed and says nothing about it. The rate is the cycles' bytes over the
// seconds they covered (each cycle weighed by the time it covers).
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "real/calibrate/fits.hpp"

namespace firedrill::calibrate {

namespace {

using json = nlohmann::ordered_json;

struct VmCycles {
  double bytes_B = 0;
  double covered_s = 0;
  json cycles = json::array();
  std::set<std::string> runs;
  std::size_t completed = 0;    // every completed transfer, full or not
  std::size_t incremental = 0;  // completed incremental ones, measuring or not
  std::size_t without_copy_field = 0;
};

// A seed (a qcow2 chain's first copy, or one that started again) ships the disk's data,
// not what changed since the point before it, so it measures nothing either.
bool incremental(const TransferSample& transfer) {
  return transfer.copy && *transfer.copy == "incremental";
}

// One run's completed transfers of one VM to one target, in recovery-point order.
void add_chain(const std::string& dir, std::vector<const TransferSample*> chain, VmCycles& vm) {
  std::stable_sort(chain.begin(), chain.end(),
                   [](const auto* a, const auto* b) { return a->as_of_s < b->as_of_s; });
  const TransferSample* previous = nullptr;
  for (const TransferSample* transfer : chain) {
    ++vm.completed;
    if (!transfer->copy) ++vm.without_copy_field;
    if (incremental(*transfer)) ++vm.incremental;
    if (incremental(*transfer) && previous && transfer->as_of_s > previous->as_of_s) {
      const double covered_s = transfer->as_of_s - previous->as_of_s;
      vm.bytes_B += transfer->bytes_B;
      vm.covered_s += covered_s;
      vm.runs.insert(dir);
      vm.cycles.push_back({{"run", dir},
                           {"as_of", round_micro(transfer->as_of_s)},
                           {"previous_as_of", round_micro(previous->as_of_s)},
                           {"bytes", std::llround(transfer->bytes_B)}});
    }
    previous = transfer;
  }
}

std::string reason_not_fitted(const VmCycles& vm) {
  if (vm.completed == 0) return "no completed replication cycle of this VM in these runs";
  if (vm.incremental > 0) {
    return "no incremental cycle followed an earlier recovery point of this VM";
  }
  if (vm.without_copy_field > 0) {
    return "the cycles' evidence predates the \"copy\" field or copied the whole disk; change "
           "rates need incremental cycles";
  }
  return "every cycle copied the whole disk (copy: full); change rates need incremental cycles";
}

Fitted change_fit(const std::string& name, const VmCycles& vm) {
  Fitted fitted;
  fitted.path = element_path("vms", name, "change_rate");
  fitted.value = rate_text_Bps(vm.bytes_B / vm.covered_s);
  fitted.fit = {{"path", fitted.path},
                {"method",
                 "bytes shipped by incremental cycles / seconds of changes they covered (each "
                 "cycle's as_of - the previous recovery point's as_of)"},
                {"bytes", std::llround(vm.bytes_B)},
                {"covered_s", round_micro(vm.covered_s)},
                {"cycles", vm.cycles},
                {"runs", vm.runs.size()}};
  const std::size_t n = vm.cycles.size();
  fitted.summary = "from " + std::to_string(n) +
                   (n == 1 ? " incremental cycle" : " incremental cycles") + " in " +
                   std::to_string(vm.runs.size()) + (vm.runs.size() == 1 ? " run" : " runs");
  return fitted;
}

}  // namespace

void fit_change_rates(const std::vector<RunEvidence>& runs, Fits& fits) {
  std::map<std::string, VmCycles> by_vm;
  for (const RunEvidence& run : runs) {
    for (const std::string& vm : run.vms) by_vm[vm];
    std::map<std::pair<std::string, std::string>, std::vector<const TransferSample*>> chains;
    for (const TransferSample& transfer : run.transfers) {
      by_vm[transfer.vm];
      if (transfer.ok) chains[{transfer.vm, transfer.target}].push_back(&transfer);
    }
    for (const auto& [key, chain] : chains) add_chain(run.dir, chain, by_vm[key.first]);
  }
  for (const auto& [name, vm] : by_vm) {
    if (vm.covered_s > 0) {
      fits.fitted.push_back(change_fit(name, vm));
    } else {
      fits.not_fitted.push_back({element_path("vms", name, "change_rate"), reason_not_fitted(vm)});
    }
  }
}

}  // namespace firedrill::calibrate
