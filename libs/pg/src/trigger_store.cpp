#include "etp/pg/trigger_store.hpp"

#include <chrono>

#include "etp/domain/error.hpp"
#include "sql_time.hpp"

namespace etp::pg {
namespace {

using nlohmann::json;

constexpr std::string_view kColumns = R"(
    id, name, type, active, schedule, payload, api_schema, cdc, target, retry, version,
    (extract(epoch from created_at) * 1000000)::bigint AS created_us,
    (extract(epoch from updated_at) * 1000000)::bigint AS updated_us)";

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

Trigger TriggerStore::create(Connection& conn, const TriggerId& id, const TriggerSpec& spec) {
    Params params = definition_params(spec);
    params.insert(params.begin(), id.to_string());
    Result r = conn.exec_prepared(R"(
        INSERT INTO triggers (id, name, type, active, schedule, payload, api_schema, cdc, target,
                              retry)
        VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7::jsonb, $8::jsonb, $9::jsonb, $10::jsonb)
        RETURNING )" + std::string(kColumns),
                                  params);
    return row_to_trigger(r, 0);
}

std::optional<Trigger> TriggerStore::replace(Connection& conn, const TriggerId& id,
                                             const TriggerSpec& spec) {
    Params params = definition_params(spec);
    params.insert(params.begin(), id.to_string());
    Result r = conn.exec(R"(
        UPDATE triggers SET name = $2, type = $3, active = $4, schedule = $5::jsonb,
               payload = $6::jsonb, api_schema = $7::jsonb, cdc = $8::jsonb, target = $9::jsonb,
               retry = $10::jsonb, version = version + 1, updated_at = now()
        WHERE id = $1
        RETURNING )" + std::string(kColumns),
                         params);
    if (r.rows() == 0) return std::nullopt;
    return row_to_trigger(r, 0);
}

std::optional<Trigger> TriggerStore::set_active(Connection& conn, const TriggerId& id,
                                                bool active) {
    Result r = conn.exec(R"(
        UPDATE triggers
        SET active = $2,
            version = CASE WHEN active = $2 THEN version ELSE version + 1 END,
            updated_at = CASE WHEN active = $2 THEN updated_at ELSE now() END
        WHERE id = $1
        RETURNING )" + std::string(kColumns),
                         {id.to_string(), active ? "true" : "false"});
    if (r.rows() == 0) return std::nullopt;
    return row_to_trigger(r, 0);
}

bool TriggerStore::remove(Connection& conn, const TriggerId& id) {
    return conn.exec("DELETE FROM triggers WHERE id = $1", {id.to_string()}).affected_rows() == 1;
}

std::optional<Trigger> TriggerStore::get(Connection& conn, const TriggerId& id) {
    Result r = conn.exec_prepared(
        "SELECT " + std::string(kColumns) + " FROM triggers WHERE id = $1", {id.to_string()});
    if (r.rows() == 0) return std::nullopt;
    return row_to_trigger(r, 0);
}

std::optional<Trigger> TriggerStore::get_for_update(Connection& conn, const TriggerId& id) {
    Result r =
        conn.exec("SELECT " + std::string(kColumns) + " FROM triggers WHERE id = $1 FOR UPDATE",
                  {id.to_string()});
    if (r.rows() == 0) return std::nullopt;
    return row_to_trigger(r, 0);
}

TriggerPage TriggerStore::list(Connection& conn, const TriggerFilter& filter, std::int64_t page,
                               std::int64_t page_size) {
    Params params = {filter.type ? Param(std::string(to_string(*filter.type))) : std::nullopt,
                     filter.active ? Param(*filter.active ? "true" : "false") : std::nullopt,
                     std::to_string(page_size), std::to_string((page - 1) * page_size)};
    constexpr std::string_view kWhere =
        " FROM triggers WHERE ($1::text IS NULL OR type = $1) AND ($2::boolean IS NULL OR active = "
        "$2)";
    Result rows = conn.exec("SELECT " + std::string(kColumns) + std::string(kWhere) +
                                " ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4",
                            params);
    TriggerPage out;
    for (int i = 0; i < rows.rows(); ++i) out.items.push_back(row_to_trigger(rows, i));
    params.resize(2);
    out.total = conn.exec("SELECT count(*)" + std::string(kWhere), params).integer(0, 0);
    return out;
}

}  // namespace etp::pg
