#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "etp/domain/trigger.hpp"
#include "etp/domain/webhook_body.hpp"

using etp::BodyFormat;
using etp::FieldError;
using etp::parse_webhook_body;
using etp::render_webhook_body;
using nlohmann::json;

namespace {

// The event as the API shows it (etp::to_json(Event)).
json sample_event() {
    return json::parse(R"({
        "id": "0190f2a4-8b5c-7d1e-9f00-000000000001",
        "trigger": {"id": "0190f2a4-8b5c-7d1e-9f00-0000000000aa", "name": "orders", "type": "api"},
        "source": "api", "is_test": false,
        "payload": {"amount": 12.5, "customer": {"name": "Ada"}, "items": ["a", "b"]},
        "triggered_at": "2026-05-01T10:00:00.000000Z", "scheduled_for": null,
        "logged_at": "2026-05-01T10:00:00.010000Z", "archived_at": null, "status": "active"})");
}

std::vector<std::string> pointers(const std::vector<FieldError>& errors) {
    std::vector<std::string> out;
    for (const auto& e : errors) out.push_back(e.pointer);
    return out;
}

}  // namespace

TEST_CASE("a body is cloudevent, data or an object template") {
    std::vector<FieldError> errors;
    CHECK(parse_webhook_body("cloudevent", "/target/body", errors)->format ==
          BodyFormat::kCloudEvent);
    CHECK(parse_webhook_body("data", "/target/body", errors)->format == BodyFormat::kData);
    auto t =
        parse_webhook_body(json{{"content", "{{trigger.name}} fired"}}, "/target/body", errors);
    REQUIRE(t);
    CHECK(t->format == BodyFormat::kTemplate);
    CHECK(etp::webhook_body_to_json(*t) == json{{"content", "{{trigger.name}} fired"}});
    CHECK(errors.empty());

    for (const json& bad : {json("CloudEvent"), json(1), json::array({"x"}), json(nullptr)}) {
        errors.clear();
        CHECK_FALSE(parse_webhook_body(bad, "/target/body", errors));
        CHECK(pointers(errors) == std::vector<std::string>{"/target/body"});
    }
}

TEST_CASE("a template's unknown placeholders are named by the pointer of their string") {
    std::vector<FieldError> errors;
    json tmpl = json::parse(R"({"embeds": [{"title": "{{trigger.name}}",
        "description": "{{ nope }} and {{payload.x}}"}], "a/b": "{{trigger.secret}}",
        "ok": "{{payload}} {{id}} {{is_test}} {{scheduled_for}} {{logged_at}} {{source}}",
        "open": "{{payload.x", "empty": "{{payload..x}}", "deep": "{{id.x}}"})");
    CHECK_FALSE(parse_webhook_body(tmpl, "/target/body", errors));
    std::vector<std::string> got = pointers(errors);
    std::sort(got.begin(), got.end());
    CHECK(got == std::vector<std::string>{"/target/body/a~1b", "/target/body/deep",
                                          "/target/body/embeds/0/description", "/target/body/empty",
                                          "/target/body/open"});
    for (const auto& e : errors)
        if (e.pointer == "/target/body/embeds/0/description")
            CHECK(e.message.find("{{nope}}") != std::string::npos);
}

TEST_CASE("a template over 16 KiB is refused") {
    std::vector<FieldError> errors;
    json big = {{"content", std::string(etp::kMaxBodyTemplateBytes, 'x')}};
    CHECK_FALSE(parse_webhook_body(big, "/target/body", errors));
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].pointer == "/target/body");
}

TEST_CASE("a whole-string placeholder keeps the JSON value; within text it is text") {
    const json tmpl = json::parse(R"({
        "content": "{{trigger.name}} fired: {{payload.amount}} by {{payload.customer.name}}",
        "amount": "{{payload.amount}}", "customer": "{{ payload.customer }}",
        "second": "{{payload.items.1}}", "missing": "{{payload.nothing}}",
        "missing_text": "[{{payload.nothing}}]", "object_text": "c={{payload.customer}}",
        "test": "{{is_test}}", "at": "{{triggered_at}}", "fixed": [1, true, null, "plain"]})");
    const json out = json::parse(render_webhook_body(tmpl, sample_event()));
    CHECK(out["content"] == "orders fired: 12.5 by Ada");
    CHECK(out["amount"] == 12.5);
    CHECK(out["customer"] == json{{"name", "Ada"}});
    CHECK(out["second"] == "b");
    CHECK(out["missing"].is_null());
    CHECK(out["missing_text"] == "[]");
    CHECK(out["object_text"] == R"(c={"name":"Ada"})");
    CHECK(out["test"] == false);
    CHECK(out["at"] == "2026-05-01T10:00:00.000000Z");
    CHECK(out["fixed"] == json::array({1, true, nullptr, "plain"}));
}

TEST_CASE("a rendered body over 1 MiB is refused") {
    json event = sample_event();
    event["payload"]["blob"] = std::string(300 * 1024, 'x');
    const json tmpl = {{"a", "{{payload.blob}}"},
                       {"b", "{{payload.blob}}"},
                       {"c", "x{{payload.blob}}"},
                       {"d", "{{payload}}"}};
    CHECK_THROWS_AS(render_webhook_body(tmpl, event), etp::Error);
    const json small = {{"a", "{{payload.blob}}"}, {"b", "{{payload.blob}}"}};
    CHECK(render_webhook_body(small, event).size() > 600 * 1024);
}

