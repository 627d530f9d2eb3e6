// How a QEMU guest agent command reaches the agent: one JSON request in, one JSON reply
// out, within a timeout. Two transports exist: libvirt's virDomainQemuAgentCommand (the
// product's way, which taints the domain) and a direct unix socket (tests against a
// host-side `qemu-ga -m unix-listen`).
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>

namespace firedrill::agent {

using Millis = std::chrono::milliseconds;

// Why an agent call failed: the caller decides (retry a check, fail a VM) by the kind.
enum class AgentErrorKind {
  Unavailable,  // no agent there: socket missing, domain gone, agent not connected
  Timeout,      // the agent did not answer within the call's timeout
  Protocol,     // an answer that is not the agent protocol (bad JSON, wrong shape)
  Command,      // the agent answered with an error ({"error": {"class", "desc"}})
};

const char* to_string(AgentErrorKind kind);

class AgentError : public std::runtime_error {
 public:
  AgentError(AgentErrorKind kind, const std::string& what)
      : std::runtime_error(what), kind_(kind) {}
  AgentErrorKind kind() const { return kind_; }

 private:
  AgentErrorKind kind_;
};

class AgentTransport {
 public:
  virtual ~AgentTransport() = default;
  // Sends one request ({"execute": ..., "arguments": ...}) and returns the agent's whole
  // reply text ({"return": ...} or {"error": ...}). Throws AgentError (never blocks past
  // timeout by more than the transport's granularity: a second for libvirt).
  virtual std::string command(const std::string& request_json, Millis timeout) = 0;
  // True when using this transport marks the domain tainted (libvirt records
  // "custom-ga-command" for virDomainQemuAgentCommand); the evidence must say so.
  virtual bool taints_domain() const = 0;
  // Where the commands go, for messages ("unix:/path", "libvirt:DOMAIN").
  virtual std::string describe() const = 0;
};

}  // namespace firedrill::agent
