// libvirt XML facts through libxml2: what `firedrill import` takes from domain, network and
// pool documents, including the forms a string search gets wrong.
#include <gtest/gtest.h>

#include "real/import/xml_facts.hpp"

namespace firedrill::import {
namespace {

TEST(XmlFacts, DomainFirstDiskAndInterfaces) {
  const std::string xml = R"(<domain type='kvm'>
    <!-- <disk device='disk'><source file='/in/a/comment.img'/></disk> -->
    <devices>
      <disk type='file' device='cdrom'><source file='/iso/debian.iso'/><target dev='hdc'/></disk>
      <disk device="disk" type="file"><target dev="vdb"/><source file="/img/a&amp;b.img"/></disk>
      <disk type='file' device='disk'><source file='/img/second.img'/></disk>
      <interface type='bridge'><source bridge='br0'/><mac address='52:54:00:AB:CD:01'/></interface>
      <interface type='network'><mac address='52:54:00:ab:cd:02'/><source network='prod'/></interface>
    </devices></domain>)";
  std::string error;
  const auto facts = domain_xml_facts(xml, error);
  ASSERT_TRUE(facts) << error;
  EXPECT_EQ(facts->disk_path, "/img/a&b.img");
  EXPECT_EQ(facts->disk_target, "vdb");
  ASSERT_EQ(facts->interfaces.size(), 2u);
  EXPECT_EQ(facts->interfaces[0].type, "bridge");
  EXPECT_EQ(facts->interfaces[0].source, "br0");
  EXPECT_EQ(facts->interfaces[0].network, "");
  EXPECT_EQ(facts->interfaces[0].mac, "52:54:00:ab:cd:01");
  EXPECT_EQ(facts->interfaces[1].network, "prod");
}

TEST(XmlFacts, DomainDiskInAPool) {
  std::string error;
  const auto facts = domain_xml_facts(
      "<domain><devices><disk type='volume' device='disk'><source pool='vms' volume='a.qcow2'/>"
      "</disk></devices></domain>",
      error);
  ASSERT_TRUE(facts) << error;
  EXPECT_EQ(facts->disk_path, "");
  EXPECT_EQ(facts->disk_pool, "vms");
  EXPECT_EQ(facts->disk_volume, "a.qcow2");
}

TEST(XmlFacts, NetworkSubnetFromNetmaskOrPrefix) {
  std::string error;
  auto facts = network_xml_facts(
      "<network><forward mode='nat'/><ip address='192.168.122.1' "
      "netmask='255.255.255.0'/></network>",
      error);
  ASSERT_TRUE(facts) << error;
  EXPECT_EQ(facts->subnet, "192.168.122.0/24");
  EXPECT_TRUE(facts->forward);
  facts = network_xml_facts(
      "<network><ip family='ipv6' address='fd00::1' prefix='64'/>"
      "<ip address='10.20.30.40' prefix='20'/></network>",
      error);
  ASSERT_TRUE(facts) << error;
  EXPECT_EQ(facts->subnet, "10.20.16.0/20");
  EXPECT_FALSE(facts->forward);
  facts = network_xml_facts("<network><bridge name='x'/></network>", error);
  ASSERT_TRUE(facts);
  EXPECT_EQ(facts->subnet, "");
}

TEST(XmlFacts, BadInputIsAnError) {
  std::string error;
  EXPECT_FALSE(domain_xml_facts("<domain><devices>", error));
  EXPECT_FALSE(error.empty());
  EXPECT_FALSE(subnet_of("10.0.0.1", "255.0.255.0"));  // not contiguous
  EXPECT_FALSE(subnet_of("10.0.0", 24));
  EXPECT_FALSE(subnet_of("10.0.0.1", 33));
  EXPECT_EQ(subnet_of("10.0.0.1", 0).value_or(""), "0.0.0.0/0");
  EXPECT_EQ(pool_xml_type("<pool type='logical'><name>v</name></pool>", error).value_or(""),
            "logical");
}

}  // namespace
}  // namespace firedrill::import
