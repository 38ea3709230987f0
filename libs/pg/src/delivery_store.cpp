#include "etp/pg/delivery_store.hpp"

#include "sql_time.hpp"

namespace etp::pg {

std::vector<DeliveryRecord> DeliveryStore::list_for_event(Connection& conn, const EventId& id) {
    Result d = conn.exec_prepared("SELECT number, status, attempts, last_error, " +
                                      detail::micros_of("next_attempt_at", "next_us") + ", " +
                                      detail::micros_of("created_at", "created_us") + ", " +
                                      detail::micros_of("updated_at", "updated_us") +
                                      " FROM deliveries WHERE event_id = $1 ORDER BY number",
                                  {id.to_string()});
    std::vector<DeliveryRecord> out;
    for (int i = 0; i < d.rows(); ++i) {
        DeliveryRecord rec;
        rec.number = d.integer(i, "number");
        rec.status = std::string(d.text(i, "status"));
        rec.attempt_count = d.integer(i, "attempts");
        rec.last_error = d.optional_text(i, "last_error");
        rec.next_attempt_at = detail::optional_micros(d, i, "next_us");
        rec.created_at = detail::from_micros(d.integer(i, "created_us"));
        rec.updated_at = detail::from_micros(d.integer(i, "updated_us"));
        out.push_back(std::move(rec));
    }
    if (out.empty()) return out;
    Result a = conn.exec_prepared(
        "SELECT number, attempt, http_status, latency_ms, error, response_body, " +
            detail::micros_of("started_at", "started_us") +
            " FROM delivery_attempts WHERE event_id = $1 ORDER BY number, attempt",
        {id.to_string()});
    for (int i = 0; i < a.rows(); ++i) {
        AttemptRecord rec;
        rec.attempt = a.integer(i, "attempt");
        rec.started_at = detail::from_micros(a.integer(i, "started_us"));
        if (!a.is_null(i, "http_status")) rec.http_status = a.integer(i, "http_status");
        rec.latency_ms = a.integer(i, "latency_ms");
        rec.error = a.optional_text(i, "error");
        rec.response_body = a.optional_text(i, "response_body");
        std::int64_t number = a.integer(i, "number");
        for (auto& delivery : out)
            if (delivery.number == number) delivery.attempts.push_back(std::move(rec));
    }
    return out;
}

std::int64_t DeliveryStore::enqueue_redelivery(Connection& conn, const Event& event) {
    Result r = conn.exec_prepared(
        R"(
        INSERT INTO deliveries (event_id, number, trigger_id, triggered_at, status,
                                next_attempt_at, target, target_secret, target_secret_key_id)
        SELECT $1, coalesce(max(number), 0) + 1, $2, $3::timestamptz, 'pending', now(),
               (SELECT target FROM deliveries WHERE event_id = $1 AND number = 1),
               (SELECT target_secret FROM deliveries WHERE event_id = $1 AND number = 1),
               (SELECT target_secret_key_id FROM deliveries WHERE event_id = $1 AND number = 1)
        FROM deliveries WHERE event_id = $1
        RETURNING number)",
        {event.id.to_string(), event.trigger_id.to_string(), format_rfc3339(event.triggered_at)});
    return r.integer(0, 0);
}

bool DeliveryStore::has_inline_target(Connection& conn, const EventId& id) {
    return conn.exec_prepared(
                   "SELECT 1 FROM deliveries WHERE event_id = $1 AND target IS NOT NULL LIMIT 1",
                   {id.to_string()})
               .rows() > 0;
}

}  // namespace etp::pg
