// Names of outcomes and mechanisms as report.json spells them, and the run's exit status.
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

int exit_status(const Outcome& outcome) {
  const bool all_recovered = outcome.summary.failed == 0 && outcome.summary.lost == 0;
  return all_recovered && outcome.summary.objectives_met ? 0 : 1;
}

}  // namespace firedrill
