// Domain XML for lab-style guests: a kernel-booted QEMU (TCG) domain with one raw virtio
// disk, one virtio interface on a libvirt network, and a serial console on a pty. Identity
// and address travel on the kernel command line (fd.name=, fd.ip=), which is how Re-IP is
// applied to a restored replica.
#pragma once

#include <string>

namespace firedrill {

struct GuestSpec {
  std::string name;
  long memory_KiB = 131072;
  int vcpus = 1;
  std::string kernel, initrd;
  std::string cmdline;  // base command line; fd.name and fd.ip are replaced
  std::string ip;       // "10.1.0.10/24"; empty keeps what cmdline has
  std::string disk_path;
  std::string disk_format = "raw";  // the disk file's format: raw | qcow2
  std::string network;              // libvirt network name; empty: no interface
  std::string tap;                  // host tap device name (unique across lab daemons)
  std::string uuid;                 // empty: libvirt picks one
  // The QEMU guest agent's virtio channel (org.qemu.guest_agent.0); libvirt picks the
  // host-side socket. Every restored and test domain gets it (SPEC 7).
  bool agent_channel = true;
  // The address is set through the agent after boot (re_ip "agent"): no fd.ip on the
  // command line, so the guest comes up without one and only the agent can give it.
  bool address_by_agent = false;
};

std::string guest_domain_xml(const GuestSpec& spec);
// `cmdline` with `key=value` set (replacing an existing key=...).
std::string set_cmdline_arg(const std::string& cmdline, const std::string& key,
                            const std::string& value);
// `cmdline` without any `key=...` word.
std::string remove_cmdline_arg(const std::string& cmdline, const std::string& key);
// "10.0.0.10" + "10.0.0.0/24" -> "10.0.0.10/24" (prefix 24 when the subnet has none).
std::string ip_with_prefix(const std::string& ip, const std::string& subnet);

}  // namespace firedrill
