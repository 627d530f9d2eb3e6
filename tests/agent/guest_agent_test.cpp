// The guest agent client against a real qemu-ga on the host (unix-listen, in its own
// network namespace), with no VM: ping, info, exec, file reads, interfaces, Re-IP by MAC
// and timeouts; plus base64 and the libvirt transport's error mapping.
#include <gtest/gtest.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <memory>

#include "real/agent/base64.hpp"
#include "real/agent/guest_agent.hpp"
#include "real/agent/libvirt_transport.hpp"
#include "real/agent/unix_transport.hpp"
#include "tests/agent/qemu_ga_fixture.hpp"

namespace firedrill::agent {
namespace {

using namespace std::chrono_literals;
using testing::QemuGa;

class AgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    try {
      ga_ = std::make_unique<QemuGa>();
    } catch (const std::exception& error) {
      FAIL() << "cannot run the guest agent tests: " << error.what();
    }
    transport_ = std::make_unique<UnixSocketTransport>(ga_->socket_path());
    agent_ = std::make_unique<GuestAgent>(*transport_);
  }
  std::unique_ptr<QemuGa> ga_;
  std::unique_ptr<UnixSocketTransport> transport_;
  std::unique_ptr<GuestAgent> agent_;
};

TEST_F(AgentTest, PingsAndReportsItsCommands) {
  agent_->ping(5s);
  AgentInfo info = agent_->info(5s);
  EXPECT_FALSE(info.version.empty());
  for (const char* command :
       {"guest-exec", "guest-exec-status", "guest-file-open", "guest-file-read", "guest-file-close",
        "guest-network-get-interfaces"})
    EXPECT_TRUE(info.supports(command)) << command;
  EXPECT_FALSE(info.supports("no-such-command"));
  EXPECT_FALSE(agent_->taints_domain());
}

TEST_F(AgentTest, ExecGivesExitStatusAndOutput) {
  EXPECT_EQ(agent_->exec({"true"}, 10s).exit_code, 0);
  ExecResult failed = agent_->exec({"false"}, 10s);
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_FALSE(failed.succeeded());
  ExecResult echoed = agent_->exec({"echo", "hello", "agent"}, 10s);
  EXPECT_TRUE(echoed.succeeded());
  EXPECT_EQ(echoed.out, "hello agent\n");
  ExecResult both = agent_->exec({"sh", "-c", "echo out; echo err >&2; exit 3"}, 10s);
  EXPECT_EQ(both.exit_code, 3);
  EXPECT_EQ(both.out, "out\n");
  EXPECT_EQ(both.err, "err\n");
  ExecResult killed = agent_->exec({"sh", "-c", "kill -9 $$"}, 10s);
  EXPECT_FALSE(killed.exit_code.has_value());
  EXPECT_EQ(killed.signal, 9);
}

TEST_F(AgentTest, ExecOfAMissingProgramIsACommandError) {
  try {
    agent_->exec({"/nonexistent/program"}, 10s);
    FAIL() << "exec of a missing program succeeded";
  } catch (const AgentError& error) {
    EXPECT_EQ(error.kind(), AgentErrorKind::Command) << error.what();
  }
}

TEST_F(AgentTest, ExecTimesOutAndTheNextCallStillWorks) {
  auto start = std::chrono::steady_clock::now();
  try {
    agent_->exec({"sleep", "5"}, 400ms);
    FAIL() << "sleep 5 finished within 400 ms";
  } catch (const AgentError& error) {
    EXPECT_EQ(error.kind(), AgentErrorKind::Timeout) << error.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);  // bounded, not the 5 s sleep
  agent_->ping(5s);
  EXPECT_EQ(agent_->exec({"echo", "again"}, 10s).out, "again\n");
}

TEST_F(AgentTest, ReadsAFileWholeAcrossChunks) {
  std::string small_path = ga_->dir() + "/ready";
  std::ofstream(small_path) << "ok\n";
  EXPECT_EQ(agent_->read_file(small_path, 5s), "ok\n");
  std::string big;  // binary, larger than one 64 KiB read
  for (int i = 0; i < 200000; ++i) big += static_cast<char>((i * 7919) % 256);
  std::string big_path = ga_->dir() + "/big";
  std::ofstream(big_path, std::ios::binary) << big;
  EXPECT_EQ(agent_->read_file(big_path, 10s), big);
  try {
    agent_->read_file(big_path, 10s, 1000);
    FAIL() << "a file over max_bytes was read";
  } catch (const AgentError& error) {
    EXPECT_EQ(error.kind(), AgentErrorKind::Command);
  }
  // Handles are given back even after an error: many reads in a row keep working.
  for (int i = 0; i < 40; ++i) ASSERT_EQ(agent_->read_file(small_path, 5s), "ok\n");
}

TEST_F(AgentTest, AMissingFileIsACommandErrorNamingIt) {
  try {
    agent_->read_file(ga_->dir() + "/absent", 5s);
    FAIL() << "read of a missing file succeeded";
  } catch (const AgentError& error) {
    EXPECT_EQ(error.kind(), AgentErrorKind::Command);
    EXPECT_NE(std::string(error.what()).find("guest-file-open"), std::string::npos) << error.what();
  }
}

