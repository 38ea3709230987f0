// The REST API through the real gateway and dispatcher: every route and its error paths, as a
// client sees them (status, body, headers), plus the rows and Kafka messages behind them.
#include <catch2/catch.hpp>
#include <set>
#include <thread>

#include "etp/domain/time.hpp"
#include "etp/pg/connection.hpp"
#include "platform.hpp"

using namespace std::chrono_literals;
using etp::e2e::Api;
using etp::e2e::platform;
using nlohmann::json;

namespace {

Api api() { return Api(platform().gateway.http_port); }

etp::pg::Connection& db() {
    static etp::pg::Connection conn(etp::testing::PgCluster::shared().url());
    return conn;
}

json body_of(const httplib::Result& res) {
    REQUIRE(res);
    return json::parse(res->body);
}

std::string create(const json& definition) {
    auto res = api().post("/api/v1/triggers", definition);
    REQUIRE(res);
    INFO(res->body);
    REQUIRE(res->status == 201);
    return body_of(res)["id"];
}

// Polls GET path until `done(body)` or the deadline; returns the last body.
json poll(const std::string& path, const std::function<bool(const json&)>& done) {
    auto deadline = std::chrono::steady_clock::now() + 30s;
    json body;
    while (std::chrono::steady_clock::now() < deadline) {
        auto res = api().get(path);
        REQUIRE(res);
        if (res->status == 200) {
            body = json::parse(res->body);
            if (done(body)) return body;
        }
        std::this_thread::sleep_for(100ms);
    }
    return body;
}

std::vector<std::string> pointers(const json& problem) {
    std::vector<std::string> out;
    for (const auto& e : problem["errors"]) out.push_back(e["pointer"]);
    return out;
}

httplib::Result request(const std::string& method, const std::string& path, const std::string& key,
                        const std::string& body = "") {
    httplib::Client client("127.0.0.1", platform().gateway.http_port);
    httplib::Headers headers = {{"X-API-Key", key}};
    if (method == "GET") return client.Get(path.c_str(), headers);
    if (method == "DELETE") return client.Delete(path.c_str(), headers);
    return client.Post(path.c_str(), headers, body.empty() ? "{}" : body, "application/json");
}

}  // namespace

