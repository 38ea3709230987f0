#include "etp/domain/event.hpp"

#include "etp/domain/error.hpp"
#include "etp/domain/json_reader.hpp"

namespace etp {

using nlohmann::json;

namespace {

json target_with_secret(const Target& t) {
    json j = target_to_json(t);
    if (t.secret) j["secret"] = *t.secret;
    return j;
}

}  // namespace

json firing_to_json(const Event& e) {
    json j = {{"event_id", e.id.to_string()},
              {"trigger",
               {{"id", e.trigger_id.to_string()},
                {"name", e.trigger_name},
                {"type", to_string(e.trigger_type)}}},
              {"source", e.source},
              {"is_test", e.is_test},
              {"payload", e.payload},
              {"triggered_at", format_rfc3339(e.triggered_at)}};
    j["scheduled_for"] = e.scheduled_for ? json(format_rfc3339(*e.scheduled_for)) : json(nullptr);
    if (e.target) j["target"] = target_with_secret(*e.target);
    return j;
}

Event firing_from_json(const json& j) {
    std::vector<FieldError> errors;
    detail::JsonReader r(j, "", errors);
    if (!r.is_object()) throw ValidationError(std::move(errors));
    Event e;
    if (auto id = r.string("event_id", true, 36, 36)) {
        if (auto parsed = EventId::parse(*id))
            e.id = *parsed;
        else
            r.fail("event_id", "must be a UUID");
    }
    if (const json* trigger = r.raw("trigger")) {
        detail::JsonReader t(*trigger, "/trigger", errors);
        if (auto id = t.string("id", true, 36, 36)) {
            if (auto parsed = TriggerId::parse(*id))
                e.trigger_id = *parsed;
            else
                t.fail("id", "must be a UUID");
        }
        if (auto name = t.string("name", true, 0, 200)) e.trigger_name = *name;
        if (auto type = t.string("type", true, 1, 20)) {
            if (auto parsed = parse_trigger_type(*type))
                e.trigger_type = *parsed;
            else
                t.fail("type", "must be one of scheduled, api, cdc");
        }
    } else {
        r.fail("trigger", "is required");
    }
    if (auto source = r.string("source", true, 1, 40)) e.source = *source;
    if (auto is_test = r.boolean("is_test")) e.is_test = *is_test;
    if (const json* payload = r.raw("payload")) e.payload = *payload;
    e.scheduled_for = r.timestamp("scheduled_for", false);
    if (auto t = r.timestamp("triggered_at", true)) e.triggered_at = *t;
    if (const json* target = r.raw("target")) e.target = parse_target(*target, "/target", errors);
    if (!errors.empty()) throw ValidationError(std::move(errors));
    return e;
}

json to_json(const Event& e) {
    json j = firing_to_json(e);
    j["id"] = j["event_id"];
    j.erase("event_id");
    // The target exists only to carry an unsaved definition's secret to the dispatcher.
    j.erase("target");
    j["logged_at"] = e.logged_at ? json(format_rfc3339(*e.logged_at)) : json(nullptr);
    j["archived_at"] = e.archived_at ? json(format_rfc3339(*e.archived_at)) : json(nullptr);
    j["status"] = e.archived_at ? "archived" : "active";
    return j;
}

}  // namespace etp
