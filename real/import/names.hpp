// Plan names for things named by libvirt: `firedrill import` gives every host, VM, network
// and site a name that works everywhere a plan name is used (a `--set vms.NAME.boot_time`
// path, a libvirt domain or volume name made from it, a file name in a report), and one
// that is unique in its kind.
#pragma once

#include <set>
#include <string>
#include <vector>

namespace firedrill::import {

// Lower case; every character other than a-z, 0-9, '-' and '_' becomes '-', runs of '-'
// become one, and '-' at either end goes. "Web Server.01" -> "web-server-01". `fallback`
// when nothing is left.
std::string sanitize_name(const std::string& raw, const std::string& fallback);

// Names already given in one kind (hosts, VMs, ...): claim() returns `name`, or `name-2`,
// `name-3`, ... for the second and later claims of the same name.
class NameSet {
 public:
  std::string claim(const std::string& name);
  bool contains(const std::string& name) const { return taken_.count(name) > 0; }

 private:
  std::set<std::string> taken_;
};

// Plan names for `raw` names, in their order: names that are valid as they are claim
// theirs first, so that a domain already called "web-01" keeps it and "Web 01" becomes
// "web-01-2", whatever their order.
std::vector<std::string> claim_names(NameSet& names, const std::vector<std::string>& raw,
                                     const std::string& fallback);

}  // namespace firedrill::import
