// Health check attempts made by a real qemu-ga (host-side, in its own network namespace):
// tcp and http against a busybox httpd started in that namespace through the agent, with
// both guest-side shells (bash's /dev/tcp and busybox nc), exec and file checks.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <memory>
#include <thread>

#include "real/agent/health_probe.hpp"
#include "real/agent/unix_transport.hpp"
#include "tests/agent/qemu_ga_fixture.hpp"

namespace firedrill::agent {
namespace {

using namespace std::chrono_literals;

class ProbeTest : public ::testing::TestWithParam<ProbeShell> {
 protected:
  void SetUp() override {
    try {
      ga_ = std::make_unique<testing::QemuGa>();
    } catch (const std::exception& error) {
      FAIL() << "cannot run the health probe tests: " << error.what();
    }
    transport_ = std::make_unique<UnixSocketTransport>(ga_->socket_path());
    agent_ = std::make_unique<GuestAgent>(*transport_);
    std::ofstream(ga_->dir() + "/health") << "ok all good\n";
    // A web server inside the agent's namespace, started by the agent itself.
    ExecResult started =
        agent_->exec({"sh", "-c",
                      "busybox httpd -f -p 127.0.0.1:8080 -h \"$1\" </dev/null >/dev/null 2>&1 & "
                      "echo $!",
                      "sh", ga_->dir()},
                     10s);
    ASSERT_TRUE(started.succeeded()) << started.err;
    httpd_pid_ = std::stoi(started.out);
    HealthCheck up;
    up.kind = HealthKind::tcp;
    up.port = 8080;
    for (int i = 0; i < 100 && !agent_attempt(*agent_, up, "127.0.0.1", 5).passed; ++i)
      std::this_thread::sleep_for(50ms);
  }
  void TearDown() override {
    if (httpd_pid_ > 0) kill(httpd_pid_, SIGKILL);
  }
  HealthCheck http(const std::string& path, int status, std::optional<std::string> body) {
    HealthCheck check;
    check.kind = HealthKind::http;
    check.port = 8080;
    check.path = path;
    check.status = status;
    check.body = std::move(body);
    return check;
  }
  std::unique_ptr<testing::QemuGa> ga_;
  std::unique_ptr<UnixSocketTransport> transport_;
  std::unique_ptr<GuestAgent> agent_;
  int httpd_pid_ = -1;
};

TEST_P(ProbeTest, TcpPassesOnAnOpenPortAndFailsOnAClosedOne) {
  HealthCheck check;
  check.kind = HealthKind::tcp;
  check.port = 8080;
  AttemptResult open = agent_attempt(*agent_, check, "127.0.0.1", 5, GetParam());
  EXPECT_TRUE(open.passed) << open.error;
  check.port = 8081;
  AttemptResult closed = agent_attempt(*agent_, check, "127.0.0.1", 5, GetParam());
  EXPECT_FALSE(closed.passed);
  EXPECT_NE(closed.error.find("127.0.0.1:8081"), std::string::npos) << closed.error;
}

TEST_P(ProbeTest, HttpChecksStatusAndBody) {
  AttemptResult good =
      agent_attempt(*agent_, http("/health", 200, "ok"), "127.0.0.1", 5, GetParam());
  EXPECT_TRUE(good.passed) << good.error;
  AttemptResult body =
      agent_attempt(*agent_, http("/health", 200, "ready"), "127.0.0.1", 5, GetParam());
  EXPECT_FALSE(body.passed);
  EXPECT_NE(body.error.find("does not contain"), std::string::npos) << body.error;
  AttemptResult missing =
      agent_attempt(*agent_, http("/missing", 200, std::nullopt), "127.0.0.1", 5, GetParam());
  EXPECT_FALSE(missing.passed);
  EXPECT_NE(missing.error.find("HTTP status 404"), std::string::npos) << missing.error;
  AttemptResult expected_404 =
      agent_attempt(*agent_, http("/missing", 404, std::nullopt), "127.0.0.1", 5, GetParam());
  EXPECT_TRUE(expected_404.passed) << expected_404.error;
  HealthCheck nobody = http("/health", 200, std::nullopt);
  nobody.port = 8081;
  AttemptResult refused = agent_attempt(*agent_, nobody, "127.0.0.1", 5, GetParam());
  EXPECT_FALSE(refused.passed);
  EXPECT_NE(refused.error.find("no HTTP answer"), std::string::npos) << refused.error;
}

INSTANTIATE_TEST_SUITE_P(Shells, ProbeTest,
                         ::testing::Values(ProbeShell::Auto, ProbeShell::Bash,
                                           ProbeShell::Busybox));

TEST_F(ProbeTest, ExecAndFileChecks) {
  HealthCheck exec;
  exec.kind = HealthKind::exec;
  exec.argv = {"sh", "-c", "test -e \"$0\"", ga_->dir() + "/health"};
  EXPECT_TRUE(agent_attempt(*agent_, exec, "", 5).passed);
  exec.argv = {"sh", "-c", "echo not ready >&2; exit 2"};
  AttemptResult failed = agent_attempt(*agent_, exec, "", 5);
  EXPECT_FALSE(failed.passed);
  EXPECT_EQ(failed.error, "exit status 2: not ready");
  HealthCheck file;
  file.kind = HealthKind::file;
  file.file = ga_->dir() + "/health";
  file.contains = "all good";
  EXPECT_TRUE(agent_attempt(*agent_, file, "", 5).passed);
  file.contains = "bad";
  EXPECT_FALSE(agent_attempt(*agent_, file, "", 5).passed);
  file.file = ga_->dir() + "/absent";
  AttemptResult absent = agent_attempt(*agent_, file, "", 5);
  EXPECT_FALSE(absent.passed);
  EXPECT_NE(absent.error.find("agent command"), std::string::npos) << absent.error;
}

TEST(HttpReply, ParsesStatusAndBody) {
  auto reply = parse_http_reply("HTTP/1.1 503 Service Unavailable\r\nA: b\r\n\r\ndb down\n");
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 503);
  EXPECT_EQ(reply->body, "db down\n");
  EXPECT_FALSE(parse_http_reply(""));
  EXPECT_FALSE(parse_http_reply("SSH-2.0-OpenSSH\r\n"));
}

}  // namespace
}  // namespace firedrill::agent
