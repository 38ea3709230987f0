#include "etp/pg/delivery_store.hpp"

#include "sql_time.hpp"

namespace etp::pg {

std::vector<DeliveryAttempt> DeliveryStore::list_for_event(Connection& conn, const EventId& id) {
    Result r = conn.exec("SELECT attempt, status, http_status, error, latency_ms, " +
                             detail::micros_of("next_attempt_at", "next_us") + ", " +
                             detail::micros_of("created_at", "created_us") +
                             " FROM deliveries WHERE event_id = $1 ORDER BY attempt",
                         {id.to_string()});
    std::vector<DeliveryAttempt> out;
    for (int i = 0; i < r.rows(); ++i) {
        DeliveryAttempt d;
        d.attempt = r.integer(i, "attempt");
        d.status = std::string(r.text(i, "status"));
        if (!r.is_null(i, "http_status")) d.http_status = r.integer(i, "http_status");
        d.error = r.optional_text(i, "error");
        if (!r.is_null(i, "latency_ms")) d.latency_ms = r.integer(i, "latency_ms");
        d.next_attempt_at = detail::optional_micros(r, i, "next_us");
        d.created_at = detail::from_micros(r.integer(i, "created_us"));
        out.push_back(std::move(d));
    }
    return out;
}

std::int64_t DeliveryStore::enqueue_redelivery(Connection& conn, const EventId& id) {
    Result r = conn.exec(R"(
        INSERT INTO deliveries (event_id, attempt, status, next_attempt_at)
        SELECT $1, coalesce(max(attempt), 0) + 1, 'pending', now()
        FROM deliveries WHERE event_id = $1
        RETURNING attempt)",
                         {id.to_string()});
    return r.integer(0, 0);
}

}  // namespace etp::pg
