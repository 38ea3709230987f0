// The OpenAPI document the gateway serves (proto/openapi.yaml, embedded as JSON): well-formed,
// complete for the architecture's REST API, every error documented as problem+json, and in
// step with the domain code it describes (field names, bounds and enums of trigger.cpp, the
// JSON of triggers and events).

#include <catch2/catch.hpp>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "../json_refs.hpp"
#include "delivery_json.hpp"
#include "docs_routes.hpp"
#include "etp/domain/error.hpp"
#include "etp/domain/event.hpp"
#include "etp/domain/trace_context.hpp"
#include "etp/domain/trigger.hpp"
#include "etp/domain/webhook_signature.hpp"
#include "http_support.hpp"
#include "secret_rotation.hpp"
#include "webhook_target.hpp"

using nlohmann::json;

namespace {

const json& doc() {
    static const json kDoc = json::parse(etp::gateway::openapi_json());
    return kDoc;
}

// "#/components/schemas/Trigger" -> the node, or nullptr when it does not resolve.
const json* lookup(const std::string& ref) {
    if (ref.rfind("#/", 0) != 0 && ref != "#") return nullptr;
    try {
        const json& node = doc().at(json::json_pointer(ref.substr(1)));
        return &node;
    } catch (const json::exception&) {
        return nullptr;
    }
}

// Follows $ref chains (each must resolve).
const json& resolve(const json& node) {
    const json* current = &node;
    for (int hops = 0; current->is_object() && current->contains("$ref"); ++hops) {
        REQUIRE(hops < 10);
        const json* next = lookup(current->at("$ref").get<std::string>());
        REQUIRE(next != nullptr);
        current = next;
    }
    return *current;
}

const json& schema(const std::string& name) {
    return doc().at("components").at("schemas").at(name);
}

using etp::testing::collect_refs;

struct Operation {
    std::string method;
    std::string path;
    const json* node;
};

std::vector<Operation> operations() {
    static const std::set<std::string> kMethods = {"get",     "put",  "post",  "delete",
                                                   "options", "head", "patch", "trace"};
    std::vector<Operation> out;
    for (const auto& [path, item] : doc().at("paths").items())
        for (const auto& [method, op] : item.items())
            if (kMethods.contains(method)) out.push_back({method, path, &op});
    return out;
}

// The pointers parse_trigger_spec reports for body, each with its message.
std::vector<etp::FieldError> problems(const json& body) {
    try {
        etp::parse_trigger_spec(body);
    } catch (const etp::ValidationError& e) {
        return e.errors();
    }
    return {};
}

bool has_problem_at(const json& body, const std::string& pointer) {
    auto errors = problems(body);
    return std::any_of(errors.begin(), errors.end(),
                       [&](const etp::FieldError& f) { return f.pointer == pointer; });
}

// The smallest valid trigger of each type, to vary one field at a time.
json minimal_trigger(const std::string& type) {
    json t = {{"name", "t"}, {"type", type}};
    if (type == "scheduled") t["schedule"] = {{"interval_seconds", 60}};
    if (type == "cdc") t["cdc"] = {{"table", "public.orders"}};
    return t;
}

}  // namespace

TEST_CASE("the embedded OpenAPI document is JSON of OpenAPI 3.0 or 3.1") {
    const json& d = doc();
    REQUIRE(d.is_object());
    std::string version = d.at("openapi").get<std::string>();
    CHECK((version.rfind("3.0.", 0) == 0 || version.rfind("3.1.", 0) == 0));
    CHECK(d.at("info").at("title").is_string());
    CHECK(d.at("info").at("version").is_string());
    CHECK(d.at("paths").is_object());
}

TEST_CASE("every $ref resolves inside the document") {
    std::vector<std::pair<std::string, std::string>> refs;
    collect_refs(doc(), "", refs);
    CHECK(refs.size() > 50);
    for (const auto& [where, ref] : refs) {
        INFO(where << " -> " << ref);
        CHECK(lookup(ref) != nullptr);
    }
}

