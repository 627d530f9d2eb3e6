// The run history in SQLite (see history.hpp): schema, the append transaction, reading
// and the hash-chain check.
#include "reports/history.hpp"

#include <cstring>
#include <filesystem>

#include <sqlite3.h>

#include "engine/sha256.hpp"
#include "reports/text.hpp"

namespace firedrill::reports {

namespace {

constexpr const char* kFormat = "firedrill-history-1";
constexpr const char* kGenesis = "0000000000000000000000000000000000000000000000000000000000000000";
constexpr int kBusyTimeoutMs = 30000;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS firedrill_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO firedrill_meta (key, value) VALUES ('format', 'firedrill-history-1');
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY,
  recorded_utc TEXT NOT NULL,
  started_utc TEXT NOT NULL,
  ended_utc TEXT NOT NULL,
  scenario TEXT NOT NULL,
  plan TEXT NOT NULL,
  kind TEXT NOT NULL,
  backend TEXT NOT NULL,
  seed TEXT NOT NULL,
  input_sha256 TEXT NOT NULL,
  objectives_met INTEGER NOT NULL,
  exit_status INTEGER NOT NULL,
  recovered INTEGER NOT NULL,
  failed INTEGER NOT NULL,
  lost INTEGER NOT NULL,
  unaffected INTEGER NOT NULL,
  rto REAL,
  rpo REAL,
  report_json TEXT NOT NULL,
  previous_sha256 TEXT NOT NULL,
  row_sha256 TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_plan ON runs (plan, id);
)sql";

constexpr const char* kColumns =
    "id, recorded_utc, started_utc, ended_utc, scenario, plan, kind, backend, "
    "seed, "
    "input_sha256, objectives_met, exit_status, recovered, failed, lost, "
    "unaffected, rto, rpo, "
    "report_json, previous_sha256, row_sha256";

// Owns one connection; closes it on every path.
class Database {
 public:
  ~Database() {
    if (db_ != nullptr) sqlite3_close_v2(db_);
  }
  sqlite3* get() const { return db_; }
  sqlite3** out() { return &db_; }

 private:
  sqlite3* db_ = nullptr;
};

// Owns one prepared statement.
class Statement {
 public:
  ~Statement() { sqlite3_finalize(statement_); }
  sqlite3_stmt* get() const { return statement_; }
  sqlite3_stmt** out() { return &statement_; }

 private:
  sqlite3_stmt* statement_ = nullptr;
};

// "PATH: WHAT: sqlite's message (the system's reason)".
Diagnostic failure(const std::string& path, const std::string& what, sqlite3* db, int code) {
  std::string reason = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  const int system_error = db != nullptr ? sqlite3_system_errno(db) : 0;
  if (system_error != 0) {
    const std::string system_reason = std::strerror(system_error);
    if (reason.find(system_reason) == std::string::npos) reason += " (" + system_reason + ")";
  }
  if ((code & 0xff) == SQLITE_BUSY) reason += " (another process held the lock too long)";
  return Diagnostic{Diagnostic::Severity::error, path, "", what + ": " + reason};
}

std::string text_column(sqlite3_stmt* statement, int column) {
  const unsigned char* text = sqlite3_column_text(statement, column);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<std::size_t>(sqlite3_column_bytes(statement, column)));
}

