// The handlers only store into lock-free atomics (async-signal-safe); the run polls them.
#include "real/interrupt.hpp"

#include <signal.h>

#include <atomic>

namespace firedrill {

namespace {

std::atomic<int> first_signal{0};
std::atomic<int> signal_count{0};
struct sigaction previous_int, previous_term;

void on_signal(int number) {
  int none = 0;
  first_signal.compare_exchange_strong(none, number);
  signal_count.fetch_add(1);
}

}  // namespace

InterruptScope::InterruptScope() {
  static_assert(std::atomic<int>::is_always_lock_free);
  first_signal = 0;
  signal_count = 0;
  struct sigaction action = {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, &previous_int);
  sigaction(SIGTERM, &action, &previous_term);
}

InterruptScope::~InterruptScope() {
  sigaction(SIGINT, &previous_int, nullptr);
  sigaction(SIGTERM, &previous_term, nullptr);
}

int interrupt_signal() {
  return first_signal.load();
}

bool undo_skipped() {
  return signal_count.load() >= 2;
}

}  // namespace firedrill