TEST_F(AgentTest, ListsInterfacesWithMacsAndAddresses) {
  auto interfaces = agent_->interfaces(5s);
  const GuestInterface* lo = nullptr;
  for (const auto& interface : interfaces)
    if (interface.name == "lo") lo = &interface;
  ASSERT_NE(lo, nullptr);
  EXPECT_EQ(lo->mac, "00:00:00:00:00:00");
  bool has_v4 = false;
  for (const auto& ip : lo->addresses)
    if (ip.family == "ipv4" && ip.address == "127.0.0.1" && ip.prefix == 8) has_v4 = true;
  EXPECT_TRUE(has_v4);
  const GuestInterface* veth = find_by_mac(interfaces, "02:FD:00:00:00:01");  // any case
  ASSERT_NE(veth, nullptr);
  EXPECT_EQ(veth->name, "fda");
  EXPECT_EQ(find_by_mac(interfaces, "02:fd:00:00:00:99"), nullptr);
}

TEST_F(AgentTest, SetsAnAddressByMacAndReadsItBack) {
  ReIpResult first = agent_->set_address(testing::kVethMac, "10.9.0.5", 24, "", 20s);
  EXPECT_EQ(first.interface, "fda");
  // A second Re-IP replaces the first address instead of adding to it.
  ReIpResult second = agent_->set_address(testing::kVethMac, "10.9.1.7", 16, "", 20s);
  bool old_left = false, new_there = false;
  for (const auto& ip : second.read_back) {
    if (ip.address == "10.9.0.5") old_left = true;
    if (ip.address == "10.9.1.7" && ip.prefix == 16) new_there = true;
  }
  EXPECT_TRUE(new_there);
  EXPECT_FALSE(old_left);
  auto listed = agent_->interfaces(5s);
  const GuestInterface* veth = find_by_mac(listed, testing::kVethMac);
  ASSERT_NE(veth, nullptr);
  ASSERT_FALSE(veth->addresses.empty());
}

TEST_F(AgentTest, ReIpOfAnUnknownMacFailsWithTheReason) {
  try {
    agent_->set_address("02:fd:00:00:00:99", "10.9.0.5", 24, "", 10s);
    FAIL() << "Re-IP of a MAC the guest does not have succeeded";
  } catch (const AgentError& error) {
    EXPECT_EQ(error.kind(), AgentErrorKind::Command);
    EXPECT_NE(std::string(error.what()).find("02:fd:00:00:00:99"), std::string::npos);
  }
}

TEST_F(AgentTest, ABadAddressFailsTheReIp) {
  try {
    agent_->set_address(testing::kVethMac, "10.9.0.300", 24, "", 10s);
    FAIL() << "an invalid address was accepted";
  } catch (const AgentError& error) {
    EXPECT_EQ(error.kind(), AgentErrorKind::Command);
    EXPECT_NE(std::string(error.what()).find("ip addr add"), std::string::npos) << error.what();
  }
}

// A socket that accepts connections (backlog) but never answers: every call times out
// within its timeout, as Timeout; a missing socket is Unavailable.
TEST(AgentTransport, ASocketNobodyAnswersTimesOut) {
  char pattern[] = "/tmp/firedrill-mute.XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr);
  std::string path = std::string(pattern) + "/mute.sock";
  int listener = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strcpy(address.sun_path, path.c_str());
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(listen(listener, 4), 0);
  UnixSocketTransport transport(path);
  GuestAgent agent(transport);
  for (int round = 0; round < 2; ++round) {
    auto start = std::chrono::steady_clock::now();
    try {
      agent.ping(300ms);
      FAIL() << "a mute socket answered";
    } catch (const AgentError& error) {
      EXPECT_EQ(error.kind(), AgentErrorKind::Timeout) << error.what();
    }
    auto took = std::chrono::steady_clock::now() - start;
    EXPECT_GE(took, 250ms);
    EXPECT_LT(took, 3s);
  }
  close(listener);
  unlink(path.c_str());
  try {
    agent.ping(300ms);
    FAIL() << "a missing socket answered";
  } catch (const AgentError& error) {
    EXPECT_EQ(error.kind(), AgentErrorKind::Unavailable) << error.what();
  }
  rmdir(pattern);
}

// libvirt's test driver has no guest agent: the call fails as an AgentError (not a crash,
// not a hang), and the transport says it taints the domain.
TEST(AgentTransport, LibvirtWithoutAnAgentFailsCleanly) {
  virSetErrorFunc(nullptr, [](void*, virErrorPtr) {});
  virConnectPtr conn = virConnectOpen("test:///default");
  ASSERT_NE(conn, nullptr);
  virDomainPtr domain = virDomainLookupByName(conn, "test");
  ASSERT_NE(domain, nullptr);
  {
    LibvirtAgentTransport transport(domain);
    GuestAgent agent(transport);
    EXPECT_TRUE(agent.taints_domain());
    EXPECT_EQ(agent.describe(), "libvirt:test");
    EXPECT_THROW(agent.ping(1s), AgentError);
  }
  virDomainFree(domain);
  virConnectClose(conn);
}

TEST(Base64, RoundTripsAndRejectsGarbage) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_decode("Zm9vYg=="), "foob");
  EXPECT_EQ(base64_decode("Zm9vYmE="), "fooba");
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  EXPECT_EQ(base64_decode(base64_encode(all)), all);
  EXPECT_THROW(base64_decode("Zm9"), AgentError);
  EXPECT_THROW(base64_decode("Zm9v!A=="), AgentError);
  EXPECT_THROW(base64_decode("Zg==Zm9v"), AgentError);
  EXPECT_THROW(base64_decode("Z==="), AgentError);
}

}  // namespace
}  // namespace firedrill::agent
