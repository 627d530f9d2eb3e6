// Thin RAII helpers over the libvirt C API, shared by the driver and `firedrill cleanup`:
// the process-wide event loop, connections with keepalive and a close callback, owning
// handles, and the storage operations the driver needs (volumes in the pool "firedrill",
// streaming a volume from one host to another). libvirt errors are thread-local: every
// helper that fails returns false / nullptr and last_error() tells why.
#pragma once

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace firedrill::virt {

inline constexpr const char* kPool = "firedrill";  // the storage pool every host must have

// Registers the default event implementation, silences libvirt's stderr output and starts
// the thread that runs the event loop (keepalive, close callbacks). Idempotent; the thread
// lives until the process ends.
void start_event_loop();

// The message of the calling thread's last libvirt error ("" when none).
std::string last_error();

struct DomainDeleter {
  void operator()(virDomainPtr p) const { virDomainFree(p); }
};
struct PoolDeleter {
  void operator()(virStoragePoolPtr p) const { virStoragePoolFree(p); }
};
struct VolDeleter {
  void operator()(virStorageVolPtr p) const { virStorageVolFree(p); }
};
struct StreamDeleter {
  void operator()(virStreamPtr p) const { virStreamFree(p); }
};
using Domain = std::unique_ptr<virDomain, DomainDeleter>;
using Pool = std::unique_ptr<virStoragePool, PoolDeleter>;
using Vol = std::unique_ptr<virStorageVol, VolDeleter>;
using Stream = std::unique_ptr<virStream, StreamDeleter>;

// One libvirt connection with keepalive and a close callback. Thread-safe as libvirt
// connections are.
//
// How a host that stops answering is bounded: libvirt's keepalive pings a quiet connection
// every few seconds and closes it when `answer_timeout_s` passes without an answer; every
// call in flight on it then fails at once, and `on_close` runs. So no call on an open
// connection waits longer than about answer_timeout_s for a frozen daemon (a call the daemon
// is busy with but still answers pings for, such as destroying a guest, is bounded by the
// daemon's own timeouts). Opening has no keepalive yet: it runs on its own thread and is
// abandoned at the deadline (that thread closes the connection if it ever opens).
inline constexpr double kDefaultAnswerTimeout_s = 60.0;
class Connection {
 public:
  // Opens `uri`; on failure (or no answer within answer_timeout_s) returns nullptr and sets
  // `error`. `on_close` runs on the event loop thread when the connection drops for any
  // reason other than close(). `read_only` opens with virConnectOpenReadOnly: the daemon
  // refuses every call that would change something (`firedrill import` only reads).
  static std::unique_ptr<Connection> open(const std::string& uri, std::string& error,
                                          std::function<void()> on_close = {},
                                          double answer_timeout_s = kDefaultAnswerTimeout_s,
                                          bool read_only = false);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  virConnectPtr get() const { return conn_; }
  const std::string& uri() const { return uri_; }
  bool alive() const;

  Domain domain(const std::string& name) const;  // nullptr when absent
  // When the QEMU guest agent of the domain `name` last connected, as this connection's
  // AGENT_LIFECYCLE event said (steady clock); nullopt when no connect was seen, or the
  // agent disconnected after it (its QEMU stopped, the guest closed the channel).
  std::optional<std::chrono::steady_clock::time_point> agent_connected_at(
      const std::string& name) const;
  Pool pool() const;                          // the pool "firedrill", refreshed
  Vol volume(const std::string& name) const;  // in the pool "firedrill"; nullptr when absent

 private:
  Connection() = default;
  static void close_callback(virConnectPtr, int reason, void* opaque);
  static void agent_lifecycle_callback(virConnectPtr, virDomainPtr domain, int state, int reason,
                                       void* opaque);
  virConnectPtr conn_ = nullptr;
  std::string uri_;
  struct EventState;
  static std::shared_ptr<EventState>* kept_for_the_process(std::shared_ptr<EventState> state);
  std::shared_ptr<EventState> events_;
};

// Facts about a domain's XML that the driver needs (first disk, kernel boot, console).
struct DomainFacts {
  std::string disk_path;    // the first <disk device='disk'> source file
  std::string disk_format;  // its driver type ("raw", "qcow2")
  std::string kernel, initrd, cmdline;
  std::string network;  // first interface's source network
  std::string mac;      // first interface's MAC address (lower case), "" when none
  long memory_KiB = 0;
  int vcpus = 1;
};
std::optional<DomainFacts> domain_facts(virDomainPtr domain, bool inactive = false);

bool is_active(virDomainPtr domain);
// The live domain's guest agent channel says state='connected' (libvirt's own view of the
// agent's port, which the AGENT_LIFECYCLE event reports the changes of).
bool agent_channel_connected(virDomainPtr domain);
// Capacity in bytes, or -1.
long long volume_capacity(virStorageVolPtr volume);
// Creates a sparse volume `name` of `capacity_B` in the pool "firedrill", in `format` (raw,
// or qcow2: libvirt makes a qcow2 v3 image, which can hold persistent dirty bitmaps).
Vol create_volume(const Connection& host, const std::string& name, unsigned long long capacity_B,
                  const std::string& format = "raw");
// Creates `name` as a sparse raw copy of `from` inside the same pool: a reflink where the
// pool's filesystem has them (constant time), else libvirt's copy (time grows with the
// disk's size); `reflinked` (if given) says which.
Vol clone_volume(const Connection& host, const std::string& name, virStorageVolPtr from,
                 bool* reflinked = nullptr);
std::string volume_path(virStorageVolPtr volume);
// Deletes a volume in the pool "firedrill" by name / by path; true when it is gone (also
// when a refreshed pool does not have it). False when it could not be deleted, or when the
// pool could not be refreshed to prove it absent (last_error() says why).
bool delete_volume(const Connection& host, const std::string& name);
bool delete_volume_at(const Connection& host, const std::string& path);

// Writes `size` bytes at `offset_B` of `target` (virStorageVolUpload of that range): how a
// cycle patches a point with the blocks that changed. False with `error` set.
bool upload_range(const Connection& target_host, virStorageVolPtr target,
                  unsigned long long offset_B, const char* data, std::size_t size,
                  std::string& error);

// Streams the whole of `source` (on its host) into `target` (on another host) with
// virStorageVolDownload -> virStorageVolUpload. Returns the bytes copied, or -1 with
// `error` set. `cancelled` is polled between chunks.
long long copy_volume(const Connection& source_host, virStorageVolPtr source,
                      const Connection& target_host, virStorageVolPtr target, std::string& error,
                      const std::function<bool()>& cancelled = {});

// Active block commit of the top image of `disk` into its base, then pivot; waits up to
// timeout_s. True on success.
bool commit_and_pivot(virDomainPtr domain, const std::string& disk, double timeout_s,
                      std::string& error);

}  // namespace firedrill::virt