TEST_CASE("the document has exactly the routes of the REST API") {
    const std::set<std::string> expected = {
        "get /api/v1/health",
        "get /api/v1/triggers",
        "post /api/v1/triggers",
        "get /api/v1/triggers/{id}",
        "put /api/v1/triggers/{id}",
        "delete /api/v1/triggers/{id}",
        "post /api/v1/triggers/{id}/activate",
        "post /api/v1/triggers/{id}/deactivate",
        "post /api/v1/triggers/{id}/fire",
        "get /api/v1/triggers/{id}/secrets",
        "post /api/v1/triggers/{id}/secrets",
        "delete /api/v1/triggers/{id}/secrets/{secret_id}",
        "post /api/v1/triggers/{id}/test",
        "post /api/v1/triggers/test",
        "get /api/v1/events",
        "get /api/v1/events/{id}",
        "get /api/v1/events/trigger/{id}",
        "get /api/v1/events/aggregate",
        "post /api/v1/events/{id}/archive",
        "post /api/v1/events/{id}/redeliver",
        "get /api/v1/stats",
        "get /api/v1/api-keys",
        "post /api/v1/api-keys",
        "delete /api/v1/api-keys/{id}",
        "get /openapi.json",
        "get /docs",
        "get /docs/assets/{file}",
        "post /api/v1/schedules/preview",
        "post /api/v1/filters/test",
        "get /api/v1/whoami",
        "get /",
        "get /console",
        "get /console/{file}",
        "get /console/vendor/{file}",
    };
    std::set<std::string> actual;
    std::set<std::string> operation_ids;
    for (const auto& op : operations()) {
        actual.insert(op.method + " " + op.path);
        INFO(op.method << " " << op.path);
        REQUIRE(op.node->contains("operationId"));
        CHECK(operation_ids.insert(op.node->at("operationId").get<std::string>()).second);
    }
    CHECK(actual == expected);
}

TEST_CASE("every operation documents its answers, errors as problem+json") {
    const json& global_security = doc().at("security");
    for (const auto& op : operations()) {
        INFO(op.method << " " << op.path);
        const json& responses = op.node->at("responses");
        REQUIRE(responses.is_object());
        REQUIRE_FALSE(responses.empty());
        bool has_success = false;
        for (const auto& [code, response] : responses.items()) {
            INFO("response " << code);
            const json& r = resolve(response);
            CHECK(r.contains("description"));
            // GET / answers only a redirect to the console.
            if (code[0] == '2' || (op.path == "/" && code == "302")) has_success = true;
            if (code[0] != '4' && code[0] != '5') continue;
            // The health check's 503 has the body of its 200 (which dependency failed).
            if (op.path == "/api/v1/health" && code == "503") continue;
            REQUIRE(r.contains("content"));
            CHECK(r.at("content").size() == 1);
            REQUIRE(r.at("content").contains("application/problem+json"));
            CHECK(r.at("content").at("application/problem+json").at("schema").value("$ref", "") ==
                  "#/components/schemas/Problem");
        }
        CHECK(has_success);

        const json& security = op.node->value("security", global_security);
        bool secured = !security.empty();
        if (secured) {
            CHECK(responses.contains("401"));
            // Any valid key may ask whoami: there is no scope to lack.
            if (op.path != "/api/v1/whoami") CHECK(responses.contains("403"));
            std::string description = op.node->value("description", "");
            CHECK(description.find("Scope: `") != std::string::npos);
        } else {
            // Only these need no key.
            CHECK((op.path == "/api/v1/health" || op.path == "/openapi.json" ||
                   op.path.rfind("/docs", 0) == 0 || op.path == "/" ||
                   op.path.rfind("/console", 0) == 0));
        }
        if (op.path.rfind("/api/v1/", 0) == 0 && op.path != "/api/v1/health")
            CHECK(responses.contains("503"));
        if (op.node->contains("requestBody")) {
            CHECK(responses.contains("400"));
            CHECK(responses.contains("413"));
            CHECK(responses.contains("415"));
        }
        // Path ids: an unknown (or malformed) one is a 404.
        if (op.path.find('{') != std::string::npos) CHECK(responses.contains("404"));
    }
}

