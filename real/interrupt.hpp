// SIGINT and SIGTERM during a real run. systemd sends SIGTERM when a scheduled drill overruns
// and an operator presses Ctrl-C: either way the drill must stop and undo what it created,
// because nobody runs `firedrill cleanup` then. The first signal asks the run to stop (it
// ends the engine where it is, undoes, and reports "interrupted": true); a second one also
// skips the undo, leaving the journal for `firedrill cleanup`.
#pragma once

namespace firedrill {

// Installs the handlers for its lifetime and restores the previous ones after. One at a
// time per process.
class InterruptScope {
 public:
  InterruptScope();
  ~InterruptScope();
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;
};

// The first signal received while a scope was installed (SIGINT or SIGTERM), or 0.
int interrupt_signal();
// True once a second signal arrived: skip the undo.
bool undo_skipped();

}  // namespace firedrill
