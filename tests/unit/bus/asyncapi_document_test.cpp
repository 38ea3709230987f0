// The AsyncAPI document (proto/asyncapi.yaml, converted to JSON at build time like openapi.yaml):
// an AsyncAPI 3.0 structure whose channels are exactly the platform's topics, whose references
// all resolve, whose payloads are the JSON Schemas in proto/kafka/, and whose CloudEvent headers
// are the ones the code sends.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "../json_refs.hpp"
#include "etp/bus/cloud_event.hpp"
#include "etp/bus/topics.hpp"
#include "etp/domain/payload_schema.hpp"

using nlohmann::json;

namespace {

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    if (!in) return {};
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

const json& doc() {
    static const json kDoc = json::parse(read_text(ETP_ASYNCAPI_JSON));
    return kDoc;
}

// "#/components/messages/x" -> the node, or nullptr when it does not resolve.
const json* lookup(const std::string& ref) {
    if (ref.rfind("#/", 0) != 0) return nullptr;
    try {
        return &doc().at(json::json_pointer(ref.substr(1)));
    } catch (const json::exception&) {
        return nullptr;
    }
}

const json& resolve(const json& node) {
    if (!node.is_object() || !node.contains("$ref")) return node;
    const json* target = lookup(node.at("$ref").get<std::string>());
    REQUIRE(target != nullptr);
    return *target;
}

using etp::testing::collect_refs;

// The payload schema file a message names ("kafka/x.schema.json"), or "" when it names none.
std::string payload_file(const json& message) {
    const json& payload = message.at("payload");
    const json& schema = payload.contains("schemaFormat") ? payload.at("schema") : payload;
    return schema.is_object() && schema.contains("$ref") ? schema.at("$ref").get<std::string>()
                                                         : "";
}

}  // namespace

TEST_CASE("the AsyncAPI document is an AsyncAPI 3.0 document", "[asyncapi]") {
    REQUIRE(doc().is_object());
    CHECK(doc().at("asyncapi") == "3.0.0");
    CHECK(doc().at("info").at("title").is_string());
    CHECK(doc().at("info").at("version").is_string());
    for (const char* member : {"channels", "operations", "components"}) {
        INFO(member);
        CHECK(doc().at(member).is_object());
    }
    CHECK(doc().at("components").at("messages").is_object());
}

TEST_CASE("the AsyncAPI channels are exactly the platform's topics", "[asyncapi]") {
    std::multiset<std::string> addresses;
    for (const auto& [name, channel] : doc().at("channels").items()) {
        INFO(name);
        REQUIRE(channel.contains("address"));
        addresses.insert(channel.at("address").get<std::string>());
        CHECK(channel.at("messages").is_object());
        CHECK_FALSE(channel.at("messages").empty());
        // The Kafka binding names the same topic.
        CHECK(channel.at("bindings").at("kafka").at("topic") == channel.at("address"));
    }
    std::multiset<std::string> topics;
    for (const auto& spec : etp::bus::Topics{}.all()) topics.insert(spec.name);
    CHECK(addresses == topics);
}

TEST_CASE("every AsyncAPI reference resolves; operations send or receive their channel's messages",
          "[asyncapi]") {
    std::vector<std::pair<std::string, std::string>> refs;
    collect_refs(doc(), "", refs);
    CHECK(refs.size() > 20);
    for (const auto& [where, ref] : refs) {
        INFO(where << " -> " << ref);
        if (ref.rfind('#', 0) == 0)
            CHECK(lookup(ref) != nullptr);
        else
            CHECK(ref.rfind("kafka/", 0) == 0);  // only payload schemas live outside
    }

    std::set<std::string> operated;
    for (const auto& [name, operation] : doc().at("operations").items()) {
        INFO(name);
        const std::string action = operation.at("action");
        CHECK((action == "send" || action == "receive"));
        const std::string channel_ref = operation.at("channel").at("$ref");
        REQUIRE(lookup(channel_ref) != nullptr);
        operated.insert(channel_ref);
        REQUIRE(operation.at("messages").is_array());
        for (const auto& message : operation.at("messages")) {
            // AsyncAPI 3.0: an operation's messages are a subset of its channel's.
            const std::string ref = message.at("$ref");
            INFO(ref);
            CHECK(ref.rfind(channel_ref + "/messages/", 0) == 0);
            CHECK(lookup(ref) != nullptr);
        }
    }
    // The platform sends on every topic.
    for (const auto& [name, channel] : doc().at("channels").items())
        CHECK(operated.count("#/channels/" + name) == 1);
}

