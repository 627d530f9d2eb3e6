// The SSH tunnel to a qemu+ssh:// host's backup socket: what it reads from the URI, the ssh
// command line it builds, and that a tunnel whose ssh ends or never forwards fails with the
// reason within its timeout. The tunnel over a real sshd is tested by the lab
// (real_lab_blocks).
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "real/blocks/block_reader.hpp"
#include "real/blocks/bounded_command.hpp"
#include "real/blocks/ssh_tunnel.hpp"

namespace fs = std::filesystem;
using firedrill::blocks::BlockError;
using firedrill::blocks::run_bounded;
using firedrill::blocks::shell_quoted;
using firedrill::blocks::ssh_command_args;
using firedrill::blocks::ssh_forward_args;
using firedrill::blocks::ssh_target_of;
using firedrill::blocks::SshSocketTunnel;
using firedrill::blocks::SshTarget;
using firedrill::blocks::unix_socket_listens;

namespace {

// A unix stream socket bound at `path`, or -1.
int bound_socket(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Whether a connect to `path` is accepted.
bool connects(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  const bool accepted =
      fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  if (fd >= 0) ::close(fd);
  return accepted;
}

}  // namespace

TEST(SshTunnel, ReadsUserHostPortAndTheUrisSshParameters) {
  std::string error;
  const auto target = ssh_target_of(
      "qemu+ssh://root@10.9.0.2:2222/system?socket=/x/sock&command=/opt/my%20ssh&"
      "keyfile=/k/id&no_verify=1",
      error);
  ASSERT_TRUE(target) << error;
  EXPECT_EQ(target->user, "root");
  EXPECT_EQ(target->host, "10.9.0.2");
  EXPECT_EQ(target->port, 2222);
  EXPECT_EQ(target->command, "/opt/my ssh");
  EXPECT_EQ(target->keyfile, "/k/id");
  EXPECT_TRUE(target->no_verify);
}

TEST(SshTunnel, DefaultsToSshWithNeitherUserNorPort) {
  std::string error;
  const auto target = ssh_target_of("qemu+ssh://dr1.example/system", error);
  ASSERT_TRUE(target) << error;
  EXPECT_EQ(target->command, "ssh");
  EXPECT_EQ(target->host, "dr1.example");
  EXPECT_EQ(target->user, "");
  EXPECT_EQ(target->port, 0);
  EXPECT_FALSE(target->no_verify);
  const auto bracketed = ssh_target_of("qemu+ssh://[fd00::2]:22/system", error);
  ASSERT_TRUE(bracketed) << error;
  EXPECT_EQ(bracketed->host, "fd00::2");
  EXPECT_EQ(bracketed->port, 22);
}

TEST(SshTunnel, RefusesOtherTransportsAndBadPorts) {
  std::string error;
  EXPECT_FALSE(ssh_target_of("qemu+tcp://dr1/system", error));
  EXPECT_NE(error.find("not a qemu+ssh://"), std::string::npos) << error;
  EXPECT_FALSE(ssh_target_of("qemu+ssh://dr1:99999/system", error));
  EXPECT_NE(error.find("port"), std::string::npos) << error;
  EXPECT_FALSE(ssh_target_of("qemu+ssh:///system", error));
  EXPECT_NE(error.find("names no host"), std::string::npos) << error;
}

TEST(SshTunnel, ForwardsTheLocalSocketToTheRemoteOneAndNamesTheHostLast) {
  SshTarget target;
  target.user = "root";
  target.host = "dr1";
  target.port = 2222;
  target.keyfile = "/k/id";
  const auto args = ssh_forward_args(target, "/tmp/l.sock", "/var/lib/x/r.sock", 20.0);
  ASSERT_GE(args.size(), 4u);
  EXPECT_EQ(args.front(), "ssh");
  EXPECT_EQ(args.back(), "dr1");
  EXPECT_EQ(args[args.size() - 2], "--");
  const auto has = [&](const std::string& a, const std::string& b) {
    for (std::size_t i = 0; i + 1 < args.size(); ++i) {
      if (args[i] == a && args[i + 1] == b) return true;
    }
    return false;
  };
  EXPECT_TRUE(has("-L", "/tmp/l.sock:/var/lib/x/r.sock"));
  EXPECT_TRUE(has("-p", "2222"));
  EXPECT_TRUE(has("-l", "root"));
  EXPECT_TRUE(has("-i", "/k/id"));
  EXPECT_TRUE(has("-o", "ExitOnForwardFailure=yes"));
  EXPECT_TRUE(has("-o", "BatchMode=yes"));
  EXPECT_TRUE(has("-o", "ConnectTimeout=20"));
  EXPECT_FALSE(has("-o", "StrictHostKeyChecking=no")) << "only no_verify=1 skips the host key";
}

// A stand-in for ssh: a script written into a temporary folder.
fs::path script(const std::string& name, const std::string& body) {
  const fs::path path = fs::temp_directory_path() / ("fd-tunnel-test-" + name);
  std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
  fs::permissions(path, fs::perms::owner_all);
  return path;
}

TEST(SshTunnel, AnSshThatEndsFailsWithWhatItSaid) {
  SshTarget target;
  target.command = script("ends", "echo 'Permission denied (publickey).' >&2; exit 255").string();
  target.host = "dr1";
  const std::string local = (fs::temp_directory_path() / "fd-tunnel-test-ends.sock").string();
  try {
    SshSocketTunnel tunnel(target, local, "/remote.sock", 10.0);
    FAIL() << "a tunnel whose ssh ended was taken as up";
  } catch (const BlockError& error) {
    const std::string what = error.what();
    EXPECT_NE(what.find("ended before it forwarded /remote.sock"), std::string::npos) << what;
    EXPECT_NE(what.find("Permission denied"), std::string::npos) << what;
  }
  EXPECT_FALSE(fs::exists(local));
}

TEST(SshTunnel, AnSshThatNeverForwardsIsStoppedAtTheTimeout) {
  SshTarget target;
  target.command = script("hangs", "exec sleep 60").string();
  target.host = "dr1";
  const std::string local = (fs::temp_directory_path() / "fd-tunnel-test-hangs.sock").string();
  const auto started = std::chrono::steady_clock::now();
  EXPECT_THROW(SshSocketTunnel(target, local, "/remote.sock", 0.5), BlockError);
  const double took_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_LT(took_s, 5.0) << "the wait for the forward was not bounded";
}

TEST(SshTunnel, ASocketListensOnlyOnceListenWasCalledNotWhenItsFileAppears) {
  const std::string path = (fs::temp_directory_path() / "fd-tunnel-test-listens.sock").string();
  ::unlink(path.c_str());
  EXPECT_FALSE(unix_socket_listens(path)) << "nothing is bound there";
  const int fd = bound_socket(path);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  EXPECT_TRUE(fs::is_socket(path));
  EXPECT_FALSE(unix_socket_listens(path)) << "bound, not listening: a connect is refused";
  EXPECT_FALSE(connects(path));
  ASSERT_EQ(::listen(fd, 1), 0) << std::strerror(errno);
  EXPECT_TRUE(unix_socket_listens(path));
  EXPECT_TRUE(connects(path));
  ::close(fd);
  ::unlink(path.c_str());
}

// OpenSSH binds the local socket and listens on it a moment later; this stand-in waits a
// second between the two, and the tunnel must not be taken as up in between.
TEST(SshTunnel, ATunnelIsUpOnlyWhenItsSocketAcceptsAConnection) {
  SshTarget target;
  target.command = script("binds-then-listens",
                          "exec python3 - \"$@\" <<'EOF'\n"
                          "import socket, sys, time\n"
                          "local = sys.argv[sys.argv.index('-L') + 1].rsplit(':', 1)[0]\n"
                          "s = socket.socket(socket.AF_UNIX)\n"
                          "s.bind(local)\n"
                          "time.sleep(1.0)\n"
                          "s.listen(4)\n"
                          "time.sleep(30)\n"
                          "EOF")
                       .string();
  target.host = "dr1";
  const std::string local = (fs::temp_directory_path() / "fd-tunnel-test-slow.sock").string();
  {
    SshSocketTunnel tunnel(target, local, "/remote.sock", 10.0);
    EXPECT_TRUE(connects(local)) << "the tunnel was taken as up before its socket listened";
  }
  EXPECT_FALSE(fs::exists(local));
}

TEST(SshTunnel, ARemoteCommandIsOneQuotedWordListAfterTheHost) {
  EXPECT_EQ(shell_quoted("it's a b"), "'it'\\''s a b'");
  SshTarget target;
  target.host = "dr1";
  const auto args = ssh_command_args(target, {"qemu-nbd", "--socket=/a b/s.sock"}, 5.0);
  ASSERT_GE(args.size(), 3u);
  EXPECT_EQ(args[args.size() - 3], "--");
  EXPECT_EQ(args[args.size() - 2], "dr1");
  EXPECT_EQ(args.back(), "'qemu-nbd' '--socket=/a b/s.sock'");
  // What the remote shell gets back from the quoting is the words themselves.
  std::string said;
  EXPECT_EQ(run_bounded({"sh", "-c",
                         "test \"$(printf %s " + shell_quoted("it's a b") + ")\" = \"it's a b\""},
                        5.0, said),
            0)
      << said;
}

TEST(SshTunnel, ABoundedCommandIsStoppedAtItsTimeoutAndItsStderrKept) {
  std::string said;
  EXPECT_EQ(run_bounded({"sh", "-c", "echo oops >&2; exit 3"}, 5.0, said), 3);
  EXPECT_EQ(said, "oops");
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(run_bounded({"sleep", "30"}, 0.3, said), -1);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(), 5.0);
}
