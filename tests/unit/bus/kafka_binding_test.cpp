// The CloudEvents Kafka protocol binding, structured mode: every CloudEvent the platform produces
// goes out with content-type and ce_* headers that repeat its JSON body's attributes, so a
// consumer that reads only headers and one that reads only the body see the same event.
#include <catch2/catch.hpp>
#include <map>

#include "etp/bus/cloud_event.hpp"
#include "etp/bus/event_message.hpp"
#include "etp/bus/firing.hpp"
#include "etp/bus/trigger_change.hpp"

using namespace etp;
using nlohmann::json;

namespace {

constexpr const char* kContentType = "application/cloudevents+json; charset=UTF-8";
constexpr const char* kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

bus::CloudEvent sample() {
    bus::CloudEvent event;
    event.id = "0b9a1c6e-2f4d-4e3a-9a51-6f1d2c3b4a59";
    event.source = "/etp/api-gateway";
    event.type = "etp.trigger.fired";
    event.subject = "7f1e7c4a-0c2b-4b8e-9d3f-2a1b0c9d8e7f";
    event.time = "2024-03-01T12:00:00.123Z";
    event.data = {{"n", 1}};
    event.extensions = {{"traceparent", "00-abc-def-01"}};
    return event;
}

// name -> value; fails on a repeated name.
std::map<std::string, std::string> by_name(const std::vector<bus::Header>& headers) {
    std::map<std::string, std::string> out;
    for (const auto& h : headers) {
        INFO("header " << h.key);
        CHECK(out.emplace(h.key, h.value).second);
    }
    return out;
}

// The headers of a produced message say what its body says.
void check_headers_match_body(const bus::OutgoingMessage& message) {
    INFO(message.topic << " " << message.key);
    REQUIRE(message.value);
    const json body = json::parse(*message.value);
    const auto headers = by_name(message.headers);
    CHECK(headers.at("content-type") == kContentType);
    for (const char* attribute : {"specversion", "id", "source", "type", "subject", "time"}) {
        INFO(attribute);
        const std::string name = std::string("ce_") + attribute;
        if (body.contains(attribute)) {
            REQUIRE(headers.count(name) == 1);
            CHECK(headers.at(name) == body[attribute].get<std::string>());
        } else {
            CHECK(headers.count(name) == 0);
        }
    }
    CHECK(body.contains("time"));  // every message the platform produces has a time
}

Event sample_event() {
    Event e;
    e.id = EventId{new_uuid_v7()};
    e.trigger_id = TriggerId{new_uuid_v7()};
    e.trigger_name = "orders";
    e.trigger_type = TriggerType::kApi;
    e.source = std::string(kSourceApi);
    e.payload = {{"amount", 12.5}};
    e.triggered_at = now_utc();
    e.logged_at = e.triggered_at;
    return e;
}

Trigger sample_trigger(const std::string& secret) {
    json body = {{"name", "hooked"},
                 {"type", "api"},
                 {"target", {{"url", "https://example.com/hook"}, {"secret", secret}}}};
    return Trigger{TriggerId{new_uuid_v7()}, parse_trigger_spec(body), 3,
                   now_utc() - std::chrono::hours(1), now_utc()};
}

}  // namespace

TEST_CASE("kafka_headers carries content-type and every ce_ attribute with the body's values",
          "[kafka_binding]") {
    const bus::CloudEvent event = sample();
    const auto headers = by_name(bus::kafka_headers(event));
    CHECK(headers == std::map<std::string, std::string>{
                         {"content-type", "application/cloudevents+json; charset=UTF-8"},
                         {"ce_specversion", "1.0"},
                         {"ce_id", "0b9a1c6e-2f4d-4e3a-9a51-6f1d2c3b4a59"},
                         {"ce_source", "/etp/api-gateway"},
                         {"ce_type", "etp.trigger.fired"},
                         {"ce_subject", "7f1e7c4a-0c2b-4b8e-9d3f-2a1b0c9d8e7f"},
                         {"ce_time", "2024-03-01T12:00:00.123Z"},
                         // The distributed-tracing extension, as the W3C header names it.
                         {"traceparent", "00-abc-def-01"}});
    // content-type comes first, as the binding's examples show it.
    CHECK(bus::kafka_headers(event).front().key == "content-type");
}

TEST_CASE("kafka_headers leaves out ce_time and ce_subject when the event has none",
          "[kafka_binding]") {
    bus::CloudEvent event = sample();
    event.time.clear();
    event.subject.clear();
    const auto headers = by_name(bus::kafka_headers(event));
    CHECK(headers.count("ce_time") == 0);
    CHECK(headers.count("ce_subject") == 0);
    CHECK(headers.at("ce_id") == event.id);
    CHECK(headers.size() == 6);  // with traceparent
}

TEST_CASE("kafka_message is the structured-mode message: the whole CloudEvent as value",
          "[kafka_binding]") {
    const bus::CloudEvent event = sample();
    const auto message = bus::kafka_message("etp.trigger.fired", "k", event);
    CHECK(message.topic == "etp.trigger.fired");
    CHECK(message.key == "k");
    REQUIRE(message.value);
    CHECK(*message.value == bus::serialize(event));
    check_headers_match_body(message);
    // Extensions stay in the body only.
    CHECK(json::parse(*message.value)["traceparent"] == "00-abc-def-01");
    CHECK(by_name(message.headers).count("ce_traceparent") == 0);
}

