#include "etp/pg/schedule_store.hpp"

#include "etp/domain/error.hpp"
#include "etp/pg/transaction.hpp"
#include "etp/runtime/log.hpp"
#include "sql_time.hpp"

namespace etp::pg {
namespace {

using nlohmann::json;

using detail::micros;
using detail::timestamp_of;

TriggerId trigger_id_of(const Result& r, int row) {
    auto id = TriggerId::parse(r.text(row, "trigger_id"));
    if (!id) throw Error(ErrorKind::kInternal, "stored schedule has a malformed trigger id");
    return *id;
}

// Completes the triggers of rows marked completed and stores every row's outcome; rows and
// triggers must be locked by the caller's transaction. PostgreSQL runs a data-modifying WITH
// to completion whether or not the main statement reads it. statement_timestamp(), not now():
// the claiming transaction began up to a lookahead before the slot it fired.
const std::string& record_sql() {
    static const std::string sql = R"(
        WITH x AS (
            SELECT * FROM jsonb_to_recordset($1::jsonb)
                AS x(trigger_id uuid, next_us bigint, last_us bigint, completed boolean)
        ), done AS (
            UPDATE triggers t
            SET active = false, version = t.version + 1, updated_at = statement_timestamp()
            FROM x WHERE t.id = x.trigger_id AND x.completed AND t.active
            RETURNING t.id
        )
        UPDATE schedules s
        SET next_fire_at = )" + timestamp_of("x.next_us") +
                                   R"(,
            last_slot_at = coalesce()" +
                                   timestamp_of("x.last_us") +
                                   R"(, s.last_slot_at),
            planned = true,
            completed_at = CASE WHEN x.completed THEN statement_timestamp() ELSE NULL END,
            updated_at = statement_timestamp()
        FROM x WHERE s.trigger_id = x.trigger_id)";
    return sql;
}

std::string updates_json(const std::vector<ScheduleUpdate>& updates) {
    json rows = json::array();
    for (const auto& u : updates) {
        rows.push_back({{"trigger_id", u.trigger_id.to_string()},
                        {"next_us", u.next_fire_at ? json(micros(*u.next_fire_at)) : json(nullptr)},
                        {"last_us", u.last_slot_at ? json(micros(*u.last_slot_at)) : json(nullptr)},
                        {"completed", u.completed && !u.next_fire_at}});
    }
    return rows.dump();
}

}  // namespace

std::shared_ptr<const StoredSchedule> ScheduleStore::parse_stored_schedule(
    std::string_view schedule_json, std::string_view payload_json, Timestamp created_at) {
    try {
        json body = {
            {"name", "stored"}, {"type", "scheduled"}, {"schedule", json::parse(schedule_json)}};
        json payload = payload_json.empty() ? json(nullptr) : json::parse(payload_json);
        if (!payload.is_null()) body["payload"] = payload;
        TriggerSpec spec = parse_trigger_spec(body);
        Schedule schedule = *spec.schedule;
        SchedulePlan plan(schedule, schedule.start_at.value_or(created_at));
        return std::make_shared<const StoredSchedule>(
            StoredSchedule{std::move(schedule), std::move(plan), std::move(payload)});
    } catch (const std::exception& e) {
        throw Error(ErrorKind::kInternal,
                    std::string("a stored schedule cannot be planned: ") + e.what());
    }
}