TEST_CASE("both auth schemes are offered globally") {
    const json& schemes = doc().at("components").at("securitySchemes");
    CHECK(schemes.at("ApiKeyHeader").at("type") == "apiKey");
    CHECK(schemes.at("ApiKeyHeader").at("in") == "header");
    CHECK(schemes.at("ApiKeyHeader").at("name") == "X-API-Key");
    CHECK(schemes.at("BearerAuth").at("type") == "http");
    CHECK(schemes.at("BearerAuth").at("scheme") == "bearer");
    CHECK(doc().at("security") == json::parse(R"([{"ApiKeyHeader": []}, {"BearerAuth": []}])"));
}

// The operation with this operationId.
const json& operation(const std::string& id) {
    for (const auto& op : operations())
        if (op.node->value("operationId", "") == id) return *op.node;
    FAIL("no operation " << id);
    throw std::logic_error("unreachable");
}

// The operation's parameter `name` (resolved), or nullptr.
const json* parameter(const json& op, const std::string& name) {
    if (!op.contains("parameters")) return nullptr;
    for (const auto& p : op.at("parameters")) {
        const json& resolved = resolve(p);
        if (resolved.at("name") == name) return &resolved;
    }
    return nullptr;
}

TEST_CASE("REST conventions: ETag and If-Match, WWW-Authenticate, Cache-Control, filters") {
    // Every 401 names the schemes the gateway answers with.
    const json& unauthorized = doc().at("components").at("responses").at("Unauthorized");
    CHECK(resolve(unauthorized.at("headers").at("WWW-Authenticate")).at("example") ==
          std::string(etp::gateway::kWwwAuthenticate));

    // Trigger answers carry ETag; PUT and DELETE take If-Match and document its 412.
    for (const auto& [id, code] :
         std::vector<std::pair<std::string, std::string>>{{"createTrigger", "201"},
                                                          {"getTrigger", "200"},
                                                          {"replaceTrigger", "200"},
                                                          {"activateTrigger", "200"},
                                                          {"deactivateTrigger", "200"}}) {
        INFO(id);
        const json& response = resolve(operation(id).at("responses").at(code));
        REQUIRE(response.contains("headers"));
        CHECK(response.at("headers").contains("ETag"));
    }
    for (const char* id : {"replaceTrigger", "deleteTrigger"}) {
        INFO(id);
        const json* if_match = parameter(operation(id), "If-Match");
        REQUIRE(if_match != nullptr);
        CHECK(if_match->at("in") == "header");
        CHECK(if_match->value("required", false) == false);  // the console sends none
        CHECK(operation(id).at("responses").contains("412"));
    }

    // An Idempotency-Key reused with another payload is a 422.
    const json& fire = operation("fireTrigger");
    CHECK(fire.at("responses").contains("422"));
    CHECK(fire.at("description").get<std::string>().find("different payload") != std::string::npos);

    // /stats says how long its answer is fresh: at most the 60 s it is computed for.
    const json& stats_ok = resolve(operation("getStats").at("responses").at("200"));
    CHECK(stats_ok.at("headers").at("Cache-Control").at("example") == "private, max-age=60");

    // Triggers by name (q), events by payload content.
    const json* q = parameter(operation("listTriggers"), "q");
    REQUIRE(q != nullptr);
    CHECK(q->at("schema").at("maxLength") == 200);
    for (const char* id : {"listEvents", "listTriggerEvents", "aggregateEvents"}) {
        INFO(id);
        const json* contains = parameter(operation(id), "payload_contains");
        REQUIRE(contains != nullptr);
        CHECK(contains->at("in") == "query");
        CHECK(contains->at("content").contains("application/json"));
    }
}

TEST_CASE("the reusable error responses and the problem schema are RFC 9457") {
    const json& responses = doc().at("components").at("responses");
    for (const char* name :
         {"BadRequest", "Unauthorized", "Forbidden", "NotFound", "Conflict", "PayloadTooLarge",
          "UnsupportedMediaType", "UnprocessableContent", "ServiceUnavailable"}) {
        INFO(name);
        CHECK(responses.contains(name));
    }
    const json& problem = schema("Problem");
    for (const char* field : {"type", "title", "status", "detail", "errors"})
        CHECK(problem.at("properties").contains(field));
    const json& field_error = resolve(problem.at("properties").at("errors").at("items"));
    CHECK(field_error.at("required") == json({"pointer", "message"}));
}