std::optional<double> real_column(sqlite3_stmt* statement, int column) {
  if (sqlite3_column_type(statement, column) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_double(statement, column);
}

HistoryRun read_row(sqlite3_stmt* statement) {
  HistoryRun run;
  run.id = sqlite3_column_int64(statement, 0);
  run.recorded_utc = text_column(statement, 1);
  run.started_utc = text_column(statement, 2);
  run.ended_utc = text_column(statement, 3);
  run.scenario = text_column(statement, 4);
  run.plan = text_column(statement, 5);
  run.kind = text_column(statement, 6);
  run.backend = text_column(statement, 7);
  run.seed = std::strtoull(text_column(statement, 8).c_str(), nullptr, 10);
  run.input_sha256 = text_column(statement, 9);
  run.objectives_met = sqlite3_column_int(statement, 10) != 0;
  run.exit_status = sqlite3_column_int(statement, 11);
  run.recovered = sqlite3_column_int(statement, 12);
  run.failed = sqlite3_column_int(statement, 13);
  run.lost = sqlite3_column_int(statement, 14);
  run.unaffected = sqlite3_column_int(statement, 15);
  run.rto_s = real_column(statement, 16);
  run.rpo_s = real_column(statement, 17);
  run.report_json = text_column(statement, 18);
  run.previous_sha256 = text_column(statement, 19);
  run.row_sha256 = text_column(statement, 20);
  return run;
}

bool bind_text(sqlite3_stmt* statement, int index, const std::string& text) {
  return sqlite3_bind_text(statement, index, text.data(), static_cast<int>(text.size()),
                           SQLITE_TRANSIENT) == SQLITE_OK;
}

bool bind_real(sqlite3_stmt* statement, int index, const std::optional<double>& value) {
  return (value ? sqlite3_bind_double(statement, index, *value)
                : sqlite3_bind_null(statement, index)) == SQLITE_OK;
}

bool bind_row(sqlite3_stmt* s, const HistoryRun& run) {
  return sqlite3_bind_int64(s, 1, run.id) == SQLITE_OK && bind_text(s, 2, run.recorded_utc) &&
         bind_text(s, 3, run.started_utc) && bind_text(s, 4, run.ended_utc) &&
         bind_text(s, 5, run.scenario) && bind_text(s, 6, run.plan) && bind_text(s, 7, run.kind) &&
         bind_text(s, 8, run.backend) && bind_text(s, 9, std::to_string(run.seed)) &&
         bind_text(s, 10, run.input_sha256) &&
         sqlite3_bind_int(s, 11, run.objectives_met ? 1 : 0) == SQLITE_OK &&
         sqlite3_bind_int(s, 12, run.exit_status) == SQLITE_OK &&
         sqlite3_bind_int(s, 13, run.recovered) == SQLITE_OK &&
         sqlite3_bind_int(s, 14, run.failed) == SQLITE_OK &&
         sqlite3_bind_int(s, 15, run.lost) == SQLITE_OK &&
         sqlite3_bind_int(s, 16, run.unaffected) == SQLITE_OK && bind_real(s, 17, run.rto_s) &&
         bind_real(s, 18, run.rpo_s) && bind_text(s, 19, run.report_json) &&
         bind_text(s, 20, run.previous_sha256) && bind_text(s, 21, run.row_sha256);
}

// Opens an existing history read-only and checks it is one of ours.
Result<bool> open_existing(const std::string& path, Database& database) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    return Diagnostic{Diagnostic::Severity::error, path, "",
                      "no run history here yet (firedrill run records one; or "
                      "pass --history)"};
  }
  const int code = sqlite3_open_v2(path.c_str(), database.out(), SQLITE_OPEN_READONLY, nullptr);
  if (code != SQLITE_OK) return failure(path, "cannot open the run history", database.get(), code);
  sqlite3_busy_timeout(database.get(), kBusyTimeoutMs);
  Statement statement;
  int step =
      sqlite3_prepare_v2(database.get(), "SELECT value FROM firedrill_meta WHERE key = 'format'",
                         -1, statement.out(), nullptr);
  if (step == SQLITE_OK) step = sqlite3_step(statement.get());
  if (step != SQLITE_ROW || text_column(statement.get(), 0) != kFormat) {
    if (step != SQLITE_ROW && step != SQLITE_DONE && (step & 0xff) != SQLITE_ERROR) {
      return failure(path, "cannot read the run history", database.get(), step);
    }
    return Diagnostic{Diagnostic::Severity::error, path, "",
                      "not a firedrill run history (no '" + std::string(kFormat) +
                          "' marker); refusing to use it"};
  }
  return true;
}

void append_field(std::string& out, const char* name, const std::string& value) {
  out += name;
  out += ':';
  out += std::to_string(value.size());
  out += ':';
  out += value;
  out += '\n';
}

std::string optional_text(const std::optional<double>& value) {
  return value ? plain_number(*value) : std::string("null");
}

}  // namespace