PlanResult ScheduleStore::plan(Connection& conn, std::size_t limit, Timestamp now,
                               const ScheduleSource& source) {
    PlanResult out;
    Transaction tx(conn);
    Result r = conn.exec_prepared(
        R"(
        SELECT s.trigger_id, t.type, t.active, t.version, t.schedule::text AS schedule,
               coalesce(t.payload::text, 'null') AS payload, )" +
            detail::micros_of("t.created_at", "created_us") + ", " +
            detail::micros_of("s.last_slot_at", "last_us") + R"(
        FROM schedules s JOIN triggers t ON t.id = s.trigger_id
        WHERE NOT s.planned
        ORDER BY s.updated_at
        LIMIT $1
        FOR NO KEY UPDATE OF s, t SKIP LOCKED)",
        {std::to_string(limit)});
    if (r.rows() == 0) return out;
    std::vector<ScheduleUpdate> updates;
    updates.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) {
        ScheduleUpdate u{trigger_id_of(r, i), std::nullopt, std::nullopt, false};
        bool schedulable = r.text(i, "type") == "scheduled" && !r.is_null(i, "schedule");
        if (r.boolean(i, "active") && schedulable) {
            try {
                auto created = detail::from_micros(r.integer(i, "created_us"));
                auto stored = source ? source(u.trigger_id, r.integer(i, "version"),
                                              r.text(i, "schedule"), r.text(i, "payload"), created)
                                     : parse_stored_schedule(r.text(i, "schedule"),
                                                             r.text(i, "payload"), created);
                // Never a slot at or before the trigger's creation: `now` was read before this
                // query, so a trigger created in between would otherwise get a slot at its own
                // creation instant (the anchor), one interval earlier than every other.
                Timestamp from = std::max(now, created + std::chrono::microseconds(1));
                // Never a slot already fired: a change right after a firing keeps its slot.
                if (auto last = detail::optional_micros(r, i, "last_us"); last && *last >= from)
                    from = *last + std::chrono::microseconds(1);
                u.next_fire_at = stored->plan.first_at_or_after(from);
                u.completed = !u.next_fire_at;
            } catch (const Error& e) {
                if (e.kind() != ErrorKind::kInternal) throw;
                log::error("scheduled trigger cannot be planned; parked until changed",
                           {{"trigger_id", u.trigger_id.to_string()}, {"error", e.what()}});
            }
        }
        if (u.completed) ++out.completed;
        updates.push_back(std::move(u));
    }
    record(conn, updates);
    tx.commit();
    out.planned = updates.size();
    return out;
}

std::vector<DueSchedule> ScheduleStore::claim(Connection& conn, std::size_t limit,
                                              Timestamp until) {
    Result r = conn.exec_prepared(
        R"(
        SELECT s.trigger_id, t.name, t.version, coalesce(t.schedule::text, '') AS schedule,
               coalesce(t.payload::text, 'null') AS payload, )" +
            detail::micros_of("t.created_at", "created_us") + ", " +
            detail::micros_of("s.next_fire_at", "next_us") + ", " +
            detail::micros_of("s.last_slot_at", "last_us") + R"(
        FROM schedules s JOIN triggers t ON t.id = s.trigger_id
        WHERE s.planned AND s.completed_at IS NULL AND t.active
          AND s.next_fire_at <= )" +
            timestamp_of("$2::bigint") + R"(
        ORDER BY s.next_fire_at
        LIMIT $1
        FOR NO KEY UPDATE OF s, t SKIP LOCKED)",
        {std::to_string(limit), std::to_string(micros(until))});
    std::vector<DueSchedule> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) {
        DueSchedule d;
        d.trigger_id = trigger_id_of(r, i);
        d.name = std::string(r.text(i, "name"));
        d.version = r.integer(i, "version");
        d.created_at = detail::from_micros(r.integer(i, "created_us"));
        d.next_fire_at = detail::from_micros(r.integer(i, "next_us"));
        d.last_slot_at = detail::optional_micros(r, i, "last_us");
        d.schedule_json = std::string(r.text(i, "schedule"));
        d.payload_json = std::string(r.text(i, "payload"));
        out.push_back(std::move(d));
    }
    return out;
}

void ScheduleStore::record(Connection& conn, const std::vector<ScheduleUpdate>& updates) {
    if (updates.empty()) return;
    conn.exec_prepared(record_sql(), {updates_json(updates)});
}

std::int64_t ScheduleStore::due_backlog(Connection& conn, Timestamp now) {
    return conn
        .exec_prepared(R"(
        SELECT count(*) FROM schedules s JOIN triggers t ON t.id = s.trigger_id
        WHERE s.planned AND s.completed_at IS NULL AND t.active
          AND s.next_fire_at <= )" +
                           timestamp_of("$1::bigint"),
                       {std::to_string(micros(now))})
        .integer(0, 0);
}

}  // namespace etp::pg
