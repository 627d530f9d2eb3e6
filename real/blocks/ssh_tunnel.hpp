// A unix socket on a host reached by qemu+ssh://, forwarded to a unix socket here over the
// same SSH the URI uses (OpenSSH `-N -L LOCAL:REMOTE`). A pull-mode backup's NBD socket is
// on the source host; an incremental cycle reads it through this tunnel.
//
// The SSH command, user, host, port, key file and host-key policy come from the URI
// (libvirt's `command`, `keyfile` and `no_verify` parameters), so the tunnel trusts what the
// libvirt connection trusts. Every wait is bounded: the tunnel is up when the local socket
// listens within the timeout, and ssh's keepalive ends it when the host stops
// answering.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace firedrill::blocks {

// Where and how to reach a qemu+ssh:// host.
struct SshTarget {
  std::string command = "ssh";  // the URI's `command`, else ssh
  std::string user;             // "" when the URI names none
  std::string host;
  int port = 0;            // 0: ssh's default
  std::string keyfile;     // "" when the URI names none
  bool no_verify = false;  // the URI's no_verify=1: do not check the host key
};

// The SSH target of `uri`, or nullopt with why in `error` (not qemu+ssh, no host).
std::optional<SshTarget> ssh_target_of(const std::string& uri, std::string& error);

// The ssh arguments that forward `local_socket` to `remote_socket` on `target` (argv[0] is
// the command).
std::vector<std::string> ssh_forward_args(const SshTarget& target, const std::string& local_socket,
                                          const std::string& remote_socket, double timeout_s);

// The ssh arguments that run `remote_argv` (each word quoted for the remote shell) on
// `target`.
std::vector<std::string> ssh_command_args(const SshTarget& target,
                                          const std::vector<std::string>& remote_argv,
                                          double timeout_s);

// Whether a unix socket bound at `path` listens (the kernel's /proc/net/unix). A socket that
// is bound but not yet listening refuses a connect, though its file is already there.
bool unix_socket_listens(const std::string& path);

class SshSocketTunnel {
 public:
  // Starts ssh and waits until `local_socket` listens; throws BlockError with ssh's own
  // message when it does not within timeout_s.
  SshSocketTunnel(const SshTarget& target, std::string local_socket,
                  const std::string& remote_socket, double timeout_s);
  // Stops ssh (TERM, then KILL after a second), reaps it, and removes the local socket.
  ~SshSocketTunnel();
  SshSocketTunnel(const SshSocketTunnel&) = delete;
  SshSocketTunnel& operator=(const SshSocketTunnel&) = delete;

  const std::string& local_socket() const { return local_socket_; }

 private:
  void stop();
  pid_t pid_ = -1;
  int stderr_fd_ = -1;
  std::string local_socket_;
};

}  // namespace firedrill::blocks