TEST_CASE("the trigger input examples are accepted by the domain's validation") {
    for (const char* name : {"ScheduledTriggerInput", "ApiTriggerInput", "CdcTriggerInput"}) {
        INFO(name);
        const json& body = doc().at("components").at("examples").at(name).at("value");
        CHECK(problems(body).empty());
    }
}

TEST_CASE("every documented input field is one the domain accepts") {
    struct Part {
        const char* schema;
        const char* type;     // trigger type that allows the part
        const char* pointer;  // where the part sits in a trigger body ("" = the body)
    };
    for (const Part& part :
         {Part{"TriggerInput", "api", ""}, Part{"Schedule", "scheduled", "/schedule"},
          Part{"Cdc", "cdc", "/cdc"}, Part{"TargetInput", "api", "/target"},
          Part{"Retry", "api", "/retry"}}) {
        INFO(part.schema);
        const json& s = schema(part.schema);
        CHECK(s.at("additionalProperties") == false);
        for (const auto& [field, _] : s.at("properties").items()) {
            INFO(field);
            if (field == "type") continue;
            json body = minimal_trigger(part.type);
            json::json_pointer at(std::string(part.pointer) + "/" + field);
            if (std::string(part.pointer) == "/target") body["target"]["url"] = "https://x.test/";
            if (std::string(part.pointer) == "/retry") body["retry"] = json::object();
            body[at] = "x";  // a wrong value is fine: only "unknown field" matters here
            for (const auto& error : problems(body)) {
                INFO(error.pointer << ": " << error.message);
                CHECK(error.message != "unknown field");
            }
        }
        json body = minimal_trigger(part.type);
        if (std::string(part.pointer) == "/target") body["target"]["url"] = "https://x.test/";
        if (std::string(part.pointer) == "/retry") body["retry"] = json::object();
        body[json::json_pointer(std::string(part.pointer) + "/not_documented")] = 1;
        CHECK(has_problem_at(body, std::string(part.pointer) + "/not_documented"));
    }
}

TEST_CASE("documented integer bounds are the domain's bounds") {
    struct Bounded {
        const char* schema;
        const char* field;
        const char* type;
        const char* pointer;
        json companion;  // other fields the value needs to be valid
    };
    const std::vector<Bounded> cases = {
        {"Retry", "max_attempts", "api", "/retry", json::object()},
        {"Retry", "initial_backoff_ms", "api", "/retry", {{"max_backoff_ms", 86'400'000}}},
        {"Retry", "max_backoff_ms", "api", "/retry", {{"initial_backoff_ms", 10}}},
        {"TargetInput", "timeout_ms", "api", "/target", {{"url", "https://x.test/"}}},
        {"Schedule", "interval_seconds", "scheduled", "/schedule", json::object()},
    };
    for (const auto& c : cases) {
        INFO(c.schema << "." << c.field);
        const json& property = schema(c.schema).at("properties").at(c.field);
        auto min = property.at("minimum").get<std::int64_t>();
        auto max = property.at("maximum").get<std::int64_t>();
        auto body_with = [&](std::int64_t value) {
            json body = minimal_trigger(c.type);
            json part = c.companion;
            part[c.field] = value;
            body[json::json_pointer(c.pointer)] = part;
            return body;
        };
        std::string pointer = std::string(c.pointer) + "/" + c.field;
        CHECK(problems(body_with(min)).empty());
        CHECK(problems(body_with(max)).empty());
        CHECK(has_problem_at(body_with(min - 1), pointer));
        CHECK(has_problem_at(body_with(max + 1), pointer));
        if (property.contains("default")) {
            json body = minimal_trigger(c.type);
            body[json::json_pointer(c.pointer)] = c.companion;
            json stored = etp::to_json(etp::Trigger{etp::TriggerId{etp::new_uuid_v7()},
                                                    etp::parse_trigger_spec(body), 1,
                                                    etp::now_utc(), etp::now_utc()});
            CHECK(stored.at(json::json_pointer(pointer)) == property.at("default"));
        }
    }
}

