// The analytic backend of analytic_backend.hpp.
#include "tests/engine/analytic_backend.hpp"

#include <stdexcept>

namespace firedrill::testing {

AnalyticBackend::AnalyticBackend(const Scenario& scenario, double extra_transfer_s)
    : scenario_(scenario),
      index_(scenario.plan),
      slots_(scenario.plan),
      extra_transfer_s_(extra_transfer_s) {}

// The plan link a transfer crosses (the one joining two sites; none inside a site). Through
// the plan's index, so that a 10,000-VM plan is not searched host by host per transfer.
std::vector<std::size_t> AnalyticBackend::route_of(const StartTransfer& transfer) const {
  const int source = index_.site_of_host(index_.host(transfer.source_host));
  const int target = index_.site_of_host(index_.host(transfer.target_host));
  if (source == target) return {};
  const int link = index_.link_between(source, target);
  if (link < 0) throw std::runtime_error("no route");
  return {static_cast<std::size_t>(link)};
}

double AnalyticBackend::transfer_time(const StartTransfer& transfer) const {
  const std::vector<std::size_t> route = route_of(transfer);
  if (route.empty()) return extra_transfer_s_;
  const Link& link = scenario_.plan.links[route.front()];
  return link.latency_s + transfer.bytes / link.bandwidth_Bps + extra_transfer_s_;
}

void AnalyticBackend::start_transfer(const StartTransfer& transfer) {
  if (!slots_.request(transfer.id, route_of(transfer))) {
    waiting_.emplace(transfer.id, transfer);
    return;
  }
  end(transfer.id, transfer_time(transfer), TransferEnded{transfer.id, true, ""});
}

void AnalyticBackend::start_admitted(const std::vector<ActivityId>& admitted) {
  for (const ActivityId id : admitted) {
    const StartTransfer transfer = waiting_.at(id);
    waiting_.erase(id);
    end(id, transfer_time(transfer), TransferEnded{id, true, ""});
  }
}

void AnalyticBackend::execute(const std::vector<Command>& commands, double now_s) {
  now_s_ = now_s;
  for (const Command& command : commands) {
    if (const auto* t = std::get_if<StartTransfer>(&command)) {
      start_transfer(*t);
    } else if (const auto* c = std::get_if<CancelTransfer>(&command)) {
      auto it = by_id_.find(c->id);
      if (it != by_id_.end()) {
        pending_.erase(it->second);
        by_id_.erase(it);
      }
      waiting_.erase(c->id);
      start_admitted(slots_.release(c->id));
    } else if (const auto* r = std::get_if<StartRestore>(&command)) {
      end(r->id, 0.0, RestoreEnded{r->id, true, ""});
    } else if (const auto* b = std::get_if<StartBoot>(&command)) {
      end(b->id, b->boot_time_s, BootEnded{b->id, true, "", {}, true, {}});
    } else if (const auto* d = std::get_if<StartShutdown>(&command)) {
      end(d->id, d->shutdown_time_s, ShutdownEnded{d->id, true, ""});
    }
  }
}

WaitResult AnalyticBackend::wait(std::optional<double> deadline_s) {
  WaitResult result;
  if (pending_.empty() || (deadline_s && pending_.begin()->first > *deadline_s)) {
    result.now_s = deadline_s.value_or(now_s_);
    return result;
  }
  const double first_s = pending_.begin()->first;
  now_s_ = first_s;  // transfers let in by one that ends start now
  while (!pending_.empty() && pending_.begin()->first == first_s) {
    const ActivityId id = activity_of(pending_.begin()->second);
    by_id_.erase(id);
    result.ended.push_back(Completion{pending_.begin()->second, first_s});
    pending_.erase(pending_.begin());
    start_admitted(slots_.release(id));  // nothing for activities other than transfers
  }
  result.now_s = first_s;
  return result;
}

void AnalyticBackend::end(ActivityId id, double after_s, DriverEvent event) {
  by_id_[id] = pending_.insert({now_s_ + after_s, std::move(event)});
}

}  // namespace firedrill::testing
