#include "etp/pg/trigger_store.hpp"

#include <algorithm>
#include <chrono>
#include <iterator>

#include "etp/domain/error.hpp"
#include "sql_time.hpp"

namespace etp::pg {
namespace {

using nlohmann::json;

// Every read returns these, from `t` (triggers, or a CTE of RETURNING *) LEFT JOIN `s`
// (schedules, or a CTE of RETURNING *). next_fire_at is shown only once the scheduler has
// planned the row and while the trigger is active: an unplanned row's old value is stale.
constexpr std::string_view kColumns = R"(
    t.id, t.name, t.type, t.active, t.schedule, t.payload, t.api_schema, t.cdc, t.target,
    t.retry, t.version, t.target_disabled_reason,
    (extract(epoch from t.target_disabled_at) * 1000000)::bigint AS target_disabled_us,
    (extract(epoch from t.created_at) * 1000000)::bigint AS created_us,
    (extract(epoch from t.updated_at) * 1000000)::bigint AS updated_us,
    s.trigger_id IS NOT NULL AS has_schedule,
    (extract(epoch from CASE WHEN s.planned AND t.active THEN s.next_fire_at END) * 1000000)::bigint
        AS next_fire_us,
    (extract(epoch from s.last_slot_at) * 1000000)::bigint AS last_slot_us,
    (extract(epoch from s.completed_at) * 1000000)::bigint AS completed_us)";

std::string select_joined(std::string_view where) {
    return "SELECT " + std::string(kColumns) +
           " FROM triggers t LEFT JOIN schedules s ON s.trigger_id = t.id " + std::string(where);
}

// The final SELECT of the data-modifying statements below, over their CTEs `t` and `s`.
std::string select_from_ctes() {
    return "SELECT " + std::string(kColumns) + " FROM t LEFT JOIN s ON s.trigger_id = t.id";
}

Param jsonb_or_null(const json& value) {
    if (value.is_null()) return std::nullopt;
    return value.dump();
}

// Rebuilds a Trigger from a row. The stored parts go through parse_trigger_spec again, so a row
// that no longer validates (hand-edited) fails loudly instead of being half-understood.
Trigger row_to_trigger(const Result& r, int row) {
    json body = {{"name", r.text(row, "name")},
                 {"type", r.text(row, "type")},
                 {"active", r.boolean(row, "active")}};
    for (const char* part : {"schedule", "payload", "api_schema", "cdc", "target", "retry"}) {
        if (!r.is_null(row, part)) body[part] = json::parse(r.text(row, part));
    }
    Trigger t;
    auto id = TriggerId::parse(r.text(row, "id"));
    if (!id) throw Error(ErrorKind::kInternal, "stored trigger id is not a UUID");
    t.id = *id;
    try {
        t.spec = parse_trigger_spec(body);
    } catch (const ValidationError& e) {
        throw Error(ErrorKind::kInternal,
                    "stored trigger " + t.id.to_string() + " does not validate: " + e.what());
    }
    t.version = r.integer(row, "version");
    t.created_at = detail::from_micros(r.integer(row, "created_us"));
    t.updated_at = detail::from_micros(r.integer(row, "updated_us"));
    if (r.boolean(row, "has_schedule")) {
        t.schedule_state = ScheduleState{detail::optional_micros(r, row, "next_fire_us"),
                                         detail::optional_micros(r, row, "last_slot_us"),
                                         detail::optional_micros(r, row, "completed_us")};
    }
    if (auto at = detail::optional_micros(r, row, "target_disabled_us"))
        t.target_disabled = TargetDisabled{*at, std::string(r.text(row, "target_disabled_reason"))};
    return t;
}

// $2..$10 of create and replace: the definition's columns. A target's secret is not among them:
// secrets live in trigger_secrets (TriggerSecretStore).
Params definition_params(const TriggerSpec& spec) {
    return {spec.name,
            std::string(to_string(spec.type)),
            spec.active ? "true" : "false",
            spec.schedule ? Param(schedule_to_json(*spec.schedule).dump()) : std::nullopt,
            spec.type == TriggerType::kScheduled ? Param(spec.payload.dump()) : std::nullopt,
            jsonb_or_null(spec.api_schema),
            spec.cdc ? Param(cdc_to_json(*spec.cdc).dump()) : std::nullopt,
            spec.target ? Param(target_to_json(*spec.target).dump()) : std::nullopt,
            retry_to_json(spec.retry).dump()};
}

}  // namespace

// Each write below is one statement: the trigger's row and its schedules row change together
// or not at all, whether or not the caller holds a transaction. The schedules row is the
// scheduler's: the gateway only marks it unplanned (the scheduler computes fire times) or, on
// deactivation, planned with nothing to fire.

