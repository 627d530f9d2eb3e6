// The guest agent protocol through libvirt: virDomainQemuAgentCommand (libvirt-qemu),
// which works on local and remote (qemu+ssh://) hosts alike. libvirt marks a domain
// "tainted" (custom-ga-command) once this call is used on it, so taints_domain() is true
// and the evidence of any VM checked this way must say so. libvirt does the agent's
// guest-sync itself; its timeout is in whole seconds, so ours is rounded up.
#pragma once

#include <libvirt/libvirt.h>

#include <string>

#include "real/agent/transport.hpp"

namespace firedrill::agent {

class LibvirtAgentTransport : public AgentTransport {
 public:
  // Holds its own reference to the domain (virDomainRef), released on destruction.
  explicit LibvirtAgentTransport(virDomainPtr domain);
  ~LibvirtAgentTransport() override;
  LibvirtAgentTransport(const LibvirtAgentTransport&) = delete;
  LibvirtAgentTransport& operator=(const LibvirtAgentTransport&) = delete;

  std::string command(const std::string& request_json, Millis timeout) override;
  bool taints_domain() const override { return true; }
  std::string describe() const override { return "libvirt:" + name_; }

 private:
  virDomainPtr domain_;
  std::string name_;
};

}  // namespace firedrill::agent
