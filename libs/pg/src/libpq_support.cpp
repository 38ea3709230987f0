#include "libpq_support.hpp"

#include <libpq-fe.h>

#include "etp/runtime/log.hpp"

namespace etp::pg::detail {

std::string trimmed(const char* text) {
    std::string s = text ? text : "";
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

ServerError describe_failure(const PGresult* res, bool with_hint) {
    ServerError e;
    if (res) {
        if (const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE)) e.sqlstate = state;
        if (const char* primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)) {
            e.message = primary;
        } else {
            e.message = trimmed(PQresultErrorMessage(res));
        }
        if (const char* detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL)) {
            e.message += " (detail: " + trimmed(detail) + ")";
        }
        if (const char* hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT); hint && with_hint) {
            e.message += " (hint: " + trimmed(hint) + ")";
        }
    }
    return e;
}

void route_notice(void* /*arg*/, const char* message) noexcept {
    if (!log::enabled(log::Level::kDebug)) return;
    try {
        log::debug("postgres notice", {{"notice", trimmed(message)}});
    } catch (const std::exception&) {
        // Building the log line failed (out of memory): the notice is informational only.
        return;
    }
}

}  // namespace etp::pg::detail
