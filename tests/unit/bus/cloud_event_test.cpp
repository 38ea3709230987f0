#include "etp/bus/cloud_event.hpp"

#include <catch2/catch.hpp>

#include "etp/domain/error.hpp"

namespace {

using etp::FieldError;
using etp::ValidationError;
using etp::bus::CloudEvent;
using nlohmann::json;

CloudEvent sample() {
    CloudEvent event;
    event.id = "0b9a1c6e-2f4d-4e3a-9a51-6f1d2c3b4a59";
    event.source = "/etp/api-gateway";
    event.type = "etp.trigger.fired";
    event.subject = "trigger/42";
    event.time = "2024-03-01T12:00:00.123Z";
    event.data = {{"trigger_id", "42"}, {"payload", {{"n", 1}, {"list", {1, 2, 3}}}}};
    event.extensions = {{"traceparent", "00-abc-def-01"}, {"partitionkey", "42"}};
    return event;
}

json valid_json() { return etp::bus::to_json(sample()); }

std::vector<FieldError> errors_of(const json& value) {
    try {
        etp::bus::cloud_event_from_json(value);
    } catch (const ValidationError& e) {
        return e.errors();
    }
    FAIL("no ValidationError for " << value.dump());
    return {};
}

std::vector<FieldError> errors_of_text(std::string_view text) {
    try {
        etp::bus::parse_cloud_event(text);
    } catch (const ValidationError& e) {
        return e.errors();
    }
    FAIL("no ValidationError for " << text);
    return {};
}

void require_same(const CloudEvent& a, const CloudEvent& b) {
    CHECK(a.id == b.id);
    CHECK(a.source == b.source);
    CHECK(a.type == b.type);
    CHECK(a.subject == b.subject);
    CHECK(a.time == b.time);
    CHECK(a.data == b.data);
    CHECK(a.extensions == b.extensions);
}

}  // namespace

TEST_CASE("CloudEvent survives serialize and parse unchanged", "[cloud_event]") {
    const CloudEvent event = sample();
    require_same(etp::bus::parse_cloud_event(etp::bus::serialize(event)), event);
}

TEST_CASE("CloudEvent JSON has the structured-mode attributes", "[cloud_event]") {
    const json out = etp::bus::to_json(sample());
    CHECK(out["specversion"] == "1.0");
    CHECK(out["id"] == "0b9a1c6e-2f4d-4e3a-9a51-6f1d2c3b4a59");
    CHECK(out["source"] == "/etp/api-gateway");
    CHECK(out["type"] == "etp.trigger.fired");
    CHECK(out["subject"] == "trigger/42");
    CHECK(out["time"] == "2024-03-01T12:00:00.123Z");
    CHECK(out["datacontenttype"] == "application/json");
    CHECK(out["data"]["payload"]["n"] == 1);
    CHECK(out["traceparent"] == "00-abc-def-01");
    CHECK(out["partitionkey"] == "42");
}

TEST_CASE("CloudEvent without optional attributes round-trips", "[cloud_event]") {
    CloudEvent event;
    event.id = "1";
    event.source = "/s";
    event.type = "t";
    const json out = etp::bus::to_json(event);
    CHECK_FALSE(out.contains("subject"));
    CHECK_FALSE(out.contains("time"));
    CHECK_FALSE(out.contains("data"));
    require_same(etp::bus::cloud_event_from_json(out), event);
}

TEST_CASE("CloudEvent extensions never replace context attributes", "[cloud_event]") {
    CloudEvent event = sample();
    event.extensions["id"] = "forged";
    CHECK(etp::bus::to_json(event)["id"] == sample().id);
}

TEST_CASE("CloudEvent data may be any JSON value", "[cloud_event]") {
    for (const json& data : {json("text"), json(7), json::array({1, "a"}), json(false)}) {
        CloudEvent event = sample();
        event.data = data;
        CHECK(etp::bus::parse_cloud_event(etp::bus::serialize(event)).data == data);
    }
}

TEST_CASE("CloudEvent requires specversion 1.0", "[cloud_event]") {
    json value = valid_json();
    value.erase("specversion");
    CHECK(errors_of(value) == std::vector<FieldError>{{"/specversion", "is required"}});
    value["specversion"] = "0.3";
    CHECK(errors_of(value) == std::vector<FieldError>{{"/specversion", "must be \"1.0\""}});
    value["specversion"] = 1.0;
    CHECK(errors_of(value) == std::vector<FieldError>{{"/specversion", "must be \"1.0\""}});
}

TEST_CASE("CloudEvent requires id, source and type as non-empty strings", "[cloud_event]") {
    for (const char* name : {"id", "source", "type"}) {
        const std::string pointer = std::string("/") + name;
        json value = valid_json();
        value.erase(name);
        CHECK(errors_of(value) == std::vector<FieldError>{{pointer, "is required"}});
        value[name] = 17;
        CHECK(errors_of(value) == std::vector<FieldError>{{pointer, "must be a string"}});
        value[name] = "";
        CHECK(errors_of(value) == std::vector<FieldError>{{pointer, "must not be empty"}});
    }
}

TEST_CASE("CloudEvent optional attributes must be strings", "[cloud_event]") {
    for (const char* name : {"time", "subject", "datacontenttype"}) {
        json value = valid_json();
        value[name] = json::object();
        CHECK(errors_of(value) ==
              std::vector<FieldError>{{std::string("/") + name, "must be a string"}});
    }
}

TEST_CASE("CloudEvent reports every problem at once", "[cloud_event]") {
    const json value = {{"specversion", "2.0"}, {"source", 3}, {"type", ""}, {"time", 5}};
    CHECK(errors_of(value) == std::vector<FieldError>{{"/specversion", "must be \"1.0\""},
                                                      {"/id", "is required"},
                                                      {"/source", "must be a string"},
                                                      {"/type", "must not be empty"},
                                                      {"/time", "must be a string"}});
}

TEST_CASE("CloudEvent parse rejects malformed JSON and non-objects", "[cloud_event]") {
    auto malformed = errors_of_text("{\"specversion\": ");
    REQUIRE(malformed.size() == 1);
    CHECK(malformed[0].pointer == "");
    CHECK_THAT(malformed[0].message, Catch::StartsWith("malformed JSON"));

    CHECK(errors_of_text("[1, 2]") == std::vector<FieldError>{{"", "must be a JSON object"}});
}

// Found by tests/fuzz (cloud_event): a number too large for a double made nlohmann throw
// out_of_range, which the dispatcher's skip of malformed firings (ValidationError) missed.
TEST_CASE("CloudEvent parse rejects numbers out of range as malformed JSON", "[cloud_event]") {
    for (const char* text : {R"({"specversion": 1e400})", R"({"specversion": "1.0", "id": "1",
          "source": "/s", "type": "t", "data": {"amount": -3333333333e800000000016}})"}) {
        INFO(text);
        auto errors = errors_of_text(text);
        REQUIRE(errors.size() == 1);
        CHECK(errors[0].pointer == "");
        CHECK_THAT(errors[0].message, Catch::StartsWith("malformed JSON"));
    }
}

TEST_CASE("CloudEvent keeps unknown members as extensions", "[cloud_event]") {
    json value = valid_json();
    value["dataschema"] = "https://example.com/schema";
    value["retries"] = 3;
    const CloudEvent event = etp::bus::cloud_event_from_json(value);
    CHECK(event.extensions["dataschema"] == "https://example.com/schema");
    CHECK(event.extensions["retries"] == 3);
    CHECK_FALSE(event.extensions.contains("datacontenttype"));
    CHECK_FALSE(event.extensions.contains("id"));
}
