#include "event_json.hpp"

#include "etp/pg/pg_value.hpp"

namespace etp::gateway {
namespace {

void append_time(std::string& out, const std::optional<Timestamp>& t) {
    if (!t) {
        out += "null";
        return;
    }
    out += '"';
    append_rfc3339(out, *t);
    out += '"';
}

// The canonical lowercase form, without the allocation of Uuid::to_string.
void append_uuid(std::string& out, const Uuid& id) {
    static constexpr char kHex[] = "0123456789abcdef";
    char text[36];
    std::size_t at = 0;
    for (std::size_t i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) text[at++] = '-';
        text[at++] = kHex[id.bytes()[i] >> 4];
        text[at++] = kHex[id.bytes()[i] & 0xF];
    }
    out.append(text, sizeof text);
}

}  // namespace

void append_event_json(std::string& out, const pg::ListedEvent& e) {
    // Keys in the order nlohmann::json (a std::map) writes them, so both forms read the same.
    out += "{\"archived_at\":";
    append_time(out, e.archived_at);
    out += ",\"id\":\"";
    append_uuid(out, e.id.value);
    out += "\",\"is_test\":";
    out += e.is_test ? "true" : "false";
    out += ",\"logged_at\":";
    append_time(out, e.logged_at);
    out += ",\"payload\":";
    out += e.payload_json;
    out += ",\"scheduled_for\":";
    append_time(out, e.scheduled_for);
    out += ",\"source\":";
    pg::append_json_string(out, e.source);
    out += ",\"status\":";
    out += e.archived_at ? "\"archived\"" : "\"active\"";
    out += ",\"trigger\":{\"id\":\"";
    append_uuid(out, e.trigger_id.value);
    out += "\",\"name\":";
    pg::append_json_string(out, e.trigger_name);
    out += ",\"type\":\"";
    out += to_string(e.trigger_type);
    out += "\"},\"triggered_at\":";
    append_time(out, e.triggered_at);
    out += '}';
}

}  // namespace etp::gateway
