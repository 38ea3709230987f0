#include <catch2/catch.hpp>

#include "etp/domain/error.hpp"
#include "etp/domain/event.hpp"

using nlohmann::json;

TEST_CASE("a firing round-trips through its message JSON") {
    etp::Event e;
    e.id = etp::EventId{etp::new_uuid_v7()};
    e.trigger_id = etp::TriggerId{etp::new_uuid_v7()};
    e.trigger_name = "order placed";
    e.trigger_type = etp::TriggerType::kApi;
    e.source = "api";
    e.payload = json{{"amount", 12.5}, {"note", "ünïcødé \"quoted\""}};
    e.triggered_at = *etp::parse_rfc3339("2026-11-22T10:00:00.000001Z");
    auto back = etp::firing_from_json(etp::firing_to_json(e));
    CHECK(back.id == e.id);
    CHECK(back.trigger_id == e.trigger_id);
    CHECK(back.trigger_name == e.trigger_name);
    CHECK(back.payload == e.payload);
    CHECK(back.triggered_at == e.triggered_at);
    CHECK_FALSE(back.scheduled_for);
    CHECK(etp::to_json(back)["status"] == "active");
}

TEST_CASE("a malformed firing names its fields") {
    try {
        etp::firing_from_json(json{{"event_id", "x"}, {"trigger", {{"id", 3}}}});
        FAIL("expected a ValidationError");
    } catch (const etp::ValidationError& e) {
        std::vector<std::string> pointers;
        for (const auto& f : e.errors()) pointers.push_back(f.pointer);
        CHECK(pointers == std::vector<std::string>{"/event_id", "/trigger/id", "/trigger/name",
                                                   "/trigger/type", "/source", "/triggered_at"});
    }
}
