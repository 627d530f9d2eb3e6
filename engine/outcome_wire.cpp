// Outcome <-> the wire form of outcome_wire.hpp.
#include "engine/outcome_wire.hpp"

#include <array>
#include <charconv>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "engine/outcome_json.hpp"

namespace firedrill {

namespace {

// Each distinct name once, in order of first use.
class NameTable {
 public:
  std::size_t index(const std::string& name) {
    const auto [it, added] = indices_.try_emplace(name, names_.size());
    if (added) names_.push_back(name);
    return it->second;
  }
  const std::vector<std::string>& names() const { return names_; }

 private:
  std::unordered_map<std::string, std::size_t> indices_;
  std::vector<std::string> names_;
};

void put_number(std::string& out, double value) {
  std::array<char, 32> text{};
  const auto written = std::to_chars(text.data(), text.data() + text.size(), value);
  out.append(text.data(), written.ptr);
}

void put_index(std::string& out, std::size_t value) {
  std::array<char, 24> text{};
  const auto written = std::to_chars(text.data(), text.data() + text.size(), value);
  out.append(text.data(), written.ptr);
}

// Reads the fields of one record line, separated by single spaces.
class LineReader {
 public:
  LineReader(std::string_view line, const std::vector<std::string>& names)
      : rest_(line), names_(names) {}

  const std::string& name() {
    std::size_t value = 0;
    const std::string_view field = next();
    const auto read = std::from_chars(field.data(), field.data() + field.size(), value);
    if (read.ec != std::errc{} || read.ptr != field.data() + field.size() ||
        value >= names_.size()) {
      throw std::invalid_argument("outcome wire: bad name index '" + std::string(field) + "'");
    }
    return names_[value];
  }
  std::optional<double> optional_number() {
    if (rest_.substr(0, 2) == "- " || rest_ == "-") {
      next();
      return std::nullopt;
    }
    return number();
  }
  double number() {
    double value = 0.0;
    const std::string_view field = next();
    const auto read = std::from_chars(field.data(), field.data() + field.size(), value);
    if (read.ec != std::errc{} || read.ptr != field.data() + field.size()) {
      throw std::invalid_argument("outcome wire: bad number '" + std::string(field) + "'");
    }
    return value;
  }
  void expect_end() const {
    if (!rest_.empty()) throw std::invalid_argument("outcome wire: a record has extra fields");
  }

 private:
  std::string_view next() {
    if (rest_.empty()) throw std::invalid_argument("outcome wire: a record is short");
    const std::size_t space = rest_.find(' ');
    const std::string_view field = rest_.substr(0, space);
    rest_ = space == std::string_view::npos ? std::string_view{} : rest_.substr(space + 1);
    return field;
  }

  std::string_view rest_;
  const std::vector<std::string>& names_;
};

}  // namespace

std::string outcome_to_wire(Outcome outcome) {
  const std::vector<TransferRecord> transfers = std::move(outcome.transfers);
  outcome.transfers.clear();
  NameTable names;
  std::string records;
  records.reserve(transfers.size() * 64);
  for (const TransferRecord& t : transfers) {
    // The kind and the result are interned by their names like the strings around them.
    const std::string kind = to_string(t.kind);
    const std::string result = to_string(t.result);
    for (const std::string* name :
         {&t.job, &t.vm, &kind, &t.source_host, &t.target_host, &result}) {
      put_index(records, names.index(*name));
      records += ' ';
    }
    put_number(records, t.as_of_s);
    records += ' ';
    put_number(records, t.start_s);
    records += ' ';
    if (t.end_s) {
      put_number(records, *t.end_s);
    } else {
      records += '-';
    }
    records += ' ';
    put_number(records, t.bytes);
    records += ' ';
    if (t.shipped_B) {
      put_number(records, *t.shipped_B);
    } else {
      records += '-';
    }
    records += '\n';
  }
  nlohmann::json head = outcome_to_json(outcome);
  head["transfer_names"] = names.names();
  return head.dump() + "\n" + records;
}

Outcome outcome_from_wire(std::string_view wire) {
  const std::size_t head_end = wire.find('\n');
  if (head_end == std::string_view::npos) {
    throw std::invalid_argument("outcome wire: no line ends its head");
  }
  const nlohmann::json head = nlohmann::json::parse(wire.substr(0, head_end));
  const std::vector<std::string> names = head.at("transfer_names").get<std::vector<std::string>>();
  Outcome outcome = outcome_from_json(head);
  for (std::string_view rest = wire.substr(head_end + 1); !rest.empty();) {
    const std::size_t line_end = rest.find('\n');
    if (line_end == std::string_view::npos) {
      throw std::invalid_argument("outcome wire: the last record has no line end");
    }
    LineReader fields(rest.substr(0, line_end), names);
    rest.remove_prefix(line_end + 1);
    TransferRecord& t = outcome.transfers.emplace_back();
    t.job = fields.name();
    t.vm = fields.name();
    t.kind = transfer_kind_from_string(fields.name());
    t.source_host = fields.name();
    t.target_host = fields.name();
    t.result = transfer_result_from_string(fields.name());
    t.as_of_s = fields.number();
    t.start_s = fields.number();
    t.end_s = fields.optional_number();
    t.bytes = fields.number();
    t.shipped_B = fields.optional_number();
    fields.expect_end();
  }
  return outcome;
}

}  // namespace firedrill
