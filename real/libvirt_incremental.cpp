// Incremental replication cycles of qcow2 disks (SPEC 8). Each cycle is a pull-mode backup
// of the running domain's disk (libvirt's backup API): QEMU exports the disk as of the
// backup's start over NBD while the guest runs on, and a checkpoint (a persistent dirty
// bitmap in the qcow2) starts at that moment. The first cycle to a target, the seed, ships
// the disk's data extents into a new raw point; every later one clones the previous point
// on the target (a copy local to the target, nothing over the link) and patches it with the
// extents the bitmap marks dirty since the previous checkpoint. Each point is a whole raw
// image as of its tick, so pruning any point leaves every other one usable, and a restore
// from any kept point gives that point's data.
#include "real/blocks/block_reader.hpp"
#include "real/blocks/offline_export.hpp"
#include "real/blocks/pull_backup.hpp"
#include "real/blocks/ssh_tunnel.hpp"
#include "real/libvirt_run.hpp"

namespace firedrill::libvirt_run {

namespace {

// Read and shipped in pieces of at most this much: a seed's one extent can be the disk.
constexpr std::uint64_t kPiece_B = 8ull << 20;
// A unix socket's path must fit sockaddr_un::sun_path.
constexpr std::size_t kMaxSocketPath = 107;

// A daemon on this machine (qemu:///..., no host in the URI): the unix socket that its QEMU
// opens for the backup's NBD server can be reached from here.
bool local_uri(const std::string& uri) {
  const std::size_t scheme = uri.find("://");
  return scheme != std::string::npos && uri.compare(scheme + 3, 1, "/") == 0;
}

// Where a tunnel to a remote backup's socket listens here: /tmp, because a unix socket's
// path is short, and this process's pid, because two runs may tunnel the same point name.
std::string tunnel_socket_path(const std::string& checkpoint) {
  return (fs::temp_directory_path() /
          ("fdnbd-" + std::to_string(::getpid()) + "-" + checkpoint + ".sock"))
      .string();
}

}  // namespace

std::string LibvirtRun::incremental_blocker(const HostState& source,
                                            const std::string& instance) const {
  std::string error;
  if (!local_uri(source.uri) && !blocks::ssh_target_of(source.uri, error)) {
    return "the disk of " + instance + " is qcow2 on " + source.name + " (" + source.uri +
           "): an incremental cycle reads the backup's NBD socket on this machine or through "
           "the SSH of a qemu+ssh:// URI, and " +
           error;
  }
  return "";
}

// The point this cycle writes: a clone of the chain's previous point on the target, or
// (seed) a new empty volume. Null with why in `detail`.
virt::Vol LibvirtRun::start_point(HostState& target, const JournalObject& point,
                                  const std::string& previous, long long capacity_B,
                                  std::string& detail) {
  if (previous.empty()) return create_point(target, point, capacity_B, detail);
  virt::Vol from = target.conn->volume(previous);
  if (!from) {
    detail = "the previous point " + previous + " is gone from " + target.name;
    return nullptr;
  }
  journal_.created(point);
  bool reflinked = false;
  virt::Vol volume = virt::clone_volume(*target.conn, point.name, from.get(), &reflinked);
  if (!volume) {
    detail = "cannot clone " + previous + " on " + target.name + ": " + virt::last_error();
    journal_.removed(point);
  } else if (!reflinked && !target.clones_copy.exchange(true)) {
    note(target.name + "'s pool has no reflinks (XFS with reflink=1 and btrfs have them): each " +
         "incremental cycle copies the previous point there, in a time that grows with the " +
         "disk's size");
  }
  return volume;
}

// Reads the data extents (a seed) or the dirty ones (with a bitmap) from an NBD export on
// the source host and writes them at the same offsets of `volume`; the bytes shipped, or -1
// with why in `detail`.
long long LibvirtRun::ship_extents(const NbdExport& from, HostState& source, HostState& target,
                                   virStorageVolPtr volume, ActivityId id, std::string& detail) {
  long long shipped = 0;
  const double timeout_s = scenario_.plan.recovery.host_timeout_s;
  const bool incremental = !from.bitmap.empty();
  try {
    // A remote source's socket is read through a tunnel over the SSH its URI uses.
    std::optional<blocks::SshSocketTunnel> tunnel;
    if (!local_uri(source.uri)) {
      std::string error;
      const auto ssh = blocks::ssh_target_of(source.uri, error);
      if (!ssh) throw blocks::BlockError(error);
      tunnel.emplace(*ssh, tunnel_socket_path(from.name), from.socket_path, timeout_s);
    }
    blocks::BlockReader reader(tunnel ? tunnel->local_socket() : from.socket_path, from.export_name,
                               from.bitmap, timeout_s);
    const auto extents =
        reader.extents(incremental ? blocks::ExtentKind::dirty : blocks::ExtentKind::data);
    std::vector<char> bytes;
    for (const blocks::Extent& extent : extents) {
      for (std::uint64_t done = 0; done < extent.length_B; done += kPiece_B) {
        if (id && cancelled(id)) throw blocks::BlockError("cancelled");
        const blocks::Extent piece{extent.offset_B + done,
                                   std::min(kPiece_B, extent.length_B - done)};
        reader.read(piece, bytes);
        std::string error;
        if (!virt::upload_range(*target.conn, volume, piece.offset_B, bytes.data(), bytes.size(),
                                error)) {
          throw blocks::BlockError(error);
        }
        shipped += static_cast<long long>(piece.length_B);
      }
    }
  } catch (const blocks::BlockError& error) {
    detail = error.what();
    return -1;
  }
  return shipped;
}

// One cycle of a qcow2 disk; the bytes shipped, or -1 with why in `detail`. `kind` is set
// to "seed" or "incremental", `frozen_s` to the point's moment (when the backup began, or
// when a stopped disk was read).
long long LibvirtRun::ship_changed_blocks(HostState& source, HostState& target, virDomainPtr domain,
                                          bool live, const std::string& disk_path,
                                          long long capacity_B, const std::string& instance,
                                          const JournalObject& point, ActivityId id,
                                          std::string& kind, double& frozen_s,
                                          std::string& detail) {
  const auto chain_key = std::make_tuple(source.name, instance, target.name);
  Chain chain;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (const auto found = chains_.find(chain_key); found != chains_.end()) chain = found->second;
  }
  // A chain whose point is gone (pruned, or the cycle that made it failed) starts again.
  if (!chain.point.empty() && !target.conn->volume(chain.point)) chain = Chain{};
  const bool incremental = !chain.checkpoint.empty();
  kind = incremental ? "incremental" : "seed";
  const std::string stem = point.name.substr(0, point.name.rfind('.'));
  const fs::path dir = fs::path(disk_path).parent_path();
  const NbdExport from{stem, (dir / (stem + ".sock")).string(), "vda",
                       incremental ? chain.checkpoint : ""};
  if (from.socket_path.size() > kMaxSocketPath) {
    detail = "the NBD socket path " + from.socket_path + " is longer than a unix socket allows";
    return -1;
  }
  if (!live) {
    return ship_stopped_disk(source, target, disk_path, capacity_B, chain_key, chain, point, from,
                             id, frozen_s, detail);
  }
  blocks::PullBackupRequest request;
  request.socket_path = from.socket_path;
  request.scratch_path = (dir / (stem + ".scratch")).string();
  request.new_checkpoint = stem;
  request.incremental_from = chain.checkpoint;
  // libvirt exports the bitmap of changes since `incremental_from` under this name.
  NbdExport backup = from;
  if (incremental) backup.bitmap = request.export_bitmap;
  const JournalObject checkpoint{"checkpoint", source.name, source.uri, stem, instance, ""};
  journal_.created(checkpoint);
  std::string error;
  if (!blocks::begin_pull_backup(domain, request, error)) {
    journal_.removed(checkpoint);
    detail = "the backup of " + instance + " did not begin: " + error;
    return -1;
  }
  frozen_s = now();
  virt::Vol volume = start_point(target, point, chain.point, capacity_B, detail);
  const long long shipped =
      volume ? ship_extents(backup, source, target, volume.get(), id, detail) : -1;
  blocks::end_pull_backup(domain);
  if (shipped < 0) {
    if (volume && target.up && virt::delete_volume(*target.conn, point.name)) {
      journal_.removed(point);
    }
    if (blocks::delete_checkpoint(domain, stem)) journal_.removed(checkpoint);
    return -1;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    chains_[chain_key] = Chain{stem, point.name};
  }
  // The next cycle starts from the new checkpoint: the one before it has done its work.
  if (incremental && blocks::delete_checkpoint(domain, chain.checkpoint)) {
    journal_.removed({"checkpoint", source.name, source.uri, chain.checkpoint, instance, ""});
  }
  return shipped;
}

