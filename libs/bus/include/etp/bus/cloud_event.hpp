#pragma once
// CloudEvents 1.0 envelope, structured JSON mode: {specversion, id, source, type, subject?,
// time, datacontenttype, data, <extensions>}.

#include <nlohmann/json.hpp>
#include <string>

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

}  // namespace etp::bus
