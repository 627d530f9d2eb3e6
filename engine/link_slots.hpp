// The transfer slots of links with `max_concurrent_transfers` (SPEC section 8): at most that
// many transfers on such a link at once, both directions together; the others wait in the
// order they were started. A transfer whose route crosses several limited links needs a slot
// on each, and no transfer overtakes an earlier one waiting on a link they share, so a
// waiting transfer keeps its place even while a link further along its route is full.
//
// Pure bookkeeping for any backend (the engine itself never waits: to it a waiting transfer
// is in flight): a backend asks for slots when the engine starts a transfer, moves only the
// transfers admitted, and gives the slots back when one ends, fails or is cancelled.
// request() and release() cost O(links of the route) amortised, whatever the length of the
// queues, so a tick of 10,000 transfers on a link of 64 slots stays linear.
#pragma once

#include <cstddef>
#include <deque>
#include <unordered_map>
#include <vector>

#include "engine/commands.hpp"
#include "engine/model.hpp"

namespace firedrill {

class LinkSlots {
 public:
  // One limit per plan link (indices as in Plan::links); 0 is no limit.
  explicit LinkSlots(std::vector<int> limit_of_link);
  // The plan's own limits: each link's max_concurrent_transfers.
  explicit LinkSlots(const Plan& plan);

  // True when some link has a limit (else every request is granted and nothing is kept).
  bool any_limit() const { return any_limit_; }

  // A transfer `id` over the plan links `route` (in any order) asks for its slots. True: it
  // holds them now and may start. False: it waits, behind every transfer that asked before
  // it on one of its limited links, until release() hands it over.
  bool request(ActivityId id, const std::vector<std::size_t>& route);

  // `id` leaves: an admitted transfer gives its slots back, a waiting one leaves its queues
  // (nothing happens for an id that holds nothing). Returns the waiting transfers that hold
  // their slots now, in the order they asked: the caller starts them.
  std::vector<ActivityId> release(ActivityId id);

  bool is_waiting(ActivityId id) const;
  // Every waiting transfer, in the order they asked (for failing those a failure reaches).
  std::vector<ActivityId> waiting() const;
  // Transfers holding a slot on plan link `link` (for tests and checks).
  int in_use(std::size_t link) const { return links_.at(link).in_use; }

 private:
  struct LinkState {
    int limit = 0;  // 0: no limit
    int in_use = 0;
    std::deque<ActivityId> queue;  // waiting, in the order they asked; may hold ids gone since
  };
  struct Entry {
    std::vector<std::size_t> links;  // its limited links
    bool admitted = false;
    std::uint64_t order = 0;  // when it asked
  };

  const ActivityId* front(std::size_t link);  // first waiting id still waiting, or null
  bool admissible(ActivityId id, const Entry& entry);
  void admit_from(std::vector<std::size_t> links, std::vector<ActivityId>& admitted);

  std::vector<LinkState> links_;
  std::unordered_map<ActivityId, Entry> entries_;  // holding or waiting
  bool any_limit_ = false;
  std::uint64_t next_order_ = 0;
};

}  // namespace firedrill
