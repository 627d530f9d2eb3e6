// Plan names from libvirt names (see names.hpp).
#include "real/import/names.hpp"

namespace firedrill::import {

std::string sanitize_name(const std::string& raw, const std::string& fallback) {
  std::string name;
  for (const char c : raw) {
    const bool lower = c >= 'a' && c <= 'z', upper = c >= 'A' && c <= 'Z';
    const bool keep = lower || (c >= '0' && c <= '9') || c == '_' || c == '-';
    const char out = upper ? static_cast<char>(c - 'A' + 'a') : keep ? c : '-';
    if (out == '-' && (name.empty() || name.back() == '-')) continue;  // no leading or double '-'
    name += out;
  }
  while (!name.empty() && name.back() == '-') name.pop_back();
  return name.empty() ? fallback : name;
}

std::string NameSet::claim(const std::string& name) {
  std::string candidate = name;
  for (int n = 2; taken_.count(candidate); ++n) candidate = name + "-" + std::to_string(n);
  taken_.insert(candidate);
  return candidate;
}

std::vector<std::string> claim_names(NameSet& names, const std::vector<std::string>& raw,
                                     const std::string& fallback) {
  std::vector<std::string> out(raw.size());
  for (const bool valid_pass : {true, false}) {
    for (std::size_t i = 0; i < raw.size(); ++i) {
      const std::string clean = sanitize_name(raw[i], fallback);
      if ((clean == raw[i]) == valid_pass) out[i] = names.claim(clean);
    }
  }
  return out;
}

}  // namespace firedrill::import
