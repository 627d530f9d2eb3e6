// Incremental blocks on a lab host: a lab guest running on a qcow2 disk, two pull-mode
// backups through libvirt's backup API (a full one with a checkpoint, then an incremental
// one from it), read over NBD with the block reader. The seed's data patched with the
// second backup's dirty blocks must equal that backup's whole disk byte for byte, and the
// dirty blocks must be a small part of the disk (issue 13: at most 5 %).
#include <libvirt/libvirt.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "real/blocks/block_reader.hpp"
#include "real/blocks/pull_backup.hpp"
#include "real/guest_xml.hpp"
#include "real/libvirt_run.hpp"
#include "real/virt.hpp"
#include "tests/real/lab_fixture.hpp"

namespace {

using namespace lab;
namespace blocks = firedrill::blocks;
namespace virt = firedrill::virt;

constexpr unsigned long long kDisk_B = 8ull << 20;
constexpr const char* kDomain = "blk";
constexpr const char* kVolume = "blk-disk.qcow2";

// The whole disk as the backup exports it: zeros, then every data extent.
std::vector<char> whole_disk(blocks::BlockReader& reader) {
  std::vector<char> disk(reader.size_B(), '\0');
  std::vector<char> bytes;
  for (const blocks::Extent& extent : reader.extents(blocks::ExtentKind::data)) {
    reader.read(extent, bytes);
    std::copy(bytes.begin(), bytes.end(), disk.begin() + static_cast<long>(extent.offset_B));
  }
  return disk;
}

// The lab guest's newest record ("FDREC seq=N ...") in sector 0 of a disk image.
long newest_seq(const std::vector<char>& disk) {
  const std::string sector(disk.begin(), disk.begin() + 512);
  const auto at = sector.find("seq=");
  return at == std::string::npos ? -1 : std::stol(sector.substr(at + 4));
}

// Waits (bounded) until the guest has made more than 20 write requests since `requests`
// (the domain's block statistics; about 2 s of records), updating it: true when it did.
bool guest_writes(virDomainPtr domain, long long& requests, double timeout_s) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  const long long before = requests;
  while (std::chrono::steady_clock::now() < deadline) {
    virDomainBlockStatsStruct stats{};
    if (virDomainBlockStats(domain, "vda", &stats, sizeof stats) == 0 &&
        stats.wr_req > before + 20) {
      requests = stats.wr_req;
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return false;
}

class Backup {
 public:
  Backup(virDomainPtr domain, blocks::PullBackupRequest request) : domain_(domain) {
    began_ = blocks::begin_pull_backup(domain, request, error_);
  }
  ~Backup() {
    if (began_) blocks::end_pull_backup(domain_);
  }
  bool began() const { return began_; }
  const std::string& error() const { return error_; }

 private:
  virDomainPtr domain_;
  bool began_ = false;
  std::string error_;
};

TEST_F(RealLab, AnIncrementalPullBackupOfAQcow2DiskShipsOnlyWhatTheGuestWrote) {
  std::string error;
  auto host = virt::Connection::open(uri(1), error);
  ASSERT_TRUE(host) << error;
  virt::Vol volume = virt::create_volume(*host, kVolume, kDisk_B, "qcow2");
  ASSERT_TRUE(volume) << virt::last_error();
  firedrill::GuestSpec spec;
  spec.name = kDomain;
  const std::string guest = firedrill::libvirt_run::find_guest_dir("");
  ASSERT_FALSE(guest.empty()) << "no lab guest built";
  spec.kernel = guest + "/vmlinuz";
  spec.initrd = guest + "/initrd.img";
  spec.cmdline = "console=ttyS0 quiet no_timer_check";
  spec.disk_path = virt::volume_path(volume.get());
  spec.disk_format = "qcow2";
  spec.agent_channel = false;
  virt::Domain domain(virDomainDefineXML(host->get(), firedrill::guest_domain_xml(spec).c_str()));
  ASSERT_TRUE(domain) << virt::last_error();
  struct Teardown {
    virt::Connection& host;
    virDomainPtr domain;
    ~Teardown() {
      if (virt::is_active(domain)) virDomainDestroy(domain);
      virDomainUndefineFlags(domain, VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA);
      virt::delete_volume(host, kVolume);
    }
  } teardown{*host, domain.get()};
  ASSERT_EQ(virDomainCreate(domain.get()), 0) << virt::last_error();
  long long requests = 0;
  ASSERT_TRUE(guest_writes(domain.get(), requests, 180)) << "the guest never wrote its disk";

  const std::string dir = g_root + "/blocks";
  fs::create_directories(dir);
  blocks::PullBackupRequest seed;
  seed.socket_path = dir + "/seed.sock";
  seed.scratch_path = dir + "/seed.scratch";
  seed.new_checkpoint = "fd-1";
  std::vector<char> seeded;
  {
    Backup backup(domain.get(), seed);
    ASSERT_TRUE(backup.began()) << backup.error() << "\n" << blocks::pull_backup_xml(seed);
    blocks::BlockReader reader(seed.socket_path, seed.export_name, "", 30.0);
    ASSERT_EQ(reader.size_B(), kDisk_B);
    seeded = whole_disk(reader);
  }
  const long seed_seq = newest_seq(seeded);
  ASSERT_GE(seed_seq, 0) << "no record in the seed's sector 0";

  ASSERT_TRUE(guest_writes(domain.get(), requests, 60)) << "the guest stopped writing";
  blocks::PullBackupRequest cycle;
  cycle.socket_path = dir + "/cycle.sock";
  cycle.scratch_path = dir + "/cycle.scratch";
  cycle.incremental_from = "fd-1";
  cycle.new_checkpoint = "fd-2";
  std::vector<char> patched = seeded;
  std::vector<char> whole;
  std::uint64_t dirty_B = 0;
  {
    Backup backup(domain.get(), cycle);
    ASSERT_TRUE(backup.began()) << backup.error() << "\n" << blocks::pull_backup_xml(cycle);
    blocks::BlockReader reader(cycle.socket_path, cycle.export_name, cycle.export_bitmap, 30.0);
    const std::vector<blocks::Extent> dirty = reader.extents(blocks::ExtentKind::dirty);
    dirty_B = blocks::total_length_B(dirty);
    std::vector<char> bytes;
    for (const blocks::Extent& extent : dirty) {
      reader.read(extent, bytes);
      std::copy(bytes.begin(), bytes.end(), patched.begin() + static_cast<long>(extent.offset_B));
    }
    whole = whole_disk(reader);
  }
  std::printf("[ blocks   ] seed seq %ld, cycle seq %ld, %llu dirty bytes of %llu\n", seed_seq,
              newest_seq(whole), static_cast<unsigned long long>(dirty_B), kDisk_B);
  EXPECT_GT(newest_seq(whole), seed_seq) << "the guest wrote nothing between the backups";
  EXPECT_GT(dirty_B, 0u);
  EXPECT_LE(dirty_B, kDisk_B / 20) << "more than 5 % of the disk was dirty";
  EXPECT_TRUE(patched == whole) << "the seed patched with the dirty blocks differs from the disk";
  // The older checkpoint can go once the newer one exists (the next cycle starts from it).
  EXPECT_TRUE(blocks::delete_checkpoint(domain.get(), "fd-1")) << virt::last_error();
}

}  // namespace