// A cycle of a stopped domain's qcow2 disk (a planned failover's final sync): qemu-nbd on
// its host exports it with the bitmap of the chain's checkpoint, which a stopped domain
// keeps in its qcow2; no new checkpoint is made (libvirt's backup API needs a running
// domain), so the chain's next cycle, if the domain runs again, ships the changes since
// that same checkpoint: a superset of what this point lacks, which is still exact.
long long LibvirtRun::ship_stopped_disk(HostState& source, HostState& target,
                                        const std::string& disk_path, long long capacity_B,
                                        const ChainKey& chain_key, const Chain& chain,
                                        const JournalObject& point, const NbdExport& from,
                                        ActivityId id, double& frozen_s, std::string& detail) {
  const double timeout_s = scenario_.plan.recovery.host_timeout_s;
  std::optional<blocks::SshTarget> ssh;
  if (!local_uri(source.uri)) {
    std::string error;
    ssh = blocks::ssh_target_of(source.uri, error);
    if (!ssh) {
      detail = error;
      return -1;
    }
  }
  frozen_s = now();  // a stopped disk does not change: the point is as of now
  virt::Vol volume = start_point(target, point, chain.point, capacity_B, detail);
  if (!volume) return -1;
  // qemu-nbd's socket and pid file go to the host's /tmp, not beside the disk: a pool
  // refresh would list a regular file there as a volume.
  NbdExport served = from;
  served.socket_path = "/tmp/" + from.name + ".sock";
  long long shipped = -1;
  try {
    const blocks::OfflineExport server({disk_path, served.socket_path, "/tmp/" + from.name + ".pid",
                                        served.export_name, served.bitmap},
                                       ssh, timeout_s);
    shipped = ship_extents(served, source, target, volume.get(), id, detail);
  } catch (const blocks::BlockError& error) {
    detail = error.what();
  }
  if (shipped < 0) {
    if (target.up && virt::delete_volume(*target.conn, point.name)) journal_.removed(point);
    return -1;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  chains_[chain_key] = Chain{chain.checkpoint, point.name};
  return shipped;
}

}  // namespace firedrill::libvirt_run
