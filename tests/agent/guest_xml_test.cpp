// The domain XML of restored and test domains: the guest agent's channel, and an address
// that comes either on the kernel command line or (re_ip "agent") only through the agent.
#include "real/guest_xml.hpp"

#include <gtest/gtest.h>

namespace {

using firedrill::GuestSpec;

GuestSpec restored() {
  GuestSpec spec;
  spec.name = "db-test";
  spec.kernel = "/k";
  spec.initrd = "/i";
  spec.cmdline = "console=ttyS0 fd.name=db fd.ip=10.0.0.11/24 quiet";
  spec.ip = "10.1.0.11/24";
  spec.disk_path = "/pool/db.img";
  spec.network = "bubble";
  return spec;
}

TEST(GuestXml, RestoredDomainsGetTheGuestAgentChannel) {
  const std::string xml = firedrill::guest_domain_xml(restored());
  EXPECT_NE(xml.find("<channel type='unix'>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<target type='virtio' name='org.qemu.guest_agent.0'/>"), std::string::npos)
      << xml;
  GuestSpec without = restored();
  without.agent_channel = false;
  EXPECT_EQ(firedrill::guest_domain_xml(without).find("<channel"), std::string::npos);
}

TEST(GuestXml, TheAddressTravelsOnTheCommandLineUnlessTheAgentSetsIt) {
  const std::string by_cmdline = firedrill::guest_domain_xml(restored());
  EXPECT_NE(by_cmdline.find("fd.ip=10.1.0.11/24"), std::string::npos) << by_cmdline;
  EXPECT_EQ(by_cmdline.find("fd.ip=10.0.0.11/24"), std::string::npos) << by_cmdline;
  GuestSpec spec = restored();
  spec.address_by_agent = true;
  const std::string by_agent = firedrill::guest_domain_xml(spec);
  EXPECT_EQ(by_agent.find("fd.ip="), std::string::npos) << by_agent;
  EXPECT_NE(by_agent.find("fd.name=db-test"), std::string::npos) << by_agent;
}

TEST(GuestXml, RemoveCmdlineArgDropsEveryWordOfThatKeyOnly) {
  EXPECT_EQ(firedrill::remove_cmdline_arg("a=1 fd.ip=x b fd.ip=y fd.ipx=z", "fd.ip"),
            "a=1 b fd.ipx=z");
  EXPECT_EQ(firedrill::remove_cmdline_arg("", "fd.ip"), "");
}

}  // namespace
