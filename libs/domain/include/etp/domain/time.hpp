#pragma once
// Timestamps are UTC microseconds (PostgreSQL's timestamptz precision) and travel as RFC 3339.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace etp {

using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;

Timestamp now_utc();
// "2026-11-22T19:57:54.123456Z"
std::string format_rfc3339(Timestamp t);
// The same, appended to `out`.
void append_rfc3339(std::string& out, Timestamp t);
// Accepts RFC 3339 with 'Z' or a numeric offset and an optional fraction; also PostgreSQL's
// text output ("2026-11-22 19:57:54.123+00"). nullopt on anything else.
std::optional<Timestamp> parse_rfc3339(std::string_view text);

}  // namespace etp
