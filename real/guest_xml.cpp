// Domain XML generation for lab-style guests.
#include "real/guest_xml.hpp"

#include <sstream>

#include "real/xml_escape.hpp"

namespace firedrill {

namespace {

std::string escape(const std::string& text) {
  return libvirt_xml_escape(text);
}

}  // namespace

std::string set_cmdline_arg(const std::string& cmdline, const std::string& key,
                            const std::string& value) {
  std::istringstream words(cmdline);
  std::string word, out;
  bool replaced = false;
  while (words >> word) {
    if (word.rfind(key + "=", 0) == 0) {
      word = key + "=" + value;
      replaced = true;
    }
    out += (out.empty() ? "" : " ") + word;
  }
  if (!replaced) out += (out.empty() ? "" : " ") + key + "=" + value;
  return out;
}

std::string remove_cmdline_arg(const std::string& cmdline, const std::string& key) {
  std::istringstream words(cmdline);
  std::string word, out;
  while (words >> word) {
    if (word.rfind(key + "=", 0) != 0) out += (out.empty() ? "" : " ") + word;
  }
  return out;
}

std::string ip_with_prefix(const std::string& ip, const std::string& subnet) {
  if (ip.empty() || ip.find('/') != std::string::npos) return ip;
  const auto slash = subnet.find('/');
  return ip + (slash == std::string::npos ? "/24" : subnet.substr(slash));
}

std::string guest_domain_xml(const GuestSpec& spec) {
  std::string cmdline = set_cmdline_arg(spec.cmdline, "fd.name", spec.name);
  if (spec.address_by_agent) {
    cmdline = remove_cmdline_arg(cmdline, "fd.ip");
  } else if (!spec.ip.empty()) {
    cmdline = set_cmdline_arg(cmdline, "fd.ip", spec.ip);
  }
  std::ostringstream xml;
  xml << "<domain type='qemu'>\n"
      << "  <name>" << escape(spec.name) << "</name>\n";
  if (!spec.uuid.empty()) xml << "  <uuid>" << spec.uuid << "</uuid>\n";
  xml << "  <memory unit='KiB'>" << spec.memory_KiB << "</memory>\n"
      << "  <vcpu>" << spec.vcpus << "</vcpu>\n"
      << "  <os>\n    <type arch='x86_64' machine='pc'>hvm</type>\n"
      << "    <kernel>" << escape(spec.kernel) << "</kernel>\n"
      << "    <initrd>" << escape(spec.initrd) << "</initrd>\n"
      << "    <cmdline>" << escape(cmdline) << "</cmdline>\n  </os>\n"
      << "  <features><acpi/></features>\n"
      << "  <clock offset='utc'/>\n"
      << "  <on_poweroff>destroy</on_poweroff>\n  <on_reboot>destroy</on_reboot>\n"
      << "  <on_crash>destroy</on_crash>\n"
      << "  <devices>\n"
      << "    <disk type='file' device='disk'>\n"
      << "      <driver name='qemu' type='" << escape(spec.disk_format) << "' cache='none'/>\n"
      << "      <source file='" << escape(spec.disk_path) << "'/>\n"
      << "      <target dev='vda' bus='virtio'/>\n    </disk>\n";
  if (!spec.network.empty()) {
    xml << "    <interface type='network'>\n"
        << "      <source network='" << escape(spec.network) << "'/>\n";
    if (!spec.tap.empty()) xml << "      <target dev='" << escape(spec.tap) << "'/>\n";
    xml << "      <model type='virtio'/>\n    </interface>\n";
  }
  if (spec.agent_channel) {
    xml << "    <channel type='unix'>\n"
        << "      <target type='virtio' name='org.qemu.guest_agent.0'/>\n    </channel>\n";
  }
  xml << "    <serial type='pty'><target port='0'/></serial>\n"
      << "    <console type='pty'><target type='serial' port='0'/></console>\n"
      << "  </devices>\n</domain>\n";
  return xml.str();
}

}  // namespace firedrill
