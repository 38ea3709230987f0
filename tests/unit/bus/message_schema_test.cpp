// The messages the services produce match the JSON Schemas in proto/kafka/, which are the
// contract for consumers outside the platform.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "etp/bus/event_message.hpp"
#include "etp/bus/firing.hpp"
#include "etp/bus/trigger_change.hpp"
#include "etp/domain/payload_schema.hpp"

using namespace etp;
using nlohmann::json;

namespace {

std::shared_ptr<const PayloadSchema> schema(const std::string& type) {
    std::ifstream in(std::string(ETP_PROTO_DIR) + "/kafka/" + type + ".schema.json");
    REQUIRE(in);
    std::stringstream text;
    text << in.rdbuf();
    return PayloadSchema::compile(json::parse(text.str()), "");
}

std::string problems(const std::vector<FieldError>& errors) {
    std::string out;
    for (const auto& e : errors) out += e.pointer + ": " + e.message + "\n";
    return out;
}

Event sample_event() {
    Event e;
    e.id = EventId{new_uuid_v7()};
    e.trigger_id = TriggerId{new_uuid_v7()};
    e.trigger_name = "orders";
    e.trigger_type = TriggerType::kScheduled;
    e.source = std::string(kSourceSchedule);
    e.payload = {{"amount", 12.5}, {"tags", {"a", "b"}}};
    e.triggered_at = now_utc();
    e.scheduled_for = e.triggered_at;
    e.logged_at = e.triggered_at;
    return e;
}

}  // namespace

TEST_CASE("etp.trigger.fired messages match their schema, with and without a target") {
    bus::Topics topics("etp.");
    Event e = sample_event();
    auto s = schema("etp.trigger.fired");
    auto message = bus::make_firing_message(topics, e, "scheduler");
    CHECK(problems(s->validate(json::parse(*message.value))) == "");
    e.trace = new_trace();
    e.trace->tracestate = "congo=t61rcWkgMzE";
    message = bus::make_firing_message(topics, e, "api-gateway");
    CHECK(problems(s->validate(json::parse(*message.value))) == "");
    Target target;
    target.url = "https://example.com/hook";
    target.secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    e.target = target;
    message = bus::make_firing_message(topics, e, "api-gateway");
    CHECK(problems(s->validate(json::parse(*message.value))) == "");
}

TEST_CASE("etp.event.logged messages match their schema and are keyed by trigger") {
    bus::Topics topics("etp.");
    Event e = sample_event();
    auto message = bus::make_event_message(topics, e);
    CHECK(message.topic == "etp.events");
    CHECK(message.key == e.trigger_id.to_string());
    json value = json::parse(*message.value);
    CHECK(problems(schema("etp.event.logged")->validate(value)) == "");
    CHECK(value["id"] == e.id.to_string());
    CHECK(value["data"]["payload"] == e.payload);
    // Logged without a trace, it is in the one derived from the event id.
    CHECK(value["traceparent"] == trace_for_event(e.id).traceparent());
    // The schema is strict enough to catch a broken message.
    value["data"].erase("triggered_at");
    CHECK_FALSE(schema("etp.event.logged")->validate(value).empty());
}

TEST_CASE("a logged event never carries an unsaved definition's target or secret") {
    Event e = sample_event();
    Target target;
    target.url = "https://example.com/hook";
    target.secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    e.target = target;
    std::string text = bus::serialize_logged_event(e);
    CHECK(text.find("whsec_") == std::string::npos);
    CHECK(text.find("example.com") == std::string::npos);
}

TEST_CASE("etp.delivery.dead messages match their schema and are keyed by event") {
    bus::Topics topics("etp.");
    Event e = sample_event();
    bus::DeadDelivery dead{e, 2, 8, 503, "HTTP 503", "https://example.com/hook"};
    auto message = bus::make_dead_delivery_message(topics, dead);
    CHECK(message.topic == "etp.deliveries.dead");
    CHECK(message.key == e.id.to_string());
    json value = json::parse(*message.value);
    CHECK(problems(schema("etp.delivery.dead")->validate(value)) == "");
    CHECK(value["data"]["delivery"] == 2);
    CHECK(value["data"]["last_http_status"] == 503);
    // The same delivery always gets the same CloudEvent id, so a repeat can be dropped.
    CHECK(json::parse(*bus::make_dead_delivery_message(topics, dead).value)["id"] == value["id"]);
}

TEST_CASE("retention summaries match their schemas, on etp.events under one key") {
    bus::Topics topics("etp.");
    const Timestamp started = now_utc();
    for (auto type : {bus::kEventsArchivedType, bus::kEventsDeletedType}) {
        INFO(type);
        auto message = bus::make_retention_summary_message(
            topics, {type, 42, started - std::chrono::hours(2), started});
        CHECK(message.topic == "etp.events");
        CHECK(message.key == "retention");
        json value = json::parse(*message.value);
        CHECK(problems(schema(std::string(type))->validate(value)) == "");
        CHECK(value["type"] == type);
        CHECK(value["data"]["events"] == 42);
        CHECK(value["data"]["triggered_before"] == format_rfc3339(started - std::chrono::hours(2)));
        CHECK(value["time"] == format_rfc3339(started));
        // The other type's schema refuses it.
        auto other =
            type == bus::kEventsArchivedType ? bus::kEventsDeletedType : bus::kEventsArchivedType;
        CHECK(problems(schema(std::string(other))->validate(value)) != "");
    }
}

TEST_CASE("etp.trigger.changed messages match their schema for every trigger type") {
    bus::Topics topics("etp.");
    auto s = schema("etp.trigger.changed");
    const json target = {{"url", "https://example.com/hook"},
                         {"headers", {{"X-Team", "ops"}}},
                         {"secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}};
    const std::vector<json> definitions = {
        {{"name", "api"}, {"type", "api"}},
        {{"name", "api with schema"},
         {"type", "api"},
         {"api_schema", {{"amount", "float"}}},
         {"target", target}},
        {{"name", "cron"},
         {"type", "scheduled"},
         {"schedule", {{"cron", "0 * * * *"}, {"timezone", "Europe/Berlin"}}},
         {"payload", {{"n", 1}}}},
        {{"name", "once"},
         {"type", "scheduled"},
         {"schedule", {{"at", "2030-01-01T00:00:00Z"}}},
         {"active", false}},
        {{"name", "rows"},
         {"type", "cdc"},
         {"cdc", {{"table", "public.orders"}, {"filter", {{"op", {"u"}}}}}},
         {"target", target}},
    };
    for (const auto& definition : definitions) {
        INFO(definition.dump());
        Trigger trigger{TriggerId{new_uuid_v7()}, parse_trigger_spec(definition), 2,
                        now_utc() - std::chrono::minutes(5), now_utc()};
        if (trigger.spec.type == TriggerType::kScheduled)
            trigger.schedule_state =
                ScheduleState{now_utc() + std::chrono::hours(1), std::nullopt, std::nullopt};
        auto message = bus::make_trigger_change_message(topics, trigger);
        json value = json::parse(*message.value);
        CHECK(problems(s->validate(value)) == "");
        CHECK(value["subject"] == message.key);
        // The schema is strict enough to catch a leaked secret or a field of another type.
        if (value["data"]["target"].is_object()) {
            json leaked = value;
            leaked["data"]["target"]["secret"] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
            CHECK_FALSE(s->validate(leaked).empty());
        }
        json mixed = value;
        mixed["data"][trigger.spec.type == TriggerType::kCdc ? "api_schema" : "cdc"] =
            json::object();
        CHECK_FALSE(s->validate(mixed).empty());
    }
}