TEST_CASE("every CloudEvent message the platform builds carries matching headers",
          "[kafka_binding]") {
    const bus::Topics topics("etp.");
    const Event e = sample_event();
    check_headers_match_body(bus::make_firing_message(topics, e, "api-gateway"));
    check_headers_match_body(bus::make_event_message(topics, e));
    check_headers_match_body(bus::make_dead_delivery_message(
        topics, {e, 1, 8, 503, "HTTP 503", "https://example.com/hook"}));
    for (auto type : {bus::kEventsArchivedType, bus::kEventsDeletedType})
        check_headers_match_body(bus::make_retention_summary_message(
            topics, {type, 3, now_utc() - std::chrono::hours(2), now_utc()}));
    check_headers_match_body(
        bus::make_trigger_change_message(topics, sample_trigger(std::string(kSecret))));
}

TEST_CASE("a trigger change is an etp.trigger.changed CloudEvent of the trigger, keyed by id",
          "[kafka_binding]") {
    const std::string secret = kSecret;
    const Trigger trigger = sample_trigger(secret);
    const auto message = bus::make_trigger_change_message(bus::Topics("x."), trigger);
    CHECK(message.topic == "x.trigger.changes");
    CHECK(message.key == trigger.id.to_string());
    REQUIRE(message.value);
    CHECK(message.value->find(secret) == std::string::npos);  // write-only, never published
    const bus::CloudEvent ce = bus::parse_cloud_event(*message.value);
    CHECK(ce.type == "etp.trigger.changed");
    CHECK(ce.source == "/etp/api-gateway");
    CHECK(ce.subject == trigger.id.to_string());
    CHECK(ce.time == format_rfc3339(trigger.updated_at));
    CHECK(ce.data == to_json(trigger));
    CHECK(ce.data["version"] == 3);
    CHECK_FALSE(ce.data["target"].contains("secret"));
    // Each publication is its own notification.
    CHECK(
        bus::parse_cloud_event(*bus::make_trigger_change_message(bus::Topics("x."), trigger).value)
            .id != ce.id);
}

TEST_CASE("a deleted trigger is a tombstone: its id as key, no value, no headers",
          "[kafka_binding]") {
    const TriggerId id{new_uuid_v7()};
    const auto message = bus::make_trigger_tombstone(bus::Topics("etp."), id);
    CHECK(message.topic == "etp.trigger.changes");
    CHECK(message.key == id.to_string());
    CHECK_FALSE(message.value.has_value());
    CHECK(message.headers.empty());
}

TEST_CASE("an event's trace travels as the distributed-tracing extension and W3C headers",
          "[kafka_binding][trace]") {
    const bus::Topics topics("etp.");
    Event e = sample_event();
    auto trace = parse_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    REQUIRE(trace);
    trace->tracestate = "congo=t61rcWkgMzE";
    e.trace = trace;
    const std::vector<bus::OutgoingMessage> messages = {
        bus::make_firing_message(topics, e, "api-gateway"), bus::make_event_message(topics, e),
        bus::make_dead_delivery_message(topics, {e, 1, 8, 503, "HTTP 503", "https://x.test/"})};
    for (const auto& message : messages) {
        INFO(message.topic);
        const json body = json::parse(*message.value);
        CHECK(body.at("traceparent") == trace->traceparent());
        CHECK(body.at("tracestate") == "congo=t61rcWkgMzE");
        const auto headers = by_name(message.headers);
        CHECK(headers.at("traceparent") == trace->traceparent());
        CHECK(headers.at("tracestate") == "congo=t61rcWkgMzE");
    }
    // The dispatcher reads it back from the firing.
    bus::Message received;
    received.value = messages.front().value;
    Event parsed = bus::parse_firing_message(received);
    CHECK(parsed.trace == e.trace);

    // No tracestate: neither attribute nor header; no trace: no traceparent either.
    e.trace->tracestate.clear();
    auto without_state = bus::make_firing_message(topics, e, "api-gateway");
    CHECK_FALSE(json::parse(*without_state.value).contains("tracestate"));
    CHECK(by_name(without_state.headers).count("tracestate") == 0);
    e.trace.reset();
    auto untraced = bus::make_firing_message(topics, e, "api-gateway");
    CHECK_FALSE(json::parse(*untraced.value).contains("traceparent"));
    CHECK(by_name(untraced.headers).count("traceparent") == 0);
    received.value = untraced.value;
    CHECK_FALSE(bus::parse_firing_message(received).trace);
}

TEST_CASE("a firing with an invalid traceparent attribute parses without a trace",
          "[kafka_binding][trace]") {
    const bus::Topics topics("etp.");
    const auto message = bus::make_firing_message(topics, sample_event(), "api-gateway");
    json body = json::parse(*message.value);
    body["traceparent"] = "00-00000000000000000000000000000000-b7ad6b7169203331-01";
    body["tracestate"] = "congo=1";
    bus::Message received;
    received.value = body.dump();
    CHECK_FALSE(bus::parse_firing_message(received).trace);
}