TEST_CASE("every AsyncAPI payload is a JSON Schema file in proto/kafka, and each is used",
          "[asyncapi]") {
    std::set<std::string> used;
    for (const auto& [name, message] : doc().at("components").at("messages").items()) {
        INFO(name);
        const std::string file = payload_file(message);
        if (file.empty()) {
            // Only the tombstone has no schema file: its value is null.
            CHECK(message.at("payload").at("type") == "null");
            continue;
        }
        CHECK(message.at("payload").at("schemaFormat") ==
              "application/schema+json;version=draft-07");
        REQUIRE(file.rfind("kafka/", 0) == 0);
        const std::string text = read_text(std::string(ETP_PROTO_DIR) + "/" + file);
        INFO(file);
        REQUIRE_FALSE(text.empty());
        json schema = json::parse(text, nullptr, false);
        REQUIRE_FALSE(schema.is_discarded());
        CHECK(schema.at("$schema") == "http://json-schema.org/draft-07/schema#");
        CHECK_NOTHROW(etp::PayloadSchema::compile(schema, ""));
        used.insert(file.substr(std::string("kafka/").size()));
    }
    std::set<std::string> files;
    for (const auto& entry :
         std::filesystem::directory_iterator(std::string(ETP_PROTO_DIR) + "/kafka")) {
        const std::string name = entry.path().filename().string();
        if (name.size() > 12 && name.substr(name.size() - 12) == ".schema.json") files.insert(name);
    }
    CHECK(used == files);
}

TEST_CASE("the AsyncAPI CloudEvent headers are the ones kafka_headers sends", "[asyncapi]") {
    etp::bus::CloudEvent full;
    full.id = "id";
    full.source = "/etp/test";
    full.type = "etp.test";
    full.subject = "subject";
    full.time = "2026-01-01T00:00:00Z";
    full.extensions = {{"traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
                       {"tracestate", "congo=t61rcWkgMzE"}};
    std::set<std::string> sent;
    for (const auto& h : etp::bus::kafka_headers(full)) sent.insert(h.key);
    etp::bus::CloudEvent bare = full;
    bare.subject.clear();
    bare.time.clear();
    bare.extensions = nlohmann::json::object();
    std::set<std::string> always;
    for (const auto& h : etp::bus::kafka_headers(bare)) always.insert(h.key);

    const json& headers = doc().at("components").at("schemas").at("CloudEventHeaders");
    std::set<std::string> documented;
    for (const auto& [name, property] : headers.at("properties").items()) documented.insert(name);
    CHECK(documented == sent);
    CHECK(headers.at("required").get<std::set<std::string>>() == always);
    CHECK(headers.at("properties").at("content-type").at("const") ==
          std::string(etp::bus::kStructuredContentType));

    // Every CloudEvent message declares them; the others do not.
    for (const auto& [name, message] : doc().at("components").at("messages").items()) {
        INFO(name);
        const bool cloud_event =
            message.value("contentType", "").rfind("application/cloudevents+json", 0) == 0;
        if (cloud_event) {
            CHECK(message.at("contentType") == std::string(etp::bus::kStructuredContentType));
            CHECK(message.at("headers").at("$ref") == "#/components/schemas/CloudEventHeaders");
        } else if (message.contains("headers")) {
            CHECK(resolve(message.at("headers")).at("properties").at("content-type").at("const") ==
                  "application/json");
        }
        CHECK(message.at("bindings").at("kafka").contains("key"));
    }
}
