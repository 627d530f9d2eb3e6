// Incremental blocks on a lab host: a lab guest running on a qcow2 disk, two pull-mode
// backups through libvirt's backup API (a full one with a checkpoint, then an incremental
// one from it), read over NBD with the block reader. The seed's data patched with the
// second backup's dirty blocks must equal that backup's whole disk byte for byte, and the
// dirty blocks must be a small part of the disk (issue 13: at most 5 %).
#include <libvirt/libvirt.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
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

// One VM's replication in a run: its seed and incremental cycles, what they shipped, what
// the engine modelled for the incremental ones, and its longest cycle.
struct CycleTotals {
  int seeds = 0;
  int incrementals = 0;
  double seed_B = 0.0;
  double incremental_B = 0.0;
  double modelled_B = 0.0;
  double longest_cycle_s = 0.0;
};

// The transfers of a run of qcow2 guests `vms` on disks of `disk_B`: one seed per VM and
// then at least 3 incremental cycles, none a full copy, each at most 5 % of the disk;
// every VM recovered with an RPO from data within the interval, its longest cycle and 1 s.
std::map<std::string, CycleTotals> check_incremental_cycles(const LabRun& run,
                                                            const std::vector<std::string>& vms,
                                                            double disk_B) {
  std::map<std::string, CycleTotals> totals;
  for (const auto& transfer : run.evidence["transfers"]) {
    CycleTotals& vm = totals[transfer["vm"].get<std::string>()];
    EXPECT_TRUE(transfer["ok"].get<bool>()) << transfer.dump();
    EXPECT_TRUE(transfer["why_full"].is_null()) << transfer.dump();
    vm.longest_cycle_s = std::max(vm.longest_cycle_s,
                                  transfer["end"].get<double>() - transfer["start"].get<double>());
    // A seed ships the disk's data extents: none when the guest had not written yet.
    if (transfer["copy"] == "seed") {
      ++vm.seeds;
      vm.seed_B = transfer["bytes"].get<double>();
      EXPECT_LE(transfer["bytes"].get<double>(), disk_B) << transfer.dump();
      continue;
    }
    EXPECT_EQ(transfer["copy"], "incremental") << transfer.dump();
    ++vm.incrementals;
    vm.incremental_B += transfer["bytes"].get<double>();
    vm.modelled_B += transfer["modelled_bytes"].get<double>();
    EXPECT_GT(transfer["bytes"].get<double>(), 0.0) << "the guest writes every ~150 ms";
    EXPECT_LE(transfer["bytes"].get<double>(), 0.05 * disk_B) << transfer.dump();
  }
  for (const std::string& name : vms) {
    const CycleTotals& vm = totals[name];
    EXPECT_EQ(vm.seeds, 1) << name << ": one seed, then incremental cycles";
    EXPECT_GE(vm.incrementals, 3) << name;
    std::printf(
        "[ blocks   ] %s: a seed of %.0f B + %d incremental cycles of %.0f B (the engine "
        "modelled %.0f B)\n",
        name.c_str(), vm.seed_B, vm.incrementals, vm.incremental_B, vm.modelled_B);
    const json result = run.vm(name);
    EXPECT_EQ(result["outcome"], "recovered") << result.dump();
    // (A fatal assertion cannot return the totals: a missing RPO fails the test and skips
    // only this VM's bound.)
    if (result["rpo_from_data_s"].is_null()) {
      ADD_FAILURE() << name << ": no RPO from data: " << result.dump();
      continue;
    }
    EXPECT_LE(result["rpo_from_data_s"].get<double>(), 10.0 + vm.longest_cycle_s + 1.0)
        << name << ": the point does not hold the records up to its moment";
  }
  return totals;
}