TEST_CASE("documented string lengths are the domain's lengths") {
    const json& name = schema("TriggerInput").at("properties").at("name");
    auto with_name = [](std::size_t n) {
        json body = minimal_trigger("api");
        body["name"] = std::string(n, 'n');
        return body;
    };
    auto name_min = name.at("minLength").get<std::size_t>();
    auto name_max = name.at("maxLength").get<std::size_t>();
    CHECK(problems(with_name(name_min)).empty());
    CHECK(problems(with_name(name_max)).empty());
    CHECK(has_problem_at(with_name(name_min - 1), "/name"));
    CHECK(has_problem_at(with_name(name_max + 1), "/name"));

    // Secrets: whsec_ + base64 of 24 to 64 bytes; the documented lengths are those of the bounds.
    CHECK(resolve(schema("TargetInput").at("properties").at("secret")) == schema("WebhookSecret"));
    const json& secret = schema("WebhookSecret");
    CHECK(secret.at("writeOnly") == true);
    auto secret_of = [](std::size_t bytes) {
        return std::string(etp::webhook::kSecretPrefix) +
               etp::webhook::base64_encode(std::string(bytes, '\x5a'));
    };
    auto with_secret = [](const std::string& value) {
        json body = minimal_trigger("api");
        body["target"] = {{"url", "https://x.test/"}, {"secret", value}};
        return body;
    };
    CHECK(secret_of(24).size() == secret.at("minLength").get<std::size_t>());
    CHECK(secret_of(64).size() == secret.at("maxLength").get<std::size_t>());
    CHECK(problems(with_secret(secret_of(24))).empty());
    CHECK(problems(with_secret(secret_of(64))).empty());
    CHECK(has_problem_at(with_secret(secret_of(23)), "/target/secret"));
    CHECK(has_problem_at(with_secret(secret_of(65)), "/target/secret"));
    CHECK(has_problem_at(with_secret(std::string(secret_of(32)).substr(6)), "/target/secret"));
    std::regex pattern(secret.at("pattern").get<std::string>());
    for (const auto& value : {secret_of(24), secret_of(64), etp::webhook::generate_secret(),
                              secret.at("example").get<std::string>()}) {
        INFO(value);
        CHECK(std::regex_match(value, pattern));
        CHECK(problems(with_secret(value)).empty());
    }
}

TEST_CASE("documented secret rotation fields are the gateway's") {
    const json& rotation = schema("SecretRotation");
    CHECK(rotation.at("additionalProperties") == false);
    CHECK(resolve(rotation.at("properties").at("secret")) == schema("WebhookSecret"));
    const json& grace = rotation.at("properties").at("expire_previous_after_seconds");
    auto min = grace.at("minimum").get<std::int64_t>();
    auto max = grace.at("maximum").get<std::int64_t>();
    auto refused = [](const json& body) {
        try {
            etp::gateway::parse_secret_rotation(body);
        } catch (const etp::ValidationError& e) {
            return e.errors();
        }
        return std::vector<etp::FieldError>{};
    };
    using etp::gateway::parse_secret_rotation;
    CHECK(parse_secret_rotation(json::object()).grace.count() == grace.at("default"));
    CHECK_FALSE(parse_secret_rotation(json::object()).secret);
    CHECK(parse_secret_rotation({{"expire_previous_after_seconds", min}}).grace.count() == min);
    CHECK(parse_secret_rotation({{"expire_previous_after_seconds", max}}).grace.count() == max);
    for (const json& bad : {json(min - 1), json(max + 1), json(1.5), json("60"), json(true),
                            json(nullptr), json::parse("18446744073709551615")}) {
        INFO(bad);
        CHECK(refused({{"expire_previous_after_seconds", bad}}) ==
              std::vector<etp::FieldError>{
                  {"/expire_previous_after_seconds", "must be an integer from 0 to 604800"}});
    }
    std::string example = schema("WebhookSecret").at("example");
    CHECK(parse_secret_rotation({{"secret", example}}).secret == example);
    for (const json& bad : {json("whsec_short"), json("secret"), json(5), json("")}) {
        INFO(bad);
        auto errors = refused({{"secret", bad}});
        REQUIRE(errors.size() == 1);
        CHECK(errors[0].pointer == "/secret");
    }
    CHECK(refused({{"colour", "red"}}) ==
          std::vector<etp::FieldError>{{"/colour", "unknown field"}});
    CHECK(refused(json::array()).size() == 1);
}

