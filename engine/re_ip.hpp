// Re-IP rules in the form DR tools use: "10.0.0.*" -> "10.1.0.*". Each '*' in `from`
// matches one octet and is captured; each '*' in `to` takes the next capture in order.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/model.hpp"

namespace firedrill {

// True when `pattern` is four dot-separated octets (0-255) or '*'.
bool is_valid_ip_pattern(const std::string& pattern);
// The rewritten address when `rule` matches `ip`, else nullopt.
std::optional<std::string> apply_re_ip_rule(const ReIpRule& rule, const std::string& ip);
// The first matching rule wins; an address no rule matches is kept as it is.
std::string apply_re_ip(const std::vector<ReIpRule>& rules, const std::string& ip);
// True when `ip` lies inside `subnet` ("10.1.0.0/24").
bool ip_in_subnet(const std::string& ip, const std::string& subnet);

}  // namespace firedrill