// scenarios/lab/incremental-test-failover.json: the lab's test drill on qcow2 guests. The
// first cycle of each VM is a seed; every later one ships only what its guest wrote (at most
// 5 % of the 8 MiB disk) onto a clone of the previous point. Retention keeps 2 points, so
// the copies boot from points whose predecessors were pruned; each copy's newest record is
// that of its point's moment (RPO from data within the interval + the cycle + 1 s).
TEST_F(RealLab, QcowGuestsReplicateOnlyTheirChangedBlocksAndTheirPointsRestore) {
  const LabRun run = run_scenario("incremental-test-failover.json", "incremental");
  ASSERT_EQ(run.status, 0) << run.output;
  ASSERT_TRUE(run.evidence.is_object()) << run.output;
  check_incremental_cycles(run, {"ad", "db", "app", "web"}, kDisk_B);
  // Retention pruned points before the test copies were made from the newer ones: the
  // journal removed recovery points before it created the first test copy.
  std::ifstream journal(run.out / "journal.jsonl");
  int pruned_before_test = 0;
  for (std::string line; std::getline(journal, line);) {
    if (line.find("-test\"") != std::string::npos) break;
    if (line.find("\"removed\"") != std::string::npos && line.find("fdrp-") != std::string::npos) {
      ++pruned_before_test;
    }
  }
  EXPECT_GT(pruned_before_test, 0) << "no point was pruned before the test copies were restored";
  EXPECT_TRUE(lab_inventory().empty()) << "left after the run:" << joined(lab_inventory());
}

// scenarios/lab/large-disk-test-failover.json: two guests on 1 GiB qcow2 disks that write
// their plan's change_rate (100 kB/s, about 1 MB a tick) beside their records. The seed
// ships only the disk's data extents and each later cycle about what its guest wrote: no
// cycle ships 5 % of the disk, and the bytes shipped by a VM's incremental cycles are
// within a factor of two of the bytes the engine modelled (change_rate x elapsed). A
// guest that did not write its rate ships about 64 KiB a cycle; a cycle that copied the
// disk, 1 GiB. The test copies then boot from the newest points with their records.
TEST_F(RealLab, LargeDisksShipWhatTheirGuestsWroteNotTheirSize) {
  constexpr double kLargeDisk_B = 1024.0 * 1024 * 1024;
  const LabRun run = run_scenario("large-disk-test-failover.json", "large-disk");
  ASSERT_EQ(run.status, 0) << run.output;
  ASSERT_TRUE(run.evidence.is_object()) << run.output;
  const auto totals = check_incremental_cycles(run, {"db", "web"}, kLargeDisk_B);
  for (const std::string vm : {"db", "web"}) {
    const CycleTotals& cycles = totals.at(vm);
    EXPECT_LE(cycles.seed_B, 0.05 * kLargeDisk_B) << vm << ": the seed copied the disk";
    EXPECT_GE(cycles.incremental_B, 0.5 * cycles.modelled_B)
        << vm << ": the guest did not write its rate";
    EXPECT_LE(cycles.incremental_B, 2.0 * cycles.modelled_B)
        << vm << ": cycles shipped more than was written";
  }
  EXPECT_TRUE(lab_inventory().empty()) << "left after the run:" << joined(lab_inventory());
}

// The journal's volume events in order: ("created"|"removed", name).
std::vector<std::pair<std::string, std::string>> volume_events(const fs::path& journal_path) {
  std::vector<std::pair<std::string, std::string>> events;
  std::ifstream journal(journal_path);
  for (std::string line; std::getline(journal, line);) {
    const json entry = json::parse(line, nullptr, false);
    if (entry.is_discarded() || entry.value("kind", "") != "volume") continue;
    events.emplace_back(entry.value("event", ""), entry.value("name", ""));
  }
  return events;
}

// The ms suffix of "PREFIX-RUN-VM-MS.img", or -1 when `name` is not such a volume of `vm`.
long long point_ms(const std::string& name, const std::string& prefix, const std::string& vm) {
  const std::string tail = "-" + vm + "-";
  const std::size_t at = name.rfind(tail);
  if (name.rfind(prefix, 0) != 0 || at == std::string::npos || name.size() < 4 ||
      name.compare(name.size() - 4, 4, ".img") != 0) {
    return -1;
  }
  const std::string ms = name.substr(at + tail.size(), name.size() - 4 - at - tail.size());
  if (ms.empty() || ms.find_first_not_of("0123456789") != std::string::npos) return -1;
  return std::stoll(ms);
}

