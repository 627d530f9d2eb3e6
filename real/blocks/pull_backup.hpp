// A pull-mode backup of one disk of a running domain (libvirt's backup API): QEMU exports
// the disk as it was when the backup began over NBD on a unix socket, copying blocks the
// guest overwrites meanwhile into a scratch file, so a reader sees one point in time while
// the guest runs on. With a checkpoint, a persistent dirty bitmap starts at that moment; a
// later incremental backup from it exports which blocks were written since (the bitmap
// `export_bitmap`). This is what an incremental replication cycle reads with BlockReader.
#pragma once

#include <libvirt/libvirt.h>

#include <string>

namespace firedrill::blocks {

struct PullBackupRequest {
  std::string disk = "vda";             // the domain's disk target
  std::string socket_path;              // where QEMU listens (on the domain's host)
  std::string scratch_path;             // QEMU's copy-before-write file (on the domain's host)
  std::string export_name = "vda";      // the NBD export
  std::string export_bitmap = "dirty";  // the exported bitmap (incremental backups only)
  std::string incremental_from;         // a checkpoint's name; empty: a full backup
  std::string new_checkpoint;           // a checkpoint made as the backup begins; empty: none
};

std::string pull_backup_xml(const PullBackupRequest& request);
std::string checkpoint_xml(const PullBackupRequest& request);  // "" without new_checkpoint

// Begins the backup; false with `error` when libvirt refuses (a raw disk has no bitmaps,
// another job runs, the checkpoint is unknown).
bool begin_pull_backup(virDomainPtr domain, const PullBackupRequest& request, std::string& error);
// Ends it (the NBD server goes away, the scratch file is removed by libvirt). True when no
// backup job remains.
bool end_pull_backup(virDomainPtr domain);
// Deletes the checkpoint `name` of `domain` (its bitmap is merged into the checkpoint
// before it, as libvirt does; with metadata_only, only libvirt's record of it goes, for a
// domain whose disk is deleted next); true when it is gone.
bool delete_checkpoint(virDomainPtr domain, const std::string& name, bool metadata_only = false);

}  // namespace firedrill::blocks
