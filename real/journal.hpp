// The run journal, DIR/journal.jsonl: every libvirt object a libvirt run creates (domain,
// volume, snapshot overlay) is written down before it is created, and written again when
// the run removes it. Whatever is created and not removed is a leftover; `firedrill
// cleanup DIR` (cleanup_journal) undoes exactly those and nothing else.
//
// One JSON object per line, flushed at once, so a run killed with SIGKILL leaves a journal
// that names everything it may have made:
//   {"event":"run","run_id":"...","pid":123,"started":"2026-11-24T22:40:00Z"}
//   {"event":"created","kind":"domain","host":"lab3","uri":"qemu:///...","name":"db-test"}
//   {"event":"created","kind":"volume","host":"lab3","uri":"...","name":"fdrp-...-db-20000.img"}
//   {"event":"created","kind":"overlay","host":"lab1","uri":"...","domain":"db","name":PATH}
//   {"event":"created","kind":"checkpoint","host":"lab1","uri":"...","domain":"db","name":"fdbk-..."}
//   {"event":"removed","kind":"volume","host":"lab3","name":"..."}
//   {"event":"end"}
#pragma once

#include <iosfwd>
#include <mutex>
#include <string>
#include <vector>

namespace firedrill {

struct JournalObject {
  std::string kind;    // domain | volume | overlay | checkpoint
  std::string host;    // plan host name
  std::string uri;     // libvirt URI of the host
  std::string name;    // domain name, volume name, or overlay file path
  std::string domain;  // overlay, checkpoint: the domain whose disk it is
  std::string uuid;    // domain: its UUID (so a same-named domain made later is not touched)
  bool operator==(const JournalObject& other) const {
    return kind == other.kind && host == other.host && name == other.name;
  }
};

class Journal {
 public:
  // Opens DIR/journal.jsonl for appending (creating DIR).
  explicit Journal(const std::string& dir);
  bool ok() const { return ok_; }
  void run_started(const std::string& run_id);
  void created(const JournalObject& object);
  void removed(const JournalObject& object);
  void ended();

 private:
  void append(const std::string& line);
  std::mutex mutex_;
  std::string path_;
  bool ok_ = false;
};

// The objects the journal in `dir` says were created and not removed, in creation order.
std::vector<JournalObject> journal_leftovers(const std::string& dir);

struct CleanupReport {
  int removed = 0;
  std::vector<std::string> lines;     // one per object: what was done
  std::vector<std::string> problems;  // what could not be undone, and why
  bool unreachable = false;           // a host could not be reached
};

// Undoes every leftover of the journal in `dir`: snapshot overlays are committed back into
// their base (when the domain still runs on them) and deleted, checkpoints (and their dirty
// bitmaps) deleted, domains destroyed and
// undefined, volumes deleted. Objects that are already gone count as removed. Records what
// it removed in the journal, so running it twice is harmless. A host that does not answer
// within answer_timeout_s is reported unreachable and its objects stay in the journal.
CleanupReport cleanup_journal(const std::string& dir, double answer_timeout_s = 60.0);

}  // namespace firedrill
