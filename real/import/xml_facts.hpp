// The facts `firedrill import` takes from libvirt's XML documents (a domain's first disk and
// its interfaces, a network's IPv4 subnet, a pool's type), read with libxml2 and XPath so
// that attribute order, quoting, entities and comments are the parser's business.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "real/import/estate.hpp"

namespace firedrill::import {

struct DomainXmlFacts {
  std::string disk_path;  // first <disk device='disk'>: source @file, else @dev
  std::string disk_pool;  // ... or its source @pool and @volume
  std::string disk_volume;
  std::string disk_target;                    // its <target dev=...> ("vda")
  std::vector<ImportedInterface> interfaces;  // type, network, source and MAC filled
};

struct NetworkXmlFacts {
  std::string subnet;  // first IPv4 <ip>, as a prefix "10.0.0.0/24"; "" when none
  bool forward = false;
};

// nullopt with `error` set when the text is not well-formed XML.
std::optional<DomainXmlFacts> domain_xml_facts(const std::string& xml, std::string& error);
std::optional<NetworkXmlFacts> network_xml_facts(const std::string& xml, std::string& error);
// The <pool type=...>, "" when it has none.
std::optional<std::string> pool_xml_type(const std::string& xml, std::string& error);

// "10.0.0.1" with netmask "255.255.255.0" -> "10.0.0.0/24"; nullopt when either is not a
// dotted quad or the mask is not contiguous.
std::optional<std::string> subnet_of(const std::string& address, const std::string& netmask);
// "10.0.0.1" with prefix 24 -> "10.0.0.0/24"; nullopt when bad.
std::optional<std::string> subnet_of(const std::string& address, int prefix_bits);

}  // namespace firedrill::import
