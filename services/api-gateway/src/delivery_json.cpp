#include "delivery_json.hpp"

namespace etp::gateway {
namespace {

using nlohmann::json;

template <typename T>
json or_null(const std::optional<T>& value) {
    return value ? json(*value) : json(nullptr);
}

json or_null(const std::optional<Timestamp>& t) {
    return t ? json(format_rfc3339(*t)) : json(nullptr);
}

}  // namespace

json delivery_to_json(const pg::DeliveryRecord& d) {
    json attempts = json::array();
    for (const auto& a : d.attempts)
        attempts.push_back({{"attempt", a.attempt},
                            {"started_at", format_rfc3339(a.started_at)},
                            {"http_status", or_null(a.http_status)},
                            {"latency_ms", a.latency_ms},
                            {"error", or_null(a.error)},
                            {"response_body", or_null(a.response_body)}});
    return {{"number", d.number},
            {"status", d.status},
            {"attempt_count", d.attempt_count},
            {"next_attempt_at", or_null(d.next_attempt_at)},
            {"last_error", or_null(d.last_error)},
            {"created_at", format_rfc3339(d.created_at)},
            {"updated_at", format_rfc3339(d.updated_at)},
            {"attempts", attempts}};
}

}  // namespace etp::gateway
