// agent_attempt: the guest-side scripts take host, port, seconds and path as positional
// arguments ($1..$4), so no plan text is ever spliced into shell code.
#include "real/agent/health_probe.hpp"

#include <cmath>

namespace firedrill::agent {

namespace {

const char* kTcpBash = "exec timeout \"$3\" bash -c 'exec 3<>\"/dev/tcp/$0/$1\"' \"$1\" \"$2\"";
const char* kTcpBusybox = "exec busybox nc -w \"$3\" \"$1\" \"$2\" </dev/null";
const char* kHttpBash =
    "exec timeout \"$3\" bash -c 'exec 3<>\"/dev/tcp/$0/$1\" && printf \"GET %s HTTP/1.0\\r\\n"
    "Host: %s\\r\\nConnection: close\\r\\n\\r\\n\" \"$2\" \"$0\" >&3 && cat <&3' "
    "\"$1\" \"$2\" \"$4\"";
const char* kHttpBusybox =
    "printf 'GET %s HTTP/1.0\\r\\nHost: %s\\r\\nConnection: close\\r\\n\\r\\n' \"$4\" \"$1\" | "
    "exec busybox nc -w \"$3\" \"$1\" \"$2\"";

std::string script_for(const char* bash, const char* busybox, ProbeShell shell) {
  if (shell == ProbeShell::Bash) return bash;
  if (shell == ProbeShell::Busybox) return busybox;
  return std::string("if command -v bash >/dev/null 2>&1; then ") + bash + "; else " + busybox +
         "; fi";
}

std::string first_line(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line;
}

std::string exit_text(const ExecResult& result) {
  std::string text = result.exit_code
                         ? "exit status " + std::to_string(*result.exit_code)
                         : "killed by signal " + std::to_string(result.signal.value_or(0));
  std::string why = first_line(result.err);
  return why.empty() ? text : text + ": " + why;
}

}  // namespace

std::optional<HttpReply> parse_http_reply(const std::string& raw) {
  if (raw.rfind("HTTP/1.", 0) != 0) return std::nullopt;
  auto space = raw.find(' ');
  if (space == std::string::npos || space + 4 > raw.size()) return std::nullopt;
  HttpReply reply;
  try {
    reply.status = std::stoi(raw.substr(space + 1, 3));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  auto end = raw.find("\r\n\r\n");
  size_t skip = 4;
  if (end == std::string::npos) end = raw.find("\n\n"), skip = 2;
  if (end != std::string::npos) reply.body = raw.substr(end + skip);
  return reply;
}

AttemptResult agent_attempt(GuestAgent& agent, const HealthCheck& check, const std::string& address,
                            double budget_s, ProbeShell shell) {
  // The guest-side timeout leaves the agent a second to report back within the budget.
  int guest_s = std::max(1, static_cast<int>(std::floor(budget_s)) - 1);
  auto timeout = Millis(static_cast<long long>(budget_s * 1000));
  std::string port = std::to_string(check.port);
  try {
    switch (check.kind) {
      case HealthKind::tcp: {
        ExecResult result = agent.exec({"sh", "-c", script_for(kTcpBash, kTcpBusybox, shell), "sh",
                                        address, port, std::to_string(guest_s)},
                                       timeout);
        if (result.succeeded()) return {true, ""};
        return {false, "no connection to " + address + ":" + port + " (" + exit_text(result) + ")"};
      }
      case HealthKind::http: {
        ExecResult result = agent.exec({"sh", "-c", script_for(kHttpBash, kHttpBusybox, shell),
                                        "sh", address, port, std::to_string(guest_s), check.path},
                                       timeout);
        auto reply = parse_http_reply(result.out);
        if (!reply)
          return {false,
                  "no HTTP answer from " + address + ":" + port + " (" + exit_text(result) + ")"};
        if (reply->status != check.status)
          return {false, "HTTP status " + std::to_string(reply->status) + ", not " +
                             std::to_string(check.status)};
        if (check.body && reply->body.find(*check.body) == std::string::npos)
          return {false, "body does not contain \"" + *check.body + "\""};
        return {true, ""};
      }
      case HealthKind::exec: {
        ExecResult result = agent.exec(check.argv, timeout);
        if (result.succeeded()) return {true, ""};
        return {false, exit_text(result)};
      }
      case HealthKind::file: {
        std::string content = agent.read_file(check.file, timeout);
        if (check.contains && content.find(*check.contains) == std::string::npos)
          return {false, check.file + " does not contain \"" + *check.contains + "\""};
        return {true, ""};
      }
    }
  } catch (const AgentError& error) {
    return {false, std::string("agent ") + to_string(error.kind()) + ": " + error.what()};
  }
  return {false, "unknown check kind"};
}

}  // namespace firedrill::agent
