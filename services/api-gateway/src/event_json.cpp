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

}  // namespace

void append_event_json(std::string& out, const Event& e, std::string_view payload_json) {
    // Keys in the order nlohmann::json (a std::map) writes them, so both forms read the same.
    out += "{\"archived_at\":";
    append_time(out, e.archived_at);
    out += ",\"id\":\"";
    out += e.id.to_string();
    out += "\",\"is_test\":";
    out += e.is_test ? "true" : "false";
    out += ",\"logged_at\":";
    append_time(out, e.logged_at);
    out += ",\"payload\":";
    out += payload_json;
    out += ",\"scheduled_for\":";
    append_time(out, e.scheduled_for);
    out += ",\"source\":";
    pg::append_json_string(out, e.source);
    out += ",\"status\":";
    out += e.archived_at ? "\"archived\"" : "\"active\"";
    out += ",\"trigger\":{\"id\":\"";
    out += e.trigger_id.to_string();
    out += "\",\"name\":";
    pg::append_json_string(out, e.trigger_name);
    out += ",\"type\":\"";
    out += to_string(e.trigger_type);
    out += "\"},\"triggered_at\":";
    append_time(out, e.triggered_at);
    out += '}';
}

}  // namespace etp::gateway