// scenarios/lab/qcow2-ransomware.json: db and app are corrupted at 25 s and the corruption
// is acted on at 44 s, when 3 points are kept. Each is restored from the oldest kept point
// (every older one of its chain was pruned before the restore), and that point, a seed
// patched by incremental cycles, gives the records of its moment: clean, and up to it.
TEST_F(RealLab, Qcow2RansomwareRestoresTheOldestKeptPointWithItsRecords) {
  const LabRun run = run_scenario("qcow2-ransomware.json", "qcow2-ransomware");
  ASSERT_TRUE(run.status == 0 || run.status == 1) << run.output;
  ASSERT_TRUE(run.evidence.is_object()) << run.output;
  const auto events = volume_events(run.out / "journal.jsonl");
  for (const std::string vm : {"db", "app"}) {
    const json result = run.vm(vm);
    EXPECT_EQ(result["outcome"], "recovered") << result.dump();
    // The restore's copy is named after its point's moment.
    long long restored_ms = -1;
    std::size_t restored_at = 0;
    for (std::size_t i = 0; i < events.size() && restored_ms < 0; ++i) {
      if (events[i].first != "created") continue;
      restored_ms = point_ms(events[i].second, "fdi-", vm);
      restored_at = i;
    }
    ASSERT_GE(restored_ms, 0) << vm << ": no restore in the journal";
    EXPECT_LT(restored_ms, 25000) << vm << ": restored from a point after the corruption";
    // Every older point of the chain was pruned before the restore: it was the oldest kept.
    int older = 0;
    for (std::size_t i = 0; i < events.size(); ++i) {
      if (events[i].first != "created") continue;
      const long long ms = point_ms(events[i].second, "fdrp-", vm);
      if (ms < 0 || ms >= restored_ms) continue;
      ++older;
      bool pruned_before = false;
      for (std::size_t j = i + 1; j < restored_at; ++j) {
        pruned_before |= events[j] == std::make_pair(std::string("removed"), events[i].second);
      }
      EXPECT_TRUE(pruned_before) << events[i].second << " was still kept at the restore";
    }
    EXPECT_GT(older, 0) << vm << ": its point had no pruned predecessor";
    // The point's cycle: it began at its tick and froze the disk at `frozen`.
    json cycle;
    for (const auto& transfer : run.evidence["transfers"]) {
      if (transfer["vm"] == vm && point_ms(transfer["volume"], "fdrp-", vm) == restored_ms) {
        cycle = transfer;
      }
    }
    ASSERT_TRUE(cycle.is_object()) << vm << ": no transfer made the point as of " << restored_ms;
    EXPECT_NE(cycle["copy"], "seed") << "the point was the seed, not a patched one";
    // The restored copy found the point's records: clean, the newest written between its tick
    // (1 s of slack for the guest clock and its ~100 ms records) and the moment its backup froze
    // the disk.
    for (const auto& boot : run.evidence["boots"]) {
      if (boot["vm"] != vm) continue;
      ASSERT_FALSE(boot["last_record"].is_null()) << boot.dump();
      EXPECT_FALSE(boot["last_record"]["corrupt"].get<bool>()) << boot.dump();
      EXPECT_GE(boot["data_as_of"].get<double>(), restored_ms / 1000.0 - 1.0) << boot.dump();
      EXPECT_LE(boot["data_as_of"].get<double>(), cycle["frozen"].get<double>() + 1.0)
          << cycle.dump() << "\n"
          << boot.dump();
    }
  }
  for (const auto& transfer : run.evidence["transfers"]) {
    EXPECT_TRUE(transfer["copy"] == "seed" || transfer["copy"] == "incremental") << transfer.dump();
  }
  EXPECT_TRUE(lab_inventory().empty()) << "left after the run:" << joined(lab_inventory());
}

