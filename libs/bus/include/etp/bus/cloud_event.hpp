#pragma once
// CloudEvents 1.0 envelope, structured JSON mode: {specversion, id, source, type, subject?,
// time, datacontenttype, data, <extensions>}.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "etp/bus/message.hpp"
#include "etp/domain/trace_context.hpp"

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
// Of the extensions only the distributed-tracing ones are mapped, as the W3C headers
// `traceparent` and `tracestate` (when the event has them as strings).
std::vector<Header> kafka_headers(const CloudEvent& event);
// The message every CloudEvent goes to Kafka as: serialize(event) as the value, kafka_headers.
OutgoingMessage kafka_message(std::string topic, std::string key, const CloudEvent& event);

// The CloudEvents distributed-tracing extension: `traceparent` and, when not empty,
// `tracestate`. Nothing is set for nullopt.
void set_trace(CloudEvent& event, const std::optional<TraceContext>& trace);
// The event's trace: nullopt when it has no traceparent or an invalid one.
std::optional<TraceContext> trace_of(const CloudEvent& event);

}  // namespace etp::bus
