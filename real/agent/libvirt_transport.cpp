// LibvirtAgentTransport: virDomainQemuAgentCommand with the timeout in whole seconds.
#include "real/agent/libvirt_transport.hpp"

#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>

#include <cstdlib>

namespace firedrill::agent {

LibvirtAgentTransport::LibvirtAgentTransport(virDomainPtr domain) : domain_(domain) {
  if (domain_ == nullptr) throw AgentError(AgentErrorKind::Unavailable, "no domain");
  virDomainRef(domain_);
  const char* name = virDomainGetName(domain_);
  name_ = name != nullptr ? name : "?";
}

LibvirtAgentTransport::~LibvirtAgentTransport() {
  virDomainFree(domain_);
}

std::string LibvirtAgentTransport::command(const std::string& request_json, Millis timeout) {
  // libvirt takes seconds; 0 would mean "do not wait" and negative values block.
  int timeout_s = static_cast<int>((timeout.count() + 999) / 1000);
  if (timeout_s < 1) timeout_s = 1;
  auto start = std::chrono::steady_clock::now();
  char* reply = virDomainQemuAgentCommand(domain_, request_json.c_str(), timeout_s, 0);
  if (reply != nullptr) {
    std::string text = reply;
    std::free(reply);
    return text;
  }
  const virError* error = virGetLastError();
  std::string message =
      error != nullptr && error->message != nullptr ? error->message : "unknown libvirt error";
  int code = error != nullptr ? error->code : VIR_ERR_INTERNAL_ERROR;
  bool waited_out = std::chrono::steady_clock::now() - start >= Millis(timeout_s * 1000);
  AgentErrorKind kind = AgentErrorKind::Command;
  if (code == VIR_ERR_OPERATION_TIMEOUT || (code == VIR_ERR_AGENT_UNRESPONSIVE && waited_out))
    kind = AgentErrorKind::Timeout;
  else if (code == VIR_ERR_AGENT_UNRESPONSIVE || code == VIR_ERR_NO_DOMAIN ||
           code == VIR_ERR_OPERATION_INVALID || code == VIR_ERR_SYSTEM_ERROR ||
           code == VIR_ERR_RPC || code == VIR_ERR_NO_CONNECT)
    kind = AgentErrorKind::Unavailable;
  throw AgentError(kind, name_ + ": " + message);
}

}  // namespace firedrill::agent
