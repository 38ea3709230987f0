#pragma once
// What a consumer outside the platform relies on in a Kafka message: its value matches its JSON
// Schema in proto/kafka/, and a CloudEvent's headers (the CloudEvents Kafka binding, structured
// mode) repeat the attributes of its value. Each check returns what is wrong, "" when nothing.

#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "etp/bus/message.hpp"
#include "etp/domain/payload_schema.hpp"

namespace etp::e2e {

// `message` against proto/kafka/<type>.schema.json. Not thread-safe (caches the schemas).
inline std::string schema_problems(const std::string& type, const nlohmann::json& message) {
    static std::map<std::string, std::shared_ptr<const PayloadSchema>> schemas;
    auto& schema = schemas[type];
    if (!schema) {
        std::ifstream in(std::string(ETP_PROTO_DIR) + "/kafka/" + type + ".schema.json");
        if (!in) return "no schema proto/kafka/" + type + ".schema.json";
        std::stringstream text;
        text << in.rdbuf();
        schema = PayloadSchema::compile(nlohmann::json::parse(text.str()), "");
    }
    std::string out;
    for (const auto& e : schema->validate(message)) out += e.pointer + ": " + e.message + "\n";
    return out;
}

// content-type and ce_specversion, ce_id, ce_source, ce_type, ce_subject, ce_time: each header
// present exactly when its attribute is, with the same value.
inline std::string cloud_event_header_problems(const bus::Message& message) {
    if (!message.value) return "no value";
    const auto value = nlohmann::json::parse(*message.value, nullptr, false);
    if (!value.is_object()) return "the value is no JSON object";
    std::string out;
    std::map<std::string, int> seen;
    for (const auto& h : message.headers) ++seen[h.key];
    for (const auto& [name, count] : seen)
        if (count > 1) out += name + " appears " + std::to_string(count) + " times\n";
    if (message.header("content-type") != "application/cloudevents+json; charset=UTF-8")
        out += "content-type is '" + message.header("content-type").value_or("(none)") + "'\n";
    for (const char* attribute : {"specversion", "id", "source", "type", "subject", "time"}) {
        const std::string name = std::string("ce_") + attribute;
        const auto header = message.header(name);
        if (!value.contains(attribute)) {
            if (header) out += name + " is set, but the value has no " + attribute + "\n";
        } else if (header != value[attribute].get<std::string>()) {
            out += name + " is '" + header.value_or("(none)") + "', the value's " + attribute +
                   " is '" + value[attribute].get<std::string>() + "'\n";
        }
    }
    return out;
}

}  // namespace etp::e2e