TEST_CASE("triggers: create every type, read, replace, activate, deactivate, delete") {
    std::string cdc = create(json::parse(R"({"name": "monitor down", "type": "cdc",
        "cdc": {"table": "public.monitors", "operations": ["update"],
                "filter": {"after": {"status": ["down"]}, "before": {"status": [{"anything-but": "down"}]}}}})"));
    std::string scheduled = create(json::parse(R"({"name": "nightly", "type": "scheduled",
        "schedule": {"cron": "0 30 2 * * *", "timezone": "Europe/Berlin"}, "payload": {"job": "report"}})"));
    std::string hooked = create(json::parse(R"({"name": "hooked", "type": "api",
        "target": {"url": "http://127.0.0.1:9/hook", "secret": "whsec_0123456789abcdef"}})"));

    json got = body_of(api().get("/api/v1/triggers/" + cdc));
    CHECK(got["cdc"]["table"] == "public.monitors");
    CHECK(got["cdc"]["filter"]["after"]["status"][0] == "down");
    CHECK(body_of(api().get("/api/v1/triggers/" + scheduled))["schedule"]["timezone"] ==
          "Europe/Berlin");

    // PUT replaces the definition, bumps the version and keeps the write-only secret.
    auto replaced = api().raw().Put(
        ("/api/v1/triggers/" + hooked).c_str(),
        R"({"name": "hooked v2", "type": "api", "target": {"url": "http://127.0.0.1:9/v2"}})",
        "application/json");
    REQUIRE(replaced);
    REQUIRE(replaced->status == 200);
    json v2 = json::parse(replaced->body);
    CHECK(v2["name"] == "hooked v2");
    CHECK(v2["version"] == 2);
    CHECK(v2["target"]["has_secret"] == true);
    CHECK(db().exec("SELECT target_secret FROM triggers WHERE id = $1", {hooked}).text(0, 0) ==
          "whsec_0123456789abcdef");
    auto bad_put = api().raw().Put(("/api/v1/triggers/" + hooked).c_str(), R"({"name": "x"})",
                                   "application/json");
    REQUIRE(bad_put);
    CHECK(bad_put->status == 400);
    CHECK(body_of(api().get("/api/v1/triggers/" + hooked))["name"] == "hooked v2");

    auto off = api().post("/api/v1/triggers/" + hooked + "/deactivate", json::object());
    REQUIRE(off);
    CHECK(off->status == 200);
    CHECK(body_of(off)["active"] == false);
    CHECK(body_of(api().get("/api/v1/triggers?active=false&page_size=500"))["items"].dump().find(
              hooked) != std::string::npos);
    auto on = api().post("/api/v1/triggers/" + hooked + "/activate", json::object());
    REQUIRE(on);
    CHECK(body_of(on)["active"] == true);

    auto removed = api().raw().Delete(("/api/v1/triggers/" + hooked).c_str());
    REQUIRE(removed);
    CHECK(removed->status == 204);
    CHECK(api().get("/api/v1/triggers/" + hooked)->status == 404);
    CHECK(api().raw().Delete(("/api/v1/triggers/" + hooked).c_str())->status == 404);
    CHECK(api().post("/api/v1/triggers/" + hooked + "/activate", json::object())->status == 404);

    // Every change is on etp.trigger.changes, keyed by trigger id; the delete is a tombstone.
    // (The topic holds other tests' changes too: read all there is, then keep this trigger's.)
    std::vector<etp::bus::Message> mine;
    for (auto& m : etp::testing::read_topic(etp::testing::DevBroker::shared().bootstrap(),
                                            "etp.trigger.changes", 1'000'000, 8s))
        if (m.key == hooked) mine.push_back(m);
    REQUIRE(mine.size() == 5);  // create, replace, deactivate, activate, delete
    CHECK(json::parse(*mine[0].value)["name"] == "hooked");
    CHECK(json::parse(*mine[1].value)["name"] == "hooked v2");
    CHECK(json::parse(*mine[2].value)["active"] == false);
    CHECK(json::parse(*mine[3].value)["active"] == true);
    CHECK_FALSE(mine[4].value.has_value());
}

TEST_CASE("fire validates the payload against the trigger's schema") {
    std::string id = create(json::parse(
        R"({"name": "payment", "type": "api", "api_schema": {"amount": "float", "currency": "str"}})"));
    auto res = api().post("/api/v1/triggers/" + id + "/fire", {{"amount", "ten"}});
    REQUIRE(res);
    CHECK(res->status == 422);
    CHECK(res->get_header_value("Content-Type") == "application/problem+json");
    json problem = json::parse(res->body);
    std::vector<std::string> p = pointers(problem);
    CHECK(std::find(p.begin(), p.end(), "/amount") != p.end());
    CHECK(problem["errors"].size() >= 2);  // wrong type and the missing currency
    CHECK(api()
              .post("/api/v1/triggers/" + id + "/fire", {{"amount", 10.5}, {"currency", "EUR"}})
              ->status == 202);
}

TEST_CASE("Idempotency-Key makes a repeated fire answer the first event id without firing") {
    std::string id = create({{"name", "idempotent"}, {"type", "api"}});
    auto fire = [&](const std::string& key) {
        httplib::Client client("127.0.0.1", platform().gateway.http_port);
        auto res = client.Post(("/api/v1/triggers/" + id + "/fire").c_str(),
                               {{"X-API-Key", etp::e2e::kAdminKey}, {"Idempotency-Key", key}},
                               R"({"n": 1})", "application/json");
        REQUIRE(res);
        REQUIRE(res->status == 202);
        return json::parse(res->body)["event_id"].get<std::string>();
    };
    std::string first = fire("order-42");
    CHECK(fire("order-42") == first);
    std::string other = fire("order-43");
    CHECK(other != first);
    // Concurrent repeats of a new key fire once.
    std::vector<std::string> ids(8);
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) threads.emplace_back([&, i] { ids[i] = fire("order-44"); });
    for (auto& t : threads) t.join();
    CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == 1);

    json events = poll("/api/v1/events?trigger_id=" + id,
                       [](const json& b) { return b["items"].size() >= 3; });
    std::this_thread::sleep_for(1s);
    events = body_of(api().get("/api/v1/events?trigger_id=" + id));
    CHECK(events["items"].size() == 3);

    httplib::Client client("127.0.0.1", platform().gateway.http_port);
    auto res = client.Post(
        ("/api/v1/triggers/" + id + "/fire").c_str(),
        {{"X-API-Key", etp::e2e::kAdminKey}, {"Idempotency-Key", std::string(201, 'k')}}, "{}",
        "application/json");
    REQUIRE(res);
    CHECK(res->status == 400);
}