std::string row_digest(const HistoryRun& run) {
  std::string encoded = "firedrill-history-row-1\n";
  append_field(encoded, "id", std::to_string(run.id));
  append_field(encoded, "recorded_utc", run.recorded_utc);
  append_field(encoded, "started_utc", run.started_utc);
  append_field(encoded, "ended_utc", run.ended_utc);
  append_field(encoded, "scenario", run.scenario);
  append_field(encoded, "plan", run.plan);
  append_field(encoded, "kind", run.kind);
  append_field(encoded, "backend", run.backend);
  append_field(encoded, "seed", std::to_string(run.seed));
  append_field(encoded, "input_sha256", run.input_sha256);
  append_field(encoded, "objectives_met", run.objectives_met ? "1" : "0");
  append_field(encoded, "exit_status", std::to_string(run.exit_status));
  append_field(encoded, "recovered", std::to_string(run.recovered));
  append_field(encoded, "failed", std::to_string(run.failed));
  append_field(encoded, "lost", std::to_string(run.lost));
  append_field(encoded, "unaffected", std::to_string(run.unaffected));
  append_field(encoded, "rto", optional_text(run.rto_s));
  append_field(encoded, "rpo", optional_text(run.rpo_s));
  append_field(encoded, "report_json", run.report_json);
  append_field(encoded, "previous_sha256", run.previous_sha256);
  return sha256_hex(encoded);
}

namespace {

// The row for this run, but for what the database gives it: id, previous_sha256, recorded_utc and
// row_sha256.
HistoryRun history_row(const Scenario& scenario, const Outcome& outcome,
                       const RunContext& context) {
  HistoryRun run;
  run.started_utc = context.started_utc;
  run.ended_utc = context.ended_utc;
  run.scenario = scenario.name;
  run.plan = scenario.plan.name;
  run.kind = drill_kind(scenario);
  run.backend = context.backend;
  run.seed = scenario.seed;
  run.input_sha256 = scenario.input_sha256;
  run.objectives_met = outcome.summary.objectives_met;
  run.exit_status = exit_status(outcome);
  run.recovered = outcome.summary.recovered;
  run.failed = outcome.summary.failed;
  run.lost = outcome.summary.lost;
  run.unaffected = outcome.summary.unaffected;
  run.rto_s = outcome.summary.rto_s;
  run.rpo_s = outcome.summary.rpo_s;
  run.report_json = render_report_json(scenario, outcome, context);
  return run;
}

// Creates the history's folder and opens the database for writing, creating it if need be.
Result<bool> open_for_append(const std::string& db_path, Database& database) {
  const std::filesystem::path parent = std::filesystem::path(db_path).parent_path();
  std::error_code error;
  if (!parent.empty()) std::filesystem::create_directories(parent, error);
  if (error) {
    return Diagnostic{Diagnostic::Severity::error, db_path, "",
                      "cannot create the history's directory: " + error.message()};
  }
  const int code = sqlite3_open_v2(db_path.c_str(), database.out(),
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (code != SQLITE_OK) {
    return failure(db_path, "cannot open or create the run history", database.get(), code);
  }
  sqlite3_extended_result_codes(database.get(), 1);
  sqlite3_busy_timeout(database.get(), kBusyTimeoutMs);
  return true;
}

// A database that holds anything but a firedrill history is left alone.
Result<bool> check_format_marker(const std::string& db_path, sqlite3* db) {
  Statement marker;
  const int code = sqlite3_prepare_v2(db, "SELECT value FROM firedrill_meta WHERE key = 'format'",
                                      -1, marker.out(), nullptr);
  if (code != SQLITE_OK) return failure(db_path, "cannot append the run", db, code);
  if (sqlite3_step(marker.get()) != SQLITE_ROW || text_column(marker.get(), 0) != kFormat) {
    return Diagnostic{Diagnostic::Severity::error, db_path, "",
                      "not a firedrill run history (format marker differs); refusing to "
                      "append"};
  }
  return true;
}

// The hash chain: the new row follows the last one (the first follows the genesis). SQLite's result
// code, SQLITE_OK when `run` has its id and previous_sha256.
int chain_to_last_row(sqlite3* db, HistoryRun& run) {
  Statement last;
  int code = sqlite3_prepare_v2(db, "SELECT id, row_sha256 FROM runs ORDER BY id DESC LIMIT 1", -1,
                                last.out(), nullptr);
  if (code != SQLITE_OK) return code;
  code = sqlite3_step(last.get());
  if (code == SQLITE_ROW) {
    run.id = sqlite3_column_int64(last.get(), 0) + 1;
    run.previous_sha256 = text_column(last.get(), 1);
  } else if (code == SQLITE_DONE) {
    run.id = 1;
    run.previous_sha256 = kGenesis;
  } else {
    return code;
  }
  return SQLITE_OK;
}

// SQLite's result code, SQLITE_DONE when the row is in.
int insert_row(sqlite3* db, const HistoryRun& run) {
  Statement insert;
  const std::string sql = std::string("INSERT INTO runs (") + kColumns +
                          ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
  const int code = sqlite3_prepare_v2(db, sql.c_str(), -1, insert.out(), nullptr);
  if (code != SQLITE_OK) return code;
  if (!bind_row(insert.get(), run)) return SQLITE_ERROR;
  return sqlite3_step(insert.get());
}

// Everything between BEGIN and COMMIT: the schema, the marker, the chain and the row. On an error
// the caller rolls back (after this has read SQLite's message).
Result<bool> append_in_transaction(const std::string& db_path, sqlite3* db, HistoryRun& run) {
  int code = sqlite3_exec(db, kSchema, nullptr, nullptr, nullptr);
  if (code != SQLITE_OK) return failure(db_path, "cannot append the run", db, code);
  if (Result<bool> marked = check_format_marker(db_path, db); !marked.ok()) return marked;
  code = chain_to_last_row(db, run);
  if (code != SQLITE_OK) return failure(db_path, "cannot append the run", db, code);
  run.recorded_utc = utc_now();
  run.row_sha256 = row_digest(run);
  code = insert_row(db, run);
  if (code != SQLITE_DONE) return failure(db_path, "cannot append the run", db, code);
  return true;
}

}  // namespace

Result<HistoryRun> append_run(const std::string& db_path, const Scenario& scenario,
                              const Outcome& outcome, const RunContext& context) {
  HistoryRun run = history_row(scenario, outcome, context);
  Database database;
  if (Result<bool> opened = open_for_append(db_path, database); !opened.ok()) {
    return opened.errors();
  }
  sqlite3* db = database.get();
  auto rolled_back = [db](std::vector<Diagnostic> errors) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);  // no-op outside a transaction
    return errors;
  };
  int code = sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
  if (code != SQLITE_OK) return rolled_back({failure(db_path, "cannot append the run", db, code)});
  if (Result<bool> appended = append_in_transaction(db_path, db, run); !appended.ok()) {
    return rolled_back(appended.errors());
  }
  code = sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  if (code != SQLITE_OK) return rolled_back({failure(db_path, "cannot append the run", db, code)});
  return run;
}

