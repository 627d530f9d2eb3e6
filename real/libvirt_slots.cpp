// Link limits on real hosts (SPEC 8, `links[].max_concurrent_transfers`): at most that many
// transfers copy over a limited link at once; the others wait in the order the engine
// started them (engine/link_slots.hpp keeps the queue, as in the simulator). To the engine a
// waiting transfer is in flight. A cycle that waits copies its disk when it gets its slot,
// so its point still holds the data of that moment, not of its tick: the run's RPO from data
// shows the wait, which is the point of rehearsing a limit.
#include "real/libvirt_run.hpp"

namespace firedrill::libvirt_run {

// The plan link a transfer between two hosts crosses: none inside a site or between sites
// no link joins (such a copy goes over whatever the machines share, unlimited).
std::vector<std::size_t> LibvirtRun::route_links(const std::string& source_name,
                                                 const std::string& target_name) const {
  const int link = link_index_between_hosts(source_name, target_name);
  if (link < 0) return {};
  return {static_cast<std::size_t>(link)};
}

void LibvirtRun::start_transfer(const StartTransfer& transfer) {
  bool waits = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    waits = slots_.any_limit() &&
            !slots_.request(transfer.id, route_links(transfer.source_host, transfer.target_host));
    if (waits) {
      waiting_for_slot_.emplace(transfer.id, transfer);
      slot_asked_s_[transfer.id] = now();
    }
  }
  if (!waits) {
    copy_transfer(transfer);
    return;
  }
  log("transfer #" + std::to_string(transfer.id) + " of " + transfer.vm +
      " waits for a slot on link " +
      link_between_hosts(transfer.source_host, transfer.target_host));
}

// The copy on a worker thread; its slot goes to the next in line as soon as it ends.
void LibvirtRun::copy_transfer(const StartTransfer& transfer) {
  spawn([this, transfer] {
    std::string detail;
    const std::optional<long long> shipped_B =
        replicate(transfer.vm, transfer.instance, transfer.source_host, transfer.target_host,
                  transfer.as_of_s, transfer.id, transfer.bytes, detail);
    release_slots(transfer.id);
    if (cancelled(transfer.id)) return;
    TransferEnded ended{transfer.id, shipped_B.has_value(), detail};
    if (shipped_B) ended.shipped_B = static_cast<double>(*shipped_B);
    post(std::move(ended));
  });
}

// `id` gives its slots back (or leaves the queue); the transfers now admitted start.
void LibvirtRun::release_slots(ActivityId id) {
  std::vector<StartTransfer> admitted;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!slots_.any_limit()) return;
    for (const ActivityId next : slots_.release(id)) {
      const auto found = waiting_for_slot_.find(next);
      if (found == waiting_for_slot_.end()) continue;
      admitted.push_back(found->second);
      waiting_for_slot_.erase(found);
    }
  }
  for (const StartTransfer& transfer : admitted) copy_transfer(transfer);
}

// The engine cancels a transfer: a copy running stops between chunks (replicate() sees
// it) and gives its slot back when it does; one still waiting leaves its queue now.
void LibvirtRun::cancel_transfer(ActivityId id) {
  bool waiting = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    cancelled_.insert(id);
    waiting = waiting_for_slot_.erase(id) > 0;
    slot_asked_s_.erase(id);
  }
  if (waiting) release_slots(id);
}

// Seconds the transfer `id` waited for its link slot before its copy began: 0 for one that
// had its slot at once. Taken once, by the copy.
double LibvirtRun::take_slot_wait_s(ActivityId id, double started_s) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto asked = slot_asked_s_.find(id);
  if (asked == slot_asked_s_.end()) return 0.0;
  const double waited_s = std::max(0.0, started_s - asked->second);
  slot_asked_s_.erase(asked);
  return waited_s;
}

}  // namespace firedrill::libvirt_run
