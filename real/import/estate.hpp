// What `firedrill import` read from libvirt hosts (SPEC 10), as plain values: one
// ImportedHost per URI, in the order the URIs were given, and the sites the user asked for.
// Reading fills these (real/import/read_host.hpp); writing a plan from them is a pure
// function (real/import/plan_from_estate.hpp), so it is tested without libvirt.
#pragma once

#include <string>
#include <vector>

namespace firedrill::import {

// One <interface> of a domain, in the order of its XML.
struct ImportedInterface {
  std::string type;     // the <interface type=...>: "network", "bridge", "direct", ...
  std::string network;  // the libvirt network (type "network"), else ""
  std::string source;   // the bridge or device of other types ("" when none)
  std::string mac;      // lower case, "" when the XML has none
  std::string ip;       // IPv4 address without prefix, "" when none is known
  std::string ip_from;  // "agent" or "lease" when `ip` is set
};

struct ImportedDomain {
  std::string name;  // the libvirt domain name, as it is
  bool running = false;
  int vcpus = 1;          // virDomainGetInfo nrVirtCpu
  double memory_B = 0.0;  // virDomainGetInfo maxMem: what the VM may use, not its balloon
  std::string disk_path;  // the first <disk device='disk'> source (file, dev or pool/volume)
  double disk_B = 0.0;    // its capacity; 0 when it could not be read
  std::string disk_from;  // "volume" (virStorageVolGetInfo) or "block info" (virDomainGetBlockInfo)
  std::string disk_error;  // why disk_B is 0 ("" when it is known or there is no disk)
  std::vector<ImportedInterface> interfaces;
  // Why an address did not come from the guest agent ("" when it answered, or the domain
  // is not running): the agent's or libvirt's own message.
  std::string agent_error;
  std::string lease_error;  // the same for the DHCP leases, when they were asked
};

struct ImportedNetwork {
  std::string name;      // the libvirt network name, as it is
  std::string subnet;    // its first IPv4 <ip> as a prefix ("10.0.0.0/24"), "" when none
  bool forward = false;  // has a <forward> element (no <forward>: an isolated network)
  bool active = false;
};

struct ImportedPool {
  std::string name;
  std::string type;  // "dir", "logical", "netfs", "rbd", ...
  double capacity_B = 0.0;
  double available_B = 0.0;
  bool active = false;
};

struct ImportedHost {
  std::string uri;       // as the user gave it
  std::string hostname;  // virConnectGetHostname, as it is
  int cpus = 0;          // virNodeGetInfo: logical CPUs
  double memory_B = 0.0;
  std::vector<ImportedDomain> domains;    // sorted by name
  std::vector<ImportedNetwork> networks;  // sorted by name
  std::vector<ImportedPool> pools;        // sorted by name
};

// `--site NAME=URI,URI2`: the hosts of one site, in the order given.
struct SiteSpec {
  std::string name;
  std::vector<std::string> uris;
};

struct Estate {
  std::vector<ImportedHost> hosts;  // in the order the URIs were given
  // Sites the user named, in order; a host in none of them gets a site of its own, named
  // after the host, after these.
  std::vector<SiteSpec> sites;
};

}  // namespace firedrill::import
