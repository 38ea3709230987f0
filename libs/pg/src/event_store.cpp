#include "etp/pg/event_store.hpp"

#include "etp/domain/error.hpp"

namespace etp::pg {
namespace {

using nlohmann::json;

Timestamp from_micros(std::int64_t us) { return Timestamp(std::chrono::microseconds(us)); }

std::optional<Timestamp> optional_micros(const Result& r, int row, std::string_view col) {
    if (r.is_null(row, col)) return std::nullopt;
    return from_micros(r.integer(row, col));
}

}  // namespace

std::int64_t EventStore::insert_batch(Connection& conn, const std::vector<Event>& events) {
    if (events.empty()) return 0;
    json rows = json::array();
    for (const Event& e : events) {
        rows.push_back({{"id", e.id.to_string()},
                        {"trigger_id", e.trigger_id.to_string()},
                        {"trigger_name", e.trigger_name},
                        {"trigger_type", to_string(e.trigger_type)},
                        {"source", e.source},
                        {"is_test", e.is_test},
                        {"payload", e.payload},
                        {"scheduled_for",
                         e.scheduled_for ? json(format_rfc3339(*e.scheduled_for)) : json(nullptr)},
                        {"triggered_at", format_rfc3339(e.triggered_at)}});
    }
    Result r = conn.exec(R"(
        INSERT INTO events (id, trigger_id, trigger_name, trigger_type, source, is_test, payload,
                            scheduled_for, triggered_at)
        SELECT id, trigger_id, trigger_name, trigger_type, source, is_test,
               coalesce(payload, 'null'::jsonb), scheduled_for, triggered_at
        FROM jsonb_to_recordset($1::jsonb) AS x(
            id uuid, trigger_id uuid, trigger_name text, trigger_type text, source text,
            is_test boolean, payload jsonb, scheduled_for timestamptz, triggered_at timestamptz)
        ON CONFLICT (id, triggered_at) DO NOTHING)",
                         {rows.dump(-1, ' ', false, json::error_handler_t::replace)});
    return r.affected_rows();
}

std::vector<Event> EventStore::list(Connection& conn, const EventQuery& q) {
    Result r = conn.exec(R"(
        SELECT id, trigger_id, trigger_name, trigger_type, source, is_test, payload,
               (extract(epoch from scheduled_for) * 1000000)::bigint AS scheduled_us,
               (extract(epoch from triggered_at) * 1000000)::bigint AS triggered_us,
               (extract(epoch from logged_at) * 1000000)::bigint AS logged_us,
               (extract(epoch from archived_at) * 1000000)::bigint AS archived_us
        FROM events
        WHERE ($1 = 'all' OR ($1 = 'active') = (archived_at IS NULL))
          AND ($2::uuid IS NULL OR trigger_id = $2::uuid)
        ORDER BY triggered_at DESC, id DESC
        LIMIT $3 OFFSET $4)",
                         {q.status == EventStatus::kAll      ? "all"
                          : q.status == EventStatus::kActive ? "active"
                                                             : "archived",
                          q.trigger_id ? Param(q.trigger_id->to_string()) : std::nullopt,
                          std::to_string(q.page_size), std::to_string((q.page - 1) * q.page_size)});
    std::vector<Event> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) {
        Event e;
        auto id = EventId::parse(r.text(i, "id"));
        auto trigger_id = TriggerId::parse(r.text(i, "trigger_id"));
        auto type = parse_trigger_type(r.text(i, "trigger_type"));
        if (!id || !trigger_id || !type)
            throw Error(ErrorKind::kInternal, "stored event row is malformed");
        e.id = *id;
        e.trigger_id = *trigger_id;
        e.trigger_name = std::string(r.text(i, "trigger_name"));
        e.trigger_type = *type;
        e.source = std::string(r.text(i, "source"));
        e.is_test = r.boolean(i, "is_test");
        e.payload = json::parse(r.text(i, "payload"));
        e.scheduled_for = optional_micros(r, i, "scheduled_us");
        e.triggered_at = from_micros(r.integer(i, "triggered_us"));
        e.logged_at = optional_micros(r, i, "logged_us");
        e.archived_at = optional_micros(r, i, "archived_us");
        out.push_back(std::move(e));
    }
    return out;
}

std::int64_t EventStore::ensure_partitions(Connection& conn, std::chrono::hours behind,
                                           std::chrono::hours ahead) {
    Result r = conn.exec(
        "SELECT etp_ensure_event_partitions(now() - make_interval(hours => $1::int), "
        "now() + make_interval(hours => $2::int))",
        {std::to_string(behind.count()), std::to_string(ahead.count())});
    return r.integer(0, 0);
}

}  // namespace etp::pg