TEST_CASE("a target's body is parsed and written back; cloudevent by default") {
    std::vector<FieldError> errors;
    auto t = etp::parse_target(json{{"url", "https://example.com/h"}}, "/target", errors);
    REQUIRE(t);
    CHECK(t->body.format == BodyFormat::kCloudEvent);
    CHECK(t->timeout_ms == 15'000);
    CHECK(etp::target_to_json(*t)["body"] == "cloudevent");
    auto d = etp::parse_target(json{{"url", "https://example.com/h"}, {"body", "data"}}, "/target",
                               errors);
    REQUIRE(d);
    CHECK(d->body.format == BodyFormat::kData);
    CHECK(errors.empty());
    CHECK_THROWS_AS(etp::parse_trigger_spec(json::parse(
                        R"({"name": "n", "type": "api", "target": {"url": "https://example.com/h",
                            "body": {"content": "{{payload.x}} {{who}}"}}})")),
                    etp::ValidationError);
    try {
        etp::parse_trigger_spec(json::parse(R"({"name": "n", "type": "api", "target":
            {"url": "https://example.com/h", "body": {"content": "{{who}}"}}})"));
    } catch (const etp::ValidationError& e) {
        REQUIRE(e.errors().size() == 1);
        CHECK(e.errors()[0].pointer == "/target/body/content");
    }
}

TEST_CASE("a definition without retry gets the standard schedule; explicit retry is kept") {
    auto spec = etp::parse_trigger_spec(json{{"name", "n"}, {"type", "api"}});
    CHECK(spec.retry.schedule_seconds ==
          std::vector<std::int64_t>{5, 300, 1800, 7200, 18000, 36000, 36000});
    CHECK(spec.retry.max_attempts == 8);
    CHECK(etp::retry_to_json(spec.retry) ==
          json::parse(R"({"max_attempts": 8, "schedule": [5, 300, 1800, 7200, 18000, 36000,
                          36000]})"));
    // A stored exponential policy reads back as it was.
    auto old = etp::parse_trigger_spec(json::parse(R"({"name": "n", "type": "api", "retry":
        {"max_attempts": 8, "initial_backoff_ms": 1000, "max_backoff_ms": 600000}})"));
    CHECK(old.retry.schedule_seconds.empty());
    CHECK(old.retry.initial_backoff_ms == 1000);
    // A GET's retry goes back through PUT unchanged.
    auto again = etp::parse_trigger_spec(
        json{{"name", "n"}, {"type", "api"}, {"retry", etp::retry_to_json(spec.retry)}});
    CHECK(again.retry.schedule_seconds == spec.retry.schedule_seconds);
    auto standard = etp::parse_trigger_spec(
        json::parse(R"({"name": "n", "type": "api", "retry": {"schedule": "standard"}})"));
    CHECK(standard.retry.schedule_seconds == spec.retry.schedule_seconds);
    auto custom = etp::parse_trigger_spec(
        json::parse(R"({"name": "n", "type": "api", "retry": {"schedule": [0, 1, 2]}})"));
    CHECK(custom.retry.max_attempts == 4);
}

TEST_CASE("a bad retry schedule is refused naming the field") {
    auto errors_of = [](const char* retry) {
        try {
            etp::parse_trigger_spec(
                json{{"name", "n"}, {"type", "api"}, {"retry", json::parse(retry)}});
        } catch (const etp::ValidationError& e) {
            return pointers(e.errors());
        }
        return std::vector<std::string>{};
    };
    CHECK(errors_of(R"({"schedule": "fast"})") == std::vector<std::string>{"/retry/schedule"});
    CHECK(errors_of(R"({"schedule": []})") == std::vector<std::string>{"/retry/schedule"});
    CHECK(errors_of(R"({"schedule": [1, -1, 86401, 1.5]})") ==
          std::vector<std::string>{"/retry/schedule/1", "/retry/schedule/2", "/retry/schedule/3"});
    CHECK(errors_of(R"({"schedule": [1], "max_attempts": 3})") ==
          std::vector<std::string>{"/retry/max_attempts"});
    CHECK(errors_of(R"({"schedule": [1], "initial_backoff_ms": 100})") ==
          std::vector<std::string>{"/retry/initial_backoff_ms"});
}

TEST_CASE("a disabled target shows as target.disabled") {
    etp::Trigger t{etp::TriggerId{etp::new_uuid_v7()},
                   etp::parse_trigger_spec(json::parse(
                       R"({"name": "n", "type": "api", "target": {"url": "https://x.test/h"}})")),
                   1, etp::now_utc(), etp::now_utc()};
    CHECK_FALSE(etp::to_json(t)["target"].contains("disabled"));
    t.target_disabled = etp::TargetDisabled{etp::now_utc(), "410 Gone from https://x.test/h"};
    const json shown = etp::to_json(t);
    CHECK(shown["target"]["disabled"]["reason"] == "410 Gone from https://x.test/h");
    CHECK(shown["target"]["disabled"]["at"].is_string());
}
