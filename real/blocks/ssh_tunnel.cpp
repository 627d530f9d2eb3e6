#include "real/blocks/ssh_tunnel.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "real/blocks/block_reader.hpp"
#include "real/blocks/bounded_command.hpp"

namespace firedrill::blocks {

namespace {

constexpr auto kPoll = std::chrono::milliseconds(50);

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A URI query value with its %XX escapes decoded (libvirt escapes paths that way).
std::string percent_decoded(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
        hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace

bool unix_socket_listens(const std::string& path) {
  // The kernel's table of unix sockets: "Num RefCount Protocol Flags Type St Inode Path",
  // where Flags has __SO_ACCEPTCON (0x10000) once listen() was called on the socket.
  constexpr unsigned long kAcceptCon = 0x10000;
  std::ifstream table("/proc/net/unix");
  std::string line;
  std::getline(table, line);  // the header
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string slot, refs, protocol, flags, type, state, inode;
    if (!(fields >> slot >> refs >> protocol >> flags >> type >> state >> inode)) continue;
    std::string bound;
    std::getline(fields >> std::ws, bound);
    if (bound != path) continue;
    char* end = nullptr;
    const unsigned long bits = std::strtoul(flags.c_str(), &end, 16);
    if (end != flags.c_str() && (bits & kAcceptCon) != 0) return true;
  }
  return false;
}

std::optional<SshTarget> ssh_target_of(const std::string& uri, std::string& error) {
  const std::string scheme = "qemu+ssh://";
  if (uri.rfind(scheme, 0) != 0) {
    error = uri + " is not a qemu+ssh:// URI";
    return std::nullopt;
  }
  const std::size_t authority_end = uri.find_first_of("/?", scheme.size());
  std::string authority = uri.substr(scheme.size(), authority_end - scheme.size());
  SshTarget target;
  if (const std::size_t at = authority.rfind('@'); at != std::string::npos) {
    target.user = percent_decoded(authority.substr(0, at));
    authority.erase(0, at + 1);
  }
  if (const std::size_t colon = authority.rfind(':');
      colon != std::string::npos && authority.find(']', colon) == std::string::npos) {
    const std::string port = authority.substr(colon + 1);
    if (port.empty() || port.size() > 5 ||
        port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) < 1 ||
        std::stoi(port) > 65535) {
      error = "the port of " + uri + " is not a number in 1..65535";
      return std::nullopt;
    }
    target.port = std::stoi(port);
    authority.erase(colon);
  }
  if (authority.size() > 2 && authority.front() == '[' && authority.back() == ']') {
    authority = authority.substr(1, authority.size() - 2);
  }
  if (authority.empty()) {
    error = uri + " names no host";
    return std::nullopt;
  }
  target.host = authority;
  const std::size_t query = uri.find('?');
  for (std::size_t at = query; at != std::string::npos && at < uri.size();) {
    const std::size_t end = uri.find('&', at + 1);
    const std::string pair = uri.substr(at + 1, end == std::string::npos ? end : end - at - 1);
    at = end;
    const std::size_t equals = pair.find('=');
    const std::string key = pair.substr(0, equals);
    const std::string value =
        equals == std::string::npos ? "" : percent_decoded(pair.substr(equals + 1));
    if (key == "command" && !value.empty()) target.command = value;
    if (key == "keyfile") target.keyfile = value;
    if (key == "no_verify") target.no_verify = value == "1";
  }
  return target;
}

namespace {

// ssh's options for `target`, without what it is asked to do.
std::vector<std::string> ssh_base_args(const SshTarget& target, double timeout_s) {
  const int connect_timeout_s = static_cast<int>(std::clamp(std::ceil(timeout_s), 1.0, 600.0));
  std::vector<std::string> args = {
      target.command, "-T",
      "-o",           "BatchMode=yes",
      "-o",           "ConnectTimeout=" + std::to_string(connect_timeout_s),
      "-o",           "ServerAliveInterval=5",
      "-o",           "ServerAliveCountMax=3"};
  if (target.port) args.insert(args.end(), {"-p", std::to_string(target.port)});
  if (!target.user.empty()) args.insert(args.end(), {"-l", target.user});
  if (!target.keyfile.empty()) args.insert(args.end(), {"-i", target.keyfile});
  if (target.no_verify) {
    args.insert(args.end(),
                {"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"});
  }
  return args;
}

}  // namespace

std::vector<std::string> ssh_forward_args(const SshTarget& target, const std::string& local_socket,
                                          const std::string& remote_socket, double timeout_s) {
  std::vector<std::string> args = ssh_base_args(target, timeout_s);
  args.insert(args.end(),
              {"-N", "-o", "ExitOnForwardFailure=yes", "-o", "StreamLocalBindUnlink=yes", "-L",
               local_socket + ":" + remote_socket, "--", target.host});
  return args;
}

std::vector<std::string> ssh_command_args(const SshTarget& target,
                                          const std::vector<std::string>& remote_argv,
                                          double timeout_s) {
  std::vector<std::string> args = ssh_base_args(target, timeout_s);
  std::string command;
  for (const std::string& word : remote_argv) {
    command += (command.empty() ? "" : " ") + shell_quoted(word);
  }
  args.insert(args.end(), {"--", target.host, command});
  return args;
}

SshSocketTunnel::SshSocketTunnel(const SshTarget& target, std::string local_socket,
                                 const std::string& remote_socket, double timeout_s)
    : local_socket_(std::move(local_socket)) {
  ::unlink(local_socket_.c_str());
  pid_ = spawn(ssh_forward_args(target, local_socket_, remote_socket, timeout_s), stderr_fd_);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  // ssh binds the local socket and then listens on it (ExitOnForwardFailure: or it exits). A
  // connect between the two is refused, so the tunnel is up only once the socket listens.
  while (!unix_socket_listens(local_socket_)) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      const std::string said = drain(stderr_fd_);
      stop();
      throw BlockError("ssh to " + target.host + " ended before it forwarded " + remote_socket +
                       (said.empty() ? "" : ": " + said));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      const std::string said = drain(stderr_fd_);
      stop();
      throw BlockError("ssh to " + target.host + " did not forward " + remote_socket + " within " +
                       std::to_string(static_cast<int>(timeout_s)) + " s" +
                       (said.empty() ? "" : ": " + said));
    }
    std::this_thread::sleep_for(kPoll);
  }
}

SshSocketTunnel::~SshSocketTunnel() {
  stop();
}

void SshSocketTunnel::stop() {
  stop_child(pid_);
  pid_ = -1;
  if (stderr_fd_ >= 0) {
    ::close(stderr_fd_);
    stderr_fd_ = -1;
  }
  ::unlink(local_socket_.c_str());
}

}  // namespace firedrill::blocks
