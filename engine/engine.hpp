// FailoverEngine: the pure, deterministic state machine that owns every DR policy of
// SPEC section 3 -- replication cycles and retention, HA restart, unplanned, planned and
// test failover, failback, start order, network mapping and Re-IP, split-brain
// prevention, and the RTO/RPO accounting. No clock, no threads, no I/O: time is passed
// in, decisions come out as Commands (engine/commands.hpp describes the driving loop).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/commands.hpp"
#include "engine/model.hpp"
#include "engine/outcome.hpp"

namespace firedrill {

class EngineState;  // engine/engine_state.hpp: everything the engine knows

class FailoverEngine {
 public:
  // `scenario` must be realized (engine/model.hpp: realize()) and valid
  // (engine/validate.hpp). The engine keeps its own copy.
  explicit FailoverEngine(const Scenario& scenario);
  ~FailoverEngine();
  FailoverEngine(FailoverEngine&&) noexcept;
  FailoverEngine& operator=(FailoverEngine&&) noexcept;

  // Commands to carry out before the clock starts (seeding replicas at t = 0).
  std::vector<Command> setup();
  // Processes every timer due at or before now_s (replication ticks, scenario events,
  // detection, operator delay, HA timeouts, the end of the run).
  std::vector<Command> advance(double now_s);
  // An activity ended.
  std::vector<Command> handle(const DriverEvent& event, double now_s);
  // When the engine next wants advance() to be called; nullopt once finished.
  std::optional<double> poll_timeout() const;
  // True once the scenario's duration is reached, or, when the scenario asks for
  // end_when_settled, once the run has settled: at least one VM was hit by an incident,
  // every scripted event has fired, no detection, operator-delay, HA or repair timer is
  // pending, and every operation (failover, test, planned move, failback, repair restart)
  // has finished with each member ready or failed, its test copies deleted and nothing of
  // it in flight. The run then ends at that instant exactly as it would at `duration`
  // (Outcome::end_s is the settle time, Outcome::ended says which). Periodic replication
  // still in flight does not keep a run going.
  bool finished() const;
  // Results so far (complete once finished()).
  Outcome outcome() const;
  // The same, with the transfer records moved out rather than copied (a large run has a
  // million): for the end of a run. The engine keeps no transfer records afterwards, so a
  // later outcome() or take_outcome() has none.
  Outcome take_outcome();
  // Throws std::logic_error when the engine's bookkeeping is inconsistent: the boot count
  // against the members booting, each operation's pending members, the memory reserved on
  // each host against its instances, more than one non-test copy of a VM booting, a member
  // whose activity does not match its stage or that is left in a transient stage
  // (engine/stages.cpp; a change of stage the table does not allow throws at once). The
  // property campaign runs it after every call; debug builds run it inside every call.
  void check_invariants() const;
  // The edges of the member stage table (engine/stages.cpp) this engine has taken so far,
  // as (from, to) stage names in table order: for tests that the table has no dead edges.
  std::vector<std::pair<std::string, std::string>> stage_edges_taken() const;

 private:
  std::unique_ptr<EngineState> state_;
};

}  // namespace firedrill
