#include "etp/pg/outbox.hpp"

#include <nlohmann/json.hpp>

namespace etp::pg {

using nlohmann::json;

void Outbox::add(Connection& conn, const std::vector<OutboxMessage>& messages) {
    if (messages.empty()) return;
    json rows = json::array();
    for (const auto& m : messages) {
        json headers = json::array();
        for (const auto& [name, value] : m.headers) headers.push_back({name, value});
        rows.push_back({{"topic", m.topic},
                        {"key", m.key},
                        {"value", m.value ? json(*m.value) : json(nullptr)},
                        {"headers", std::move(headers)}});
    }
    conn.exec_prepared(R"(
        INSERT INTO kafka_outbox (topic, key, value, headers)
        SELECT topic, key, value, headers
        FROM jsonb_to_recordset($1::jsonb) AS x(topic text, key text, value text, headers jsonb))",
                       {rows.dump(-1, ' ', false, json::error_handler_t::replace)});
}

std::vector<OutboxEntry> Outbox::lock_oldest(Connection& conn, std::size_t limit) {
    auto rows = conn.exec_prepared(R"(
        SELECT id, topic, key, value, headers::text AS headers FROM kafka_outbox
        ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)",
                                   {std::to_string(limit)});
    std::vector<OutboxEntry> entries;
    entries.reserve(rows.rows());
    for (int i = 0; i < rows.rows(); ++i) {
        OutboxEntry e;
        e.id = rows.integer(i, "id");
        e.message.topic = std::string(rows.text(i, "topic"));
        e.message.key = std::string(rows.text(i, "key"));
        if (!rows.is_null(i, "value")) e.message.value = std::string(rows.text(i, "value"));
        for (const auto& h : json::parse(rows.text(i, "headers")))
            e.message.headers.emplace_back(h.at(0).get<std::string>(), h.at(1).get<std::string>());
        entries.push_back(std::move(e));
    }
    return entries;
}

void Outbox::remove(Connection& conn, const std::vector<std::int64_t>& ids) {
    if (ids.empty()) return;
    std::string array = "{";
    for (auto id : ids) array += (array.size() > 1 ? "," : "") + std::to_string(id);
    conn.exec_prepared("DELETE FROM kafka_outbox WHERE id = ANY($1::bigint[])", {array + "}"});
}

std::int64_t Outbox::size(Connection& conn) {
    return conn.exec_prepared("SELECT count(*) FROM kafka_outbox").integer(0, 0);
}

}  // namespace etp::pg
