// One attempt of a health check made by a guest agent, inside the guest's own network:
// tcp and http through guest-exec of a small shell script (bash's /dev/tcp when the guest
// has bash, else busybox nc), exec as given, file through the agent's file calls. Never
// from the recovery host's namespace (a connect there can be answered by a proxy).
#pragma once

#include <optional>
#include <string>

#include "real/agent/guest_agent.hpp"
#include "real/agent/health_check.hpp"

namespace firedrill::agent {

enum class ProbeShell { Auto, Bash, Busybox };

struct HttpReply {
  int status = 0;
  std::string body;
};
// The status line and body of a raw HTTP/1.x response; nullopt when it is not one.
std::optional<HttpReply> parse_http_reply(const std::string& raw);

// address: the probed VM's address as seen from the agent's VM (tcp/http only).
AttemptResult agent_attempt(GuestAgent& agent, const HealthCheck& check, const std::string& address,
                            double budget_s, ProbeShell shell = ProbeShell::Auto);

}  // namespace firedrill::agent
