#pragma once
// Small pieces every libpq user inside libs/pg shares.

#include <string>

namespace etp::pg::detail {

// libpq's message text without its trailing newline and spaces; "" for null.
std::string trimmed(const char* text);

// A libpq notice processor (PQsetNoticeProcessor) that logs NOTICE/WARNING messages at debug
// level. A C callback: nothing escapes it.
void route_notice(void* arg, const char* message) noexcept;

}  // namespace etp::pg::detail
