// Reads a disk's blocks over NBD (libnbd): which extents are allocated, which a dirty
// bitmap marks as written, and their bytes. This is how an incremental replication cycle
// finds and ships only what changed: libvirt's backup API (pull mode) or `qemu-nbd -B`
// exports the disk with `qemu:dirty-bitmap:NAME`, and the seed ships only what
// `base:allocation` says is data.
//
// Every call is bounded: the client uses libnbd's asynchronous calls and polls them for at
// most the reader's timeout, so an NBD server that stops answering fails the call with a
// BlockError instead of blocking it.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

struct nbd_handle;

namespace firedrill::blocks {

class BlockError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Extent {
  std::uint64_t offset_B = 0;
  std::uint64_t length_B = 0;
  bool operator==(const Extent&) const = default;
};

// Which extents a listing returns.
enum class ExtentKind {
  data,   // base:allocation: allocated and not known to read as zeros (the seed's copy)
  dirty,  // qemu:dirty-bitmap:NAME: written since the bitmap was started
};

class BlockReader {
 public:
  // Connects to the NBD server on the unix socket `socket_path` and opens `export_name`,
  // asking for `base:allocation` and, when `dirty_bitmap` is not empty, for
  // `qemu:dirty-bitmap:<dirty_bitmap>`. Throws BlockError with the reason.
  BlockReader(const std::string& socket_path, const std::string& export_name,
              const std::string& dirty_bitmap, double timeout_s);
  ~BlockReader();
  BlockReader(const BlockReader&) = delete;
  BlockReader& operator=(const BlockReader&) = delete;

  std::uint64_t size_B() const { return size_B_; }
  // The extents of that kind, in order, adjacent ones merged. Throws BlockError (also for
  // `dirty` when no bitmap was asked for or the server does not export it).
  std::vector<Extent> extents(ExtentKind kind);
  // Reads length_B bytes at offset_B into `into` (resized).
  void read(const Extent& extent, std::vector<char>& into);

 private:
  void wait_for(std::int64_t cookie, const char* what);
  nbd_handle* handle_ = nullptr;
  std::string socket_path_;
  std::string dirty_context_;
  double timeout_s_;
  std::uint64_t size_B_ = 0;
};

// The total of the extents' lengths.
std::uint64_t total_length_B(const std::vector<Extent>& extents);

}  // namespace firedrill::blocks