Trigger TriggerStore::create(Connection& conn, const TriggerId& id, const TriggerSpec& spec,
                             const std::optional<InitialSecret>& secret) {
    Params params = definition_params(spec);
    params.insert(params.begin(), id.to_string());
    params.push_back(secret ? Param(secret->id.to_string()) : std::nullopt);
    params.push_back(secret ? Param(secret->sealed.value) : std::nullopt);
    params.push_back(secret ? Param(secret->sealed.key_id) : std::nullopt);
    params.push_back(secret ? Param(secret->prefix) : std::nullopt);
    Result r = conn.exec_prepared(R"(
        WITH t AS (
            INSERT INTO triggers (id, name, type, active, schedule, payload, api_schema, cdc,
                                  target, retry)
            VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7::jsonb, $8::jsonb, $9::jsonb,
                    $10::jsonb)
            RETURNING *),
        s AS (
            INSERT INTO schedules (trigger_id, planned)
            SELECT id, false FROM t WHERE type = 'scheduled'
            RETURNING *),
        k AS (
            INSERT INTO trigger_secrets (id, trigger_id, secret, key_id, prefix)
            SELECT $11::uuid, id, $12::text, $13::text, $14::text FROM t
            WHERE $12::text IS NOT NULL)
        )" + select_from_ctes(),
                                  params);
    return row_to_trigger(r, 0);
}

std::vector<Trigger> TriggerStore::create_many(Connection& conn,
                                               const std::vector<const NewTrigger*>& news) {
    if (news.empty()) return {};
    // The rows travel as one JSON array; the jsonb parts as their text, so that a JSON null
    // stays distinct from SQL NULL exactly as create's parameters keep them.
    json rows = json::array();
    for (const NewTrigger* new_trigger : news) {
        const NewTrigger& n = *new_trigger;
        Params p = definition_params(n.spec);
        json row = {
            {"id", n.id.to_string()}, {"name", *p[0]}, {"type", *p[1]}, {"active", n.spec.active}};
        const char* parts[] = {"schedule", "payload", "api_schema", "cdc", "target", "retry"};
        for (std::size_t i = 0; i < std::size(parts); ++i)
            row[parts[i]] = p[3 + i] ? json(*p[3 + i]) : json(nullptr);
        row["secret_id"] = n.secret ? json(n.secret->id.to_string()) : json(nullptr);
        row["secret"] = n.secret ? json(n.secret->sealed.value) : json(nullptr);
        row["key_id"] = n.secret ? json(n.secret->sealed.key_id) : json(nullptr);
        row["prefix"] = n.secret ? json(n.secret->prefix) : json(nullptr);
        rows.push_back(std::move(row));
    }
    Result r = conn.exec_prepared(R"(
        WITH x AS (
            SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(
                id uuid, name text, type text, active boolean, schedule text, payload text,
                api_schema text, cdc text, target text, retry text, secret_id uuid, secret text,
                key_id text, prefix text)),
        t AS (
            INSERT INTO triggers (id, name, type, active, schedule, payload, api_schema, cdc,
                                  target, retry)
            SELECT id, name, type, active, schedule::jsonb, payload::jsonb, api_schema::jsonb,
                   cdc::jsonb, target::jsonb, retry::jsonb
            FROM x
            RETURNING *),
        s AS (
            INSERT INTO schedules (trigger_id, planned)
            SELECT id, false FROM t WHERE type = 'scheduled'
            RETURNING *),
        k AS (
            INSERT INTO trigger_secrets (id, trigger_id, secret, key_id, prefix)
            SELECT secret_id, id, secret, key_id, prefix FROM x WHERE secret IS NOT NULL)
        )" + select_from_ctes(),
                                  {rows.dump(-1, ' ', false, json::error_handler_t::strict)});
    std::vector<Trigger> created;
    created.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) created.push_back(row_to_trigger(r, i));
    // RETURNING keeps no order: put them in the caller's.
    std::vector<Trigger> ordered;
    ordered.reserve(news.size());
    for (const NewTrigger* n : news) {
        auto it = std::find_if(created.begin(), created.end(),
                               [&](const Trigger& t) { return t.id == n->id; });
        if (it == created.end())
            throw Error(ErrorKind::kInternal, "trigger " + n->id.to_string() + " was not created");
        ordered.push_back(std::move(*it));
    }
    return ordered;
}

