#include <catch2/catch.hpp>

#include "etp/domain/event.hpp"
#include "event_json.hpp"

using nlohmann::json;

namespace {
etp::Event sample() {
    etp::Event e;
    e.id = *etp::EventId::parse("01936b30-1a2b-7c3d-8e4f-5a6b7c8d9e0f");
    e.trigger_id = *etp::TriggerId::parse("01936b30-0000-7c3d-8e4f-5a6b7c8d9e0f");
    e.trigger_name = "quotes \" back\\slash \n newline ünïcødé";
    e.trigger_type = etp::TriggerType::kCdc;
    e.source = "cdc";
    e.triggered_at = *etp::parse_rfc3339("2026-11-22T10:00:00.000001Z");
    e.logged_at = *etp::parse_rfc3339("2026-11-22T10:00:00.2Z");
    return e;
}
// The view of `e` that a listing reads in place from PostgreSQL's result.
etp::pg::ListedEvent listed(const etp::Event& e, std::string_view payload_json) {
    etp::pg::ListedEvent l;
    l.id = e.id;
    l.trigger_id = e.trigger_id;
    l.trigger_name = e.trigger_name;
    l.trigger_type = e.trigger_type;
    l.source = e.source;
    l.is_test = e.is_test;
    l.payload_json = payload_json;
    l.scheduled_for = e.scheduled_for;
    l.triggered_at = e.triggered_at;
    l.logged_at = e.logged_at;
    l.archived_at = e.archived_at;
    return l;
}
}  // namespace

TEST_CASE("a listed event is written exactly as to_json(Event) with its payload") {
    for (bool archived : {false, true}) {
        for (bool scheduled : {false, true}) {
            etp::Event e = sample();
            e.is_test = archived;
            if (archived) e.archived_at = *etp::parse_rfc3339("2026-11-22T12:00:00Z");
            if (scheduled) e.scheduled_for = *etp::parse_rfc3339("2026-11-22T09:59:59Z");
            e.payload = json::parse(R"({"after": {"status": "down", "n": [1, 2.5, null]}})");
            std::string out;
            const std::string payload = e.payload.dump();
            etp::gateway::append_event_json(out, listed(e, payload));
            INFO(out);
            CHECK(json::parse(out) == etp::to_json(e));
        }
    }
}

TEST_CASE("the payload text is passed through as it is") {
    etp::Event e = sample();
    std::string out;
    etp::gateway::append_event_json(out, listed(e, R"({"big": 12345678901234567890123})"));
    CHECK(out.find(R"("payload":{"big": 12345678901234567890123})") != std::string::npos);
}
