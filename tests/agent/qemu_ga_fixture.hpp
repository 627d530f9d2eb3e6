// A host-side QEMU guest agent for tests, with no VM: `qemu-ga -m unix-listen` started in
// its own network namespace (unshare --net) holding only lo (up) and a veth pair, so the
// agent's interface listing and address changes touch nothing of the machine's own
// network. Needs root and qemu-ga (package qemu-guest-agent); a missing piece fails the
// test with the reason, it never skips.
#pragma once

#include <string>

#include <sys/types.h>

namespace firedrill::agent::testing {

// The MAC the fixture gives the veth end "fda" inside the namespace.
inline constexpr const char* kVethMac = "02:fd:00:00:00:01";

class QemuGa {
 public:
  QemuGa();  // throws std::runtime_error with the reason when it cannot start
  ~QemuGa();
  QemuGa(const QemuGa&) = delete;
  QemuGa& operator=(const QemuGa&) = delete;

  const std::string& socket_path() const { return socket_; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  std::string socket_;
  pid_t pid_ = -1;
};

// Why the fixture cannot run here ("" when it can): not root, or no qemu-ga.
std::string qemu_ga_missing();

}  // namespace firedrill::agent::testing