TEST_CASE("fire refuses unknown, inactive and non-api triggers") {
    std::string scheduled = create(json::parse(
        R"({"name": "every minute", "type": "scheduled", "schedule": {"interval_seconds": 60}})"));
    auto res = api().post("/api/v1/triggers/" + scheduled + "/fire", json::object());
    REQUIRE(res);
    CHECK(res->status == 409);
    CHECK(json::parse(res->body)["detail"].get<std::string>().find("/test") != std::string::npos);
    std::string paused = create({{"name", "paused"}, {"type", "api"}, {"active", false}});
    CHECK(api().post("/api/v1/triggers/" + paused + "/fire", json::object())->status == 409);
    CHECK(api()
              .post("/api/v1/triggers/01900000-0000-7000-8000-000000000000/fire", json::object())
              ->status == 404);
}

TEST_CASE("test firings: a saved trigger of any type, and an unsaved definition") {
    std::string scheduled = create(json::parse(
        R"({"name": "static payload", "type": "scheduled", "schedule": {"interval_seconds": 3600}, "payload": {"static": true}})"));
    auto res = api().post("/api/v1/triggers/" + scheduled + "/test", json::object());
    REQUIRE(res);
    REQUIRE(res->status == 202);
    std::string event_id = body_of(res)["event_id"];
    res = api().post("/api/v1/triggers/" + scheduled + "/test", {{"payload", {{"custom", 1}}}});
    REQUIRE(res->status == 202);
    std::string custom_id = body_of(res)["event_id"];
    CHECK(api().post("/api/v1/triggers/" + scheduled + "/test", {{"payloud", 1}})->status == 400);

    json events = poll("/api/v1/events?show_test=true&trigger_id=" + scheduled,
                       [](const json& b) { return b["items"].size() >= 2; });
    REQUIRE(events["items"].size() == 2);
    json by_id;
    for (const auto& e : events["items"]) by_id[e["id"].get<std::string>()] = e;
    CHECK(by_id[event_id]["is_test"] == true);
    CHECK(by_id[event_id]["source"] == "test");
    CHECK(by_id[event_id]["payload"] == json{{"static", true}});
    CHECK(by_id[custom_id]["payload"] == json{{"custom", 1}});
    // Test events are hidden unless asked for.
    CHECK(body_of(api().get("/api/v1/events?trigger_id=" + scheduled))["items"].empty());

    res = api().post(
        "/api/v1/triggers/test",
        json::parse(R"({"trigger": {"name": "draft", "type": "api"}, "payload": {"x": 1}})"));
    REQUIRE(res);
    CHECK(res->status == 202);
    res = api().post("/api/v1/triggers/test",
                     json::parse(R"({"trigger": {"name": "", "type": "api"}})"));
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK(pointers(body_of(res)) == std::vector<std::string>{"/trigger/name"});
    CHECK(api().post("/api/v1/triggers/test", json::object())->status == 400);
}

