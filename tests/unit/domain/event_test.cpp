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

namespace {
etp::Event test_firing() {
    etp::Event e;
    e.id = etp::EventId{etp::new_uuid_v7()};
    e.trigger_id = etp::TriggerId{etp::new_uuid_v7()};
    e.trigger_name = "draft";
    e.source = "test";
    e.is_test = true;
    e.payload = json::object();
    e.triggered_at = *etp::parse_rfc3339("2026-11-22T10:00:00Z");
    return e;
}
}  // namespace

TEST_CASE("a test firing of an unsaved definition carries its target and secret") {
    etp::Event e = test_firing();
    etp::Target t;
    t.url = "https://example.com/hook";
    t.method = "PUT";
    t.headers = {{"X-Team", "ops"}, {"Authorization", "Bearer x"}};
    t.timeout_ms = 2500;
    t.secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    e.target = t;

    json message = etp::firing_to_json(e);
    CHECK(message["target"] == json::parse(R"({"url": "https://example.com/hook", "method": "PUT",
        "headers": {"X-Team": "ops", "Authorization": "Bearer x"}, "timeout_ms": 2500,
        "body": "cloudevent",
        "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})"));
    auto back = etp::firing_from_json(message);
    REQUIRE(back.target);
    CHECK(back.target->url == t.url);
    CHECK(back.target->method == t.method);
    CHECK(back.target->headers == t.headers);
    CHECK(back.target->timeout_ms == t.timeout_ms);
    CHECK(back.target->secret == t.secret);

    // The API representation shows neither the target nor its secret.
    json api = etp::to_json(back);
    CHECK_FALSE(api.contains("target"));
    CHECK(api.dump().find("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") == std::string::npos);
}

TEST_CASE("a target without a secret round-trips without one") {
    etp::Event e = test_firing();
    e.target.emplace();
    e.target->url = "http://example.com/x";
    json message = etp::firing_to_json(e);
    CHECK_FALSE(message["target"].contains("secret"));
    auto back = etp::firing_from_json(message);
    REQUIRE(back.target);
    CHECK(back.target->method == "POST");
    CHECK(back.target->timeout_ms == 15'000);
    CHECK_FALSE(back.target->secret);
}

TEST_CASE("a firing without a target has none in its message") {
    json message = etp::firing_to_json(test_firing());
    CHECK_FALSE(message.contains("target"));
    CHECK_FALSE(etp::firing_from_json(message).target);
    message["target"] = nullptr;
    CHECK_FALSE(etp::firing_from_json(message).target);
}

TEST_CASE("a mistyped target in a firing names its fields") {
    auto pointers = [](const json& target) {
        json message = etp::firing_to_json(test_firing());
        message["target"] = target;
        try {
            etp::firing_from_json(message);
        } catch (const etp::ValidationError& e) {
            std::vector<std::string> out;
            for (const auto& f : e.errors()) out.push_back(f.pointer);
            return out;
        }
        return std::vector<std::string>{};
    };
    CHECK(pointers("https://example.com") == std::vector<std::string>{"/target"});
    CHECK(pointers(json::object()) == std::vector<std::string>{"/target/url"});
    CHECK(pointers(json::parse(
              R"({"url": 1, "method": [], "headers": {"A": "b", "C": 2}, "timeout_ms": "x",
                  "secret": false})")) ==
          std::vector<std::string>{"/target/url", "/target/method", "/target/headers/C",
                                   "/target/timeout_ms", "/target/secret"});
    CHECK(pointers(json{{"url", "http://x/"}, {"headers", "A: b"}}) ==
          std::vector<std::string>{"/target/headers"});
}
