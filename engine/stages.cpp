// The stage machine of a member (Member::Stage), in one table. A member joins its operation
// in `pending` (EngineState::add_member) and ends in `ready` or `failed`; every change goes
// through EngineState::set_stage, which checks the edge and keeps the counters that belong
// to a stage (booting_count_ for `booting`, each operation's pending counts for the two
// ends). invariants.cpp checks between engine calls that a member holds an activity
// exactly in the stages that wait for one, of the kind listed here, and is never in a
// transient stage.
//
// stage             means; waits for                                   edges to
// ----------------  -------------------------------------------------  ------------------
// pending           joined, nothing begun: waits for its operation's   awaiting_arrival,
//                   start (replica failover: detection + operator      reverse_syncing,
//                   delay; HA: failure_timeout) or, in a planned       shutting_down,
//                   move, its turn to shut down (reverse start         restoring, queued,
//                   order). Test and repair members leave it at once.  failed
// awaiting_arrival  failback, its VM still on its way to the DR site:  reverse_syncing,
//                   waits for that failover's member to be ready       failed
//                   (failback_follows)
// reverse_syncing   failback phase 1: activity transfer (the changes   reverse_synced,
//                   made at the DR site, shipped home)                 failed
// reverse_synced    phase 1 done: waits for every member of the        shutting_down,
//                   failback, then its turn to shut down (phase 2);    failed
//                   the end of the run leaves it here (never moved)
// shutting_down     planned move: activity shutdown (its source)       syncing,
//                                                                      sync_waiting,
//                                                                      restoring, failed
// syncing           activity transfer: its final sync (in phase 2 of   syncing,
//                   a failback, the reverse sync since phase 1); one   sync_waiting,
//                   that failed with its route up is sent again        restoring, failed
// sync_waiting      its final sync was cut off (SPEC 9): waits for     syncing,
//                   a repair of its route or final_sync_timeout        restoring, failed
// restoring         activity restore (its instance on target_host)     queued, displaced,
//                                                                      failed
// queued            waits for start order: its dependencies, lower     booting, displaced,
//                   priority groups, max_concurrent_boots              failed
// booting           activity boot, counted against max_concurrent_     ready, displaced,
//                   boots; a retry after a failed boot stays here      failed
// displaced         transient: the host it restored, queued or booted  restoring, queued,
//                   on failed (SPEC 9); it holds nothing and is        failed
//                   placed again in the same call (member_host_
//                   failed): restored elsewhere, or HA restarts it
// ready             terminal: the VM serves (a test: its copy runs)    -
// failed            terminal: Member::reason says why                  -
#include "engine/stages.hpp"

#include <stdexcept>

#include "engine/engine_impl.hpp"

namespace firedrill {

namespace {

using S = Member::Stage;
using A = ActivityRef::Kind;
constexpr std::nullopt_t kNone = std::nullopt;

// In the order of Member::Stage (checked by stage_info and by tests/engine/stages_test.cpp).
// clang-format off
const StageInfo kStages[kStageCount] = {
//  stage                name                activity     terminal transient  edges to
   {S::pending,          "pending",          kNone,       false,   false,     {S::awaiting_arrival,
                                                                               S::reverse_syncing,
                                                                               S::shutting_down,
                                                                               S::restoring,
                                                                               S::queued,
                                                                               S::failed}},
   {S::awaiting_arrival, "awaiting_arrival", kNone,       false,   false,     {S::reverse_syncing,
                                                                               S::failed}},
   {S::reverse_syncing,  "reverse_syncing",  A::transfer, false,   false,     {S::reverse_synced,
                                                                               S::failed}},
   {S::reverse_synced,   "reverse_synced",   kNone,       false,   false,     {S::shutting_down,
                                                                               S::failed}},
   {S::shutting_down,    "shutting_down",    A::shutdown, false,   false,     {S::syncing,
                                                                               S::sync_waiting,
                                                                               S::restoring,
                                                                               S::failed}},
   {S::syncing,          "syncing",          A::transfer, false,   false,     {S::syncing,
                                                                               S::sync_waiting,
                                                                               S::restoring,
                                                                               S::failed}},
   {S::sync_waiting,     "sync_waiting",     kNone,       false,   false,     {S::syncing,
                                                                               S::restoring,
                                                                               S::failed}},
   {S::restoring,        "restoring",        A::restore,  false,   false,     {S::queued,
                                                                               S::displaced,
                                                                               S::failed}},
   {S::queued,           "queued",           kNone,       false,   false,     {S::booting,
                                                                               S::displaced,
                                                                               S::failed}},
   {S::booting,          "booting",          A::boot,     false,   false,     {S::ready,
                                                                               S::displaced,
                                                                               S::failed}},
   {S::displaced,        "displaced",        kNone,       false,   true,      {S::restoring,
                                                                               S::queued,
                                                                               S::failed}},
   {S::ready,            "ready",            kNone,       true,    false,     {}},
   {S::failed,           "failed",           kNone,       true,    false,     {}},
};
// clang-format on

}  // namespace

const StageInfo& stage_info(Member::Stage stage) {
  const StageInfo& info = kStages[static_cast<int>(stage)];
  if (info.stage != stage) throw std::logic_error("engine/stages.cpp: table out of order");
  return info;
}

bool stage_edge_allowed(Member::Stage from, Member::Stage to) {
  for (const Member::Stage next : stage_info(from).to) {
    if (next == to) return true;
  }
  return false;
}

void require_stage_edge(Member::Stage from, Member::Stage to, double now_s,
                        const std::string& who) {
  if (stage_edge_allowed(from, to)) return;
  throw_invariant_violation(
      now_s, who + " cannot go from stage " + stage_name(from) + " to " + stage_name(to));
}

void EngineState::set_stage(int o, int m, Member::Stage to) {
  Operation& op = operations_[o];
  Member& member = op.members[m];
  const Member::Stage from = member.stage;
  require_stage_edge(from, to, now_s_,
                     vms_[member.vm].vm->name + " (member " + std::to_string(m) + " of operation " +
                         std::to_string(o) + ")");
  // What a stage counts, adjusted here so that no transition can forget it.
  if (from == S::booting) --booting_count_;
  if (to == S::booting) ++booting_count_;
  if (stage_info(to).terminal) {
    --op.pending;
    --op.pending_by_priority[vms_[member.vm].vm->priority];
  }
  stage_edges_taken_[static_cast<int>(from)] |= 1u << static_cast<int>(to);
  member.stage = to;
}

std::vector<std::pair<std::string, std::string>> EngineState::stage_edges_taken() const {
  std::vector<std::pair<std::string, std::string>> taken;
  for (const StageInfo& from : kStages) {
    for (const Member::Stage to : from.to) {
      if (stage_edges_taken_[static_cast<int>(from.stage)] & (1u << static_cast<int>(to))) {
        taken.emplace_back(from.name, stage_name(to));
      }
    }
  }
  return taken;
}

std::vector<std::pair<std::string, std::string>> FailoverEngine::stage_edges_taken() const {
  return state_->stage_edges_taken();
}

}  // namespace firedrill
