// One libvirt host, read through typed calls where libvirt has them (virNodeGetInfo,
// virDomainGetInfo, virStorageVolGetInfo, virDomainInterfaceAddresses) and through the XML
// (real/import/xml_facts.hpp) only for what has no typed call: disks, interfaces, subnets.
#include "real/import/read_host.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <memory>
#include <type_traits>

#include <libxml/globals.h>
#include <libxml/xmlerror.h>

#include "real/import/xml_facts.hpp"
#include "real/virt.hpp"

namespace firedrill::import {
namespace {

using virt::last_error;

// A string libvirt allocated, freed here.
std::string take(char* text) {
  std::string value = text ? text : "";
  free(text);
  return value;
}

template <typename T>
void sort_by_name(std::vector<T>& items) {
  std::sort(items.begin(), items.end(), [](const T& a, const T& b) { return a.name < b.name; });
}

// The first disk's capacity: from its storage volume when libvirt manages one (true for
// shut-off domains too), else from the running domain's block device. The block info of a
// volume libvirt does not know is what QEMU reports, which is as good for a running guest.
void read_disk(virConnectPtr conn, virDomainPtr domain, const DomainXmlFacts& xml,
               ImportedDomain& out) {
  virt::Vol volume;
  if (!xml.disk_pool.empty() && !xml.disk_volume.empty()) {
    out.disk_path = xml.disk_pool + "/" + xml.disk_volume;
    virt::Pool pool(virStoragePoolLookupByName(conn, xml.disk_pool.c_str()));
    if (pool) volume.reset(virStorageVolLookupByName(pool.get(), xml.disk_volume.c_str()));
  } else if (!xml.disk_path.empty()) {
    out.disk_path = xml.disk_path;
    volume.reset(virStorageVolLookupByPath(conn, xml.disk_path.c_str()));
  } else {
    out.disk_error = "the domain has no <disk device='disk'>";
    return;
  }
  virStorageVolInfo volume_info{};
  if (volume && virStorageVolGetInfo(volume.get(), &volume_info) == 0 && volume_info.capacity > 0) {
    out.disk_B = static_cast<double>(volume_info.capacity);
    out.disk_from = "volume";
    return;
  }
  out.disk_error = "no storage volume " + out.disk_path + " (" + last_error() + ")";
  const std::string device = xml.disk_target.empty() ? xml.disk_path : xml.disk_target;
  if (!out.running || device.empty()) return;
  virDomainBlockInfo block_info{};
  if (virDomainGetBlockInfo(domain, device.c_str(), &block_info, 0) == 0 &&
      block_info.capacity > 0) {
    out.disk_B = static_cast<double>(block_info.capacity);
    out.disk_from = "block info";
    out.disk_error.clear();
    return;
  }
  out.disk_error += "; virDomainGetBlockInfo: " + last_error();
}

// The first IPv4 address of each interface (by lower-case MAC) from one source; false with
// `error` when libvirt could not ask it.
bool addresses_by_mac(virDomainPtr domain, unsigned source, std::map<std::string, std::string>& out,
                      std::string& error) {
  virDomainInterfacePtr* interfaces = nullptr;
  const int count = virDomainInterfaceAddresses(domain, &interfaces, source, 0);
  if (count < 0) {
    error = last_error();
    return false;
  }
  for (int i = 0; i < count; ++i) {
    std::string mac = interfaces[i]->hwaddr ? interfaces[i]->hwaddr : "";
    std::transform(mac.begin(), mac.end(), mac.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (unsigned a = 0; a < interfaces[i]->naddrs; ++a) {
      const virDomainIPAddress& address = interfaces[i]->addrs[a];
      if (address.type == VIR_IP_ADDR_TYPE_IPV4 && address.addr && !mac.empty()) {
        out.emplace(mac, address.addr);
      }
    }
    virDomainInterfaceFree(interfaces[i]);
  }
  free(interfaces);
  return true;
}

// Addresses from the guest agent when asked, else (or for what it did not say) from the
// DHCP leases of libvirt's networks. An agent that is absent or silent is not an error.
void read_addresses(virDomainPtr domain, const ReadOptions& options, ImportedDomain& out) {
  if (!out.running || out.interfaces.empty()) return;
  std::map<std::string, std::string> agent, lease;
  if (!options.ask_agent) {
    out.agent_error = "not asked: the connection is read-only (--agent asks it)";
  } else if (!addresses_by_mac(domain, VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT, agent,
                               out.agent_error)) {
    if (out.agent_error.empty()) out.agent_error = "no answer";
  }
  const bool all_from_agent = std::all_of(
      out.interfaces.begin(), out.interfaces.end(),
      [&](const ImportedInterface& interface) { return agent.count(interface.mac) > 0; });
  if (!all_from_agent) {
    addresses_by_mac(domain, VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE, lease, out.lease_error);
  }
  for (ImportedInterface& interface : out.interfaces) {
    if (const auto it = agent.find(interface.mac); it != agent.end()) {
      interface.ip = it->second;
      interface.ip_from = "agent";
    } else if (const auto leased = lease.find(interface.mac); leased != lease.end()) {
      interface.ip = leased->second;
      interface.ip_from = "lease";
    }
  }
}

ImportedDomain read_domain(virConnectPtr conn, virDomainPtr domain, const ReadOptions& options) {
  ImportedDomain out;
  out.name = virDomainGetName(domain);
  out.running = virDomainIsActive(domain) == 1;
  virDomainInfo info{};
  if (virDomainGetInfo(domain, &info) == 0) {
    out.vcpus = std::max<int>(1, info.nrVirtCpu);
    out.memory_B = static_cast<double>(info.maxMem) * 1024.0;
  }
  std::string error;
  const auto xml = domain_xml_facts(take(virDomainGetXMLDesc(domain, 0)), error);
  if (!xml) {
    out.disk_error = "its XML could not be read: " + (error.empty() ? last_error() : error);
    return out;
  }
  out.interfaces = xml->interfaces;
  read_disk(conn, domain, *xml, out);
  read_addresses(domain, options, out);
  return out;
}

// Every object of one kind on a host, sorted by name: `list_all` is libvirt's
// virConnectListAll* call (flags 0: active and inactive), `read` makes one object's facts,
// and each object and the array libvirt allocated are freed here.
template <typename Ptr, typename Read>
auto read_all(virConnectPtr conn, int (*list_all)(virConnectPtr, Ptr**, unsigned int),
              int (*free_one)(Ptr), const Read& read) {
  Ptr* objects = nullptr;
  const int count = list_all(conn, &objects, 0);
  std::vector<std::invoke_result_t<const Read&, Ptr>> all;
  for (int i = 0; i < count; ++i) {
    all.push_back(read(objects[i]));
    free_one(objects[i]);
  }
  free(objects);
  sort_by_name(all);
  return all;
}

ImportedNetwork read_network(virNetworkPtr network) {
  ImportedNetwork out;
  out.name = virNetworkGetName(network);
  out.active = virNetworkIsActive(network) == 1;
  std::string error;
  if (const auto xml = network_xml_facts(take(virNetworkGetXMLDesc(network, 0)), error)) {
    out.subnet = xml->subnet;
    out.forward = xml->forward;
  }
  return out;
}

ImportedPool read_pool(virStoragePoolPtr pool) {
  ImportedPool out;
  out.name = virStoragePoolGetName(pool);
  virStoragePoolInfo info{};
  if (virStoragePoolGetInfo(pool, &info) == 0) {
    out.active = info.state == VIR_STORAGE_POOL_RUNNING;
    out.capacity_B = static_cast<double>(info.capacity);
    out.available_B = static_cast<double>(info.available);
  }
  std::string error;
  out.type = pool_xml_type(take(virStoragePoolGetXMLDesc(pool, 0)), error).value_or("");
  return out;
}

void ignore_xml_message(void*, const char*, ...) {}

}  // namespace

std::optional<ImportedHost> read_host(const std::string& uri, const ReadOptions& options,
                                      std::string& error) {
  // libxml2 prints some messages itself ("I/O warning : failed to load external entity"
  // when the test driver's file is missing); libvirt's own message says the same, so only
  // that one is shown. Per thread: the default for new threads too (the open runs on one).
  xmlThrDefSetGenericErrorFunc(nullptr, ignore_xml_message);
  xmlSetGenericErrorFunc(nullptr, ignore_xml_message);
  const auto connection =
      virt::Connection::open(uri, error, {}, options.answer_timeout_s, !options.ask_agent);
  if (!connection) return std::nullopt;
  virConnectPtr conn = connection->get();
  ImportedHost host;
  host.uri = uri;
  virNodeInfo node{};
  if (virNodeGetInfo(conn, &node) != 0) {
    error = "virNodeGetInfo: " + last_error();
    return std::nullopt;
  }
  host.cpus = static_cast<int>(node.cpus);
  host.memory_B = static_cast<double>(node.memory) * 1024.0;
  host.hostname = take(virConnectGetHostname(conn));
  host.domains = read_all(conn, virConnectListAllDomains, virDomainFree,
                          [&](virDomainPtr domain) { return read_domain(conn, domain, options); });
  host.networks = read_all(conn, virConnectListAllNetworks, virNetworkFree, read_network);
  host.pools = read_all(conn, virConnectListAllStoragePools, virStoragePoolFree, read_pool);
  if (!connection->alive()) {  // the daemon went away while being read: the host is not known
    error = "the connection dropped while reading the host";
    return std::nullopt;
  }
  return host;
}

}  // namespace firedrill::import
