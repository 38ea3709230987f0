// Hostile input through the real gateway: about a thousand malformed, oversized, mistyped and
// injection-laden requests, driven from tables. Each must get a 4xx problem+json (or, for hostile
// text in a field that takes free text, be stored verbatim); the gateway must keep answering;
// and PostgreSQL must hold no row that a refused request half-wrote. The file is long because
// the tables are: the runner and the checks are the last third.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cctype>
#include <iostream>
#include <map>
#include <thread>
#include <tuple>

#include "etp/domain/webhook_signature.hpp"
#include "etp/pg/connection.hpp"
#include "platform.hpp"

using namespace std::chrono_literals;
using namespace std::string_literals;
using nlohmann::json;

namespace {

constexpr int kAny4xx = 0;
const std::string kMissing = "0190f1a2-3b4c-7d5e-8f60-0123456789ab";  // well-formed, not there
const json kValidPayload = {{"amount", 12.5}, {"currency", "EUR"}};

// One request and what it must get. `expect` is the exact 4xx status where it is clear, kAny4xx
// where only "refused" is, or 201/202 for hostile text that a free-text field must store verbatim
// (at `stored_at` in the created trigger or the fired payload).
struct Case {
    std::string what = {};  // "<category>: <what is hostile about it>"
    std::string method = {};
    std::string path = {};
    std::string body = {};
    std::string content_type = {};  // "" sends none
    httplib::Headers headers = {};
    bool admin_key = true;
    int expect = 400;
    bool or_refused = false;  // with 201/202: a 4xx problem is right too (text PostgreSQL refuses)
    std::string stored_at = {};
    json stored = nullptr;
    std::string raw = {};  // when set: these bytes go to the socket instead of the request above

    Case&& type(std::string t) && {
        content_type = std::move(t);
        return std::move(*this);
    }
    Case&& header(std::string name, std::string value) && {
        headers.emplace(std::move(name), std::move(value));
        return std::move(*this);
    }
    Case&& without_key() && {
        admin_key = false;
        return std::move(*this);
    }
    Case&& stores(std::string pointer, json value, bool may_refuse) && {
        stored_at = std::move(pointer);
        stored = std::move(value);
        or_refused = may_refuse;
        return std::move(*this);
    }
};

// A request with the admin key; a body goes with Content-Type: application/json.
Case req(std::string what, std::string method, std::string path, std::string body = {},
         int expect = 400) {
    Case c{std::move(what), std::move(method), std::move(path), std::move(body)};
    if (!c.body.empty()) c.content_type = "application/json";
    c.expect = expect;
    return c;
}

// Bytes written straight to a socket, for framing an HTTP client library will not produce.
Case raw(std::string what, std::string bytes, int expect) {
    Case c{"raw framing: " + std::move(what), "", "(raw)"};
    c.raw = std::move(bytes);
    c.expect = expect;
    return c;
}

// ---------------------------------------------------------------------------------------------
// Building blocks

// Percent-encodes everything but unreserved characters: path ids and query values arrive at the
// gateway exactly as given (the client is told not to encode again).
std::string pct(const std::string& text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 0xF]);
        }
    }
    return out;
}

std::string repeat(const std::string& unit, std::size_t n) {
    std::string out;
    out.reserve(unit.size() * n);
    for (std::size_t i = 0; i < n; ++i) out += unit;
    return out;
}

// `depth` nested arrays (or objects {"a": ...}) around a 1, as JSON text.
std::string nested_arrays(std::size_t depth) {
    return repeat("[", depth) + "1" + repeat("]", depth);
}
std::string nested_objects(std::size_t depth) {
    return repeat("{\"a\":", depth) + "1" + repeat("}", depth);
}

json api_trigger(const std::string& name = "hostile api") {
    return {{"name", name}, {"type", "api"}};
}
json scheduled_trigger(const std::string& name = "hostile scheduled") {
    return {{"name", name}, {"type", "scheduled"}, {"schedule", {{"interval_seconds", 60}}}};
}
json cron_trigger() {
    return {
        {"name", "hostile cron"}, {"type", "scheduled"}, {"schedule", {{"cron", "*/5 * * * *"}}}};
}
json at_trigger() {
    return {{"name", "hostile at"},
            {"type", "scheduled"},
            {"schedule", {{"at", "2030-01-01T00:00:00Z"}}}};
}
json cdc_trigger() {
    return {{"name", "hostile cdc"}, {"type", "cdc"}, {"cdc", {{"table", "public.orders"}}}};
}
json with_target(json trigger) {
    trigger["target"] = {{"url", "http://127.0.0.1:9/hook"}};
    return trigger;
}
json with_retry(json trigger) {
    trigger["retry"] = {{"max_attempts", 3}};
    return trigger;
}

// `base` with the value at `pointer` replaced by the raw JSON text `value` (which may be
// malformed or out of range, so the body is spliced as text, not built as JSON).
std::string set_raw(json base, const std::string& pointer, const std::string& value) {
    const std::string marker = "\"@@hostile@@\"";
    base[json::json_pointer(pointer)] = "@@hostile@@";
    std::string text = base.dump();
    text.replace(text.find(marker), marker.size(), value);
    return text;
}
std::string set(json base, const std::string& pointer, const json& value) {
    base[json::json_pointer(pointer)] = value;
    return base.dump();
}

// Strings a database, a shell, a template engine or a log formatter might take for code.
const std::vector<std::string> kHostileText = {
    "'; DROP TABLE triggers; --",
    "\" OR 1=1 --",
    "' OR ''='",
    R"(\'; \\ \" \x00 \ trailing\)",
    "$1 $2::text",
    "nul\0byte"s,
    "%s%n%x {{7*7}} ${jndi:ldap://x}",
    "robert'); DELETE FROM api_keys; --",
};
bool has_nul(const std::string& s) { return s.find('\0') != std::string::npos; }

// ---------------------------------------------------------------------------------------------
// The tables

struct Ids {
    std::string api;        // api trigger with the short-form schema {amount: float, currency: str}
    std::string scheduled;  // scheduled trigger, every 60 s
    std::string hooked;     // api trigger with a webhook target and a signing secret
};

// Every route that takes a body.
std::vector<std::pair<std::string, std::string>> body_routes(const Ids& ids) {
    return {{"POST", "/api/v1/triggers"},
            {"PUT", "/api/v1/triggers/" + ids.api},
            {"POST", "/api/v1/triggers/" + ids.api + "/fire"},
            {"POST", "/api/v1/triggers/" + ids.scheduled + "/test"},
            {"POST", "/api/v1/triggers/test"},
            {"POST", "/api/v1/triggers/" + ids.hooked + "/secrets"},
            {"POST", "/api/v1/api-keys"}};
}

std::vector<Case> broken_json(const Ids& ids) {
    const std::vector<std::pair<std::string, std::string>> bodies = {
        {"truncated", R"({"name": "x", "type": "api")"},
        {"truncated in a string", R"({"name": "x)"},
        {"trailing garbage", R"({"name": "x", "type": "api"} garbage)"},
        {"a second document", R"({"name": "x", "type": "api"} {})"},
        {"extra closing brace", R"({"name": "x", "type": "api"}})"},
        {"single quotes", R"({'name': 'x', 'type': 'api'})"},
        {"NaN", R"({"name": "x", "type": "api", "n": NaN})"},
        {"Infinity", R"({"name": "x", "type": "api", "n": -Infinity})"},
        {"block comment", R"({"name": "x", /* comment */ "type": "api"})"},
        {"line comment", "{\"name\": \"x\", // comment\n \"type\": \"api\"}"},
        {"trailing comma", R"({"name": "x", "type": "api",})"},
        {"missing colon", R"({"name" "x"})"},
        {"unquoted key", R"({name: "x"})"},
        {"invalid escape", R"({"name": "\x41"})"},
        {"lone surrogate escape", R"({"name": "\ud800", "type": "api"})"},
        {"raw control character", "{\"name\": \"a\tb\", \"type\": \"api\"}"},
        {"invalid UTF-8 bytes", "{\"name\": \"\xff\xfe\", \"type\": \"api\"}"},
        {"overlong UTF-8", "{\"name\": \"\xc0\xaf\", \"type\": \"api\"}"},
        {"UTF-8 encoded surrogate", "{\"name\": \"\xed\xa0\x80\", \"type\": \"api\"}"},
        {"truncated UTF-8 sequence", "{\"name\": \"\xe2\x82\", \"type\": \"api\"}"},
        {"leading zero", R"({"name": "x", "type": "api", "n": 01})"},
        {"number overflow 1e400", R"({"name": "x", "type": "api", "n": 1e400})"},
        {"bare word", "nul"},
        {"lone bracket", "["},
        {"lone quote", "\""},
        {"only whitespace", " \n\t "},
    };
    std::vector<Case> out;
    for (const auto& [method, path] : body_routes(ids))
        for (const auto& [what, body] : bodies)
            out.push_back(req("broken JSON: " + what, method, path, body));
    return out;
}

