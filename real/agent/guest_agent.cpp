// GuestAgent: JSON requests and replies of the qemu-ga commands firedrill uses.
#include "real/agent/guest_agent.hpp"

#include <algorithm>
#include <cctype>
#include <thread>

#include "real/agent/base64.hpp"

namespace firedrill::agent {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

Millis left_until(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now());
  return left < Millis(1) ? Millis(1) : left;
}

[[noreturn]] void protocol_error(const std::string& command, const std::string& what) {
  throw AgentError(AgentErrorKind::Protocol, command + ": " + what);
}

}  // namespace

bool AgentInfo::supports(const std::string& command) const {
  return std::find(enabled_commands.begin(), enabled_commands.end(), command) !=
         enabled_commands.end();
}

json GuestAgent::call(const std::string& name, const json& arguments, Millis timeout) {
  json request = {{"execute", name}};
  if (!arguments.is_null()) request["arguments"] = arguments;
  std::string text = transport_.command(request.dump(), timeout);
  json reply = json::parse(text, nullptr, false);
  if (reply.is_discarded() || !reply.is_object()) protocol_error(name, "reply is not JSON");
  if (reply.contains("error")) {
    const json& error = reply["error"];
    std::string desc = error.is_object() ? error.value("desc", error.dump()) : error.dump();
    throw AgentError(AgentErrorKind::Command, name + ": " + desc);
  }
  if (!reply.contains("return")) protocol_error(name, "reply has no \"return\"");
  return reply["return"];
}

void GuestAgent::ping(Millis timeout) {
  call("guest-ping", nullptr, timeout);
}

AgentInfo GuestAgent::info(Millis timeout) {
  json result = call("guest-info", nullptr, timeout);
  if (!result.is_object() || !result.contains("version"))
    protocol_error("guest-info", "no version");
  AgentInfo info;
  info.version = result["version"].get<std::string>();
  for (const json& command : result.value("supported_commands", json::array()))
    if (command.value("enabled", false)) info.enabled_commands.push_back(command.value("name", ""));
  return info;
}

ExecResult GuestAgent::exec(const std::vector<std::string>& argv, Millis timeout) {
  if (argv.empty()) throw AgentError(AgentErrorKind::Command, "guest-exec: empty command");
  auto deadline = Clock::now() + timeout;
  json arguments = {{"path", argv[0]}, {"capture-output", true}};
  arguments["arg"] = std::vector<std::string>(argv.begin() + 1, argv.end());
  json started = call("guest-exec", arguments, left_until(deadline));
  if (!started.is_object() || !started.contains("pid")) protocol_error("guest-exec", "no pid");
  int pid = started["pid"].get<int>();
  // Poll the status: quickly at first (short commands end in milliseconds), then less
  // often so a long check does not flood the agent.
  Millis pause(10);
  for (;;) {
    json status = call("guest-exec-status", {{"pid", pid}}, left_until(deadline));
    if (!status.is_object() || !status.contains("exited"))
      protocol_error("guest-exec-status", "no \"exited\"");
    if (status["exited"].get<bool>()) {
      ExecResult result;
      if (status.contains("exitcode")) result.exit_code = status["exitcode"].get<int>();
      if (status.contains("signal")) result.signal = status["signal"].get<int>();
      result.out = base64_decode(status.value("out-data", ""));
      result.err = base64_decode(status.value("err-data", ""));
      result.truncated =
          status.value("out-truncated", false) || status.value("err-truncated", false);
      return result;
    }
    if (Clock::now() + pause >= deadline)
      throw AgentError(AgentErrorKind::Timeout,
                       "guest-exec: " + argv[0] + " still running at its timeout");
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, Millis(200));
  }
}

