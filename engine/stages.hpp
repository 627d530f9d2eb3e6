// The stage machine of an operation's member: what each Member::Stage means and which
// edges between stages exist, in one table (engine/stages.cpp). EngineState::set_stage is
// the only writer of Member::stage and checks every change against this table.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/engine_state.hpp"

namespace firedrill {

inline constexpr int kStageCount = static_cast<int>(Member::Stage::failed) + 1;

struct StageInfo {
  Member::Stage stage;
  const char* name;
  // The activity of its own a member in this stage waits for (it holds exactly one then,
  // Member::activity), or none: it waits for the engine (a timer, another member, a route).
  std::optional<ActivityRef::Kind> activity;
  bool terminal;   // ready or failed: the member is done, nothing leaves it
  bool transient;  // entered and left within one engine call, never seen between calls
  std::vector<Member::Stage> to;  // the stages it may go to
};

const StageInfo& stage_info(Member::Stage stage);
inline const char* stage_name(Member::Stage stage) {
  return stage_info(stage).name;
}
bool stage_edge_allowed(Member::Stage from, Member::Stage to);

// Throws std::logic_error, worded like every engine invariant violation, unless from -> to
// is an edge of the table; `who` names the member.
void require_stage_edge(Member::Stage from, Member::Stage to, double now_s, const std::string& who);

// Throws std::logic_error for a defect of the engine found at now_s (invariants.cpp).
[[noreturn]] void throw_invariant_violation(double now_s, const std::string& why);

}  // namespace firedrill