TEST_CASE("documented enums are the domain's enums") {
    auto each_value = [](const json& property, auto&& accepts) {
        for (const auto& value : resolve(property).at("enum")) {
            INFO(value);
            CHECK(accepts(value));
        }
        CHECK_FALSE(accepts(json("not-a-member")));
    };
    each_value(schema("TriggerInput").at("properties").at("type"), [](const json& v) {
        json body = minimal_trigger(v.is_string() ? v.get<std::string>() : "api");
        body["type"] = v;
        return problems(body).empty();
    });
    each_value(schema("Schedule").at("properties").at("misfire"), [](const json& v) {
        json body = minimal_trigger("scheduled");
        body["schedule"]["misfire"] = v;
        return problems(body).empty();
    });
    each_value(schema("TargetInput").at("properties").at("method"), [](const json& v) {
        json body = minimal_trigger("api");
        body["target"] = {{"url", "https://x.test/"}, {"method", v}};
        return problems(body).empty();
    });
    each_value(schema("Cdc").at("properties").at("operations").at("items"), [](const json& v) {
        json body = minimal_trigger("cdc");
        body["cdc"]["operations"] = json::array({v});
        return problems(body).empty();
    });
}

TEST_CASE("a stored trigger's JSON has exactly the documented fields") {
    const json& trigger = schema("Trigger");
    const json& target = schema("Target");
    for (const char* name : {"ScheduledTriggerInput", "ApiTriggerInput", "CdcTriggerInput"}) {
        INFO(name);
        const json& input = doc().at("components").at("examples").at(name).at("value");
        etp::Trigger t{etp::TriggerId{etp::new_uuid_v7()}, etp::parse_trigger_spec(input), 1,
                       etp::now_utc(), etp::now_utc()};
        // The shown-once secret of a create or replace that generated it is documented too.
        json out = etp::gateway::trigger_json(t, etp::webhook::generate_secret());
        for (const auto& [field, _] : out.items()) {
            INFO(field);
            CHECK(trigger.at("properties").contains(field));
        }
        for (const auto& field : trigger.at("required")) CHECK(out.contains(field));
        if (out.at("target").is_object()) {
            for (const auto& [field, _] : out.at("target").items()) {
                INFO("target." << field);
                CHECK(target.at("properties").contains(field));
            }
            for (const auto& field : target.at("required")) CHECK(out.at("target").contains(field));
        }
    }
}

TEST_CASE("an event's JSON has exactly the documented fields") {
    etp::Event e;
    e.id = etp::EventId{etp::new_uuid_v7()};
    e.trigger_id = etp::TriggerId{etp::new_uuid_v7()};
    e.trigger_name = "order placed";
    e.source = "api";
    e.payload = {{"amount", 1}};
    e.triggered_at = etp::now_utc();
    json out = etp::to_json(e);
    const json& event = schema("Event");
    std::set<std::string> documented, required, produced;
    for (const auto& [field, _] : event.at("properties").items()) documented.insert(field);
    for (const auto& field : event.at("required")) required.insert(field.get<std::string>());
    for (const auto& [field, _] : out.items()) produced.insert(field);
    CHECK(produced == documented);
    CHECK(required == documented);
    std::set<std::string> trigger_fields;
    for (const auto& [field, _] : out.at("trigger").items()) trigger_fields.insert(field);
    std::set<std::string> documented_trigger;
    for (const auto& [field, _] : schema("EventTrigger").at("properties").items())
        documented_trigger.insert(field);
    CHECK(trigger_fields == documented_trigger);
    CHECK(schema("EventSource").at("enum") ==
          json({etp::kSourceApi, etp::kSourceSchedule, etp::kSourceCdc, etp::kSourceTest}));
}

