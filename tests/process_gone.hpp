// A test's check that a process it signalled has ended. A daemon that exits may stay a
// zombie on these machines (no init reaps it), so a zombie counts as gone too.
#pragma once

#include <sys/types.h>

#include <fstream>
#include <string>

namespace firedrill::testing {

inline bool process_gone(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string pid_field, comm, state;
  return !(stat >> pid_field >> comm >> state) || state == "Z";
}

}  // namespace firedrill::testing
