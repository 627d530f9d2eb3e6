// UnixSocketTransport: non-blocking socket, poll() against each call's deadline.
#include "real/agent/unix_transport.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <random>

namespace firedrill::agent {

using Clock = std::chrono::steady_clock;

const char* to_string(AgentErrorKind kind) {
  switch (kind) {
    case AgentErrorKind::Unavailable:
      return "unavailable";
    case AgentErrorKind::Timeout:
      return "timeout";
    case AgentErrorKind::Protocol:
      return "protocol";
    case AgentErrorKind::Command:
      return "command";
  }
  return "unknown";
}

UnixSocketTransport::UnixSocketTransport(std::string socket_path)
    : path_(std::move(socket_path)), next_sync_id_(std::random_device{}() % 1000000000ULL + 1) {}

UnixSocketTransport::~UnixSocketTransport() {
  close_socket();
}

void UnixSocketTransport::close_socket() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  synced_ = false;
  buffer_.clear();
}

void UnixSocketTransport::connect_socket() {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path_.size() >= sizeof(address.sun_path))
    throw AgentError(AgentErrorKind::Unavailable, "agent socket path too long: " + path_);
  std::memcpy(address.sun_path, path_.c_str(), path_.size() + 1);
  fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) throw AgentError(AgentErrorKind::Unavailable, std::strerror(errno));
  // A unix connect completes at once or fails (EAGAIN: the listener's backlog is full).
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    std::string reason = std::strerror(errno);
    close_socket();
    throw AgentError(AgentErrorKind::Unavailable, "cannot connect to " + path_ + ": " + reason);
  }
}

namespace {

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

}  // namespace

void UnixSocketTransport::write_all(const std::string& bytes, Deadline deadline) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR)
      throw AgentError(AgentErrorKind::Unavailable,
                       "writing to " + path_ + ": " + std::strerror(errno));
    pollfd pfd{fd_, POLLOUT, 0};
    if (::poll(&pfd, 1, remaining_ms(deadline)) == 0)
      throw AgentError(AgentErrorKind::Timeout, "agent at " + path_ + " does not take input");
  }
}

std::string UnixSocketTransport::read_line(Deadline deadline) {
  for (;;) {
    auto newline = buffer_.find('\n');
    if (newline != std::string::npos) {
      std::string line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      return line;
    }
    fill(deadline);
  }
}

void UnixSocketTransport::fill(Deadline deadline) {
  for (;;) {
    pollfd pfd{fd_, POLLIN, 0};
    int ready = ::poll(&pfd, 1, remaining_ms(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) throw AgentError(AgentErrorKind::Timeout, "no answer from " + path_);
    char chunk[65536];
    ssize_t n = ::read(fd_, chunk, sizeof chunk);
    if (n == 0) throw AgentError(AgentErrorKind::Unavailable, path_ + " closed the connection");
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      throw AgentError(AgentErrorKind::Unavailable,
                       "reading from " + path_ + ": " + std::strerror(errno));
    }
    buffer_.append(chunk, static_cast<size_t>(n));
    return;
  }
}

// guest-sync-delimited: the agent answers with a 0xFF byte and then {"return": id}; a
// leading 0xFF from us makes the agent drop any half-parsed input. Anything before the
// marker (a late reply to a timed-out call) is discarded.
void UnixSocketTransport::sync(Deadline deadline) {
  unsigned long long id = next_sync_id_++;
  write_all("\xff{\"execute\":\"guest-sync-delimited\",\"arguments\":{\"id\":" +
                std::to_string(id) + "}}\n",
            deadline);
  for (;;) {
    auto marker = buffer_.find('\xff');
    if (marker != std::string::npos) {
      buffer_.erase(0, marker + 1);
      std::string line = read_line(deadline);
      auto reply = nlohmann::json::parse(line, nullptr, false);
      if (!reply.is_discarded() && reply.contains("return") && reply["return"] == id) {
        synced_ = true;
        return;
      }
      continue;  // a stale delimited reply: look for the next marker
    }
    buffer_.clear();  // stale bytes before the marker
    fill(deadline);
  }
}

std::string UnixSocketTransport::command(const std::string& request_json, Millis timeout) {
  auto deadline = Clock::now() + timeout;
  try {
    if (fd_ < 0) connect_socket();
    if (!synced_) sync(deadline);
    write_all(request_json + "\n", deadline);
    return read_line(deadline);
  } catch (const AgentError&) {
    close_socket();  // the next call starts on a fresh, resynchronised connection
    throw;
  }
}

}  // namespace firedrill::agent