TEST_CASE("events: filters, stable cursor paging, one event, aggregate, archive") {
    std::string a = create({{"name", "events a"}, {"type", "api"}});
    std::string b = create({{"name", "events b"}, {"type", "api"}});
    std::string since = etp::format_rfc3339(etp::now_utc());
    std::vector<std::string> fired;
    for (int i = 0; i < 7; ++i) {
        auto res = api().post("/api/v1/triggers/" + (i < 5 ? a : b) + "/fire", {{"i", i}});
        REQUIRE(res->status == 202);
        fired.push_back(body_of(res)["event_id"]);
    }
    poll("/api/v1/events?trigger_id=" + b,
         [](const json& body) { return body["items"].size() == 2; });
    poll("/api/v1/events?trigger_id=" + a,
         [](const json& body) { return body["items"].size() == 5; });

    // Cursor paging, newest first, over a's five events: 2 + 2 + 1, no repeats, and stable
    // while another event arrives in between.
    json page1 = body_of(api().get("/api/v1/events?page_size=2&trigger_id=" + a));
    REQUIRE(page1["items"].size() == 2);
    CHECK(page1["has_more"] == true);
    CHECK(page1["items"][0]["id"] == fired[4]);
    CHECK(page1["items"][1]["id"] == fired[3]);
    auto late = api().post("/api/v1/triggers/" + a + "/fire", {{"i", 99}});
    REQUIRE(late->status == 202);
    std::string late_id = body_of(late)["event_id"];
    json page2 = body_of(api().get("/api/v1/events?page_size=2&trigger_id=" + a +
                                   "&cursor=" + page1["next_cursor"].get<std::string>()));
    CHECK(page2["items"][0]["id"] == fired[2]);
    CHECK(page2["items"][1]["id"] == fired[1]);
    json page3 = body_of(api().get("/api/v1/events?page_size=2&trigger_id=" + a +
                                   "&cursor=" + page2["next_cursor"].get<std::string>()));
    REQUIRE(page3["items"].size() == 1);
    CHECK(page3["items"][0]["id"] == fired[0]);
    CHECK(page3["has_more"] == false);
    CHECK(page3["next_cursor"].is_null());

    CHECK(body_of(api().get("/api/v1/events/trigger/" + b))["items"].size() == 2);
    json by_time =
        body_of(api().get("/api/v1/events?type=api&source=api&page_size=500&since=" + since));
    std::set<std::string> seen;
    for (const auto& e : by_time["items"]) seen.insert(e["id"]);
    for (const auto& id : fired) CHECK(seen.contains(id));
    CHECK(
        body_of(api().get("/api/v1/events?until=" + since + "&trigger_id=" + a))["items"].empty());
    CHECK(body_of(api().get("/api/v1/events?type=cdc&trigger_id=" + a))["items"].empty());

    poll("/api/v1/events/" + late_id, [](const json& body) { return body.contains("id"); });
    json one = body_of(api().get("/api/v1/events/" + fired[0]));
    CHECK(one["id"] == fired[0]);
    CHECK(one["payload"] == json{{"i", 0}});
    CHECK(one["deliveries"] == json::array());
    CHECK(api().get("/api/v1/events/01900000-0000-7000-8000-000000000000")->status == 404);

    auto archived = api().post("/api/v1/events/" + fired[0] + "/archive", json::object());
    REQUIRE(archived);
    REQUIRE(archived->status == 200);
    CHECK(body_of(archived)["status"] == "archived");
    CHECK(body_of(api().get("/api/v1/events?status=archived&trigger_id=" + a))["items"].size() ==
          1);
    CHECK(body_of(api().get("/api/v1/events?trigger_id=" + a))["items"].size() ==
          5);  // active only
    CHECK(body_of(api().get("/api/v1/events?status=all&trigger_id=" + a))["items"].size() == 6);

    json aggregate = body_of(api().get("/api/v1/events/aggregate?since=" + since));
    json row_a;
    for (const auto& r : aggregate["items"])
        if (r["trigger_id"] == a) row_a = r;
    REQUIRE(row_a.is_object());
    CHECK(row_a["total"] == 6);
    CHECK(row_a["active"] == 5);
    CHECK(row_a["archived"] == 1);
    CHECK(row_a["trigger_name"] == "events a");

    // Redelivery needs a webhook target.
    auto redeliver = api().post("/api/v1/events/" + fired[1] + "/redeliver", json::object());
    REQUIRE(redeliver);
    CHECK(redeliver->status == 409);
}

