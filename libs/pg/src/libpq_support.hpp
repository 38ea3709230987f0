#pragma once
// Small pieces every libpq user inside libs/pg shares.

#include <string>

struct pg_result;

namespace etp::pg::detail {

// libpq's message text without its trailing newline and spaces; "" for null.
std::string trimmed(const char* text);

// What a failed command's result says: its SQLSTATE ("" when none) and a message of the
// primary text plus " (detail: ...)" and, when asked, " (hint: ...)"; both "" when `res` is
// null or silent (callers fall back to the connection's last error).
struct ServerError {
    std::string sqlstate;
    std::string message;
};
ServerError describe_failure(const pg_result* res, bool with_hint);

// A libpq notice processor (PQsetNoticeProcessor) that logs NOTICE/WARNING messages at debug
// level. A C callback: nothing escapes it.
void route_notice(void* arg, const char* message) noexcept;

}  // namespace etp::pg::detail
