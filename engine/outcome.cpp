// Names of outcomes, mechanisms and transfers as report.json spells them, and the run's exit
// status.
#include "engine/outcome.hpp"

namespace firedrill {

const char* to_string(VmOutcome outcome) {
  switch (outcome) {
    case VmOutcome::recovered:
      return "recovered";
    case VmOutcome::failed:
      return "failed";
    case VmOutcome::lost:
      return "lost";
    case VmOutcome::unaffected:
      return "unaffected";
  }
  return "?";
}

const char* to_string(Mechanism mechanism) {
  switch (mechanism) {
    case Mechanism::ha:
      return "ha";
    case Mechanism::replica:
      return "replica";
    case Mechanism::planned:
      return "planned";
    case Mechanism::test:
      return "test";
    case Mechanism::none:
      return "none";
  }
  return "?";
}

const char* to_string(TransferKind kind) {
  switch (kind) {
    case TransferKind::replication:
      return "replication";
    case TransferKind::final_sync:
      return "final_sync";
    case TransferKind::reverse_sync:
      return "reverse_sync";
  }
  return "?";
}

const char* to_string(TransferResult result) {
  switch (result) {
    case TransferResult::completed:
      return "completed";
    case TransferResult::lost:
      return "lost";
    case TransferResult::cancelled:
      return "cancelled";
    case TransferResult::in_flight:
      return "in_flight";
  }
  return "?";
}

const char* to_string(FailbackOutcome outcome) {
  switch (outcome) {
    case FailbackOutcome::in_progress:
      return "in_progress";
    case FailbackOutcome::recovered:
      return "recovered";
    case FailbackOutcome::failed:
      return "failed";
  }
  return "?";
}

const char* to_string(RunEnd end) {
  switch (end) {
    case RunEnd::duration:
      return "duration";
    case RunEnd::settled:
      return "settled";
    case RunEnd::interrupted:
      return "interrupted";
    case RunEnd::running:
      return "running";
  }
  return "?";
}

int exit_status(const Outcome& outcome) {
  const bool all_recovered = outcome.summary.failed == 0 && outcome.summary.lost == 0;
  return all_recovered && outcome.summary.objectives_met ? 0 : 1;
}

}  // namespace firedrill
