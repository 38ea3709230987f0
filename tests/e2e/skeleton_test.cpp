// The walking skeleton through the real binaries: create an api trigger, fire it, and see the
// event in the log, in Kafka and in PostgreSQL.
#include <catch2/catch.hpp>
#include <thread>

#include "etp/pg/connection.hpp"
#include "platform.hpp"

using namespace std::chrono_literals;
using etp::e2e::Api;
using etp::e2e::platform;
using nlohmann::json;

namespace {

json wait_for_events(Api& api, const std::string& trigger_id, std::size_t count) {
    auto deadline = std::chrono::steady_clock::now() + 30s;
    json body;
    while (std::chrono::steady_clock::now() < deadline) {
        auto res = api.get("/api/v1/events?page_size=500&trigger_id=" + trigger_id);
        REQUIRE(res);
        REQUIRE(res->status == 200);
        body = json::parse(res->body);
        if (body["items"].size() >= count) return body;
        std::this_thread::sleep_for(100ms);
    }
    return body;
}

}  // namespace

TEST_CASE("an api trigger fires and its event is logged, listed and published") {
    Api api(platform().gateway.http_port);

    auto created = api.post("/api/v1/triggers", {{"name", "order placed"}, {"type", "api"}});
    REQUIRE(created);
    REQUIRE(created->status == 201);
    json trigger = json::parse(created->body);
    std::string id = trigger["id"];
    CHECK(trigger["name"] == "order placed");
    CHECK(created->get_header_value("Location") == "/api/v1/triggers/" + id);

    auto got = api.get("/api/v1/triggers/" + id);
    REQUIRE(got);
    CHECK(got->status == 200);
    CHECK(json::parse(got->body)["id"] == id);

    json payload = {{"order_id", 42}, {"note", "it's \"quoted\" ünïcødé"}};
    auto fired = api.post("/api/v1/triggers/" + id + "/fire", payload);
    REQUIRE(fired);
    REQUIRE(fired->status == 202);
    std::string event_id = json::parse(fired->body)["event_id"];

    json events = wait_for_events(api, id, 1);
    REQUIRE(events["items"].size() == 1);
    json event = events["items"][0];
    CHECK(event["id"] == event_id);
    CHECK(event["payload"] == payload);
    CHECK(event["source"] == "api");
    CHECK(event["status"] == "active");
    CHECK(event["trigger"]["id"] == id);
    CHECK(event["is_test"] == false);

    // The firing on Kafka, read by an outside consumer.
    auto& broker = etp::testing::KafkaBroker::shared();
    bool seen = false;
    for (const auto& m :
         etp::testing::read_topic(broker.bootstrap(), "etp.trigger.fired", 1, 20s)) {
        json value = json::parse(*m.value);
        if (value["id"] == event_id) {
            seen = true;
            CHECK(*m.key == id);
            CHECK(value["specversion"] == "1.0");
            CHECK(value["type"] == "etp.trigger.fired");
            CHECK(value["data"]["payload"] == payload);
        }
    }
    CHECK(seen);

    // The row in PostgreSQL.
    etp::pg::Connection conn(etp::testing::PgCluster::shared().url());
    auto row = conn.exec("SELECT payload::text, source FROM events WHERE id = $1", {event_id});
    REQUIRE(row.rows() == 1);
    CHECK(json::parse(row.text(0, 0)) == payload);
}

TEST_CASE("health reports PostgreSQL and Kafka without a key") {
    httplib::Client client("127.0.0.1", platform().gateway.http_port);
    auto res = client.Get("/api/v1/health");
    REQUIRE(res);
    CHECK(res->status == 200);
    json body = json::parse(res->body);
    CHECK(body["postgres"] == "ok");
    CHECK(body["kafka"] == "ok");
}

TEST_CASE("the API refuses missing keys, bad keys and bad input with problem+json") {
    httplib::Client anonymous("127.0.0.1", platform().gateway.http_port);
    auto res = anonymous.Get("/api/v1/events");
    REQUIRE(res);
    CHECK(res->status == 401);
    CHECK(res->get_header_value("Content-Type") == "application/problem+json");

    res = anonymous.Get("/api/v1/events", {{"Authorization", "Bearer wrong-key"}});
    REQUIRE(res);
    CHECK(res->status == 401);

    Api api(platform().gateway.http_port);
    res = api.post("/api/v1/triggers", {{"name", ""}, {"type", "api"}, {"colour", "red"}});
    REQUIRE(res);
    CHECK(res->status == 400);
    json problem = json::parse(res->body);
    CHECK(problem["status"] == 400);
    REQUIRE(problem["errors"].size() == 2);
    CHECK(problem["errors"][0]["pointer"] == "/name");
    CHECK(problem["errors"][1]["pointer"] == "/colour");

    res = api.raw().Post("/api/v1/triggers", "{\"name\": ", "application/json");
    REQUIRE(res);
    CHECK(res->status == 400);
    res = api.raw().Post("/api/v1/triggers", "name=x", "application/x-www-form-urlencoded");
    REQUIRE(res);
    CHECK(res->status == 415);
    res = api.raw().Post("/api/v1/triggers", std::string(2 * 1024 * 1024, ' '), "application/json");
    REQUIRE(res);
    CHECK(res->status == 413);
    res = api.post("/api/v1/triggers/not-a-uuid/fire", json::object());
    REQUIRE(res);
    CHECK(res->status == 404);
    res = api.post("/api/v1/triggers/0190f1a2-3b4c-7d5e-8f60-0123456789ab/fire", json::object());
    REQUIRE(res);
    CHECK(res->status == 404);
    res = api.get("/api/v1/nothing-here");
    REQUIRE(res);
    CHECK(res->status == 404);
    CHECK(res->get_header_value("Content-Type") == "application/problem+json");
    res = api.get("/api/v1/events?page_size=100000");
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK(json::parse(res->body)["errors"][0]["pointer"] == "?page_size");

    // Nothing half-written: the refused triggers are not there.
    etp::pg::Connection conn(etp::testing::PgCluster::shared().url());
    CHECK(conn.exec("SELECT count(*) FROM triggers WHERE name = '' OR name = 'x'").integer(0, 0) ==
          0);
}

TEST_CASE("an inactive trigger is not fired") {
    Api api(platform().gateway.http_port);
    auto created =
        api.post("/api/v1/triggers", {{"name", "paused"}, {"type", "api"}, {"active", false}});
    REQUIRE(created);
    REQUIRE(created->status == 201);
    std::string id = json::parse(created->body)["id"];
    auto res = api.post("/api/v1/triggers/" + id + "/fire", json::object());
    REQUIRE(res);
    CHECK(res->status == 409);
}

TEST_CASE("triggers are listed with filters and paging") {
    Api api(platform().gateway.http_port);
    for (int i = 0; i < 3; ++i)
        REQUIRE(
            api.post("/api/v1/triggers", {{"name", "list-" + std::to_string(i)}, {"type", "api"}})
                ->status == 201);
    auto res = api.get("/api/v1/triggers?type=api&page_size=2");
    REQUIRE(res);
    REQUIRE(res->status == 200);
    json body = json::parse(res->body);
    CHECK(body["items"].size() == 2);
    CHECK(body["page"] == 1);
    CHECK(body["page_size"] == 2);
    CHECK(body["total"].get<int>() >= 3);
    CHECK(body["items"][0]["name"] == "list-2");  // newest first
    res = api.get("/api/v1/triggers?type=cron");
    REQUIRE(res);
    CHECK(res->status == 400);
}
