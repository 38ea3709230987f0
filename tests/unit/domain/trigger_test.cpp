#include <catch2/catch.hpp>

#include <algorithm>

#include "etp/domain/error.hpp"
#include "etp/domain/trigger.hpp"
#include "etp/domain/webhook_signature.hpp"

using etp::parse_trigger_spec;
using etp::TriggerType;
using nlohmann::json;

namespace {
// The pointers of every problem parse_trigger_spec reports for body.
std::vector<std::string> problems(const json& body) {
    try {
        parse_trigger_spec(body);
    } catch (const etp::ValidationError& e) {
        std::vector<std::string> out;
        for (const auto& f : e.errors()) out.push_back(f.pointer);
        return out;
    }
    return {};
}
}  // namespace

TEST_CASE("a minimal api trigger is accepted with defaults") {
    auto spec = parse_trigger_spec(json{{"name", "order placed"}, {"type", "api"}});
    CHECK(spec.name == "order placed");
    CHECK(spec.type == TriggerType::kApi);
    CHECK(spec.active);
    CHECK(spec.retry.max_attempts == 8);
    CHECK_FALSE(spec.target);
}

TEST_CASE("a full scheduled trigger is accepted") {
    auto spec = parse_trigger_spec(json::parse(R"({
        "name": "nightly", "type": "scheduled", "active": false,
        "schedule": {"cron": "0 30 2 * * *", "timezone": "Europe/Berlin", "misfire": "skip"},
        "payload": {"job": "report"},
        "target": {"url": "https://example.com/hook", "headers": {"X-Team": "ops"},
                   "timeout_ms": 5000, "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
        "retry": {"max_attempts": 3, "initial_backoff_ms": 500, "max_backoff_ms": 10000}})"));
    REQUIRE(spec.schedule);
    CHECK(spec.schedule->cron == "0 30 2 * * *");
    CHECK(spec.schedule->timezone == "Europe/Berlin");
    CHECK(spec.schedule->misfire == etp::Misfire::kSkip);
    CHECK(spec.payload["job"] == "report");
    REQUIRE(spec.target);
    CHECK(spec.target->secret == "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    CHECK(spec.retry.max_attempts == 3);
    CHECK_FALSE(spec.active);
}

TEST_CASE("a one-time schedule defaults to not recurring") {
    auto spec = parse_trigger_spec(json::parse(
        R"({"name": "once", "type": "scheduled", "schedule": {"at": "2027-01-01T00:00:00Z"}})"));
    CHECK_FALSE(spec.schedule->recurring);
}

TEST_CASE("the short schema form becomes a JSON Schema") {
    auto spec = parse_trigger_spec(json::parse(
        R"({"name": "pay", "type": "api", "api_schema": {"amount": "float", "user_id": "int"}})"));
    CHECK(spec.api_schema["type"] == "object");
    CHECK(spec.api_schema["properties"]["amount"]["type"] == "number");
    CHECK(spec.api_schema["properties"]["user_id"]["type"] == "integer");
    CHECK(spec.api_schema["required"].size() == 2);
}

TEST_CASE("cdc triggers default to every operation and validate the table") {
    auto spec = parse_trigger_spec(
        json::parse(R"({"name": "m", "type": "cdc", "cdc": {"table": "public.monitors"}})"));
    CHECK(spec.cdc->operations == std::vector<std::string>{"insert", "update", "delete"});
    CHECK(problems(json::parse(R"({"name": "m", "type": "cdc", "cdc": {"table": "monitors"}})")) ==
          std::vector<std::string>{"/cdc/table"});
    CHECK(
        problems(json::parse(
            R"({"name": "m", "type": "cdc", "cdc": {"table": "a.b", "operations": ["upsert"]}})")) ==
        std::vector<std::string>{"/cdc/operations/0"});
}

TEST_CASE("cdc triggers opt in to snapshot rows with read, which is not a default") {
    auto spec = parse_trigger_spec(json::parse(
        R"({"name": "m", "type": "cdc", "cdc": {"table": "a.b", "operations": ["read", "insert"]}})"));
    CHECK(spec.cdc->operations == std::vector<std::string>{"read", "insert"});
    auto defaults = parse_trigger_spec(
        json::parse(R"({"name": "m", "type": "cdc", "cdc": {"table": "public.monitors"}})"));
    CHECK(std::find(defaults.cdc->operations.begin(), defaults.cdc->operations.end(), "read") ==
          defaults.cdc->operations.end());
}

TEST_CASE("every problem is reported with its pointer") {
    CHECK(problems(json::array()) == std::vector<std::string>{""});
    CHECK(problems(json::object()) == std::vector<std::string>{"/name", "/type"});
    CHECK(problems(json{{"name", ""}, {"type", "api"}}) == std::vector<std::string>{"/name"});
    CHECK(problems(json{{"name", 5}, {"type", "cron"}}) ==
          std::vector<std::string>{"/name", "/type"});
    CHECK(problems(json{{"name", "x"}, {"type", "api"}, {"colour", "red"}}) ==
          std::vector<std::string>{"/colour"});
    CHECK(problems(json{{"name", "x"}, {"type", "scheduled"}}) ==
          std::vector<std::string>{"/schedule"});
    CHECK(problems(json{{"name", "x"}, {"type", "api"}, {"schedule", {{"cron", "* * * * *"}}}}) ==
          std::vector<std::string>{"/schedule"});
    CHECK(problems(json::parse(
              R"({"name": "x", "type": "scheduled", "schedule": {"interval_seconds": 0}})")) ==
          std::vector<std::string>{"/schedule/interval_seconds"});
    CHECK(
        problems(json::parse(
            R"({"name": "x", "type": "scheduled", "schedule": {"cron": "* * *", "timezone": "Mars/Olympus"}})")) ==
        std::vector<std::string>{"/schedule/cron", "/schedule/timezone"});
    CHECK(
        problems(json::parse(
            R"({"name": "x", "type": "api", "target": {"url": "ftp://x", "method": "GET", "timeout_ms": 1e12}})")) ==
        std::vector<std::string>{"/target/url", "/target/method", "/target/timeout_ms"});
    CHECK(
        problems(json::parse(
            R"({"name": "x", "type": "api", "retry": {"initial_backoff_ms": 5000, "max_backoff_ms": 100}})")) ==
        std::vector<std::string>{"/retry/max_backoff_ms"});
    CHECK(
        problems(json::parse(
            R"({"name": "x", "type": "api", "target": {"url": "http://h", "headers": {"Bad Name": "v", "X-Ok": "a\nb"}}})")) ==
        std::vector<std::string>{"/target/headers/Bad Name", "/target/headers/X-Ok"});
}

TEST_CASE("the API representation never shows the secret") {
    etp::Trigger t;
    t.id = *etp::TriggerId::parse("0190f1a2-3b4c-7d5e-8f60-0123456789ab");
    t.spec = parse_trigger_spec(json::parse(
        R"({"name": "x", "type": "api", "target": {"url": "http://h/x", "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}})"));
    json j = etp::to_json(t);
    CHECK_FALSE(j["target"].contains("secret"));
    CHECK(j.dump().find("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") == std::string::npos);
    CHECK(j["id"] == "0190f1a2-3b4c-7d5e-8f60-0123456789ab");
}

TEST_CASE("scheduled triggers show their schedule state; other types do not") {
    etp::Trigger t;
    t.id = *etp::TriggerId::parse("0190f1a2-3b4c-7d5e-8f60-0123456789ab");
    t.spec = parse_trigger_spec(json::parse(
        R"({"name": "once", "type": "scheduled", "schedule": {"at": "2026-11-22T10:00:00Z"}})"));

    // No schedules row read (or not planned yet): every field present and null.
    json unplanned = etp::to_json(t);
    CHECK(unplanned["next_fire_at"].is_null());
    CHECK(unplanned["last_fired_at"].is_null());
    CHECK(unplanned["completed_at"].is_null());
    CHECK(unplanned.contains("next_fire_at"));

    auto fired = *etp::parse_rfc3339("2026-11-22T10:00:00Z");
    auto done = *etp::parse_rfc3339("2026-11-22T10:00:00.123456Z");
    t.schedule_state = etp::ScheduleState{std::nullopt, fired, done};
    t.spec.active = false;
    json completed = etp::to_json(t);
    CHECK(completed["next_fire_at"].is_null());
    CHECK(completed["last_fired_at"] == "2026-11-22T10:00:00.000000Z");
    CHECK(completed["completed_at"] == "2026-11-22T10:00:00.123456Z");
    CHECK(completed["active"] == false);

    t.schedule_state = etp::ScheduleState{fired, std::nullopt, std::nullopt};
    CHECK(etp::to_json(t)["next_fire_at"] == "2026-11-22T10:00:00.000000Z");

    etp::Trigger api;
    api.id = t.id;
    api.spec = parse_trigger_spec(json::parse(R"({"name": "x", "type": "api"})"));
    api.schedule_state = etp::ScheduleState{fired, fired, fired};  // ignored: not scheduled
    json j = etp::to_json(api);
    CHECK_FALSE(j.contains("next_fire_at"));
    CHECK_FALSE(j.contains("last_fired_at"));
    CHECK_FALSE(j.contains("completed_at"));
}

namespace {
// Every problem parse_trigger_spec reports for body, as "pointer: message".
std::vector<std::string> messages(const json& body) {
    try {
        parse_trigger_spec(body);
    } catch (const etp::ValidationError& e) {
        std::vector<std::string> out;
        for (const auto& f : e.errors()) out.push_back(f.pointer + ": " + f.message);
        return out;
    }
    return {};
}
}  // namespace

TEST_CASE("the cron expression is parsed, and its problem named") {
    auto body = [](const char* cron) {
        return json{{"name", "x"}, {"type", "scheduled"}, {"schedule", {{"cron", cron}}}};
    };
    CHECK(messages(body("0 25 * * *")) ==
          std::vector<std::string>{"/schedule/cron: hour: 25 is out of range 0-23"});
    CHECK(messages(body("*/0 * * * *")) ==
          std::vector<std::string>{"/schedule/cron: minute: step 0 is out of range 1-59"});
    CHECK(messages(body("0 0 * * FUN")) ==
          std::vector<std::string>{
              "/schedule/cron: day-of-week: \"FUN\" is not a number or day name (SUN-SAT)"});
    for (const char* ok : {"@daily", "0 9 * * MON-FRI", "*/30 * * * * *", "0 0 29 2 *"}) {
        INFO(ok);
        CHECK(parse_trigger_spec(body(ok)).schedule->cron == ok);
    }
}

TEST_CASE("the api schema must be a valid JSON Schema") {
    auto body = [](const json& schema) {
        return json{{"name", "x"}, {"type", "api"}, {"api_schema", schema}};
    };
    auto spec = parse_trigger_spec(body(json::parse(
        R"({"type": "object", "properties": {"n": {"type": "integer", "minimum": 1}}})")));
    CHECK(spec.api_schema["properties"]["n"]["minimum"] == 1);
    CHECK(messages(body(json::parse(R"({"type": 12})"))) ==
          std::vector<std::string>{
              "/api_schema: is not a valid JSON Schema (draft 7): JSON value is not a string."});
    CHECK(messages(body(json::parse(R"({"minimum": "x"})"))) ==
          std::vector<std::string>{"/api_schema: is not a valid JSON Schema (draft 7): Expected "
                                   "numeric value for minimum constraint."});
    CHECK(problems(body(json::parse(R"({"$ref": "https://example.com/schema.json"})"))) ==
          std::vector<std::string>{"/api_schema"});
    // A short form with an unknown type name is refused at that field (it would otherwise be a
    // JSON Schema of unknown keywords, which accepts everything).
    CHECK(problems(body(json::parse(R"({"amount": "money"})"))) ==
          std::vector<std::string>{"/api_schema/amount"});
    CHECK(problems(body(json::parse(R"({"properties": "amount"})"))) ==
          std::vector<std::string>{"/api_schema"});
}

TEST_CASE("the cdc filter must be a valid event pattern") {
    auto body = [](const json& filter) {
        return json{{"name", "m"},
                    {"type", "cdc"},
                    {"cdc", {{"table", "public.monitors"}, {"filter", filter}}}};
    };
    auto spec = parse_trigger_spec(body(json::parse(
        R"({"op": ["u"], "after": {"status": ["down"]},
            "before": {"status": [{"anything-but": "down"}]}})")));
    CHECK(spec.cdc->filter["op"] == json::array({"u"}));
    CHECK(parse_trigger_spec(body(nullptr)).cdc->filter.is_null());
    CHECK(messages(body(json::array({"u"}))) ==
          std::vector<std::string>{"/cdc/filter: must be a JSON object (an event pattern)"});
    CHECK(problems(body(json::parse(
              R"({"op": "u", "after": {"status": [{"numeric": ["<>", 1]}, {"sufix": "x"}]}})"))) ==
          std::vector<std::string>{"/cdc/filter/after/status/0/numeric/0",
                                   "/cdc/filter/after/status/1/sufix", "/cdc/filter/op"});
}

TEST_CASE("problems in cron, schema and filter are reported with all the others") {
    CHECK(problems(json::parse(
              R"({"name": "", "type": "scheduled",
                  "schedule": {"cron": "0 0 31 13 *", "timezone": "Mars/Olympus"},
                  "target": {"url": "ftp://x"}})")) ==
          std::vector<std::string>{"/name", "/schedule/cron", "/schedule/timezone", "/target/url"});
    CHECK(problems(json::parse(
              R"({"name": "x", "type": "api", "api_schema": {"type": 12},
                  "retry": {"max_attempts": 0}})")) ==
          std::vector<std::string>{"/api_schema", "/retry/max_attempts"});
    CHECK(problems(json::parse(
              R"({"name": "x", "type": "cdc",
                  "cdc": {"table": "monitors", "filter": {"op": []}, "colour": 1}})")) ==
          std::vector<std::string>{"/cdc/table", "/cdc/filter/op", "/cdc/colour"});
}

TEST_CASE("a short-form schema with an unknown type name is refused at that field") {
    CHECK(
        problems(json::parse(
            R"({"name": "pay", "type": "api", "api_schema": {"amount": "money", "currency": "str"}})")) ==
        std::vector<std::string>{"/api_schema/amount"});
    // A JSON Schema whose values happen to be strings is not mistaken for the short form.
    auto spec = parse_trigger_spec(json::parse(
        R"({"name": "pay", "type": "api", "api_schema": {"type": "object", "title": "Payment"}})"));
    CHECK(spec.api_schema["title"] == "Payment");
}

TEST_CASE("a target secret must be whsec_ and base64 of 24 to 64 bytes") {
    auto body = [](const json& secret) {
        return json{{"name", "x"},
                    {"type", "api"},
                    {"target", {{"url", "https://example.com/hook"}, {"secret", secret}}}};
    };
    std::string generated = etp::webhook::generate_secret();
    CHECK(parse_trigger_spec(body(generated)).target->secret == generated);
    CHECK(messages(body("0123456789abcdefXYZ")) ==
          std::vector<std::string>{"/target/secret: must start with whsec_"});
    CHECK(messages(body("")) == std::vector<std::string>{"/target/secret: must start with whsec_"});
    for (const char* bad :
         {"whsec_", "whsec_0123456789abcdef", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2La",
          "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw=", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2La_aSw"}) {
        INFO(bad);
        CHECK(messages(body(bad)) ==
              std::vector<std::string>{
                  "/target/secret: must be whsec_ followed by base64 of 24 to 64 bytes"});
    }
    CHECK(messages(body(12)) == std::vector<std::string>{"/target/secret: must be a string"});
    // A long secret is judged by its decoded length, not by a character count of its own.
    CHECK(messages(body("whsec_" + std::string(86, 'A') + "==")).empty());  // 64 bytes
    CHECK(messages(body("whsec_" + std::string(88, 'A'))) ==                // 66 bytes
          std::vector<std::string>{
              "/target/secret: must be whsec_ followed by base64 of 24 to 64 bytes"});
    // Reported together with the target's other problems.
    CHECK(problems(json::parse(
              R"({"name": "x", "type": "api", "target": {"url": "ftp://x", "secret": "s"}})")) ==
          std::vector<std::string>{"/target/url", "/target/secret"});
}

TEST_CASE("redact_url_userinfo hides the password, or the whole user info without one") {
    using etp::redact_url_userinfo;
    CHECK(redact_url_userinfo("https://u:p@h.example/x") == "https://u:********@h.example/x");
    CHECK(redact_url_userinfo("https://token@h.example") == "https://********@h.example");
    CHECK(redact_url_userinfo("http://u:p:q@[::1]:80/a@b?c=@") ==
          "http://u:********@[::1]:80/a@b?c=@");
    // The host is after the last '@' of the authority, as the dispatcher parses it.
    CHECK(redact_url_userinfo("https://a@b:c@h.example/") == "https://a@b:********@h.example/");
    CHECK(redact_url_userinfo("https://h.example/p@q") == "https://h.example/p@q");
    CHECK(redact_url_userinfo("https://h.example?u=a@b") == "https://h.example?u=a@b");
    CHECK(redact_url_userinfo("not a url @") == "not a url @");
}
