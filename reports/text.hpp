// Small text helpers shared by the report writers: human-readable durations, numbers
// printed the same way on every locale, XML/HTML escaping, and URI credential redaction.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace firedrill::reports {

// "0s", "0.25s", "45s", "7m 45s", "2h", "1d 3h 5m". Sub-second precision only below a
// minute; negative values get a leading '-'.
std::string human_duration(double seconds);
// Short labels for axes and tables, one unit with up to two decimals: "45s" below two
// minutes, "7.5m" below two hours, "2.25h" below two days, then "3d".
std::string short_duration(double seconds);
// human_duration plus the exact seconds: "7m 45s (465s)".
std::string duration_with_seconds(double seconds);
// Shortest text that reads back as the same double ("465", "0.25", "7200"), locale-free.
std::string plain_number(double value);
// Fixed number of decimals, locale-free.
std::string fixed(double value, int decimals);
// At most `decimals` decimals, trailing zeros (and a bare point) dropped: "12.5", "70".
std::string trimmed_fixed(double value, int decimals);
// "900MB"-style sizes in binary units: "858.3MiB", "60GiB", "512B".
std::string human_size(double bytes);
// Escapes &, <, >, " and ' for XML text and attribute values (and HTML).
std::string xml_escape(std::string_view text);
// Removes credentials from a URI: a password in the user-info part ("user:secret@") and
// the values of query parameters that carry secrets (password, passwd, pass, secret,
// token, key, keyfile, auth, ...) become "REDACTED".
std::string redact_uri(std::string_view uri);
// The current wall-clock time in UTC, ISO 8601 to the second: "2026-11-24T22:30:00Z".
std::string utc_now();

}  // namespace firedrill::reports
