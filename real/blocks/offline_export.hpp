// The qcow2 disk of a stopped domain, exported read-only over NBD by `qemu-nbd` on the
// disk's own host: here, or through the SSH of a qemu+ssh:// URI. libvirt's backup API
// needs a running domain, but a stopped one's checkpoints are persistent bitmaps in its
// qcow2 (named after the checkpoints), so qemu-nbd `-B NAME` exports what was written since
// the newest one: a planned failover's final sync ships only that.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "real/blocks/ssh_tunnel.hpp"

namespace firedrill::blocks {

struct OfflineExportRequest {
  std::string disk_path;    // the qcow2 (on the disk's host)
  std::string socket_path;  // where qemu-nbd listens (on the disk's host)
  std::string pid_path;     // qemu-nbd's pid file (on the disk's host)
  std::string export_name = "vda";
  std::string bitmap;  // a checkpoint's bitmap to export; empty: none
};

// qemu-nbd's arguments: read-only, one client, and it exits when that client leaves.
std::vector<std::string> qemu_nbd_args(const OfflineExportRequest& request);

class OfflineExport {
 public:
  // Starts qemu-nbd here (no `ssh`) or on the SSH target, and returns once it listens.
  // Throws BlockError with qemu-nbd's own message (a bitmap it does not find, a disk in
  // use) when it does not start within timeout_s.
  OfflineExport(const OfflineExportRequest& request, const std::optional<SshTarget>& ssh,
                double timeout_s);
  // Stops qemu-nbd if it still runs (it ends by itself once its client disconnected).
  ~OfflineExport();
  OfflineExport(const OfflineExport&) = delete;
  OfflineExport& operator=(const OfflineExport&) = delete;

 private:
  std::vector<std::string> on_host(const std::vector<std::string>& argv) const;
  OfflineExportRequest request_;
  std::optional<SshTarget> ssh_;
  double timeout_s_ = 0.0;
};

}  // namespace firedrill::blocks