std::vector<Case> deep_nesting(const Ids& ids) {
    const std::string fire = "/api/v1/triggers/" + ids.api + "/fire";
    const std::string test = "/api/v1/triggers/" + ids.scheduled + "/test";
    const std::string deep = nested_arrays(100'000);
    const std::string deep_objects = nested_objects(100'000);
    auto d = [](std::string what, std::string method, std::string path, std::string body,
                int expect = 400) {
        return req("deep nesting: " + std::move(what), std::move(method), std::move(path),
                   std::move(body), expect);
    };
    return {
        d("100,000 nested arrays as the body", "POST", "/api/v1/triggers", deep),
        d("100,000 unclosed arrays", "POST", "/api/v1/triggers", repeat("[", 100'000)),
        d("100,000 nested objects as the body", "POST", "/api/v1/triggers", deep_objects),
        d("100,000 nested arrays as a fire body", "POST", fire, deep),
        d("100,000 nested arrays in a field the api_schema does not name", "POST", fire,
          set_raw(kValidPayload, "/extra", deep), kAny4xx),
        d("100,000 nested arrays in a cdc filter", "POST", "/api/v1/triggers",
          set_raw(cdc_trigger(), "/cdc/filter/deep", deep)),
        d("100,000 nested arrays as an API key name", "POST", "/api/v1/api-keys",
          set_raw(json{{"scopes", {"read"}}}, "/name", deep)),
        d("600,000 nested arrays (over 1 MiB)", "POST", "/api/v1/triggers", nested_arrays(600'000),
          413),
        d("100,000 nested arrays in a scheduled trigger's payload", "POST", "/api/v1/triggers",
          set_raw(scheduled_trigger(), "/payload/deep", deep)),
        d("100,000 nested objects as an api_schema", "POST", "/api/v1/triggers",
          set_raw(api_trigger(), "/api_schema", deep_objects)),
        d("100,000 nested arrays as a test-fire payload", "POST", test,
          set_raw(json::object(), "/payload", deep), kAny4xx),
        d("100,000 nested arrays in an unsaved trigger's payload", "POST", "/api/v1/triggers/test",
          set_raw(json{{"trigger", scheduled_trigger()}}, "/trigger/payload/deep", deep), kAny4xx),
        d("100,000 nested arrays in a replacement payload", "PUT",
          "/api/v1/triggers/" + ids.scheduled, set_raw(scheduled_trigger(), "/payload/deep", deep)),
    };
}

// A wrong value for every field of a trigger definition: {base, JSON pointer, raw JSON value}.
std::vector<Case> wrong_types() {
    const json api = api_trigger(), scheduled = scheduled_trigger(), cron = cron_trigger(),
               at = at_trigger(), cdc = cdc_trigger(), target = with_target(api_trigger()),
               retry = with_retry(api_trigger());
    json ending = scheduled;
    ending["schedule"]["start_at"] = "2030-01-01T00:00:00Z";
    json backoff = api;
    backoff["retry"] = {{"initial_backoff_ms", 1000}};
    const std::vector<std::tuple<json, std::string, std::string>> bad = {
        {api, "/name", "123"},
        {api, "/name", "true"},
        {api, "/name", "[]"},
        {api, "/name", "{}"},
        {api, "/name", "null"},
        {api, "/name", "\"\""},
        {api, "/name", json(std::string(201, 'n')).dump()},
        {api, "/type", "1"},
        {api, "/type", "[\"api\"]"},
        {api, "/type", "\"API\""},
        {api, "/type", "\"webhook\""},
        {api, "/type", "null"},
        {api, "/active", "\"true\""},
        {api, "/active", "1"},
        {api, "/active", "[]"},
        {scheduled, "/schedule", "\"every minute\""},
        {scheduled, "/schedule", "[]"},
        {scheduled, "/schedule", "60"},
        {scheduled, "/schedule", "{}"},
        {scheduled, "/schedule/interval_seconds", "\"60\""},
        {scheduled, "/schedule/interval_seconds", "0"},
        {scheduled, "/schedule/interval_seconds", "-1"},
        {scheduled, "/schedule/interval_seconds", "1.5"},
        {scheduled, "/schedule/interval_seconds", "true"},
        {scheduled, "/schedule/interval_seconds", "[60]"},
        {scheduled, "/schedule/interval_seconds", "18446744073709551616"},
        {scheduled, "/schedule/interval_seconds", "-1e308"},
        {scheduled, "/schedule/interval_seconds", "1e308"},
        {scheduled, "/schedule/interval_seconds", "9223372036854775807"},
        {scheduled, "/schedule/cron", "\"* * * * *\""},  // cron and interval together
        {cron, "/schedule/cron", "5"},
        {cron, "/schedule/cron", "[]"},
        {cron, "/schedule/cron", "\"* * * *\""},
        {cron, "/schedule/cron", "\"* * * * * * *\""},
        {cron, "/schedule/cron", "\"99 99 99 99 99\""},
        {cron, "/schedule/cron", "\"' ; DROP TABLE triggers\""},
        {cron, "/schedule/timezone", "1"},
        {cron, "/schedule/timezone", "\"Mars/Olympus_Mons\""},
        {cron, "/schedule/timezone", "\"../../../etc/passwd\""},
        {cron, "/schedule/timezone", "\"\""},
        {at, "/schedule/at", "123"},
        {at, "/schedule/at", "\"tomorrow\""},
        {at, "/schedule/at", "\"2030-02-30T00:00:00Z\""},
        {at, "/schedule/at", "\"2030-01-01T25:00:00Z\""},
        {scheduled, "/schedule/recurring", "\"yes\""},
        {scheduled, "/schedule/recurring", "1"},
        {scheduled, "/schedule/start_at", "5"},
        {scheduled, "/schedule/start_at", "\"x\""},
        {ending, "/schedule/end_at", "\"1999-01-01T00:00:00Z\""},
        {scheduled, "/schedule/misfire", "1"},
        {scheduled, "/schedule/misfire", "\"sometimes\""},
        {api, "/payload", "{\"a\": 1}"},  // only for scheduled triggers
        {api, "/schedule", "{\"interval_seconds\": 60}"},
        {api, "/cdc", "{\"table\": \"public.orders\"}"},
        {api, "/api_schema", "\"str\""},
        {api, "/api_schema", "5"},
        {api, "/api_schema", "[]"},
        {api, "/api_schema", "true"},
        {api, "/api_schema", R"({"type": 5})"},
        {api, "/api_schema", R"({"type": "object", "properties": {"a": {"type": "nonsense"}}})"},
        {api, "/api_schema", R"({"type": "object", "required": "amount"})"},
        {api, "/api_schema", R"({"type": "string", "pattern": "(["})"},
        {api, "/api_schema", R"({"type": "number", "minimum": "zero"})"},
        {api, "/api_schema", R"({"$ref": "http://example.invalid/schema.json"})"},
        {scheduled, "/api_schema", R"({"amount": "float"})"},
        {cdc, "/cdc", "\"public.orders\""},
        {cdc, "/cdc", "[]"},
        {cdc, "/cdc", "null"},
        {cdc, "/cdc/table", "5"},
        {cdc, "/cdc/table", "\"orders\""},
        {cdc, "/cdc/table", "\"a.b.c\""},
        {cdc, "/cdc/table", "\"public.orders; DROP TABLE triggers\""},
        {cdc, "/cdc/table", "\"public.\""},
        {cdc, "/cdc/operations", "\"insert\""},
        {cdc, "/cdc/operations", "[]"},
        {cdc, "/cdc/operations", "[\"truncate\"]"},
        {cdc, "/cdc/operations", "[1]"},
        {cdc, "/cdc/operations", "[null]"},
        {cdc, "/cdc/filter", "\"x\""},
        {cdc, "/cdc/filter", "[]"},
        {cdc, "/cdc/filter", "5"},
        {api, "/target", "\"http://example.com\""},
        {api, "/target", "[]"},
        {api, "/target", "5"},
        {api, "/target", "{}"},
        {target, "/target/url", "5"},
        {target, "/target/url", "\"ftp://example.com/x\""},
        {target, "/target/url", "\"javascript:alert(1)\""},
        {target, "/target/url", "\"http://\""},
        {target, "/target/url", "\"http://exa mple.com/\""},
        {target, "/target/url", "\"http:///path\""},
        {target, "/target/method", "\"GET\""},
        {target, "/target/method", "\"DELETE\""},
        {target, "/target/method", "1"},
        {target, "/target/headers", "[]"},
        {target, "/target/headers", "\"X-A: b\""},
        {target, "/target/headers", R"({"X-A": 1})"},
        {target, "/target/headers", R"({"Bad Header": "v"})"},
        {target, "/target/headers", R"({"X-A": "a\r\nInjected: yes"})"},
        {target, "/target/headers", R"({"": "v"})"},
        {target, "/target/timeout_ms", "\"1000\""},
        {target, "/target/timeout_ms", "0"},
        {target, "/target/timeout_ms", "99"},
        {target, "/target/timeout_ms", "60001"},
        {target, "/target/timeout_ms", "1.5"},
        {target, "/target/timeout_ms", "-1e308"},
        {target, "/target/secret", "\"short\""},
        {target, "/target/secret", "5"},
        {target, "/target/secret", json(std::string(257, 's')).dump()},
        {api, "/retry", "\"x\""},
        {api, "/retry", "[]"},
        {api, "/retry", "3"},
        {retry, "/retry/max_attempts", "0"},
        {retry, "/retry/max_attempts", "51"},
        {retry, "/retry/max_attempts", "\"3\""},
        {retry, "/retry/max_attempts", "-1"},
        {retry, "/retry/max_attempts", "1.5"},
        {retry, "/retry/max_attempts", "18446744073709551616"},
        {retry, "/retry/initial_backoff_ms", "9"},
        {retry, "/retry/initial_backoff_ms", "\"x\""},
        {retry, "/retry/max_backoff_ms", "5"},
        {retry, "/retry/max_backoff_ms", "86400001"},
        {backoff, "/retry/max_backoff_ms", "500"},  // below initial_backoff_ms
    };
    std::vector<Case> out;
    for (const auto& [base, pointer, value] : bad)
        out.push_back(req("wrong type or value: " + pointer + " = " + value.substr(0, 40), "POST",
                          "/api/v1/triggers", set_raw(base, pointer, value)));
    return out;
}

std::vector<Case> unknown_fields(const Ids& ids) {
    const std::string test = "/api/v1/triggers/" + ids.scheduled + "/test";
    auto u = [](std::string where, std::string method, std::string path, std::string body) {
        return req("unknown field: " + std::move(where), std::move(method), std::move(path),
                   std::move(body));
    };
    return {
        u("top level", "POST", "/api/v1/triggers", set(api_trigger(), "/colour", "red")),
        u("id is the server's", "POST", "/api/v1/triggers", set(api_trigger(), "/id", kMissing)),
        u("version is the server's", "POST", "/api/v1/triggers", set(api_trigger(), "/version", 7)),
        u("created_at is the server's", "POST", "/api/v1/triggers",
          set(api_trigger(), "/created_at", "2020-01-01T00:00:00Z")),
        u("schedule", "POST", "/api/v1/triggers", set(cron_trigger(), "/schedule/every", "day")),
        u("cdc", "POST", "/api/v1/triggers", set(cdc_trigger(), "/cdc/where", "1=1")),
        u("target", "POST", "/api/v1/triggers",
          set(with_target(api_trigger()), "/target/proxy", "http://evil")),
        u("retry", "POST", "/api/v1/triggers",
          set(with_retry(api_trigger()), "/retry/forever", true)),
        u("replacement", "PUT", "/api/v1/triggers/" + ids.api,
          set(api_trigger(), "/colour", "red")),
        u("test firing", "POST", test, R"({"payload": {}, "colour": "red"})"),
        u("test firing of a saved trigger with a definition", "POST", test,
          json{{"trigger", api_trigger()}}.dump()),
        u("unsaved trigger test, top level", "POST", "/api/v1/triggers/test",
          json{{"trigger", api_trigger()}, {"colour", "red"}}.dump()),
        u("unsaved trigger test, in the definition", "POST", "/api/v1/triggers/test",
          set(json{{"trigger", api_trigger()}}, "/trigger/colour", "red")),
        u("API key", "POST", "/api/v1/api-keys",
          R"({"name": "k", "scopes": ["read"], "expires": "never"})"),
    };
}

std::vector<Case> wrong_shapes(const Ids& ids) {
    const std::string fire = "/api/v1/triggers/" + ids.api + "/fire";
    std::vector<Case> out;
    for (std::string top : {"[]", "\"trigger\"", "42", "null", "true"})
        out.push_back(req("wrong shape: definition " + top, "POST", "/api/v1/triggers", top));
    for (std::string payload :
         {R"({"amount": "10", "currency": "EUR"})", R"({"amount": 1.5})", R"({"currency": "EUR"})",
          "{}", "[]", "\"pay\"", "5", "null", "true", R"({"amount": true, "currency": 5})",
          R"({"amount": null, "currency": null})",
          R"({"amount": [1.5], "currency": {"c": "EUR"}})"})
        out.push_back(req("wrong shape: fire payload " + payload, "POST", fire, payload, 422));
    out.push_back(req("wrong shape: fire payload with a number overflow", "POST", fire,
                      R"({"amount": 1e400, "currency": "EUR"})"));
    out.push_back(req("wrong shape: firing a scheduled trigger by API", "POST",
                      "/api/v1/triggers/" + ids.scheduled + "/fire", kValidPayload.dump(), 409));
    for (std::string body : {R"({"trigger": "x"})", "{}", R"({"trigger": {}})",
                             R"({"trigger": {"name": "t", "type": "cron"}})", "[]"})
        out.push_back(req("wrong shape: unsaved trigger test " + body, "POST",
                          "/api/v1/triggers/test", body));
    out.push_back(req("wrong shape: test firing body not an object", "POST",
                      "/api/v1/triggers/" + ids.scheduled + "/test", "[1, 2]"));
    for (std::string body :
         {R"({"name": "k", "scopes": ["superuser"]})", R"({"name": "k", "scopes": []})",
          R"({"name": "k", "scopes": "admin"})", R"({"name": "k", "scopes": [1]})",
          R"({"name": "k"})", R"({"scopes": ["read"]})", R"({"name": 5, "scopes": ["read"]})",
          R"({"name": "", "scopes": ["read"]})", "{}", "[]"})
        out.push_back(
            req("wrong shape: API key request " + body, "POST", "/api/v1/api-keys", body));
    out.push_back(req("wrong shape: API key name of 201 characters", "POST", "/api/v1/api-keys",
                      json{{"name", std::string(201, 'k')}, {"scopes", {"read"}}}.dump()));
    out.push_back(
        req("wrong shape: replacement without a name", "PUT", "/api/v1/triggers/" + ids.api, "{}"));
    out.push_back(req("wrong shape: replacement with a wrong type", "PUT",
                      "/api/v1/triggers/" + ids.api, set(api_trigger(), "/active", "yes")));
    return out;
}

std::vector<Case> huge_numbers() {
    std::vector<Case> out;
    for (const std::string& n : {"1e400"s, "-1e400"s, "18446744073709551616"s, "-1e308"s,
                                 "1" + std::string(400, '0'), "0.1e-400000"s}) {
        out.push_back(req("huge number: " + n.substr(0, 24) + " as interval_seconds", "POST",
                          "/api/v1/triggers",
                          set_raw(scheduled_trigger(), "/schedule/interval_seconds", n)));
        out.push_back(req("huge number: " + n.substr(0, 24) + " as timeout_ms", "POST",
                          "/api/v1/triggers",
                          set_raw(with_target(api_trigger()), "/target/timeout_ms", n)));
    }
    return out;
}

std::vector<Case> oversized(const Ids& ids) {
    const std::string ten_mb(10 * 1024 * 1024, ' ');
    const std::string ten_mb_json = "{\"name\": \"" + std::string(10 * 1024 * 1024, 'x') + "\"}";
    std::vector<Case> out;
    for (const auto& [method, path] : body_routes(ids))
        out.push_back(req("oversized: 10 MB body", method, path, ten_mb_json, 413));
    out.push_back(
        req("oversized: 10 MB body without an API key", "POST", "/api/v1/triggers", ten_mb, 413)
            .without_key());
    out.push_back(req("oversized: 10 MB form body", "POST", "/api/v1/triggers", "a=" + ten_mb, 413)
                      .type("application/x-www-form-urlencoded"));
    out.push_back(req("oversized: 1 MiB + 1 byte", "POST", "/api/v1/triggers",
                      std::string(1024 * 1024 + 1, ' '), 413));
    out.push_back(req("oversized: exactly 1 MiB of whitespace", "POST", "/api/v1/triggers",
                      std::string(1024 * 1024, ' ')));
    out.push_back(req("oversized: a name of 1,000,000 characters", "POST", "/api/v1/triggers",
                      api_trigger(std::string(1000 * 1000, 'n')).dump()));
    return out;
}

std::vector<Case> content_types(const Ids& ids) {
    const std::vector<std::pair<std::string, int>> types = {
        {"text/plain", 415},
        {"", 415},
        {"application/x-www-form-urlencoded", 415},
        {"multipart/form-data", kAny4xx},  // cpp-httplib refuses it (400) before the gateway
        {"multipart/form-data; boundary=xyz", kAny4xx},
        {"application/xml", 415},
        {"application/jsonx", 415},
        {"json", 415},
        {"text/json", 415},
    };
    const std::vector<std::tuple<std::string, std::string, std::string>> routes = {
        {"POST", "/api/v1/triggers", api_trigger("wrong content type").dump()},
        {"POST", "/api/v1/triggers/" + ids.api + "/fire", kValidPayload.dump()},
        {"PUT", "/api/v1/triggers/" + ids.api, api_trigger("wrong content type").dump()},
        {"POST", "/api/v1/api-keys", R"({"name": "k", "scopes": ["read"]})"},
        {"POST", "/api/v1/triggers/" + ids.hooked + "/secrets",
         R"({"expire_previous_after_seconds": 0})"},
    };
    std::vector<Case> out;
    for (const auto& [method, path, body] : routes)
        for (const auto& [type, expect] : types)
            out.push_back(
                req("content type: '" + type + "' on a valid body", method, path, body, expect)
                    .type(type));
    return out;
}

// Hostile text where a field must refuse it, where a free-text field must store it verbatim, in
// path ids and in query parameters.
std::vector<Case> hostile_text(const Ids& ids) {
    const std::string fire = "/api/v1/triggers/" + ids.api + "/fire";
    json cdc_without_operations = cdc_trigger();
    cdc_without_operations["cdc"]["operations"] = json::array();
    const std::vector<std::pair<json, std::string>> refusing = {
        {api_trigger(), "/type"},
        {cron_trigger(), "/schedule/timezone"},
        {cron_trigger(), "/schedule/misfire"},
        {at_trigger(), "/schedule/at"},
        {cdc_trigger(), "/cdc/table"},
        {cdc_without_operations, "/cdc/operations/0"},
        {with_target(api_trigger()), "/target/url"},
        {with_target(api_trigger()), "/target/method"},
        {api_trigger(), "/api_schema/type"},
    };
    std::vector<Case> out;
    for (const auto& text : kHostileText) {
        for (const auto& [base, pointer] : refusing)
            out.push_back(req("hostile text: refused in " + pointer, "POST", "/api/v1/triggers",
                              set(base, pointer, text)));
        out.push_back(req("hostile text: refused as an API key scope", "POST", "/api/v1/api-keys",
                          json{{"name", "k"}, {"scopes", {text}}}.dump()));
        out.push_back(req("hostile text: refused as a target header name", "POST",
                          "/api/v1/triggers",
                          set(with_target(api_trigger()), "/target/headers", json{{text, "v"}})));
        // Free text is stored exactly as sent, or refused where PostgreSQL cannot store it (NUL).
        bool nul = has_nul(text);
        out.push_back(req("hostile text: stored as a trigger name", "POST", "/api/v1/triggers",
                          api_trigger(text).dump(), 201)
                          .stores("/name", text, nul));
        out.push_back(req("hostile text: stored in a scheduled trigger's payload", "POST",
                          "/api/v1/triggers",
                          set(scheduled_trigger(), "/payload", json{{"note", text}}), 201)
                          .stores("/payload/note", text, nul));
        out.push_back(
            req("hostile text: stored as a target header value", "POST", "/api/v1/triggers",
                set(with_target(api_trigger()), "/target/headers", json{{"X-Note", text}}), 201)
                .stores("/target/headers/X-Note", text, nul));
        // NUL in a fired payload has a phase of its own at the end of the test.
        if (!nul)
            out.push_back(req("hostile text: stored in a fired payload", "POST", fire,
                              json{{"amount", 1.5}, {"currency", text}}.dump(), 202)
                              .stores("/currency", text, false));
        // A refused firing must not claim its Idempotency-Key.
        out.push_back(req("hostile text: Idempotency-Key of a refused firing", "POST", fire,
                          R"({"amount": "x"})", 422)
                          .header("Idempotency-Key", pct(text)));
    }

    std::vector<std::string> path_ids = kHostileText;
    for (std::string id : {kMissing, "\xff\xfe\xfd"s, kMissing.substr(0, 35), ids.api + "'"})
        path_ids.push_back(id);
    for (const auto& text : path_ids) {
        const std::string id = pct(text);
        const std::string body = api_trigger().dump();
        for (Case c : {req("", "GET", "/api/v1/triggers/" + id),
                       req("", "PUT", "/api/v1/triggers/" + id, body),
                       req("", "DELETE", "/api/v1/triggers/" + id),
                       req("", "POST", "/api/v1/triggers/" + id + "/fire", kValidPayload.dump()),
                       req("", "POST", "/api/v1/triggers/" + id + "/activate"),
                       req("", "POST", "/api/v1/triggers/" + id + "/deactivate"),
                       req("", "POST", "/api/v1/triggers/" + id + "/test", "{}"),
                       req("", "GET", "/api/v1/triggers/" + id + "/secrets"),
                       req("", "POST", "/api/v1/triggers/" + id + "/secrets", "{}"),
                       req("", "DELETE", "/api/v1/triggers/" + id + "/secrets/" + kMissing),
                       req("", "GET", "/api/v1/events/" + id),
                       req("", "GET", "/api/v1/events/trigger/" + id),
                       req("", "POST", "/api/v1/events/" + id + "/archive"),
                       req("", "POST", "/api/v1/events/" + id + "/redeliver"),
                       req("", "DELETE", "/api/v1/api-keys/" + id)}) {
            // The event log outlives its triggers: a well-formed unknown id has an empty page.
            if (text == kMissing && c.path.starts_with("/api/v1/events/trigger/")) continue;
            c.what = "path id: hostile or unknown";
            c.expect = 404;
            out.push_back(std::move(c));
        }
    }

    const std::vector<std::string> params = {
        "/api/v1/triggers?type=",
        "/api/v1/triggers?active=",
        "/api/v1/triggers?page=",
        "/api/v1/triggers?page_size=",
        "/api/v1/events?status=",
        "/api/v1/events?trigger_id=",
        "/api/v1/events?type=",
        "/api/v1/events?source=",
        "/api/v1/events?show_test=",
        "/api/v1/events?since=",
        "/api/v1/events?until=",
        "/api/v1/events?cursor=",
        "/api/v1/events?page=",
        "/api/v1/events?page_size=",
        "/api/v1/events/aggregate?limit=",
        "/api/v1/events/aggregate?status=",
        "/api/v1/events/aggregate?since=",
        "/api/v1/events/trigger/" + ids.api + "?cursor=",
    };
    for (const auto& text : {kHostileText[0], kHostileText[1], kHostileText[3], kHostileText[5],
                             "\xff\xfe"s, "\xc0\xaf"s})
        for (const auto& p : params)
            out.push_back(req("query: hostile value", "GET", p + pct(text)));
    return out;
}

std::vector<Case> paging_and_filters(const Ids& ids) {
    const std::vector<std::string> values = {"-1",   "0",   "-0",   "99999999999999999999",
                                             "abc",  "",    "1.5",  "0x10",
                                             "%201", "1e3", "%2B1", "9223372036854775808"};
    const std::vector<std::string> params = {
        "/api/v1/triggers?page=",
        "/api/v1/triggers?page_size=",
        "/api/v1/events?page=",
        "/api/v1/events?page_size=",
        "/api/v1/events/aggregate?limit=",
        "/api/v1/events/trigger/" + ids.api + "?page_size=",
    };
    std::vector<Case> out;
    for (const auto& p : params)
        for (const auto& v : values) out.push_back(req("paging: bad value", "GET", p + v));
    for (std::string q : {"/api/v1/triggers?page_size=501",
                          "/api/v1/triggers?page=1000001",
                          "/api/v1/events?page_size=501",
                          "/api/v1/events?page=10001",
                          "/api/v1/events/aggregate?limit=1001",
                          "/api/v1/events?status=deleted",
                          "/api/v1/events?status=ACTIVE",
                          "/api/v1/events?trigger_id=123",
                          "/api/v1/events?type=cron",
                          "/api/v1/events?source=kafka",
                          "/api/v1/events?show_test=yes",
                          "/api/v1/events?show_test=1",
                          "/api/v1/events?since=yesterday",
                          "/api/v1/events?since=2026-13-01T00:00:00Z",
                          "/api/v1/events?since=2026-01-01",
                          "/api/v1/events?since=1700000000",
                          "/api/v1/events?since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z",
                          "/api/v1/events?cursor=garbage",
                          "/api/v1/events?cursor=eyJ4IjoxfQ",
                          "/api/v1/events?cursor=x&page=2",
                          "/api/v1/triggers?active=1",
                          "/api/v1/triggers?active=yes",
                          "/api/v1/triggers?type=API",
                          "/api/v1/events/aggregate?status=x",
                          "/api/v1/events/aggregate?since=x",
                          "/api/v1/events/aggregate?source=x"})
        out.push_back(req("filter: bad value", "GET", q));
    // Issue 22: microseconds near INT64_MAX overflowed on their way to SQL.
    for (std::string q : {"/api/v1/events?cursor=9223372036854775807_" + kMissing,
                          "/api/v1/events?cursor=253402300800000000_" + kMissing})
        out.push_back(req("cursor: past the year 9999", "GET", q));
    // Issue 22: an OFFSET of millions of rows; past the first 10,000 events, the cursor pages.
    for (std::string q :
         {"/api/v1/events?page=10000&page_size=500", "/api/v1/events?page=21&page_size=500",
          "/api/v1/events?status=all&page=101"})
        out.push_back(req("paging: past 10,000 events", "GET", q));
    return out;
}

// Unknown methods on known paths are 404 (cpp-httplib routes by method first; there is no 405).
std::vector<Case> routes_and_methods(const Ids& ids) {
    const std::string trigger = "/api/v1/triggers/" + ids.api;
    auto r = [](std::string what, std::string method, std::string path, int expect = 404,
                std::string body = {}) {
        return req("route: " + std::move(what), std::move(method), std::move(path), std::move(body),
                   expect);
    };
    return {
        r("PATCH on a trigger", "PATCH", trigger, 404, api_trigger().dump()),
        r("PATCH on the collection", "PATCH", "/api/v1/triggers", 404, "{}"),
        r("DELETE on the trigger collection", "DELETE", "/api/v1/triggers"),
        r("DELETE on the event collection", "DELETE", "/api/v1/events"),
        r("DELETE on the API key collection", "DELETE", "/api/v1/api-keys"),
        r("PUT on the trigger collection", "PUT", "/api/v1/triggers", 404, "{}"),
        r("PUT on an event", "PUT", "/api/v1/events/" + kMissing, 404, "{}"),
        r("GET on fire", "GET", trigger + "/fire"),
        r("GET on activate", "GET", trigger + "/activate"),
        r("GET on test", "GET", trigger + "/test"),
        r("GET on archive", "GET", "/api/v1/events/" + kMissing + "/archive"),
        r("GET on an API key", "GET", "/api/v1/api-keys/" + kMissing),
        r("POST on the event list", "POST", "/api/v1/events", 404, "{}"),
        r("POST on health", "POST", "/api/v1/health", 404, "{}"),
        r("POST on stats", "POST", "/api/v1/stats", 404, "{}"),
        r("DELETE on health", "DELETE", "/api/v1/health"),
        r("OPTIONS", "OPTIONS", "/api/v1/triggers"),
        r("TRACE", "TRACE", "/api/v1/triggers", kAny4xx),
        r("unknown method FOO", "FOO", "/api/v1/triggers", 400),
        r("API v2", "GET", "/api/v2/triggers"),
        r("API root", "GET", "/api/v1"),
        r("site root: a redirect to the console", "GET", "/", 302),
        r("GET on the schedule preview", "GET", "/api/v1/schedules/preview"),
        r("GET on the filter test", "GET", "/api/v1/filters/test"),
        r("POST on whoami", "POST", "/api/v1/whoami", 404, "{}"),
        r("a console file outside its directory", "GET", "/console/..%2F..%2Fetc%2Fpasswd"),
        r("a console file in a subdirectory", "GET", "/console/sub/app.js"),
        r("an npm file the console does not import", "GET", "/console/vendor/package.json"),
        r("a path below fire", "POST", trigger + "/fire/again", 404, "{}"),
        r("double slash", "GET", "//api/v1/triggers"),
        r("dot segments", "GET", "/api/v1/triggers/../api-keys"),
        r("encoded slash in an id", "GET", "/api/v1/triggers/a%2Fb"),
        r("upper-case path", "GET", "/API/V1/TRIGGERS"),
        r("trailing slash", "GET", "/api/v1/triggers/"),
        r("path of 8,000 characters", "GET", "/api/v1/" + std::string(8000, 'a')),
        r("path of 10,000 characters", "GET", "/api/v1/" + std::string(10000, 'a'), 414),
        r("bad Range header", "GET", "/api/v1/triggers", 416).header("Range", "bytes=zzz"),
    };
}

std::vector<Case> idempotency_keys(const Ids& ids) {
    const std::string fire = "/api/v1/triggers/" + ids.api + "/fire";
    const std::string payload = kValidPayload.dump();
    auto k = [](std::string what, std::string key, std::string path, std::string body, int expect) {
        return req("Idempotency-Key: " + std::move(what), "POST", std::move(path), std::move(body),
                   expect)
            .header("Idempotency-Key", std::move(key));
    };
    return {
        k("201 characters", std::string(201, 'k'), fire, payload, 400),
        k("10,000 characters", std::string(10000, 'k'), fire, payload, 400),
        k("1 MB", std::string(1024 * 1024, 'k'), fire, payload, kAny4xx),
        k("binary bytes", "\x01\x02\x7f\xff\xfe", fire, R"({"amount": "x"})", 422),
        k("valid, unknown trigger", "hostile-1", "/api/v1/triggers/" + kMissing + "/fire", payload,
          404),
        k("valid, scheduled trigger", "hostile-2", "/api/v1/triggers/" + ids.scheduled + "/fire",
          payload, 409),
        k("valid, payload against the schema", "hostile-3", fire, "{}", 422),
        k("valid, malformed body", "hostile-4", fire, "{", 400),
        k("valid, wrong content type", "hostile-5", fire, payload, 415).type("text/plain"),
    };
}

std::vector<Case> bad_keys(const Ids& ids) {
    const std::vector<std::tuple<std::string, std::string, std::string>> routes = {
        {"GET", "/api/v1/triggers", ""},
        {"POST", "/api/v1/triggers", api_trigger("no key").dump()},
        {"POST", "/api/v1/triggers/" + ids.api + "/fire", kValidPayload.dump()},
        {"POST", "/api/v1/api-keys", R"({"name": "k", "scopes": ["admin"]})"},
        {"DELETE", "/api/v1/triggers/" + ids.api, ""},
        {"POST", "/api/v1/triggers/" + ids.hooked + "/secrets", "{}"},
        {"GET", "/api/v1/triggers/" + ids.hooked + "/secrets", ""},
    };
    const std::string admin = etp::e2e::kAdminKey;
    const std::vector<std::tuple<std::string, std::string, std::string, int>> keys = {
        {"none", "", "", 401},
        {"wrong", "X-API-Key", "wrong-key", 401},
        {"admin key plus a character", "X-API-Key", admin + "x", 401},
        {"admin key prefix", "X-API-Key", admin.substr(0, 10), 401},
        {"SQL", "X-API-Key", "' OR 1=1 --", 401},
        {"300 characters", "X-API-Key", std::string(300, 'k'), 401},
        {"binary", "X-API-Key", "\x01\x02\x7f\xff\xfe", 401},
        {"1 MB", "X-API-Key", std::string(1024 * 1024, 'k'), kAny4xx},
        {"Bearer without a token", "Authorization", "Bearer", 401},
        {"Basic credentials", "Authorization", "Basic YWRtaW46YWRtaW4=", 401},
        {"wrong Bearer token", "Authorization", "Bearer wrong-key", 401},
        {"1 MB Bearer token", "Authorization", "Bearer " + std::string(1024 * 1024, 'k'), kAny4xx},
    };
    std::vector<Case> out;
    for (const auto& [what, header, value, expect] : keys) {
        for (const auto& [method, path, body] : routes) {
            Case c = req("bad API key: " + what, method, path, body, expect).without_key();
            if (!header.empty()) c.headers.emplace(header, value);
            out.push_back(std::move(c));
        }
    }
    return out;
}

std::vector<Case> raw_requests(const Ids& ids) {
    const std::string key = "X-API-Key: "s + etp::e2e::kAdminKey + "\r\n";
    const std::string json_post = "Content-Type: application/json\r\n";
    return {
        raw("not HTTP", "GARBAGE\r\n\r\n", 400),
        raw("unknown HTTP version", "GET /api/v1/health HTTP/9.9\r\nHost: x\r\n\r\n", 400),
        raw("no HTTP version", "GET /api/v1/health\r\nHost: x\r\n\r\n", 400),
        raw("unknown method", "BREW /api/v1/triggers HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        raw("NUL in the request line", "GET /api/v1/trig\0gers HTTP/1.1\r\nHost: x\r\n\r\n"s, 400),
        raw("raw invalid UTF-8 in a path id",
            "GET /api/v1/triggers/\xff\xfe\xc0\xaf HTTP/1.1\r\nHost: x\r\n" + key + "\r\n", 404),
        raw("raw invalid UTF-8 in a query value",
            "GET /api/v1/events?type=\xff\xfe HTTP/1.1\r\nHost: x\r\n" + key + "\r\n", 400),
        raw("raw invalid UTF-8 in an unknown route",
            "GET /api/\xff\xfe/x HTTP/1.1\r\nHost: x\r\n" + key + "\r\n", 404),
        // cpp-httplib reads header values up to a NUL; a key cut there must still be refused.
        raw("a wrong key, a NUL byte, then the admin key",
            "GET /api/v1/triggers HTTP/1.1\r\nHost: x\r\nX-API-Key: wrong\0"s +
                etp::e2e::kAdminKey + "\r\n\r\n",
            401),
        raw("a NUL byte, then the admin key",
            "DELETE /api/v1/triggers/" + ids.api + " HTTP/1.1\r\nHost: x\r\nX-API-Key: \0"s +
                etp::e2e::kAdminKey + "\r\n\r\n",
            401),
        raw("a wrong Bearer token, a NUL byte, then the admin key",
            "GET /api/v1/api-keys HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong\0"s +
                etp::e2e::kAdminKey + "\r\n\r\n",
            401),
        raw("non-numeric Content-Length",
            "POST /api/v1/triggers HTTP/1.1\r\nHost: x\r\n" + key + json_post +
                "Content-Length: abc\r\n\r\n",
            400),
        raw("Content-Length shorter than the body",
            "POST /api/v1/triggers/" + ids.api + "/fire HTTP/1.1\r\nHost: x\r\n" + key + json_post +
                "Content-Length: 5\r\n\r\n" + kValidPayload.dump(),
            400),
        raw("malformed chunk size",
            "POST /api/v1/triggers HTTP/1.1\r\nHost: x\r\n" + key + json_post +
                "Transfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n",
            400),
    };
}

// Secret rotation bodies, secret ids and the routes of a trigger's secrets.
std::vector<Case> secrets(const Ids& ids) {
    const std::string rotate = "/api/v1/triggers/" + ids.hooked + "/secrets";
    auto base64_of = [](std::size_t bytes) {
        return etp::webhook::base64_encode(std::string(bytes, '\x5a'));
    };
    std::vector<std::string> bad_secrets = {
        "\"\"",
        "\"whsec_\"",
        "\"whsec_short\"",
        "\"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"",           // no prefix
        "\"WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"",     // prefix in capitals
        "\"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS\"",      // not a whole base64 quantum
        "\"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw==\"",   // padding where none belongs
        "\"whsec_MfKQ9r8GKYqrTwjU PD8ILPZIo2LaLaSw\"",    // a space inside
        "\"whsec_MfKQ9r8GKYqrTwjU\\nPD8ILPZIo2LaLaSw\"",  // a line break inside
        "\"whsec_!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\"",
        "\"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\\u0000\"",
        "\"whsec_" + base64_of(23) + "\"",  // 23 bytes: too short a key
        "\"whsec_" + base64_of(65) + "\"",  // 65 bytes: too long a key
        "\"whsec_" + std::string(100'000, 'A') + "\"",
        "5",
        "null",
        "true",
        "[\"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"]",
        "{\"value\": \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"}",
    };
    for (const auto& text : kHostileText) bad_secrets.push_back(json(text).dump());
    const std::vector<std::string> bad_graces = {
        "-1",
        "604801",
        "-0.5",
        "1.5",
        "60.0",
        "1e3",
        "18446744073709551616",
        "9223372036854775807",
        "-9223372036854775808",
        "\"60\"",
        "\"\"",
        "true",
        "null",
        "[60]",
        "{}",
        "-1e308",
    };
    std::vector<Case> out;
    for (const auto& secret : bad_secrets)
        out.push_back(req("secret rotation: bad secret " + secret.substr(0, 40), "POST", rotate,
                          "{\"secret\": " + secret + "}"));
    for (const auto& grace : bad_graces)
        out.push_back(req("secret rotation: bad grace " + grace, "POST", rotate,
                          "{\"expire_previous_after_seconds\": " + grace + "}"));
    const std::vector<std::string> wrong_shapes = {
        R"({"secret_id": "x"})",
        R"({"expires_at": null})",
        R"({"Secret": "x"})",
        R"({"expire_previous_after": 60})",
        "[]",
        "\"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"",
        "5",
        "null",
        "true",
        R"({"secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "colour": "red"})",
        R"({"secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "expire_previous_after_seconds": -1})",
    };
    for (const auto& body : wrong_shapes)
        out.push_back(
            req("secret rotation: wrong shape " + body.substr(0, 40), "POST", rotate, body));
    // A trigger without a target has nothing to sign, whatever the (valid) body.
    for (std::string body : {"", "{}", R"({"expire_previous_after_seconds": 0})"})
        out.push_back(req("secret rotation: trigger without a target", "POST",
                          "/api/v1/triggers/" + ids.api + "/secrets", body, 409));

    std::vector<std::string> secret_ids = kHostileText;
    for (std::string id : {kMissing, ids.hooked, ids.api, "\xff\xfe\xfd"s, kMissing.substr(0, 35),
                           kMissing + "0", std::string(1000, 'a')})
        secret_ids.push_back(id);
    for (const auto& text : secret_ids) {
        out.push_back(
            req("secret id: hostile or unknown", "DELETE", rotate + "/" + pct(text), {}, 404));
        out.push_back(
            req("secret id: no GET of one secret", "GET", rotate + "/" + pct(text), {}, 404));
    }
    auto r = [](std::string what, std::string method, std::string path, std::string body = {}) {
        return req("route: " + std::move(what), std::move(method), std::move(path), std::move(body),
                   404);
    };
    out.push_back(r("PUT on the secrets", "PUT", rotate, "{}"));
    out.push_back(r("PATCH on the secrets", "PATCH", rotate, "{}"));
    out.push_back(r("DELETE on the secrets", "DELETE", rotate));
    out.push_back(r("POST on a secret", "POST", rotate + "/" + kMissing, "{}"));
    out.push_back(r("a path below a secret", "DELETE", rotate + "/" + kMissing + "/x"));
    out.push_back(r("secrets of the trigger collection", "GET", "/api/v1/triggers/secrets"));
    return out;
}

// ---------------------------------------------------------------------------------------------
// Sending and checking

struct Answer {
    bool answered = false;
    int status = 0;
    std::string content_type;
    std::string body;
    std::string error;
};

std::string shorten(const std::string& text) {
    if (text.size() <= 160) return text;
    return text.substr(0, 160) + "... (" + std::to_string(text.size()) + " bytes)";
}

Answer send_request(int port, const Case& c) {
    httplib::Client client("127.0.0.1", port);
    client.set_url_encode(false);
    client.set_read_timeout(30, 0);
    client.set_write_timeout(30, 0);
    httplib::Request req;
    req.method = c.method;
    req.path = c.path;
    req.headers = c.headers;
    if (c.admin_key) req.headers.emplace("X-API-Key", etp::e2e::kAdminKey);
    if (!c.content_type.empty()) req.headers.emplace("Content-Type", c.content_type);
    req.body = c.body;
    auto res = client.send(req);
    Answer a;
    if (!res) {
        a.error = httplib::to_string(res.error());
        return a;
    }
    a.answered = true;
    a.status = res->status;
    a.content_type = res->get_header_value("Content-Type");
    a.body = res->body;
    return a;
}

class Socket {
 public:
    Socket() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {}
    ~Socket() {
        if (fd_ >= 0) ::close(fd_);
    }
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;
    int fd() const { return fd_; }

 private:
    int fd_;
};

// Writes the bytes, then reads one answer (headers and a Content-Length body) without waiting
// for the connection to close.
Answer send_raw(int port, const std::string& bytes) {
    Answer a;
    Socket sock;
    timeval timeout{10, 0};
    ::setsockopt(sock.fd(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(sock.fd(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    if (::connect(sock.fd(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        a.error = "connect failed";
        return a;
    }
    for (std::size_t sent = 0; sent < bytes.size();) {
        ssize_t n = ::send(sock.fd(), bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<std::size_t>(n);
    }
    std::string in;
    char buf[4096];
    while (true) {
        auto end = in.find("\r\n\r\n");
        if (end != std::string::npos) {
            std::string head = in.substr(0, end);
            std::string lower = head;
            for (auto& ch : lower)
                ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
            std::size_t length = 0;
            if (auto p = lower.find("\r\ncontent-length:"); p != std::string::npos)
                length = std::stoul(head.substr(p + 17));
            if (in.size() >= end + 4 + length) {
                if (!head.starts_with("HTTP/1.1 ") || head.size() < 12) {
                    a.error = "not an HTTP answer: " + shorten(head);
                    return a;
                }
                a.answered = true;
                a.status = std::stoi(head.substr(9, 3));
                if (auto p = lower.find("\r\ncontent-type:"); p != std::string::npos) {
                    auto eol = head.find("\r\n", p + 2);
                    a.content_type =
                        head.substr(p + 15, eol == std::string::npos ? eol : eol - p - 15);
                    while (a.content_type.starts_with(' ')) a.content_type.erase(0, 1);
                }
                a.body = in.substr(end + 4, length);
                return a;
            }
        }
        ssize_t n = ::recv(sock.fd(), buf, sizeof buf, 0);
        if (n <= 0) {
            a.error = in.empty() ? "connection closed without an answer" : "incomplete answer";
            return a;
        }
        in.append(buf, static_cast<std::size_t>(n));
    }
}

// The gateway under test; restarted when a request kills it, so that one crash (reported as a
// failure) does not hide the rest of the table.
class Gateway {
 public:
    Gateway() { start(); }
    int port() const { return service_.http_port; }
    bool running() { return service_.process->running(); }
    int exit_code() { return service_.process->wait_exit(1s).value_or(-1); }
    std::string output_tail() const {
        std::string out = service_.process->output();
        return out.substr(out.size() > 1500 ? out.size() - 1500 : 0);
    }
    void restart() {
        service_.process->kill9();
        start();
    }

 private:
    void start() {
        service_ = etp::e2e::make_service("api-gateway");
        REQUIRE(service_.start_and_wait());
    }
    etp::e2e::Service service_;
};

struct Tally {
    int sent = 0;
    int created = 0;  // triggers the gateway answered 201 for
    std::map<std::string, int> by_category;
    std::vector<std::pair<std::string, json>> fired;  // event id, the payload it must carry
};

// RFC 9457: the media type, a JSON object whose status is the HTTP status, a non-empty detail.
void check_problem(const Answer& a) {
    CHECK(a.content_type == "application/problem+json");
    json problem = json::parse(a.body, nullptr, false);
    CHECK(problem.is_object());
    if (!problem.is_object()) return;
    CHECK(problem["status"] == a.status);
    CHECK(problem["detail"].is_string());
    CHECK(problem["detail"] != "");
}

// The created trigger carries the hostile text verbatim, in the answer and when read back.
void check_stored(int port, const Case& c, const json& created) {
    json::json_pointer at(c.stored_at);
    CHECK(created.contains(at));
    if (created.contains(at)) CHECK(created[at] == c.stored);
    httplib::Client client("127.0.0.1", port);
    std::string path = "/api/v1/triggers/" + created.value("id", std::string());
    auto got = client.Get(path.c_str(), {{"X-API-Key", etp::e2e::kAdminKey}});
    CHECK(got);
    if (!got) return;
    json read_back = json::parse(got->body, nullptr, false);
    CHECK(read_back.contains(at));
    if (read_back.contains(at)) CHECK(read_back[at] == c.stored);
}

void check_answer(Gateway& gateway, const Case& c, const Answer& a, Tally& tally) {
    INFO("case: " << c.what);
    INFO("request: " << c.method << " " << shorten(c.path) << " body " << shorten(c.body)
                     << shorten(c.raw));
    INFO("answer: " << a.status << " " << a.content_type << " " << shorten(a.body) << a.error);
    CHECK(a.answered);
    if (!a.answered) return;
    if (a.status == 201 && c.method == "POST" && c.path == "/api/v1/triggers") ++tally.created;

    bool must_store = c.expect == 201 || c.expect == 202;
    if (must_store && a.status >= 200 && a.status < 300) {
        CHECK(a.status == c.expect);
        json body = json::parse(a.body, nullptr, false);
        CHECK(body.is_object());
        if (!body.is_object()) return;
        if (a.status == 201) check_stored(gateway.port(), c, body);
        if (a.status == 202)
            tally.fired.push_back({body.value("event_id", std::string()), json::parse(c.body)});
        return;
    }
    if (must_store) {
        CHECK(c.or_refused);  // the text had to be stored, not refused
        CHECK((a.status >= 400 && a.status < 500));
    } else if (c.expect == kAny4xx) {
        CHECK((a.status >= 400 && a.status < 500));
    } else {
        CHECK(a.status == c.expect);
    }
    if (a.status >= 400) check_problem(a);
}

// Health answers 200. When the gateway died (or stopped answering), the failure names the last
// request, and the gateway is started again.
void check_alive(Gateway& gateway, const std::string& last_request) {
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (true) {
        if (!gateway.running()) {
            INFO("gateway output (tail): " << gateway.output_tail());
            FAIL_CHECK("the gateway died (exit "
                       << gateway.exit_code()
                       << "; 139 is SIGSEGV); last request: " << last_request);
            gateway.restart();
            return;
        }
        httplib::Client client("127.0.0.1", gateway.port());
        client.set_read_timeout(10, 0);
        if (auto res = client.Get("/api/v1/health")) {
            INFO("health after: " << last_request);
            CHECK(res->status == 200);
            return;
        }
        if (std::chrono::steady_clock::now() > deadline) {
            FAIL_CHECK("the gateway stopped answering; last request: " << last_request);
            gateway.restart();
            return;
        }
        std::this_thread::sleep_for(100ms);
    }
}

// Sends one case and checks its answer; every 20 requests (and after any request that got no
// answer) health must still answer.
void run(Gateway& gateway, Tally& tally, const Case& c) {
    Answer a = c.raw.empty() ? send_request(gateway.port(), c) : send_raw(gateway.port(), c.raw);
    ++tally.sent;
    ++tally.by_category[c.what.substr(0, c.what.find(':'))];
    check_answer(gateway, c, a, tally);
    if (!a.answered || !gateway.running() || tally.sent % 20 == 0)
        check_alive(gateway, c.what + " -- " + c.method + " " + shorten(c.path));
}

// Every accepted firing from `first` on is in the event log with its payload, within 30 s.
void check_logged(etp::e2e::Api& api, etp::e2e::Service& dispatcher,
                  const std::vector<std::pair<std::string, json>>& fired, std::size_t first) {
    auto deadline = std::chrono::steady_clock::now() + 30s;
    for (std::size_t i = first; i < fired.size(); ++i) {
        const auto& [event_id, payload] = fired[i];
        json event;
        while (event.is_null()) {
            auto got = api.get("/api/v1/events/" + event_id);
            if (got && got->status == 200)
                event = json::parse(got->body);
            else if (std::chrono::steady_clock::now() > deadline)
                break;
            else
                std::this_thread::sleep_for(100ms);
        }
        std::string out = dispatcher.process->output();
        INFO("an accepted firing must reach the event log verbatim: event "
             << event_id << " payload " << payload.dump());
        INFO("dispatcher output (tail): " << out.substr(out.size() > 1500 ? out.size() - 1500 : 0));
        CHECK(event.is_object());
        if (event.is_object()) CHECK(event["payload"] == payload);
    }
}

std::int64_t count(etp::pg::Connection& db, const std::string& sql) {
    return db.exec(sql).integer(0, 0);
}

}  // namespace

TEST_CASE(
    "hostile requests get 4xx problem+json; the gateway keeps answering; nothing half-written") {
    etp::e2e::Service dispatcher = etp::e2e::make_service("dispatcher");
    REQUIRE(dispatcher.start_and_wait());
    Gateway gateway;

    // The two triggers the hostile requests aim at.
    etp::e2e::Api setup(gateway.port());
    json api_definition = api_trigger("hostile target: api");
    api_definition["api_schema"] = {{"amount", "float"}, {"currency", "str"}};
    auto res = setup.post("/api/v1/triggers", api_definition);
    REQUIRE(res);
    REQUIRE(res->status == 201);
    json api_created = json::parse(res->body);
    res = setup.post("/api/v1/triggers", scheduled_trigger("hostile target: scheduled"));
    REQUIRE(res);
    REQUIRE(res->status == 201);
    json scheduled_created = json::parse(res->body);
    res = setup.post("/api/v1/triggers", with_target(api_trigger("hostile target: hooked")));
    REQUIRE(res);
    REQUIRE(res->status == 201);
    json hooked_created = json::parse(res->body);
    Ids ids{api_created["id"], scheduled_created["id"], hooked_created["id"]};
    etp::pg::Connection db(etp::testing::PgCluster::shared().url());
    auto secrets_of_hooked = [&] {
        auto r = db.exec(
            "SELECT id::text || ' ' || secret || ' ' || coalesce(expires_at::text, '-') "
            "FROM trigger_secrets WHERE trigger_id = $1 ORDER BY id",
            {ids.hooked});
        std::vector<std::string> rows;
        for (int i = 0; i < r.rows(); ++i) rows.emplace_back(r.text(i, 0));
        return rows;
    };
    const std::vector<std::string> hooked_secrets = secrets_of_hooked();
    REQUIRE(hooked_secrets.size() == 1);

    Tally tally;
    for (const auto& table :
         {broken_json(ids), deep_nesting(ids), wrong_types(), unknown_fields(ids),
          wrong_shapes(ids), huge_numbers(), oversized(ids), content_types(ids), hostile_text(ids),
          paging_and_filters(ids), routes_and_methods(ids), idempotency_keys(ids), bad_keys(ids),
          raw_requests(ids), secrets(ids)})
        for (const auto& c : table) run(gateway, tally, c);
    check_alive(gateway, "the last request");

    // The targets are untouched by the hostile replacements, deletions and activations.
    etp::e2e::Api api(gateway.port());
    for (const json& created : {api_created, scheduled_created, hooked_created}) {
        auto got = api.get("/api/v1/triggers/" + created["id"].get<std::string>());
        REQUIRE(got);
        REQUIRE(got->status == 200);
        json now = json::parse(got->body);
        CHECK(now["version"] == created["version"]);
        CHECK(now["name"] == created["name"]);
        CHECK(now["active"] == created["active"]);
    }

    // Accepted firings reach the event log with the hostile text verbatim.
    check_logged(api, dispatcher, tally.fired, 0);

    // NUL in a fired payload comes last, as accepting it may stop the event log: jsonb cannot
    // hold \u0000, so the gateway must refuse it; if it accepts it, the event must be logged all
    // the same, and so must a normal firing sent after it.
    std::size_t before_nul = tally.fired.size();
    run(gateway, tally,
        req("hostile text: NUL in a fired payload", "POST", "/api/v1/triggers/" + ids.api + "/fire",
            json{{"amount", 1.5}, {"currency", "nul\0byte"s}}.dump(), 202)
            .stores("/currency", "nul\0byte"s, true));
    if (tally.fired.size() > before_nul) {
        auto fired = api.post("/api/v1/triggers/" + ids.api + "/fire", kValidPayload);
        REQUIRE(fired);
        REQUIRE(fired->status == 202);
        tally.fired.push_back({json::parse(fired->body)["event_id"], kValidPayload});
        check_logged(api, dispatcher, tally.fired, before_nul);
    }

    std::cout << "hostile requests sent: " << tally.sent << "\n";
    for (const auto& [category, n] : tally.by_category)
        std::cout << "  " << n << "  " << category << "\n";
    CHECK(tally.sent >= 200);
    CHECK(gateway.running());

    // PostgreSQL: what was accepted, and nothing from refused requests.
    CHECK(count(db, "SELECT count(*) FROM triggers") == 3 + tally.created);
    // The hooked trigger's secret is untouched by the refused rotations and deletions; every
    // trigger with a target (those created by accepted requests too) has exactly one secret,
    // and no other trigger has any.
    CHECK(secrets_of_hooked() == hooked_secrets);
    CHECK(count(db, "SELECT count(*) FROM trigger_secrets") ==
          count(db, "SELECT count(*) FROM triggers WHERE target IS NOT NULL"));
    CHECK(count(db,
                "SELECT count(*) FROM triggers t WHERE target IS NOT NULL AND (SELECT count(*) "
                "FROM trigger_secrets s WHERE s.trigger_id = t.id) <> 1") == 0);
    // Every scheduled trigger has its schedules row, and no other trigger has one (a row
    // without its trigger cannot exist: the foreign key).
    CHECK(count(db, "SELECT count(*) FROM schedules") ==
          count(db, "SELECT count(*) FROM triggers WHERE type = 'scheduled'"));
    CHECK(count(db,
                "SELECT count(*) FROM schedules s JOIN triggers t ON t.id = s.trigger_id "
                "WHERE t.type = 'scheduled'") == count(db, "SELECT count(*) FROM schedules"));
    CHECK(count(db, "SELECT count(*) FROM api_keys") == 0);
    CHECK(count(db, "SELECT count(*) FROM idempotency_keys") == 0);
    CHECK(count(db, "SELECT count(*) FROM events WHERE is_test") == 0);
    CHECK(count(db, "SELECT count(*) FROM events WHERE trigger_id = '" + ids.scheduled + "'") == 0);
    CHECK(count(db, "SELECT count(*) FROM events WHERE trigger_id = '" + ids.api + "'") ==
          static_cast<std::int64_t>(tally.fired.size()));
}
