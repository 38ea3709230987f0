// An api trigger's schema, as the gateway takes it: parse_trigger_spec with `api_schema` in the
// short form ({"amount": "float"}) or as a JSON Schema, then PayloadSchema::compile and
// validate. The input is a JSON array: [schema, payload, ...]. Properties: only
// ValidationError comes out of parsing; a schema the trigger accepted compiles again; validate()
// is deterministic, lists at most 101 entries and locates each by a JSON pointer; a short-form
// schema accepts an object that has each field with a value of its type.

#include <cstddef>
#include <memory>
#include <string>

#include "etp/domain/error.hpp"
#include "etp/domain/payload_schema.hpp"
#include "etp/domain/trigger.hpp"
#include "fuzz_check.hpp"

using etp::PayloadSchema;
using etp::fuzz::check;
using nlohmann::json;

namespace {

// A value of a short-form type name, or null when `type` is none.
json sample_of(const std::string& type) {
    if (type == "int" || type == "integer") return 1;
    if (type == "float" || type == "number") return 1.5;
    if (type == "str" || type == "string") return "s";
    if (type == "bool" || type == "boolean") return true;
    if (type == "object" || type == "dict") return json::object();
    if (type == "list" || type == "array") return json::array();
    return nullptr;
}

// For a short-form schema: an object with every field set to a value of its type.
std::optional<json> short_form_sample(const json& schema) {
    if (!schema.is_object() || schema.empty()) return std::nullopt;
    json sample = json::object();
    for (const auto& [name, type] : schema.items()) {
        if (!type.is_string()) return std::nullopt;
        json value = sample_of(type.get<std::string>());
        if (value.is_null()) return std::nullopt;
        sample[name] = value;
    }
    return sample;
}

void check_report(const PayloadSchema& schema, const json& payload) {
    const auto errors = schema.validate(payload);
    check(errors.size() <= PayloadSchema::kMaxListedViolations + 1,
          "schema: more violations listed than the limit");
    for (const auto& error : errors)
        check(error.pointer.empty() || error.pointer.front() == '/',
              "schema: a violation is not located by a JSON pointer");
    check(schema.validate(payload) == errors, "schema: validating twice differs");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
    auto input = etp::fuzz::json_of(etp::fuzz::text_of(data, size));
    if (!input || !input->is_array() || input->empty()) return 0;
    const json body = {{"name", "fuzz"}, {"type", "api"}, {"api_schema", (*input)[0]}};
    etp::TriggerSpec spec;
    try {
        spec = etp::parse_trigger_spec(body);
    } catch (const etp::ValidationError&) {
        return 0;
    }
    if (spec.api_schema.is_null()) return 0;
    const auto schema = PayloadSchema::compile(spec.api_schema, "/api_schema");
    if (spec.api_schema != (*input)[0]) {
        auto sample = short_form_sample((*input)[0]);
        check(sample.has_value(), "schema: the trigger rewrote a schema not in the short form");
        check(schema->validate(*sample).empty(), "schema: the short form refuses a valid payload");
    }
    for (std::size_t i = 1; i < input->size(); ++i) check_report(*schema, (*input)[i]);
    return 0;
}