Result<std::vector<HistoryRun>> read_history(const std::string& db_path,
                                             const std::string& plan_filter) {
  Database database;
  const Result<bool> opened = open_existing(db_path, database);
  if (!opened.ok()) return opened.errors();
  Statement statement;
  std::string sql = std::string("SELECT ") + kColumns + " FROM runs";
  if (!plan_filter.empty()) sql += " WHERE plan = ?1";
  sql += " ORDER BY id";
  int code = sqlite3_prepare_v2(database.get(), sql.c_str(), -1, statement.out(), nullptr);
  if (code != SQLITE_OK)
    return failure(db_path, "cannot read the run history", database.get(), code);
  if (!plan_filter.empty()) bind_text(statement.get(), 1, plan_filter);
  std::vector<HistoryRun> runs;
  while ((code = sqlite3_step(statement.get())) == SQLITE_ROW)
    runs.push_back(read_row(statement.get()));
  if (code != SQLITE_DONE)
    return failure(db_path, "cannot read the run history", database.get(), code);
  return runs;
}

Result<ChainCheck> verify_history(const std::string& db_path) {
  Result<std::vector<HistoryRun>> runs = read_history(db_path);
  if (!runs.ok()) return runs.errors();
  ChainCheck check;
  std::string previous = kGenesis;
  std::int64_t previous_id = 0;
  for (const HistoryRun& run : runs.value()) {
    ++check.rows;
    std::string problem;
    if (run.id != previous_id + 1) {
      problem = "id " + std::to_string(run.id) + " follows id " + std::to_string(previous_id) +
                " (a row was removed or renumbered)";
    } else if (run.previous_sha256 != previous) {
      problem =
          "its previous_sha256 does not match the row before it (a row "
          "before it was "
          "removed, inserted or altered)";
    } else if (row_digest(run) != run.row_sha256) {
      problem = "its content does not match its row_sha256 (the row was modified)";
    }
    if (!problem.empty()) {
      check.first_bad_id = run.id;
      check.problem = problem;
      return check;
    }
    previous = run.row_sha256;
    previous_id = run.id;
  }
  if (check.rows > 0) check.head_sha256 = previous;
  return check;
}

}  // namespace firedrill::reports
