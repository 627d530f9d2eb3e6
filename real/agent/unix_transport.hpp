// The guest agent protocol over a unix socket, as `qemu-ga -m unix-listen -p PATH`
// serves it (also what QEMU's chardev socket for org.qemu.guest_agent.0 would give).
// One connection, resynchronised with guest-sync-delimited whenever it is new or a
// previous call timed out, so a late reply is never taken for the next call's.
#pragma once

#include <string>

#include "real/agent/transport.hpp"

namespace firedrill::agent {

class UnixSocketTransport : public AgentTransport {
 public:
  explicit UnixSocketTransport(std::string socket_path);
  ~UnixSocketTransport() override;
  UnixSocketTransport(const UnixSocketTransport&) = delete;
  UnixSocketTransport& operator=(const UnixSocketTransport&) = delete;

  std::string command(const std::string& request_json, Millis timeout) override;
  bool taints_domain() const override { return false; }
  std::string describe() const override { return "unix:" + path_; }

 private:
  using Deadline = std::chrono::steady_clock::time_point;
  void connect_socket();
  void close_socket();
  void sync(Deadline deadline);
  void write_all(const std::string& bytes, Deadline deadline);
  std::string read_line(Deadline deadline);  // one reply line, without the newline
  void fill(Deadline deadline);              // reads at least one more byte into buffer_

  std::string path_;
  int fd_ = -1;
  bool synced_ = false;
  unsigned long long next_sync_id_;
  std::string buffer_;  // bytes read past the last line
};

}  // namespace firedrill::agent
