// The QEMU guest agent operations firedrill needs, typed: ping, info, running a program
// (guest-exec + guest-exec-status, output decoded), reading a file, listing interfaces
// and setting an address on the interface with a given MAC (iproute2 through guest-exec,
// then read back with guest-network-get-interfaces). Every call has a timeout; failures
// are AgentError with a kind (unavailable, timeout, protocol, command).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "real/agent/transport.hpp"

namespace firedrill::agent {

struct AgentInfo {
  std::string version;
  std::vector<std::string> enabled_commands;
  bool supports(const std::string& command) const;
};

struct ExecResult {
  std::optional<int> exit_code;  // set when the program exited
  std::optional<int> signal;     // set when a signal ended it
  std::string out;               // stdout, decoded
  std::string err;               // stderr, decoded
  bool truncated = false;        // the agent cut the output (it keeps at most 16 MB)
  bool succeeded() const { return exit_code && *exit_code == 0; }
};

struct IpAddress {
  std::string family;  // "ipv4" or "ipv6"
  std::string address;
  int prefix = 0;
};

struct GuestInterface {
  std::string name;
  std::string mac;  // lower case, as the agent gives it ("" when the interface has none)
  std::vector<IpAddress> addresses;
};

struct ReIpResult {
  std::string interface;             // the guest's name for the NIC with that MAC
  std::vector<IpAddress> read_back;  // its addresses after the change
};

class GuestAgent {
 public:
  explicit GuestAgent(AgentTransport& transport) : transport_(transport) {}

  // The raw call: {"execute": name, "arguments": args}; returns the "return" member.
  nlohmann::json call(const std::string& name, const nlohmann::json& arguments, Millis timeout);

  void ping(Millis timeout);
  AgentInfo info(Millis timeout);
  // Runs argv[0] (looked up in the guest's PATH) with the other words as arguments,
  // stdin empty, and waits for it to end; the timeout covers start, run and collection.
  ExecResult exec(const std::vector<std::string>& argv, Millis timeout);
  // The whole file (at most max_bytes; more is a Command error), opened read-only.
  std::string read_file(const std::string& path, Millis timeout, size_t max_bytes = 1 << 20);
  std::vector<GuestInterface> interfaces(Millis timeout);
  // Replaces the global addresses of the interface whose MAC is `mac` with
  // address/prefix, brings it up (and adds a default route if gateway is given), then
  // reads the interface back: a read-back without that address is a Command error.
  ReIpResult set_address(const std::string& mac, const std::string& address, int prefix,
                         const std::string& gateway, Millis timeout);

  bool taints_domain() const { return transport_.taints_domain(); }
  std::string describe() const { return transport_.describe(); }

 private:
  AgentTransport& transport_;
};

// The interface with that MAC (compared case-insensitively), if any.
const GuestInterface* find_by_mac(const std::vector<GuestInterface>& interfaces,
                                  const std::string& mac);

}  // namespace firedrill::agent
