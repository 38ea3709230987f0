#include "libpq_support.hpp"

#include "etp/runtime/log.hpp"

namespace etp::pg::detail {

std::string trimmed(const char* text) {
    std::string s = text ? text : "";
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
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