std::optional<Trigger> TriggerStore::replace(Connection& conn, const TriggerId& id,
                                             const TriggerSpec& spec) {
    Params params = definition_params(spec);
    params.insert(params.begin(), id.to_string());
    // A definition that stays or becomes scheduled is replanned from scratch (last_slot_at is
    // kept: it is history, and keeps a slot from firing twice); one that stops being scheduled
    // loses its row.
    Result r = conn.exec_prepared(R"(
        WITH t AS (
            UPDATE triggers SET name = $2, type = $3, active = $4, schedule = $5::jsonb,
                   payload = $6::jsonb, api_schema = $7::jsonb, cdc = $8::jsonb,
                   target = $9::jsonb, retry = $10::jsonb, version = version + 1,
                   updated_at = now(), target_disabled_at = NULL, target_disabled_reason = NULL
            WHERE id = $1
            RETURNING *),
        unscheduled AS (
            DELETE FROM schedules WHERE trigger_id IN (SELECT id FROM t WHERE type <> 'scheduled')),
        s AS (
            INSERT INTO schedules (trigger_id, planned)
            SELECT id, false FROM t WHERE type = 'scheduled'
            ON CONFLICT (trigger_id) DO UPDATE
                SET planned = false, next_fire_at = NULL, completed_at = NULL, updated_at = now()
            RETURNING *)
        )" + select_from_ctes(),
                                  params);
    if (r.rows() == 0) return std::nullopt;
    return row_to_trigger(r, 0);
}

std::optional<Trigger> TriggerStore::set_active(Connection& conn, const TriggerId& id,
                                                bool active) {
    // Activation: unplanned, no longer completed (the scheduler plans it again). Deactivation:
    // planned with nothing to fire; completed_at stays. An upsert, so a scheduled trigger that
    // lost its row (a hand edit) gets it back.
    Result r = conn.exec_prepared(R"(
        WITH t AS (
            UPDATE triggers
            SET active = $2,
                version = CASE WHEN active = $2 THEN version ELSE version + 1 END,
                updated_at = CASE WHEN active = $2 THEN updated_at ELSE now() END
            WHERE id = $1
            RETURNING *),
        s AS (
            INSERT INTO schedules (trigger_id, planned)
            SELECT id, NOT $2::boolean FROM t WHERE type = 'scheduled'
            ON CONFLICT (trigger_id) DO UPDATE
                SET planned = EXCLUDED.planned,
                    next_fire_at = CASE WHEN $2::boolean THEN schedules.next_fire_at END,
                    completed_at = CASE WHEN $2::boolean THEN NULL ELSE schedules.completed_at END,
                    updated_at = now()
            RETURNING *)
        )" + select_from_ctes(),
                                  {id.to_string(), active ? "true" : "false"});
    if (r.rows() == 0) return std::nullopt;
    return row_to_trigger(r, 0);
}

bool TriggerStore::disable_target(Connection& conn, const TriggerId& id,
                                  const std::string& reason) {
    return conn.exec(
                   "UPDATE triggers SET target_disabled_at = now(), target_disabled_reason = $2 "
                   "WHERE id = $1 AND target IS NOT NULL AND target_disabled_at IS NULL",
                   {id.to_string(), reason})
               .affected_rows() == 1;
}

bool TriggerStore::remove(Connection& conn, const TriggerId& id) {
    return conn.exec("DELETE FROM triggers WHERE id = $1", {id.to_string()}).affected_rows() == 1;
}

std::optional<Trigger> TriggerStore::get(Connection& conn, const TriggerId& id) {
    Result r = conn.exec_prepared(select_joined("WHERE t.id = $1"), {id.to_string()});
    if (r.rows() == 0) return std::nullopt;
    return row_to_trigger(r, 0);
}

std::optional<Trigger> TriggerStore::get_for_update(Connection& conn, const TriggerId& id) {
    // Locks the trigger only: the schedules row is the scheduler's to lock while it fires.
    Result r =
        conn.exec_prepared(select_joined("WHERE t.id = $1 FOR UPDATE OF t"), {id.to_string()});
    if (r.rows() == 0) return std::nullopt;
    return row_to_trigger(r, 0);
}

TriggerPage TriggerStore::list(Connection& conn, const TriggerFilter& filter, std::int64_t page,
                               std::int64_t page_size) {
    Params params = {filter.type ? Param(std::string(to_string(*filter.type))) : std::nullopt,
                     filter.active ? Param(*filter.active ? "true" : "false") : std::nullopt,
                     filter.name_contains ? Param(*filter.name_contains) : std::nullopt,
                     std::to_string(page_size), std::to_string((page - 1) * page_size)};
    // strpos, not LIKE: the text is matched as it is, '%' and '_' included.
    constexpr std::string_view kWhere =
        "WHERE ($1::text IS NULL OR t.type = $1) AND ($2::boolean IS NULL OR t.active = $2) "
        "AND ($3::text IS NULL OR strpos(lower(t.name), lower($3)) > 0)";
    Result rows =
        conn.exec(select_joined(std::string(kWhere) +
                                " ORDER BY t.created_at DESC, t.id DESC LIMIT $4 OFFSET $5"),
                  params);
    TriggerPage out;
    for (int i = 0; i < rows.rows(); ++i) out.items.push_back(row_to_trigger(rows, i));
    params.resize(3);
    out.total =
        conn.exec("SELECT count(*) FROM triggers t " + std::string(kWhere), params).integer(0, 0);
    return out;
}

}  // namespace etp::pg
