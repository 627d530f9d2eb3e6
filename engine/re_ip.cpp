// Re-IP with the '*' octet rule of DR tools, and subnet membership.
#include "engine/re_ip.hpp"

#include <charconv>
#include <cstdint>

namespace firedrill {

namespace {

// Splits "a.b.c.d" into exactly four parts; false otherwise.
bool split_octets(const std::string& text, std::string parts[4]) {
  int index = 0;
  std::string current;
  for (char c : text) {
    if (c == '.') {
      if (index == 3) return false;
      parts[index++] = current;
      current.clear();
    } else {
      current += c;
    }
  }
  if (index != 3) return false;
  parts[3] = current;
  return true;
}

std::optional<int> parse_octet(const std::string& text) {
  if (text.empty() || text.size() > 3) return std::nullopt;
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 0 || value > 255) {
    return std::nullopt;
  }
  return value;
}

std::optional<std::uint32_t> parse_ipv4(const std::string& text) {
  std::string parts[4];
  if (!split_octets(text, parts)) return std::nullopt;
  std::uint32_t address = 0;
  for (const std::string& part : parts) {
    const std::optional<int> octet = parse_octet(part);
    if (!octet) return std::nullopt;
    address = (address << 8) | static_cast<std::uint32_t>(*octet);
  }
  return address;
}

}  // namespace

bool is_valid_ip_pattern(const std::string& pattern) {
  std::string parts[4];
  if (!split_octets(pattern, parts)) return false;
  for (const std::string& part : parts) {
    if (part != "*" && !parse_octet(part)) return false;
  }
  return true;
}

std::optional<std::string> apply_re_ip_rule(const ReIpRule& rule, const std::string& ip) {
  std::string from[4], to[4], address[4];
  if (!split_octets(rule.from, from) || !split_octets(rule.to, to) || !split_octets(ip, address)) {
    return std::nullopt;
  }
  std::vector<std::string> captured;
  for (int i = 0; i < 4; ++i) {
    if (!parse_octet(address[i])) return std::nullopt;
    if (from[i] == "*") {
      captured.push_back(address[i]);
    } else if (parse_octet(from[i]) != parse_octet(address[i])) {
      return std::nullopt;
    }
  }
  std::string result;
  std::size_t next_capture = 0;
  for (int i = 0; i < 4; ++i) {
    if (i > 0) result += '.';
    if (to[i] == "*") {
      if (next_capture >= captured.size()) return std::nullopt;
      result += captured[next_capture++];
    } else {
      result += to[i];
    }
  }
  return result;
}

std::string apply_re_ip(const std::vector<ReIpRule>& rules, const std::string& ip) {
  for (const ReIpRule& rule : rules) {
    if (std::optional<std::string> rewritten = apply_re_ip_rule(rule, ip)) return *rewritten;
  }
  return ip;
}

bool ip_in_subnet(const std::string& ip, const std::string& subnet) {
  const std::size_t slash = subnet.find('/');
  if (slash == std::string::npos) return false;
  const std::optional<std::uint32_t> address = parse_ipv4(ip);
  const std::optional<std::uint32_t> network = parse_ipv4(subnet.substr(0, slash));
  int prefix = -1;
  const std::string prefix_text = subnet.substr(slash + 1);
  auto [end, error] =
      std::from_chars(prefix_text.data(), prefix_text.data() + prefix_text.size(), prefix);
  if (!address || !network || error != std::errc() ||
      end != prefix_text.data() + prefix_text.size() || prefix < 0 || prefix > 32) {
    return false;
  }
  const std::uint32_t mask = prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix);
  return (*address & mask) == (*network & mask);
}

}  // namespace firedrill
