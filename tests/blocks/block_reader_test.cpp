// The NBD block reader against a real NBD server: qemu-nbd exporting a qcow2 disk whose
// writes before and after a persistent dirty bitmap was added are known, so the allocated
// extents, the dirty extents and their bytes can be checked exactly.
#include "real/blocks/block_reader.hpp"

#include "real/blocks/offline_export.hpp"
#include "tests/process_gone.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

namespace fs = std::filesystem;
using firedrill::blocks::BlockError;
using firedrill::blocks::BlockReader;
using firedrill::blocks::Extent;
using firedrill::blocks::ExtentKind;
using firedrill::blocks::OfflineExport;
using firedrill::blocks::OfflineExportRequest;

namespace {

constexpr std::uint64_t KiB = 1024;
constexpr std::uint64_t MiB = 1024 * KiB;

int run(const std::string& command) {
  const int status = std::system(("{ " + command + "; } >/dev/null 2>&1").c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class BlockReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (run("command -v qemu-img && command -v qemu-io && command -v qemu-nbd") != 0) {
      FAIL() << "qemu-img, qemu-io and qemu-nbd are needed (Debian package qemu-utils): "
                "./dev.sh test installs them";
    }
    char pattern[] = "/tmp/firedrill-blocks-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    disk_ = dir_ + "/disk.qcow2";
    socket_ = dir_ + "/nbd.sock";
    // Before the bitmap: 1 MiB at 0. After it: 64 KiB at 2 MiB and 128 KiB at 5 MiB (aligned
    // to the 64 KiB clusters and bitmap granularity, so the extents are exact).
    ASSERT_EQ(run("qemu-img create -f qcow2 " + disk_ + " 8M"), 0);
    ASSERT_EQ(run("qemu-io -f qcow2 -c 'write -P 0x11 0 1M' " + disk_), 0);
    ASSERT_EQ(run("qemu-img bitmap --add " + disk_ + " since-seed"), 0);
    ASSERT_EQ(run("qemu-io -f qcow2 -c 'write -P 0x22 2M 64k' -c 'write -P 0x33 5M 128k' " + disk_),
              0);
  }
  void TearDown() override {
    stop_server();
    // Never throws: a qemu-nbd that outlived its wait may still unlink its socket meanwhile.
    std::error_code ignored;
    if (!dir_.empty()) fs::remove_all(dir_, ignored);
  }
  // qemu-nbd in the background, read-only, the bitmap exported; waits (bounded) for its socket.
  void serve(const std::string& bitmap) {
    const std::string pidfile = dir_ + "/nbd.pid";
    ASSERT_EQ(
        run("qemu-nbd --fork --persistent --shared=4 --read-only -f qcow2 -x vda -k " + socket_ +
            " --pid-file " + pidfile + (bitmap.empty() ? "" : " -B " + bitmap) + " " + disk_),
        0);
    std::ifstream in(pidfile);
    in >> server_pid_;
    ASSERT_GT(server_pid_, 0);
  }
  // SIGTERM, then waits (at most 5 s) until it is gone: on its way out qemu-nbd unlinks its
  // socket, which raced the folder's removal (remove_all found the socket, then lost it).
  void stop_server() {
    if (server_pid_ > 0 && kill(server_pid_, SIGTERM) == 0) {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      while (!firedrill::testing::process_gone(server_pid_) &&
             std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    server_pid_ = -1;
  }
  std::string dir_, disk_, socket_;
  pid_t server_pid_ = -1;
};

TEST_F(BlockReaderTest, DataExtentsAreWhatWasWrittenAndDirtyExtentsWhatCameAfterTheBitmap) {
  serve("since-seed");
  BlockReader reader(socket_, "vda", "since-seed", 10.0);
  EXPECT_EQ(reader.size_B(), 8 * MiB);
  const std::vector<Extent> data = reader.extents(ExtentKind::data);
  const std::vector<Extent> expected_data{{0, 1 * MiB}, {2 * MiB, 64 * KiB}, {5 * MiB, 128 * KiB}};
  EXPECT_EQ(data, expected_data);
  const std::vector<Extent> dirty = reader.extents(ExtentKind::dirty);
  const std::vector<Extent> expected_dirty{{2 * MiB, 64 * KiB}, {5 * MiB, 128 * KiB}};
  EXPECT_EQ(dirty, expected_dirty);
  EXPECT_EQ(firedrill::blocks::total_length_B(dirty), 192 * KiB);
  std::vector<char> bytes;
  reader.read(dirty[1], bytes);
  ASSERT_EQ(bytes.size(), 128 * KiB);
  EXPECT_EQ(std::count(bytes.begin(), bytes.end(), '\x33'), static_cast<long>(128 * KiB));
  reader.read({0, 4 * KiB}, bytes);
  EXPECT_EQ(std::count(bytes.begin(), bytes.end(), '\x11'), static_cast<long>(4 * KiB));
}

TEST_F(BlockReaderTest, ABitmapTheServerDoesNotExportIsAnErrorNotAnEmptyList) {
  serve("");
  BlockReader reader(socket_, "vda", "since-seed", 10.0);
  EXPECT_EQ(reader.extents(ExtentKind::data).size(), 3u);
  try {
    reader.extents(ExtentKind::dirty);
    FAIL() << "no error";
  } catch (const BlockError& error) {
    EXPECT_NE(std::string(error.what()).find("qemu:dirty-bitmap:since-seed"), std::string::npos)
        << error.what();
  }
  BlockReader no_bitmap(socket_, "vda", "", 10.0);
  EXPECT_THROW(no_bitmap.extents(ExtentKind::dirty), BlockError);
  std::vector<char> bytes;
  EXPECT_THROW(no_bitmap.read({8 * MiB - 4 * KiB, 8 * KiB}, bytes), BlockError);
}

TEST_F(BlockReaderTest, NoServerAndAWrongExportSayWhich) {
  try {
    BlockReader reader(socket_, "vda", "", 5.0);
    FAIL() << "connected to nothing";
  } catch (const BlockError& error) {
    EXPECT_NE(std::string(error.what()).find(socket_), std::string::npos) << error.what();
  }
  serve("");
  try {
    BlockReader reader(socket_, "sda", "", 5.0);
    FAIL() << "opened an export that does not exist";
  } catch (const BlockError& error) {
    EXPECT_NE(std::string(error.what()).find("'sda'"), std::string::npos) << error.what();
  }
}

// A server that accepts the connection and never says a word: the open fails after the
// reader's timeout instead of blocking.
TEST_F(BlockReaderTest, AServerThatNeverAnswersFailsTheOpenWithinItsTimeout) {
  const int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(listener, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof address.sun_path, "%s", socket_.c_str());
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(listen(listener, 1), 0);
  const auto started = std::chrono::steady_clock::now();
  try {
    BlockReader reader(socket_, "vda", "", 2.0);
    FAIL() << "opened a silent server";
  } catch (const BlockError& error) {
    EXPECT_NE(std::string(error.what()).find("no answer within 2 s"), std::string::npos)
        << error.what();
  }
  const double waited_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_GE(waited_s, 1.9);
  EXPECT_LT(waited_s, 10.0);
  close(listener);
}

// A stopped domain's disk as a final sync reads it: qemu-nbd started by OfflineExport with
// the checkpoint's bitmap. Its dirty extents are the writes after the bitmap; once the
// reader and the export are gone, so are qemu-nbd, its socket and its pid file.
TEST_F(BlockReaderTest, AnOfflineExportServesTheBitmapAndLeavesNothingOnceRead) {
  OfflineExportRequest request;
  request.disk_path = disk_;
  request.socket_path = socket_;
  request.pid_path = dir_ + "/offline.pid";
  request.bitmap = "since-seed";
  {
    const OfflineExport server(request, std::nullopt, 10.0);
    std::ifstream in(request.pid_path);
    in >> server_pid_;  // TearDown stops it should the test fail before it ends
    ASSERT_GT(server_pid_, 0);
    BlockReader reader(socket_, "vda", "since-seed", 10.0);
    const std::vector<Extent> expected_dirty{{2 * MiB, 64 * KiB}, {5 * MiB, 128 * KiB}};
    EXPECT_EQ(reader.extents(ExtentKind::dirty), expected_dirty);
  }
  EXPECT_FALSE(fs::exists(request.pid_path));
  EXPECT_FALSE(fs::exists(socket_));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (kill(server_pid_, 0) == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_NE(kill(server_pid_, 0), 0) << "qemu-nbd still runs";
  server_pid_ = -1;
}

TEST_F(BlockReaderTest, AnOfflineExportOfABitmapTheDiskLacksFailsWithQemuNbdsReason) {
  OfflineExportRequest request;
  request.disk_path = disk_;
  request.socket_path = socket_;
  request.pid_path = dir_ + "/offline.pid";
  request.bitmap = "no-such-checkpoint";
  try {
    const OfflineExport server(request, std::nullopt, 10.0);
    FAIL() << "exported a bitmap the disk does not have";
  } catch (const BlockError& error) {
    const std::string what = error.what();
    EXPECT_NE(what.find("qemu-nbd did not export " + disk_ + " (exit"), std::string::npos) << what;
    EXPECT_NE(what.find("no-such-checkpoint"), std::string::npos) << what;
  }
}

}  // namespace
