// The NBD block reader: libnbd's asynchronous calls, each polled against a deadline.
#include "real/blocks/block_reader.hpp"

#include <libnbd.h>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace firedrill::blocks {

namespace {

constexpr const char* kAllocation = "base:allocation";
// QEMU's qemu:dirty-bitmap:NAME context sets bit 0 on dirty extents (libnbd 1.14 has no
// name for it; later releases call it LIBNBD_STATE_DIRTY).
constexpr std::uint32_t kDirtyFlag = 1;
// Asked of the server per block-status request, and per read: QEMU's NBD server answers
// requests up to 32 MiB of data and block status over any 32-bit length.
constexpr std::uint64_t kStatusSpan_B = 1ull << 30;
constexpr std::uint64_t kReadChunk_B = 4ull << 20;

std::string nbd_error() {
  const char* message = nbd_get_error();
  return message ? message : "unknown libnbd error";
}

struct Listing {
  std::string context;
  std::uint32_t wanted_flag = 0;  // an extent is listed when (flags & wanted) == expected
  std::uint32_t expected = 0;
  std::vector<Extent>* out = nullptr;
  std::uint64_t covered_B = 0;  // how far the server's answer reached
};

int on_extents(void* user_data, const char* context, std::uint64_t offset, std::uint32_t* entries,
               std::size_t entry_count, int*) {
  auto* listing = static_cast<Listing*>(user_data);
  if (listing->context != context) return 0;
  std::uint64_t at = offset;
  for (std::size_t i = 0; i + 1 < entry_count; i += 2) {
    const std::uint64_t length = entries[i];
    const std::uint32_t flags = entries[i + 1];
    if ((flags & listing->wanted_flag) == listing->expected && length > 0) {
      std::vector<Extent>& out = *listing->out;
      if (!out.empty() && out.back().offset_B + out.back().length_B == at) {
        out.back().length_B += length;
      } else {
        out.push_back({at, length});
      }
    }
    at += length;
  }
  listing->covered_B = std::max(listing->covered_B, at);
  return 0;
}

}  // namespace

BlockReader::BlockReader(const std::string& socket_path, const std::string& export_name,
                         const std::string& dirty_bitmap, double timeout_s)
    : socket_path_(socket_path), timeout_s_(timeout_s) {
  handle_ = nbd_create();
  if (!handle_) throw BlockError("cannot create an NBD handle: " + nbd_error());
  if (!dirty_bitmap.empty()) dirty_context_ = "qemu:dirty-bitmap:" + dirty_bitmap;
  const bool set_up =
      nbd_set_export_name(handle_, export_name.c_str()) == 0 &&
      nbd_add_meta_context(handle_, kAllocation) == 0 &&
      (dirty_context_.empty() || nbd_add_meta_context(handle_, dirty_context_.c_str()) == 0);
  if (!set_up || nbd_aio_connect_unix(handle_, socket_path.c_str()) < 0) {
    const std::string why = nbd_error();
    nbd_close(handle_);
    throw BlockError("cannot connect to NBD socket " + socket_path + ": " + why);
  }
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s_);
  while (nbd_aio_is_connecting(handle_) == 1) {
    if (std::chrono::steady_clock::now() >= deadline || nbd_poll(handle_, 100) < 0) break;
  }
  if (nbd_aio_is_ready(handle_) != 1) {
    const std::string why = nbd_aio_is_connecting(handle_) == 1
                                ? "no answer within " + std::to_string(int(timeout_s_)) + " s"
                                : nbd_error();
    nbd_close(handle_);
    throw BlockError("cannot open NBD export '" + export_name + "' on " + socket_path + ": " + why);
  }
  const std::int64_t size = nbd_get_size(handle_);
  if (size < 0) {
    const std::string why = nbd_error();
    nbd_close(handle_);
    throw BlockError("cannot read the size of NBD export '" + export_name + "': " + why);
  }
  size_B_ = static_cast<std::uint64_t>(size);
}

BlockReader::~BlockReader() {
  if (!handle_) return;
  nbd_aio_disconnect(handle_, 0);  // queued, not waited for: the socket closes next
  nbd_close(handle_);
}

void BlockReader::wait_for(std::int64_t cookie, const char* what) {
  if (cookie < 0)
    throw BlockError(std::string("cannot ask the NBD server for ") + what + ": " + nbd_error());
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s_);
  for (;;) {
    const int done = nbd_aio_command_completed(handle_, static_cast<std::uint64_t>(cookie));
    if (done == 1) return;
    if (done < 0) throw BlockError(std::string("NBD ") + what + " failed: " + nbd_error());
    if (std::chrono::steady_clock::now() >= deadline) {
      throw BlockError(std::string("NBD ") + what + ": no answer within " +
                       std::to_string(int(timeout_s_)) + " s from " + socket_path_);
    }
    if (nbd_poll(handle_, 100) < 0) {
      throw BlockError(std::string("NBD ") + what + " failed: " + nbd_error());
    }
  }
}

std::vector<Extent> BlockReader::extents(ExtentKind kind) {
  std::vector<Extent> out;
  Listing listing;
  listing.out = &out;
  if (kind == ExtentKind::data) {
    listing.context = kAllocation;
    listing.wanted_flag = LIBNBD_STATE_ZERO;
    listing.expected = 0;
  } else {
    if (dirty_context_.empty()) throw BlockError("no dirty bitmap was asked for");
    listing.context = dirty_context_;
    listing.wanted_flag = kDirtyFlag;
    listing.expected = kDirtyFlag;
  }
  if (nbd_can_meta_context(handle_, listing.context.c_str()) != 1) {
    throw BlockError("the NBD server does not export " + listing.context);
  }
  std::uint64_t offset = 0;
  while (offset < size_B_) {
    listing.covered_B = offset;
    const std::uint64_t span = std::min(kStatusSpan_B, size_B_ - offset);
    const std::int64_t cookie = nbd_aio_block_status(
        handle_, span, offset, nbd_extent_callback{on_extents, &listing, nullptr},
        NBD_NULL_COMPLETION, 0);
    wait_for(cookie, "block status");
    if (listing.covered_B <= offset) throw BlockError("the NBD server described no extent");
    offset = std::min(listing.covered_B, size_B_);
  }
  // The answer may reach past the end of the disk: clip the last extent.
  while (!out.empty() && out.back().offset_B >= size_B_) out.pop_back();
  if (!out.empty()) {
    out.back().length_B = std::min(out.back().length_B, size_B_ - out.back().offset_B);
  }
  return out;
}

void BlockReader::read(const Extent& extent, std::vector<char>& into) {
  if (extent.offset_B + extent.length_B > size_B_) {
    throw BlockError("read past the end of the disk (" + std::to_string(size_B_) + " bytes)");
  }
  into.resize(extent.length_B);
  for (std::uint64_t done = 0; done < extent.length_B; done += kReadChunk_B) {
    const std::uint64_t count = std::min(kReadChunk_B, extent.length_B - done);
    const std::int64_t cookie = nbd_aio_pread(handle_, into.data() + done, count,
                                              extent.offset_B + done, NBD_NULL_COMPLETION, 0);
    wait_for(cookie, "read");
  }
}

std::uint64_t total_length_B(const std::vector<Extent>& extents) {
  std::uint64_t total = 0;
  for (const Extent& extent : extents) total += extent.length_B;
  return total;
}

}  // namespace firedrill::blocks
