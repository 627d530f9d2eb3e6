// libvirt helpers: event loop, connections, volumes, volume streaming, block commit.
#include "real/virt.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace firedrill::virt {

namespace {

void ignore_error(void*, virErrorPtr) {}

std::once_flag event_loop_once;

// The text between `open` and `close` after position `from`, or "".
std::string between(const std::string& text, const std::string& open, const std::string& close,
                    std::size_t from = 0) {
  const auto start = text.find(open, from);
  if (start == std::string::npos) return "";
  const auto end = text.find(close, start + open.size());
  if (end == std::string::npos) return "";
  return text.substr(start + open.size(), end - start - open.size());
}

std::string xml_unescape(std::string text) {
  const std::pair<const char*, const char*> entities[] = {
      {"&apos;", "'"}, {"&quot;", "\""}, {"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}};
  for (const auto& [entity, plain] : entities) {
    for (auto at = text.find(entity); at != std::string::npos; at = text.find(entity, at + 1)) {
      text.replace(at, std::char_traits<char>::length(entity), plain);
    }
  }
  return text;
}

// virConnectOpen on its own thread, waited for at most timeout_s. A daemon that accepts the
// socket but never answers (SIGSTOPped, say) would block the open forever; past the
// deadline the caller goes on and the thread, which owns everything it touches, closes the
// connection itself if the open ever completes.
virConnectPtr open_within(const std::string& uri, double timeout_s, bool read_only,
                          std::string& error) {
  struct Attempt {
    std::mutex mutex;
    std::condition_variable done_changed;
    bool done = false;
    bool abandoned = false;
    virConnectPtr conn = nullptr;
    std::string error;
  };
  auto attempt = std::make_shared<Attempt>();
  std::thread([attempt, uri, read_only] {
    virConnectPtr conn =
        read_only ? virConnectOpenReadOnly(uri.c_str()) : virConnectOpen(uri.c_str());
    std::string why = conn ? "" : last_error();
    std::lock_guard<std::mutex> lock(attempt->mutex);
    if (attempt->abandoned) {
      if (conn) virConnectClose(conn);
      return;
    }
    attempt->conn = conn;
    attempt->error = why.empty() ? "cannot connect" : why;
    attempt->done = true;
    attempt->done_changed.notify_all();
  }).detach();
  std::unique_lock<std::mutex> lock(attempt->mutex);
  if (!attempt->done_changed.wait_for(lock, std::chrono::duration<double>(timeout_s),
                                      [&] { return attempt->done; })) {
    attempt->abandoned = true;
    char text[96];
    std::snprintf(text, sizeof text, "no answer within %.0f s (the daemon hangs or is overloaded)",
                  timeout_s);
    error = text;
    return nullptr;
  }
  if (!attempt->conn) error = attempt->error;
  return attempt->conn;
}

}  // namespace

void start_event_loop() {
  std::call_once(event_loop_once, [] {
    virSetErrorFunc(nullptr, ignore_error);
    virEventRegisterDefaultImpl();
    // A periodic timer keeps the loop turning even with nothing to watch.
    virEventAddTimeout(
        500, [](int, void*) {}, nullptr, nullptr);
    std::thread([] {
      for (;;) {
        if (virEventRunDefaultImpl() < 0)
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }).detach();
  });
}

std::string last_error() {
  const char* message = virGetLastErrorMessage();
  return message ? message : "";
}

struct Connection::EventState {
  std::mutex mutex;
  std::function<void()> on_close;
  bool closing = false;
  std::map<std::string, std::chrono::steady_clock::time_point> agent_connected;  // by domain
};

// The callbacks' opaque pointer lives as long as the process, and libvirt never frees it:
// libvirt may call a callback until the connection is disposed, which can come after
// ~Connection (domains still hold references; an unregister on a dead connection fails),
// and a driver without close callbacks (test:///) accepts the registration and never
// calls a free function. One small holder per connection ever opened, still reachable.
std::shared_ptr<Connection::EventState>* Connection::kept_for_the_process(
    std::shared_ptr<EventState> state) {
  static std::mutex mutex;
  static auto* kept = new std::vector<std::unique_ptr<std::shared_ptr<EventState>>>();
  std::lock_guard<std::mutex> lock(mutex);
  kept->push_back(std::make_unique<std::shared_ptr<EventState>>(std::move(state)));
  return kept->back().get();
}

void Connection::close_callback(virConnectPtr, int, void* opaque) {
  auto* state = static_cast<std::shared_ptr<EventState>*>(opaque);
  std::function<void()> callback;
  {
    std::lock_guard<std::mutex> lock((*state)->mutex);
    if ((*state)->closing) return;
    callback = (*state)->on_close;
  }
  if (callback) callback();
}

void Connection::agent_lifecycle_callback(virConnectPtr, virDomainPtr domain, int state, int,
                                          void* opaque) {
  const char* name = virDomainGetName(domain);  // local: no call to the daemon
  if (!name) return;
  auto* events = static_cast<std::shared_ptr<EventState>*>(opaque);
  std::lock_guard<std::mutex> lock((*events)->mutex);
  if (state == VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_STATE_CONNECTED) {
    (*events)->agent_connected[name] = std::chrono::steady_clock::now();
  } else {
    (*events)->agent_connected.erase(name);
  }
}

std::optional<std::chrono::steady_clock::time_point> Connection::agent_connected_at(
    const std::string& name) const {
  if (!events_) return std::nullopt;
  std::lock_guard<std::mutex> lock(events_->mutex);
  const auto found = events_->agent_connected.find(name);
  if (found == events_->agent_connected.end()) return std::nullopt;
  return found->second;
}

std::unique_ptr<Connection> Connection::open(const std::string& uri, std::string& error,
                                             std::function<void()> on_close,
                                             double answer_timeout_s, bool read_only) {
  start_event_loop();
  std::unique_ptr<Connection> connection(new Connection());
  connection->uri_ = uri;
  connection->conn_ = open_within(uri, answer_timeout_s, read_only, error);
  if (!connection->conn_) return nullptr;
  virConnSetErrorFunc(connection->conn_, nullptr, ignore_error);
  // Pings every interval once the connection is quiet; closed after `count` unanswered.
  const int interval_s = static_cast<int>(std::clamp(answer_timeout_s / 4.0, 1.0, 5.0));
  const auto count = static_cast<unsigned>(std::max(1.0, std::ceil(answer_timeout_s / interval_s)));
  virConnectSetKeepAlive(connection->conn_, interval_s, count);
  connection->events_ = std::make_shared<EventState>();
  connection->events_->on_close = std::move(on_close);
  auto* kept = kept_for_the_process(connection->events_);
  virConnectRegisterCloseCallback(connection->conn_, close_callback, kept, nullptr);
  // Bounded like every call on this connection: the keepalive closes it when the daemon
  // stops answering. A driver without the event leaves agent_connected_at() empty.
  virConnectDomainEventRegisterAny(connection->conn_, nullptr, VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE,
                                   VIR_DOMAIN_EVENT_CALLBACK(agent_lifecycle_callback), kept,
                                   nullptr);
  return connection;
}

Connection::~Connection() {
  if (!conn_) return;
  {
    std::lock_guard<std::mutex> lock(events_->mutex);
    events_->closing = true;
  }
  virConnectUnregisterCloseCallback(conn_, close_callback);
  virConnectClose(conn_);
}

bool Connection::alive() const {
  return conn_ && virConnectIsAlive(conn_) == 1;
}

Domain Connection::domain(const std::string& name) const {
  return Domain(virDomainLookupByName(conn_, name.c_str()));
}

Pool Connection::pool() const {
  Pool pool(virStoragePoolLookupByName(conn_, kPool));
  if (pool) virStoragePoolRefresh(pool.get(), 0);
  return pool;
}

Vol Connection::volume(const std::string& name) const {
  Pool pool(virStoragePoolLookupByName(conn_, kPool));
  if (!pool) return nullptr;
  Vol volume(virStorageVolLookupByName(pool.get(), name.c_str()));
  if (!volume) {  // maybe created behind libvirt's back (snapshot overlays): refresh, retry
    virStoragePoolRefresh(pool.get(), 0);
    volume.reset(virStorageVolLookupByName(pool.get(), name.c_str()));
  }
  return volume;
}

std::optional<DomainFacts> domain_facts(virDomainPtr domain, bool inactive) {
  char* raw = virDomainGetXMLDesc(domain, inactive ? VIR_DOMAIN_XML_INACTIVE : 0);
  if (!raw) return std::nullopt;
  const std::string xml = raw;
  free(raw);
  DomainFacts facts;
  const auto disk = xml.find("device='disk'");
  if (disk != std::string::npos) {
    const std::string block = xml.substr(disk, xml.find("</disk>", disk) - disk);
    facts.disk_path = xml_unescape(between(block, "<source file='", "'"));
    facts.disk_format = between(block, "type='", "'", block.find("<driver"));
  }
  facts.kernel = xml_unescape(between(xml, "<kernel>", "</kernel>"));
  facts.initrd = xml_unescape(between(xml, "<initrd>", "</initrd>"));
  facts.cmdline = xml_unescape(between(xml, "<cmdline>", "</cmdline>"));
  const auto interface = xml.find("<interface type='network'");
  if (interface != std::string::npos) {
    facts.network = xml_unescape(between(xml, "<source network='", "'", interface));
    facts.mac = between(xml, "<mac address='", "'", interface);
    std::transform(facts.mac.begin(), facts.mac.end(), facts.mac.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  }
  const std::string memory = between(xml, "<memory unit='KiB'>", "</memory>");
  if (!memory.empty()) facts.memory_KiB = std::stol(memory);
  const auto vcpu = xml.find("<vcpu");
  if (vcpu != std::string::npos) {
    const std::string count = between(xml, ">", "</vcpu>", vcpu);
    if (!count.empty()) facts.vcpus = std::stoi(count);
  }
  return facts;
}

bool is_active(virDomainPtr domain) {
  return virDomainIsActive(domain) == 1;
}

bool agent_channel_connected(virDomainPtr domain) {
  char* raw = virDomainGetXMLDesc(domain, 0);
  if (!raw) return false;
  const std::string xml = raw;
  free(raw);
  // <target type='virtio' name='org.qemu.guest_agent.0' state='connected'/>
  const std::size_t name = xml.find("'org.qemu.guest_agent.0'");
  if (name == std::string::npos) return false;
  const std::size_t open = xml.rfind('<', name);
  const std::size_t close = xml.find('>', name);
  if (open == std::string::npos || close == std::string::npos) return false;
  return xml.substr(open, close - open).find("state='connected'") != std::string::npos;
}

long long volume_capacity(virStorageVolPtr volume) {
  virStorageVolInfo info;
  if (virStorageVolGetInfo(volume, &info) < 0) return -1;
  return static_cast<long long>(info.capacity);
}

namespace {
constexpr const char* kSparse = "<allocation>0</allocation>";
}  // namespace

Vol create_volume(const Connection& host, const std::string& name, unsigned long long capacity_B,
                  const std::string& format) {
  Pool pool = host.pool();
  if (!pool) return nullptr;
  // libvirt 9.0 writes qcow2 v2 (compat 0.10) unless told otherwise, and v2 cannot store
  // persistent dirty bitmaps.
  const std::string compat = format == "qcow2" ? "<compat>1.1</compat>" : "";
  // Allocation 0: a sparse file. Without it libvirt allocates the whole capacity, and
  // every later clone of the volume writes it all.
  const std::string xml = "<volume><name>" + name + "</name>" + kSparse + "<capacity unit='B'>" +
                          std::to_string(capacity_B) + "</capacity><target><format type='" +
                          format + "'/>" + compat + "</target></volume>";
  return Vol(virStorageVolCreateXML(pool.get(), xml.c_str(), 0));
}

Vol clone_volume(const Connection& host, const std::string& name, virStorageVolPtr from,
                 bool* reflinked) {
  Pool pool = host.pool();
  if (!pool) return nullptr;
  const long long capacity = volume_capacity(from);
  if (capacity < 0) return nullptr;
  const std::string xml = "<volume><name>" + name + "</name>" + kSparse + "<capacity unit='B'>" +
                          std::to_string(capacity) +
                          "</capacity><target><format type='raw'/></target></volume>";
  // A reflink (FICLONE: XFS with reflink=1, btrfs) shares the source's blocks and takes
  // constant time; a filesystem without it (ext4) refuses at once and creates nothing.
  Vol clone(
      virStorageVolCreateXMLFrom(pool.get(), xml.c_str(), from, VIR_STORAGE_VOL_CREATE_REFLINK));
  if (reflinked) *reflinked = static_cast<bool>(clone);
  if (clone) return clone;
  // libvirt's copy: sparse (it skips the zero blocks it reads instead of writing them), but
  // it reads the whole source, so its time grows with the disk's size.
  return Vol(virStorageVolCreateXMLFrom(pool.get(), xml.c_str(), from, 0));
}

std::string volume_path(virStorageVolPtr volume) {
  char* path = virStorageVolGetPath(volume);
  if (!path) return "";
  std::string result = path;
  free(path);
  return result;
}

namespace {

enum class Lookup { found, absent, unknown };

// A volume missing from one lookup is not proof that it is gone. The daemon empties a pool's
// list of volumes while it refreshes it, and a refresh that fails (another client's volume
// being built: "asynchronous jobs running") can leave the list empty; files made by
// snapshots become volumes only after a refresh. So a volume is absent only when a refresh
// succeeded and neither its name nor its path (when known) finds it. Bounded: 10 attempts
// 300 ms apart.
Lookup look_up_volume(const Connection& host, const std::string& name, const std::string& path,
                      Vol& volume) {
  auto find = [&](virStoragePoolPtr pool) {
    volume.reset(virStorageVolLookupByName(pool, name.c_str()));
    if (!volume && !path.empty()) volume.reset(virStorageVolLookupByPath(host.get(), path.c_str()));
    return static_cast<bool>(volume);
  };
  for (int attempt = 0; attempt < 10; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(300));
    Pool pool(virStoragePoolLookupByName(host.get(), kPool));
    if (!pool) {
      virErrorPtr error = virGetLastError();
      if (error && error->code == VIR_ERR_NO_STORAGE_POOL) return Lookup::absent;  // no pool
      continue;
    }
    if (find(pool.get())) return Lookup::found;
    const bool refreshed = virStoragePoolRefresh(pool.get(), 0) == 0;
    if (find(pool.get())) return Lookup::found;
    if (refreshed) return Lookup::absent;
  }
  return Lookup::unknown;
}

bool delete_found_volume(const Connection& host, const std::string& name, const std::string& path) {
  Vol volume;
  switch (look_up_volume(host, name, path, volume)) {
    case Lookup::absent:
      return true;
    case Lookup::unknown:
      return false;  // last_error() says why the pool could not be listed
    case Lookup::found:
      break;
  }
  return virStorageVolDelete(volume.get(), 0) == 0;
}

}  // namespace

bool delete_volume(const Connection& host, const std::string& name) {
  return delete_found_volume(host, name, "");
}

bool delete_volume_at(const Connection& host, const std::string& path) {
  return delete_found_volume(host, path.substr(path.rfind('/') + 1), path);
}

bool upload_range(const Connection& target_host, virStorageVolPtr target,
                  unsigned long long offset_B, const char* data, std::size_t size,
                  std::string& error) {
  Stream up(virStreamNew(target_host.get(), 0));
  if (!up || virStorageVolUpload(target, up.get(), offset_B, size, 0) < 0) {
    error = "upload to " + target_host.uri() + " failed: " + last_error();
    return false;
  }
  for (std::size_t done = 0; done < size;) {
    const int sent =
        virStreamSend(up.get(), data + done, std::min<std::size_t>(size - done, 1 << 20));
    if (sent < 0) {
      error = "writing to " + target_host.uri() + " failed: " + last_error();
      virStreamAbort(up.get());
      return false;
    }
    done += static_cast<std::size_t>(sent);
  }
  if (virStreamFinish(up.get()) < 0) {
    error = "finishing the upload to " + target_host.uri() + " failed: " + last_error();
    return false;
  }
  return true;
}

long long copy_volume(const Connection& source_host, virStorageVolPtr source,
                      const Connection& target_host, virStorageVolPtr target, std::string& error,
                      const std::function<bool()>& cancelled) {
  const long long capacity = volume_capacity(source);
  if (capacity < 0) {
    error = "cannot read the source volume: " + last_error();
    return -1;
  }
  Stream down(virStreamNew(source_host.get(), 0));
  Stream up(virStreamNew(target_host.get(), 0));
  if (!down || !up) {
    error = "cannot open streams: " + last_error();
    return -1;
  }
  if (virStorageVolDownload(source, down.get(), 0, 0, 0) < 0) {
    error = "download failed: " + last_error();
    return -1;
  }
  if (virStorageVolUpload(target, up.get(), 0, static_cast<unsigned long long>(capacity), 0) < 0) {
    error = "upload failed: " + last_error();
    virStreamAbort(down.get());
    return -1;
  }
  std::vector<char> buffer(1 << 20);
  long long copied = 0;
  for (;;) {
    if (cancelled && cancelled()) {
      error = "cancelled";
      virStreamAbort(down.get());
      virStreamAbort(up.get());
      return -1;
    }
    const int got = virStreamRecv(down.get(), buffer.data(), buffer.size());
    if (got < 0) {
      error = "reading from " + source_host.uri() + " failed: " + last_error();
      virStreamAbort(up.get());
      return -1;
    }
    if (got == 0) break;
    for (int offset = 0; offset < got;) {
      const int sent = virStreamSend(up.get(), buffer.data() + offset, got - offset);
      if (sent < 0) {
        error = "writing to " + target_host.uri() + " failed: " + last_error();
        virStreamAbort(down.get());
        return -1;
      }
      offset += sent;
    }
    copied += got;
  }
  if (virStreamFinish(down.get()) < 0 || virStreamFinish(up.get()) < 0) {
    error = "finishing the copy failed: " + last_error();
    return -1;
  }
  return copied;
}

bool commit_and_pivot(virDomainPtr domain, const std::string& disk, double timeout_s,
                      std::string& error) {
  if (virDomainBlockCommit(domain, disk.c_str(), nullptr, nullptr, 0,
                           VIR_DOMAIN_BLOCK_COMMIT_ACTIVE) < 0) {
    error = "block commit failed: " + last_error();
    return false;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    virDomainBlockJobInfo info;
    const int job = virDomainGetBlockJobInfo(domain, disk.c_str(), &info, 0);
    if (job < 0) {
      error = "block commit: " + last_error();
      return false;
    }
    if (job == 1 && info.end > 0 && info.cur == info.end &&
        virDomainBlockJobAbort(domain, disk.c_str(), VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT) == 0) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  error = "block commit did not become ready in time";
  virDomainBlockJobAbort(domain, disk.c_str(), 0);
  return false;
}

}  // namespace firedrill::virt
