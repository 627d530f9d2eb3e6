// Reads a lab guest's serial console through libvirt (virDomainOpenConsole, so it works on
// remote hosts too), stamps every line with the host's clock as it arrives, and parses the
// guest's FIREDRILL lines (real/lab/guest/init):
//   FIREDRILL LAST seq=N t=SEC.CC by=NAME state=ok|corrupt   (or "FIREDRILL LAST none")
//   FIREDRILL READY name=NAME ip=IP t=SEC.CC
//   FIREDRILL HB name=NAME seq=N t=SEC.CC
// Guest clocks start from the RTC in whole seconds, so each guest is off by up to a
// second: every READY/HB line gives a sample (host arrival time - guest time) and the
// smallest sample is the guest's skew (the console adds only a few ms of delay).
#pragma once

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "real/virt.hpp"

namespace firedrill {

// The newest record a guest found on its disk at boot.
struct DiskRecord {
  long long seq = 0;
  double guest_time = 0.0;  // epoch seconds on the writer's clock
  std::string writer;       // the writer's fd.name
  bool corrupt = false;
};

// Skews of guest clocks by guest name (fd.name), shared by every watcher of a run.
class SkewTable {
 public:
  void sample(const std::string& guest, double host_minus_guest);
  std::optional<double> skew(const std::string& guest) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, double> skew_;
};

class ConsoleWatcher {
 public:
  // Starts reading the console of `domain` (which must run). Lines go to `log_path`
  // prefixed with the run clock. `epoch0` is the host's epoch time at run t = 0 (it moves
  // when the clock starts after setup; lines before that get negative times).
  static std::unique_ptr<ConsoleWatcher> start(const virt::Connection& host, virDomainPtr domain,
                                               const std::string& log_path,
                                               const std::atomic<double>& epoch0, SkewTable& skews,
                                               std::string& error);
  ~ConsoleWatcher();

  enum class Wait { ready, stopped, timeout, cancelled };
  // Waits until the guest prints READY, its console ends (domain stopped), the timeout
  // passes or `cancelled` turns true (checked every 100 ms).
  Wait wait_ready(double timeout_s, const std::function<bool()>& cancelled);
  std::optional<double> ready_epoch() const;      // host epoch when READY arrived
  std::optional<DiskRecord> last_record() const;  // from the LAST line
  bool saw_last_line() const;                     // LAST was printed (maybe "none")
  // The record's write time on the host's clock (epoch s), using the writer's measured skew
  // as it was when the LAST line arrived. nullopt without a record or a skew.
  std::optional<double> last_record_host_epoch() const;
  std::optional<double> skew() const;  // this guest's own measured skew
  // Waits until a heartbeat (HB line) arrives later than host epoch `after_epoch`, the
  // console ends or the timeout passes; true when such a heartbeat arrived.
  bool wait_heartbeat_after(double after_epoch, double timeout_s);
  std::optional<double> last_heartbeat_epoch() const;  // host epoch of the newest HB line
  bool stopped() const;
  // Writes a line to the guest's console (e.g. "CORRUPT").
  bool send(const std::string& line);
  // Stops reading and closes the stream. Safe to call from several threads, more than once.
  // It aborts the stream with a libvirt call, bounded by the connection's keepalive: call it
  // without holding a lock that the run's other threads need.
  void stop();

 private:
  ConsoleWatcher() = default;
  void run();
  void on_line(const std::string& line, double epoch);

  virt::Stream stream_;
  std::thread thread_;
  std::ofstream log_;
  const std::atomic<double>* epoch0_ = nullptr;
  SkewTable* skews_ = nullptr;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool stop_ = false;
  bool ended_ = false;
  bool saw_last_ = false;
  std::string name_;
  std::optional<double> ready_epoch_;
  std::optional<double> heartbeat_epoch_;
  std::optional<DiskRecord> last_;
  std::optional<double> last_writer_skew_;
  std::optional<double> own_skew_;
  std::mutex send_mutex_;  // guards stream_ (reads, writes, abort)
  std::mutex stop_mutex_;  // serialises stop()
};

double epoch_now();  // host wall clock, epoch seconds

}  // namespace firedrill
