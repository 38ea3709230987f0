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
            etp::gateway::append_event_json(out, e, e.payload.dump());
            INFO(out);
            CHECK(json::parse(out) == etp::to_json(e));
        }
    }
}

TEST_CASE("the payload text is passed through as it is") {
    etp::Event e = sample();
    std::string out;
    etp::gateway::append_event_json(out, e, R"({"big": 12345678901234567890123})");
    CHECK(out.find(R"("payload":{"big": 12345678901234567890123})") != std::string::npos);
}