TEST_CASE("a delivery's JSON has exactly the documented fields") {
    etp::pg::DeliveryRecord d;
    d.number = 1;
    d.status = "pending";
    d.created_at = d.updated_at = etp::now_utc();
    d.attempts.push_back({1, etp::now_utc(), 503, 12, "HTTP 503", "busy"});
    d.attempts.push_back({2, etp::now_utc(), std::nullopt, 10'000, "timed out", std::nullopt});
    json out = etp::gateway::delivery_to_json(d);
    auto fields = [](const json& object) {
        std::set<std::string> names;
        for (const auto& [field, _] : object.items()) names.insert(field);
        return names;
    };
    auto documented = [&](const char* name) { return fields(schema(name).at("properties")); };
    auto required = [&](const char* name) {
        std::set<std::string> names;
        for (const auto& field : schema(name).at("required")) names.insert(field);
        return names;
    };
    CHECK(fields(out) == documented("Delivery"));
    CHECK(required("Delivery") == documented("Delivery"));
    REQUIRE(out.at("attempts").size() == 2);
    for (const auto& attempt : out.at("attempts")) {
        CHECK(fields(attempt) == documented("DeliveryAttempt"));
        CHECK(required("DeliveryAttempt") == documented("DeliveryAttempt"));
    }
    CHECK(out.at("next_attempt_at").is_null());
    CHECK(out.at("attempts")[1].at("http_status").is_null());
    CHECK(out.at("attempts")[1].at("response_body").is_null());
    json statuses = schema("Delivery").at("properties").at("status").at("enum");
    CHECK(statuses == json({"pending", "succeeded", "dead"}));
}

TEST_CASE("documented defaults are the domain's defaults") {
    json body = minimal_trigger("scheduled");
    body["target"] = {{"url", "https://x.test/"}};
    json stored =
        etp::to_json(etp::Trigger{etp::TriggerId{etp::new_uuid_v7()}, etp::parse_trigger_spec(body),
                                  1, etp::now_utc(), etp::now_utc()});
    CHECK(stored.at("active") ==
          schema("TriggerInput").at("properties").at("active").at("default"));
    for (const char* field : {"timezone", "misfire"})
        CHECK(stored.at("schedule").at(field) ==
              schema("Schedule").at("properties").at(field).at("default"));
    CHECK(stored.at("target").at("method") ==
          schema("TargetInput").at("properties").at("method").at("default"));

    json cdc = minimal_trigger("cdc");
    json stored_cdc =
        etp::to_json(etp::Trigger{etp::TriggerId{etp::new_uuid_v7()}, etp::parse_trigger_spec(cdc),
                                  1, etp::now_utc(), etp::now_utc()});
    CHECK(stored_cdc.at("cdc").at("operations") ==
          schema("Cdc").at("properties").at("operations").at("default"));
}

TEST_CASE("the routes that fire take W3C trace context and answer with the event's traceparent") {
    const std::set<std::string> firing = {"fireTrigger", "testTrigger", "testUnsavedTrigger"};
    for (const auto& op : operations()) {
        const std::string id = op.node->value("operationId", "");
        INFO(id);
        const json* traceparent = parameter(*op.node, "traceparent");
        const json* tracestate = parameter(*op.node, "tracestate");
        if (!firing.contains(id)) {
            CHECK(traceparent == nullptr);
            continue;
        }
        REQUIRE(traceparent != nullptr);
        REQUIRE(tracestate != nullptr);
        CHECK(traceparent->at("in") == "header");
        CHECK(tracestate->at("in") == "header");
        // An invalid one starts a new trace: it is never required, never a 400.
        CHECK(traceparent->value("required", false) == false);
        CHECK(tracestate->value("required", false) == false);
        CHECK(etp::parse_traceparent(traceparent->at("example").get<std::string>()));
        CHECK(etp::clean_tracestate(tracestate->at("example").get<std::string>()) ==
              tracestate->at("example"));

        const json& accepted = resolve(op.node->at("responses").at("202"));
        REQUIRE(accepted.contains("headers"));
        const json& header = resolve(accepted.at("headers").at("traceparent"));
        const std::regex pattern(header.at("schema").at("pattern").get<std::string>());
        // What the gateway answers with matches the documented pattern.
        for (int i = 0; i < 5; ++i)
            CHECK(std::regex_match(etp::new_trace().traceparent(), pattern));
        CHECK(std::regex_match(header.at("example").get<std::string>(), pattern));
    }
}
