// Reads one libvirt host for `firedrill import`: its node info, every defined domain
// (running or not), its networks and its storage pools. Nothing on the host is changed.
#pragma once

#include <optional>
#include <string>

#include "real/import/estate.hpp"

namespace firedrill::import {

struct ReadOptions {
  // Bound on opening the connection and on any call that waits for a daemon that stops
  // answering (real/virt.hpp Connection::open, libvirt keepalive).
  double answer_timeout_s = 30.0;
  // libvirt answers virDomainInterfaceAddresses(..._SRC_AGENT) only on a read-write
  // connection. false: the connection is read-only and addresses come from DHCP leases.
  bool ask_agent = false;
};

// The host at `uri`, or nullopt when it cannot be reached (then `error` says why: libvirt's
// message, or no answer within the timeout). A domain, network or pool whose details cannot
// be read does not fail the host: what could not be read is left empty and says why.
std::optional<ImportedHost> read_host(const std::string& uri, const ReadOptions& options,
                                      std::string& error);

}  // namespace firedrill::import