// scenarios/lab/qcow2-planned-migration.json: the final sync of each stopped qcow2 source is
// read with qemu-nbd and the bitmap of its newest checkpoint: an incremental copy of at most
// 5 % of the disk onto a clone of its previous point. The replicas come up with every
// record (RPO 0 by the plan, at most 1 s by data), and no qemu-nbd or socket stays behind.
TEST_F(RealLab, Qcow2PlannedMigrationShipsOnlyTheStoppedDisksLastChanges) {
  const LabRun run = run_scenario("qcow2-planned-migration.json", "qcow2-planned");
  ASSERT_TRUE(run.status == 0 || run.status == 1) << run.output;
  ASSERT_TRUE(run.outcome.is_object()) << run.output;
  std::map<std::string, int> final_syncs;
  for (const auto& transfer : run.evidence["transfers"]) {
    // The engine cancels a periodic cycle that the shutdown overtook (the final sync
    // supersedes it); any other failure is one.
    if (!transfer["ok"].get<bool>()) {
      EXPECT_EQ(transfer["detail"], "cancelled") << transfer.dump();
      continue;
    }
    if (transfer["source_running"].get<bool>()) continue;
    const std::string vm = transfer["vm"].get<std::string>();
    ++final_syncs[vm];
    EXPECT_EQ(transfer["copy"], "incremental") << transfer.dump();
    EXPECT_LE(transfer["bytes"].get<double>(), 0.05 * kDisk_B) << transfer.dump();
  }
  for (const std::string vm : {"ad", "db", "app", "web"}) {
    EXPECT_EQ(final_syncs[vm], 1) << vm << ": one final sync of the stopped disk";
    const json result = run.vm(vm);
    EXPECT_EQ(result["outcome"], "recovered") << result.dump();
    EXPECT_EQ(result["mechanism"], "planned") << result.dump();
    EXPECT_EQ(result["rpo_s"], 0.0) << result.dump();
    ASSERT_FALSE(result["rpo_from_data_s"].is_null()) << result.dump();
    EXPECT_LE(result["rpo_from_data_s"].get<double>(), 1.0) << vm << ": " << result.dump();
  }
  std::string out;
  EXPECT_NE(shell("pgrep -x qemu-nbd", &out, 10), 0) << "a qemu-nbd was left: " << out;
  EXPECT_TRUE(lab_inventory().empty()) << "left after the run:" << joined(lab_inventory());
}

// The same drill with lab1 reached only over qemu+ssh:// (real/lab/lab ssh): the backups of
// ad and db export their NBD sockets on lab1, and each cycle reads them through a tunnel
// over that SSH. Their cycles must be as incremental as lab2's local ones, and no tunnel
// socket may stay behind.
TEST_F(RealLab, Qcow2CyclesOfASourceReachedOverSshReadTheirBlocksThroughATunnel) {
  std::string out;
  ASSERT_EQ(shell(kLab + " ssh " + g_lab_dir + " lab1", &out), 0) << out;
  ASSERT_NE(out.find("lab1=qemu+ssh://"), std::string::npos) << out;
  const LabRun run = run_scenario_file(kSource + "/scenarios/lab/incremental-test-failover.json",
                                       "qcow2-ssh", g_lab_dir + "/hosts-ssh");
  ASSERT_EQ(run.status, 0) << run.output;
  ASSERT_TRUE(run.evidence.is_object()) << run.output;
  EXPECT_EQ(run.evidence["hosts"]["lab1"]["uri"].get<std::string>().rfind("qemu+ssh://", 0), 0u)
      << run.evidence["hosts"].dump();
  check_incremental_cycles(run, {"ad", "db", "app", "web"}, kDisk_B);
  for (const auto& entry : fs::directory_iterator(fs::temp_directory_path())) {
    EXPECT_NE(entry.path().filename().string().rfind("fdnbd-", 0), 0u)
        << entry.path() << ": a tunnel's socket was left";
  }
  EXPECT_TRUE(lab_inventory().empty()) << "left after the run:" << joined(lab_inventory());
}

}  // namespace
