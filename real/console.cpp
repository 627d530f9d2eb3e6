// Console watcher: virDomainOpenConsole stream, polled without blocking, parsed by line.
#include "real/console.hpp"

#include <chrono>
#include <sstream>

namespace firedrill {

double epoch_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void SkewTable::sample(const std::string& guest, double host_minus_guest) {
  std::lock_guard<std::mutex> lock(mutex_);
  skew_[guest] = host_minus_guest;
}

std::optional<double> SkewTable::skew(const std::string& guest) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto found = skew_.find(guest);
  if (found == skew_.end()) return std::nullopt;
  return found->second;
}

namespace {

// key=value fields of a FIREDRILL line.
std::map<std::string, std::string> fields(const std::string& line) {
  std::map<std::string, std::string> result;
  std::istringstream words(line);
  std::string word;
  while (words >> word) {
    const auto equal = word.find('=');
    if (equal != std::string::npos) result[word.substr(0, equal)] = word.substr(equal + 1);
  }
  return result;
}

std::optional<double> number(const std::map<std::string, std::string>& f, const char* key) {
  const auto found = f.find(key);
  if (found == f.end()) return std::nullopt;
  try {
    return std::stod(found->second);
  } catch (...) {
    return std::nullopt;
  }
}

}  // namespace

std::unique_ptr<ConsoleWatcher> ConsoleWatcher::start(const virt::Connection& host,
                                                      virDomainPtr domain,
                                                      const std::string& log_path,
                                                      const std::atomic<double>& epoch0,
                                                      SkewTable& skews, std::string& error) {
  std::unique_ptr<ConsoleWatcher> watcher(new ConsoleWatcher());
  watcher->stream_.reset(virStreamNew(host.get(), VIR_STREAM_NONBLOCK));
  if (!watcher->stream_ ||
      virDomainOpenConsole(domain, nullptr, watcher->stream_.get(), VIR_DOMAIN_CONSOLE_FORCE) < 0) {
    error = "cannot open the console: " + virt::last_error();
    return nullptr;
  }
  watcher->epoch0_ = &epoch0;
  watcher->skews_ = &skews;
  watcher->name_ = virDomainGetName(domain);
  watcher->log_.open(log_path, std::ios::app);
  watcher->thread_ = std::thread([w = watcher.get()] { w->run(); });
  return watcher;
}

ConsoleWatcher::~ConsoleWatcher() {
  stop();
}

void ConsoleWatcher::stop() {
  std::lock_guard<std::mutex> stopping(stop_mutex_);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
  std::lock_guard<std::mutex> lock(send_mutex_);
  if (stream_) {
    virStreamAbort(stream_.get());
    stream_.reset();
  }
}

void ConsoleWatcher::run() {
  std::string pending;
  char buffer[4096];
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stop_) break;
    }
    int got;
    {
      std::lock_guard<std::mutex> lock(send_mutex_);
      got = virStreamRecv(stream_.get(), buffer, sizeof buffer);
    }
    if (got == -2) {  // nothing yet
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    if (got <= 0) break;  // end of console: the domain stopped (or the host died)
    const double epoch = epoch_now();
    pending.append(buffer, static_cast<std::size_t>(got));
    for (auto end = pending.find('\n'); end != std::string::npos; end = pending.find('\n')) {
      std::string line = pending.substr(0, end);
      pending.erase(0, end + 1);
      std::erase(line, '\r');
      on_line(line, epoch);
    }
  }
  std::lock_guard<std::mutex> lock(mutex_);
  ended_ = true;
  changed_.notify_all();
}

void ConsoleWatcher::on_line(const std::string& line, double epoch) {
  if (log_) {
    char stamp[32];
    std::snprintf(stamp, sizeof stamp, "[%9.3f] ", epoch - epoch0_->load());
    log_ << stamp << line << '\n' << std::flush;
  }
  const auto at = line.find("FIREDRILL ");
  if (at == std::string::npos) return;
  const std::string text = line.substr(at + 10);
  const auto f = fields(text);
  std::lock_guard<std::mutex> lock(mutex_);
  if (text.rfind("LAST", 0) == 0) {
    saw_last_ = true;
    const auto seq = number(f, "seq");
    const auto t = number(f, "t");
    if (seq && t) {
      DiskRecord record{static_cast<long long>(*seq), *t, f.count("by") ? f.at("by") : "",
                        f.count("state") && f.at("state") != "ok"};
      last_ = record;
      last_writer_skew_ = skews_->skew(record.writer);
    }
  } else if (text.rfind("READY", 0) == 0 || text.rfind("HB", 0) == 0) {
    if (const auto t = number(f, "t")) {
      const double sample = epoch - *t;
      if (!own_skew_ || sample < *own_skew_) own_skew_ = sample;
      const std::string guest = f.count("name") ? f.at("name") : name_;
      skews_->sample(guest, *own_skew_);
    }
    if (text.rfind("READY", 0) == 0 && !ready_epoch_) ready_epoch_ = epoch;
    if (text.rfind("HB", 0) == 0) heartbeat_epoch_ = epoch;
  }
  changed_.notify_all();
}

ConsoleWatcher::Wait ConsoleWatcher::wait_ready(double timeout_s,
                                                const std::function<bool()>& cancelled) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    if (ready_epoch_) return Wait::ready;
    if (ended_) return Wait::stopped;
    if (cancelled && cancelled()) return Wait::cancelled;
    if (std::chrono::steady_clock::now() >= deadline) return Wait::timeout;
    changed_.wait_for(lock, std::chrono::milliseconds(100));
  }
}

bool ConsoleWatcher::wait_heartbeat_after(double after_epoch, double timeout_s) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    if (heartbeat_epoch_ && *heartbeat_epoch_ > after_epoch) return true;
    if (ended_ || std::chrono::steady_clock::now() >= deadline) return false;
    changed_.wait_for(lock, std::chrono::milliseconds(100));
  }
}

std::optional<double> ConsoleWatcher::last_heartbeat_epoch() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return heartbeat_epoch_;
}

std::optional<double> ConsoleWatcher::ready_epoch() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return ready_epoch_;
}
std::optional<DiskRecord> ConsoleWatcher::last_record() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return last_;
}
bool ConsoleWatcher::saw_last_line() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return saw_last_;
}
std::optional<double> ConsoleWatcher::last_record_host_epoch() const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!last_ || !last_writer_skew_) return std::nullopt;
  return last_->guest_time + *last_writer_skew_;
}
std::optional<double> ConsoleWatcher::skew() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return own_skew_;
}
bool ConsoleWatcher::stopped() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return ended_;
}

bool ConsoleWatcher::send(const std::string& line) {
  const std::string text = line + "\r";
  std::lock_guard<std::mutex> lock(send_mutex_);
  if (!stream_) return false;
  std::size_t offset = 0;
  for (int tries = 0; offset < text.size() && tries < 100; ++tries) {
    const int sent = virStreamSend(stream_.get(), text.data() + offset, text.size() - offset);
    if (sent == -2) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    if (sent < 0) return false;
    offset += static_cast<std::size_t>(sent);
  }
  return offset == text.size();
}

}  // namespace firedrill
