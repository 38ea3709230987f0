#pragma once
// CloudEvents 1.0 envelope, structured JSON mode: {specversion, id, source, type, subject?,
// time, datacontenttype, data, <extensions>}.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "etp/bus/message.hpp"

namespace etp::bus {

struct CloudEvent {
    std::string id;
    std::string source;   // URI-reference, e.g. "/etp/api-gateway"
    std::string type;     // e.g. "etp.trigger.fired"
    std::string subject;  // optional; empty = absent
    std::string time;     // RFC 3339
    nlohmann::json data;
    nlohmann::json extensions = nlohmann::json::object();  // lower-case alphanumeric names
};

nlohmann::json to_json(const CloudEvent& event);
std::string serialize(const CloudEvent& event);
// Throws etp::ValidationError naming each missing or mistyped attribute.
CloudEvent parse_cloud_event(std::string_view text);
CloudEvent cloud_event_from_json(const nlohmann::json& json);

// The CloudEvents Kafka protocol binding, structured mode: the value is the whole CloudEvent
// JSON, and the headers repeat its attributes for consumers that route on headers alone.
inline constexpr std::string_view kStructuredContentType =
    "application/cloudevents+json; charset=UTF-8";

// content-type (kStructuredContentType), ce_specversion, ce_id, ce_source, ce_type, and
// ce_subject / ce_time when the event has them: the same values as serialize(event) holds.
// Extensions are not mapped.
std::vector<Header> kafka_headers(const CloudEvent& event);
// The message every CloudEvent goes to Kafka as: serialize(event) as the value, kafka_headers.
OutgoingMessage kafka_message(std::string topic, std::string key, const CloudEvent& event);

}  // namespace etp::bus