std::string GuestAgent::read_file(const std::string& path, Millis timeout, size_t max_bytes) {
  auto deadline = Clock::now() + timeout;
  json handle = call("guest-file-open", {{"path", path}, {"mode", "r"}}, left_until(deadline));
  if (!handle.is_number_integer()) protocol_error("guest-file-open", "no handle");
  std::string content;
  std::optional<AgentError> failure;
  try {
    for (;;) {
      json chunk =
          call("guest-file-read", {{"handle", handle}, {"count", 65536}}, left_until(deadline));
      content += base64_decode(chunk.value("buf-b64", ""));
      if (content.size() > max_bytes)
        throw AgentError(AgentErrorKind::Command,
                         path + " is larger than " + std::to_string(max_bytes) + " bytes");
      if (chunk.value("eof", false) || chunk.value("count", 0) == 0) break;
    }
  } catch (const AgentError& error) {
    failure = error;
  }
  // Always give the handle back (the agent keeps a small table of them); a close that
  // fails after a failed read must not hide the read's error.
  try {
    call("guest-file-close", {{"handle", handle}}, left_until(deadline));
  } catch (const AgentError& error) {
    if (!failure) failure = error;
  }
  if (failure) throw *failure;
  return content;
}

std::vector<GuestInterface> GuestAgent::interfaces(Millis timeout) {
  json result = call("guest-network-get-interfaces", nullptr, timeout);
  if (!result.is_array()) protocol_error("guest-network-get-interfaces", "not a list");
  std::vector<GuestInterface> interfaces;
  for (const json& entry : result) {
    GuestInterface interface;
    interface.name = entry.value("name", "");
    interface.mac = lower(entry.value("hardware-address", ""));
    for (const json& ip : entry.value("ip-addresses", json::array()))
      interface.addresses.push_back(
          {ip.value("ip-address-type", ""), ip.value("ip-address", ""), ip.value("prefix", 0)});
    interfaces.push_back(std::move(interface));
  }
  return interfaces;
}

const GuestInterface* find_by_mac(const std::vector<GuestInterface>& interfaces,
                                  const std::string& mac) {
  std::string wanted = lower(mac);
  for (const GuestInterface& interface : interfaces)
    if (interface.mac == wanted) return &interface;
  return nullptr;
}

ReIpResult GuestAgent::set_address(const std::string& mac, const std::string& address, int prefix,
                                   const std::string& gateway, Millis timeout) {
  auto deadline = Clock::now() + timeout;
  auto before = interfaces(left_until(deadline));
  const GuestInterface* nic = find_by_mac(before, mac);
  if (nic == nullptr) throw AgentError(AgentErrorKind::Command, "no interface with MAC " + mac);
  std::string name = nic->name;
  std::string cidr = address + "/" + std::to_string(prefix);
  std::vector<std::vector<std::string>> steps = {
      {"ip", "addr", "flush", "dev", name, "scope", "global"},
      {"ip", "addr", "add", cidr, "dev", name},
      {"ip", "link", "set", name, "up"}};
  if (!gateway.empty()) steps.push_back({"ip", "route", "replace", "default", "via", gateway});
  for (const auto& step : steps) {
    ExecResult result = exec(step, left_until(deadline));
    if (!result.succeeded()) {
      std::string words;
      for (const auto& word : step) words += (words.empty() ? "" : " ") + word;
      throw AgentError(
          AgentErrorKind::Command,
          "'" + words + "' failed: " +
              (result.err.empty() ? "exit status " + std::to_string(result.exit_code.value_or(-1))
                                  : result.err));
    }
  }
  auto after = interfaces(left_until(deadline));
  nic = find_by_mac(after, mac);
  if (nic == nullptr)
    throw AgentError(AgentErrorKind::Command, "read-back: MAC " + mac + " disappeared");
  for (const IpAddress& ip : nic->addresses)
    if (ip.address == address && ip.prefix == prefix) return {name, nic->addresses};
  std::string seen;
  for (const IpAddress& ip : nic->addresses)
    seen += (seen.empty() ? "" : ", ") + ip.address + "/" + std::to_string(ip.prefix);
  throw AgentError(
      AgentErrorKind::Command,
      "read-back: " + name + " has " + (seen.empty() ? "no address" : seen) + ", not " + cidr);
}

}  // namespace firedrill::agent
