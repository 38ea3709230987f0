#include "etp/bus/cloud_event.hpp"

#include <array>
#include <string_view>

#include "etp/domain/error.hpp"

namespace etp::bus {
namespace {

using nlohmann::json;

constexpr std::string_view kSpecVersion = "1.0";
constexpr std::string_view kContentType = "application/json";

// Context attributes the envelope knows; every other top-level member is an extension.
constexpr std::array<std::string_view, 8> kKnownMembers = {
    "specversion", "id", "source", "type", "subject", "time", "datacontenttype", "data"};

bool is_known(const std::string& key) {
    for (std::string_view known : kKnownMembers)
        if (key == known) return true;
    return false;
}

// A required, non-empty string attribute.
std::string required_string(const json& object, const char* name, std::vector<FieldError>& errors) {
    const std::string pointer = std::string("/") + name;
    auto it = object.find(name);
    if (it == object.end() || it->is_null()) {
        errors.push_back({pointer, "is required"});
        return {};
    }
    if (!it->is_string()) {
        errors.push_back({pointer, "must be a string"});
        return {};
    }
    std::string value = it->get<std::string>();
    if (value.empty()) errors.push_back({pointer, "must not be empty"});
    return value;
}

// An optional string attribute: absent and null both mean "not set".
std::string optional_string(const json& object, const char* name, std::vector<FieldError>& errors) {
    auto it = object.find(name);
    if (it == object.end() || it->is_null()) return {};
    if (!it->is_string()) {
        errors.push_back({std::string("/") + name, "must be a string"});
        return {};
    }
    return it->get<std::string>();
}

}  // namespace

nlohmann::json to_json(const CloudEvent& event) {
    json out = json::object();
    out["specversion"] = kSpecVersion;
    out["id"] = event.id;
    out["source"] = event.source;
    out["type"] = event.type;
    if (!event.subject.empty()) out["subject"] = event.subject;
    if (!event.time.empty()) out["time"] = event.time;
    if (!event.data.is_null()) {
        out["datacontenttype"] = kContentType;
        out["data"] = event.data;
    }
    if (event.extensions.is_object()) {
        // The context attributes above win over an extension of the same name.
        for (const auto& [name, value] : event.extensions.items()) out.emplace(name, value);
    }
    return out;
}

std::string serialize(const CloudEvent& event) { return to_json(event).dump(); }

std::vector<Header> kafka_headers(const CloudEvent& event) {
    std::vector<Header> headers;
    headers.reserve(9);
    headers.push_back({"content-type", std::string(kStructuredContentType)});
    headers.push_back({"ce_specversion", std::string(kSpecVersion)});
    headers.push_back({"ce_id", event.id});
    headers.push_back({"ce_source", event.source});
    headers.push_back({"ce_type", event.type});
    if (!event.subject.empty()) headers.push_back({"ce_subject", event.subject});
    if (!event.time.empty()) headers.push_back({"ce_time", event.time});
    if (event.extensions.is_object()) {
        for (const char* name : {"traceparent", "tracestate"}) {
            auto it = event.extensions.find(name);
            if (it != event.extensions.end() && it->is_string())
                headers.push_back({name, it->get<std::string>()});
        }
    }
    return headers;
}

OutgoingMessage kafka_message(std::string topic, std::string key, const CloudEvent& event) {
    return OutgoingMessage{std::move(topic), std::move(key), serialize(event),
                           kafka_headers(event)};
}

void set_trace(CloudEvent& event, const std::optional<TraceContext>& trace) {
    if (!trace) return;
    event.extensions["traceparent"] = trace->traceparent();
    if (!trace->tracestate.empty()) event.extensions["tracestate"] = trace->tracestate;
}

std::optional<TraceContext> trace_of(const CloudEvent& event) {
    if (!event.extensions.is_object()) return std::nullopt;
    auto text = [&](const char* name) -> std::optional<std::string_view> {
        auto it = event.extensions.find(name);
        if (it == event.extensions.end() || !it->is_string()) return std::nullopt;
        return it->get_ref<const std::string&>();
    };
    return trace_context_from_headers(text("traceparent"), text("tracestate"));
}

CloudEvent cloud_event_from_json(const nlohmann::json& json) {
    if (!json.is_object())
        throw ValidationError(std::vector<FieldError>{{"", "must be a JSON object"}});
    std::vector<FieldError> errors;
    auto version = json.find("specversion");
    if (version == json.end() || version->is_null()) {
        errors.push_back({"/specversion", "is required"});
    } else if (!version->is_string() || version->get<std::string>() != kSpecVersion) {
        errors.push_back({"/specversion", "must be \"1.0\""});
    }
    CloudEvent event;
    event.id = required_string(json, "id", errors);
    event.source = required_string(json, "source", errors);
    event.type = required_string(json, "type", errors);
    event.subject = optional_string(json, "subject", errors);
    event.time = optional_string(json, "time", errors);
    optional_string(json, "datacontenttype", errors);
    if (!errors.empty()) throw ValidationError(std::move(errors));
    if (auto data = json.find("data"); data != json.end()) event.data = *data;
    for (const auto& [name, value] : json.items()) {
        if (!is_known(name)) event.extensions[name] = value;
    }
    return event;
}

CloudEvent parse_cloud_event(std::string_view text) {
    nlohmann::json json;
    try {
        json = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {  // parse_error, and out_of_range for 1e400
        throw ValidationError(
            std::vector<FieldError>{{"", std::string("malformed JSON: ") + e.what()}});
    }
    return cloud_event_from_json(json);
}

}  // namespace etp::bus