TEST_CASE("redeliver queues a new attempt of an event whose trigger has a target") {
    std::string id = create(json::parse(
        R"({"name": "webhook", "type": "api", "target": {"url": "http://127.0.0.1:9/hook"}})"));
    std::string event_id =
        body_of(api().post("/api/v1/triggers/" + id + "/fire", json::object()))["event_id"];
    poll("/api/v1/events/" + event_id, [](const json& b) { return b.contains("id"); });
    auto res = api().post("/api/v1/events/" + event_id + "/redeliver", json::object());
    REQUIRE(res);
    REQUIRE(res->status == 202);
    CHECK(body_of(res)["attempt"] == 1);
    json event = body_of(api().get("/api/v1/events/" + event_id));
    REQUIRE(event["deliveries"].size() == 1);
    CHECK(event["deliveries"][0]["status"] == "pending");
    CHECK(body_of(api().post("/api/v1/events/" + event_id + "/redeliver",
                             json::object()))["attempt"] == 2);
}

TEST_CASE("stats report totals and rates") {
    json stats = body_of(api().get("/api/v1/stats"));
    CHECK(stats["totals"]["by_status"].contains("active"));
    CHECK(stats["totals"]["by_status"].contains("archived"));
    CHECK(stats["rates"].contains("last_minute"));
    CHECK(stats["cached_for_seconds"] == 60);
    CHECK(stats["generated_at"].is_string());
}

TEST_CASE("api keys: scopes are enforced, the secret is shown once, revocation takes effect") {
    auto created = api().post("/api/v1/api-keys", {{"name", "reader"}, {"scopes", {"read"}}});
    REQUIRE(created);
    REQUIRE(created->status == 201);
    json reader = body_of(created);
    std::string read_key = reader["key"];
    CHECK(read_key.starts_with("etp_"));
    CHECK(reader["key_prefix"] == read_key.substr(0, 12));
    std::string fire_key =
        body_of(api().post("/api/v1/api-keys", {{"name", "firer"}, {"scopes", {"fire"}}}))["key"];
    std::string write_key =
        body_of(api().post("/api/v1/api-keys", {{"name", "writer"}, {"scopes", {"write"}}}))["key"];

    std::string trigger = create({{"name", "scoped"}, {"type", "api"}});
    CHECK(request("GET", "/api/v1/events", read_key)->status == 200);
    CHECK(
        request("POST", "/api/v1/triggers", read_key, R"({"name": "x", "type": "api"})")->status ==
        403);
    CHECK(request("POST", "/api/v1/triggers/" + trigger + "/fire", read_key)->status == 403);
    CHECK(request("POST", "/api/v1/triggers/" + trigger + "/fire", fire_key)->status == 202);
    CHECK(request("GET", "/api/v1/events", fire_key)->status == 403);
    CHECK(request("GET", "/api/v1/triggers", write_key)->status == 200);  // write includes read
    CHECK(request("POST", "/api/v1/triggers", write_key, R"({"name": "by writer", "type": "api"})")
              ->status == 201);
    CHECK(request("GET", "/api/v1/api-keys", write_key)->status == 403);
    CHECK(
        request("GET", "/api/v1/events", "etp_0000000000000000000000000000000000000000")->status ==
        401);

    // Listing never shows a secret; only its SHA-256 is stored.
    auto listed = api().get("/api/v1/api-keys");
    REQUIRE(listed);
    CHECK(listed->body.find(read_key) == std::string::npos);
    CHECK(db().exec("SELECT count(*) FROM api_keys WHERE key_hash = sha256(convert_to($1, 'UTF8'))",
                    {read_key})
              .integer(0, 0) == 1);

    auto revoked =
        api().raw().Delete(("/api/v1/api-keys/" + reader["id"].get<std::string>()).c_str());
    REQUIRE(revoked);
    CHECK(revoked->status == 204);
    auto deadline = std::chrono::steady_clock::now() + 10s;
    int status = 0;
    while (std::chrono::steady_clock::now() < deadline) {
        status = request("GET", "/api/v1/events", read_key)->status;
        if (status == 401) break;
        std::this_thread::sleep_for(200ms);
    }
    CHECK(status == 401);
    CHECK(api()
              .raw()
              .Delete(("/api/v1/api-keys/" + reader["id"].get<std::string>()).c_str())
              ->status == 404);

    auto bad = api().post("/api/v1/api-keys", {{"name", ""}, {"scopes", {"root"}}, {"x", 1}});
    REQUIRE(bad);
    CHECK(bad->status == 400);
    CHECK(pointers(body_of(bad)) == std::vector<std::string>{"/name", "/scopes/0", "/x"});
}
