// The transfer slots of limited links (link_slots.hpp).
#include "engine/link_slots.hpp"

#include <algorithm>
#include <cassert>
#include <utility>

namespace firedrill {

LinkSlots::LinkSlots(std::vector<int> limit_of_link) {
  links_.resize(limit_of_link.size());
  for (std::size_t l = 0; l < limit_of_link.size(); ++l) {
    links_[l].limit = std::max(0, limit_of_link[l]);
    if (links_[l].limit > 0) any_limit_ = true;
  }
}

namespace {

std::vector<int> limits_of(const Plan& plan) {
  std::vector<int> limits;
  limits.reserve(plan.links.size());
  for (const Link& link : plan.links) limits.push_back(link.max_concurrent_transfers);
  return limits;
}

}  // namespace

LinkSlots::LinkSlots(const Plan& plan) : LinkSlots(limits_of(plan)) {}

bool LinkSlots::request(ActivityId id, const std::vector<std::size_t>& route) {
  Entry entry;
  for (const std::size_t link : route) {
    if (links_.at(link).limit > 0 &&
        std::find(entry.links.begin(), entry.links.end(), link) == entry.links.end()) {
      entry.links.push_back(link);
    }
  }
  if (entry.links.empty()) return true;
  entry.order = next_order_++;
  const bool room = std::all_of(entry.links.begin(), entry.links.end(), [&](std::size_t link) {
    return front(link) == nullptr && links_[link].in_use < links_[link].limit;
  });
  if (room) {
    for (const std::size_t link : entry.links) ++links_[link].in_use;
    entry.admitted = true;
  } else {
    for (const std::size_t link : entry.links) links_[link].queue.push_back(id);
  }
  const bool admitted = entry.admitted;
  const bool inserted = entries_.emplace(id, std::move(entry)).second;
  assert(inserted && "a transfer asks for its slots once");
  (void)inserted;
  return admitted;
}

std::vector<ActivityId> LinkSlots::release(ActivityId id) {
  std::vector<ActivityId> admitted;
  auto it = entries_.find(id);
  if (it == entries_.end()) return admitted;
  std::vector<std::size_t> links = std::move(it->second.links);
  if (it->second.admitted) {
    for (const std::size_t link : links) --links_[link].in_use;
  }
  // A waiting one stays in its queues until it reaches a front (front() drops it there).
  entries_.erase(it);
  admit_from(std::move(links), admitted);
  std::sort(admitted.begin(), admitted.end(), [this](ActivityId a, ActivityId b) {
    return entries_.at(a).order < entries_.at(b).order;
  });
  return admitted;
}

bool LinkSlots::is_waiting(ActivityId id) const {
  auto it = entries_.find(id);
  return it != entries_.end() && !it->second.admitted;
}

std::vector<ActivityId> LinkSlots::waiting() const {
  std::vector<std::pair<std::uint64_t, ActivityId>> found;
  for (const auto& [id, entry] : entries_) {
    if (!entry.admitted) found.push_back({entry.order, id});
  }
  std::sort(found.begin(), found.end());
  std::vector<ActivityId> ids;
  ids.reserve(found.size());
  for (const auto& [order, id] : found) ids.push_back(id);
  return ids;
}

const ActivityId* LinkSlots::front(std::size_t link) {
  std::deque<ActivityId>& queue = links_[link].queue;
  while (!queue.empty() && !is_waiting(queue.front())) queue.pop_front();
  return queue.empty() ? nullptr : &queue.front();
}

// First in every queue it waits in, and room on each of its links.
bool LinkSlots::admissible(ActivityId id, const Entry& entry) {
  return std::all_of(entry.links.begin(), entry.links.end(), [&](std::size_t link) {
    const ActivityId* first = front(link);
    return first != nullptr && *first == id && links_[link].in_use < links_[link].limit;
  });
}

// Admits, link by link, the front of each queue while it can go; an admission changes the
// fronts of all its links, so those are looked at again. Each admission takes one waiting
// entry, so this ends.
void LinkSlots::admit_from(std::vector<std::size_t> links, std::vector<ActivityId>& admitted) {
  while (!links.empty()) {
    const std::size_t link = links.back();
    links.pop_back();
    if (links_[link].in_use >= links_[link].limit) continue;
    const ActivityId* first = front(link);
    if (first == nullptr) continue;
    const ActivityId id = *first;
    Entry& entry = entries_.at(id);
    if (!admissible(id, entry)) continue;
    for (const std::size_t own : entry.links) {
      links_[own].queue.pop_front();
      ++links_[own].in_use;
      links.push_back(own);
    }
    entry.admitted = true;
    admitted.push_back(id);
  }
}

}  // namespace firedrill
