// The REST API through the real gateway and dispatcher: every route and its error paths, as a
// client sees them (status, body, headers), plus the rows and Kafka messages behind them.
#include <catch2/catch.hpp>
#include <optional>
#include <set>
#include <thread>

#include "etp/bus/firing.hpp"
#include "etp/domain/secret_box.hpp"
#include "etp/domain/time.hpp"
#include "etp/domain/webhook_signature.hpp"
#include "etp/pg/connection.hpp"
#include "etp/pg/trigger_secret_store.hpp"
#include "message_contract.hpp"
#include "platform.hpp"

using namespace std::chrono_literals;
using etp::e2e::Api;
using etp::e2e::api;
using etp::e2e::body_of;
using etp::e2e::db;
using etp::e2e::platform;
using nlohmann::json;

namespace {

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

httplib::Result put(const std::string& path, const json& body) {
    return api().raw().Put(path.c_str(), body.dump(), "application/json");
}

httplib::Result del(const std::string& path) { return api().raw().Delete(path.c_str()); }

// The values of a trigger's secrets as stored, newest first: `active` only those that sign.
// The trigger's secrets as stored, decrypted with the services' ETP_SECRET_KEY.
std::vector<std::string> stored_secrets(const std::string& trigger, bool active) {
    auto r = db().exec(
        "SELECT id, key_id, secret FROM trigger_secrets WHERE trigger_id = $1 AND ($2::boolean IS "
        "FALSE OR expires_at IS NULL OR expires_at > now()) ORDER BY created_at DESC, id DESC",
        {trigger, active ? "true" : "false"});
    std::string problem;
    const etp::secrets::SecretBox box(etp::secrets::parse_key(etp::e2e::kSecretKey, "", problem),
                                      {});
    std::vector<std::string> out;
    for (int i = 0; i < r.rows(); ++i) {
        CHECK(r.text(i, 1) == etp::e2e::kSecretKeyId);
        out.push_back(box.open({std::string(r.text(i, 1)), std::string(r.text(i, 2))},
                               etp::pg::TriggerSecretStore::aad(*etp::TriggerId::parse(trigger),
                                                                *etp::Uuid::parse(r.text(i, 0)))));
    }
    return out;
}

bool is_secret(const json& value) {
    return value.is_string() && !etp::webhook::secret_problem(value.get<std::string>());
}

etp::Timestamp time_of(const json& value) {
    REQUIRE(value.is_string());
    auto t = etp::parse_rfc3339(value.get<std::string>());
    REQUIRE(t);
    return *t;
}

// A webhook target that answers every delivery at once with a definite 404 problem+json: the
// gateway itself (it has no POST /api/v1/health), so deliveries end after one attempt.
std::string answering_404() {
    return "http://127.0.0.1:" + std::to_string(platform().gateway.http_port) + "/api/v1/health";
}

// Polls the event until its deliveries satisfy `done`.
json poll_deliveries(const std::string& event_id, const std::function<bool(const json&)>& done) {
    return poll("/api/v1/events/" + event_id, [&](const json& event) {
        return event.contains("deliveries") && done(event["deliveries"]);
    });
}

// Every delivery of the event has ended (none pending), and there are at least `n`.
std::function<bool(const json&)> ended(std::size_t n) {
    return [n](const json& deliveries) {
        if (deliveries.size() < n) return false;
        for (const auto& d : deliveries)
            if (d["status"] == "pending") return false;
        return true;
    };
}

// The delivery as the API shows it after one attempt answered 404 by answering_404().
void check_dead_after_404(const json& delivery, std::int64_t number) {
    INFO(delivery.dump());
    CHECK(delivery["number"] == number);
    CHECK(delivery["status"] == "dead");
    CHECK(delivery["attempt_count"] == 1);
    CHECK(delivery["next_attempt_at"].is_null());
    CHECK(delivery["last_error"].is_string());
    CHECK(time_of(delivery["updated_at"]) >= time_of(delivery["created_at"]));
    REQUIRE(delivery["attempts"].size() == 1);
    const json& attempt = delivery["attempts"][0];
    CHECK(attempt["attempt"] == 1);
    CHECK(attempt["http_status"] == 404);
    CHECK(attempt["latency_ms"].is_number_integer());
    CHECK(attempt["latency_ms"] >= 0);
    CHECK(attempt["error"].is_string());
    CHECK(attempt["response_body"].get<std::string>().find("no route POST /api/v1/health") !=
          std::string::npos);
    CHECK(time_of(attempt["started_at"]) >= time_of(delivery["created_at"]));
}

// The firing the gateway put on etp.trigger.fired for this event.
std::optional<etp::Event> fired_message(const std::string& event_id) {
    for (const auto& m : etp::testing::read_topic(etp::testing::KafkaBroker::shared().bootstrap(),
                                                  "etp.trigger.fired", 1'000'000, 8s)) {
        INFO(m.value.value_or("(tombstone)"));
        CHECK(etp::e2e::cloud_event_header_problems(m) == "");
        etp::Event e = etp::bus::parse_firing_message(m);
        if (e.id.to_string() == event_id) return e;
    }
    return std::nullopt;
}

httplib::Result request(const std::string& method, const std::string& path, const std::string& key,
                        const std::string& body = "") {
    httplib::Client client("127.0.0.1", platform().gateway.http_port);
    httplib::Headers headers = {{"X-API-Key", key}};
    if (method == "GET") return client.Get(path.c_str(), headers);
    if (method == "DELETE") return client.Delete(path.c_str(), headers);
    return client.Post(path.c_str(), headers, body.empty() ? "{}" : body, "application/json");
}

// The trigger's schedules row as "planned=<t|f> next=<null|set> completed=<null|set>
// last=<null|set>", or "none".
std::string schedule_row(const std::string& trigger) {
    auto r = db().exec(
        "SELECT format('planned=%s next=%s completed=%s last=%s', CASE WHEN planned THEN 't' "
        "ELSE 'f' END, CASE WHEN next_fire_at IS NULL THEN 'null' ELSE 'set' END, CASE WHEN "
        "completed_at IS NULL THEN 'null' ELSE 'set' END, CASE WHEN last_slot_at IS NULL THEN "
        "'null' ELSE 'set' END) FROM schedules WHERE trigger_id = $1",
        {trigger});
    return r.rows() == 0 ? "none" : std::string(r.text(0, 0));
}

// What the scheduler does when it plans a row (no scheduler runs in these tests).
void plan(const std::string& trigger, const std::string& next_fire_at) {
    db().exec(
        "UPDATE schedules SET planned = true, next_fire_at = $2::timestamptz WHERE trigger_id = "
        "$1",
        {trigger, next_fire_at});
}

// What the scheduler does when a one-time or non-recurring schedule has fired its last slot.
void complete(const std::string& trigger, const std::string& last_slot_at) {
    db().exec("UPDATE triggers SET active = false WHERE id = $1", {trigger});
    db().exec(
        "UPDATE schedules SET planned = true, next_fire_at = NULL, last_slot_at = "
        "$2::timestamptz, completed_at = now() WHERE trigger_id = $1",
        {trigger, last_slot_at});
}

}  // namespace

TEST_CASE("scheduled triggers: the schedules row follows every change, the API shows its state") {
    std::string id = create(json::parse(R"({"name": "hourly", "type": "scheduled",
        "schedule": {"interval_seconds": 3600}, "payload": {"n": 1}})"));
    const std::string path = "/api/v1/triggers/" + id;
    // Created in the same transaction, unplanned: the scheduler computes the fire times.
    CHECK(schedule_row(id) == "planned=f next=null completed=null last=null");
    json got = body_of(api().get(path));
    for (const char* field : {"next_fire_at", "last_fired_at", "completed_at"}) {
        INFO(field);
        REQUIRE(got.contains(field));
        CHECK(got[field].is_null());
    }

    // Once planned, GET and the list show the scheduler's plan.
    plan(id, "2030-01-01T00:00:00Z");
    db().exec("UPDATE schedules SET last_slot_at = '2029-12-31T23:00:00Z' WHERE trigger_id = $1",
              {id});
    got = body_of(api().get(path));
    CHECK(got["next_fire_at"] == "2030-01-01T00:00:00.000000Z");
    CHECK(got["last_fired_at"] == "2029-12-31T23:00:00.000000Z");
    CHECK(got["completed_at"].is_null());
    bool listed = false;
    const json page = body_of(api().get("/api/v1/triggers?type=scheduled&page_size=500"));
    for (const auto& item : page["items"]) {
        if (item["id"] != id) continue;
        listed = true;
        CHECK(item["next_fire_at"] == "2030-01-01T00:00:00.000000Z");
        CHECK(item["last_fired_at"] == "2029-12-31T23:00:00.000000Z");
    }
    CHECK(listed);

    // PUT: planned again from scratch; the last fired slot is history and stays.
    auto res = put(path, json::parse(R"({"name": "hourly v2", "type": "scheduled",
        "schedule": {"cron": "0 * * * *"}})"));
    REQUIRE(res);
    REQUIRE(res->status == 200);
    CHECK(body_of(res)["next_fire_at"].is_null());
    CHECK(body_of(res)["last_fired_at"] == "2029-12-31T23:00:00.000000Z");
    CHECK(schedule_row(id) == "planned=f next=null completed=null last=set");

    // Deactivate: nothing to fire. Activate: planned again.
    plan(id, "2030-01-01T00:00:00Z");
    res = api().post(path + "/deactivate", json::object());
    REQUIRE(res);
    REQUIRE(res->status == 200);
    CHECK(body_of(res)["next_fire_at"].is_null());
    CHECK(schedule_row(id) == "planned=t next=null completed=null last=set");
    res = api().post(path + "/activate", json::object());
    REQUIRE(res);
    REQUIRE(res->status == 200);
    CHECK(body_of(res)["active"] == true);
    CHECK(schedule_row(id) == "planned=f next=null completed=null last=set");

    // Away from scheduled: no row and no schedule fields; back: a new unplanned row.
    res = put(path, json::parse(R"({"name": "now an api trigger", "type": "api"})"));
    REQUIRE(res);
    REQUIRE(res->status == 200);
    CHECK(schedule_row(id) == "none");
    got = body_of(api().get(path));
    CHECK_FALSE(got.contains("next_fire_at"));
    CHECK_FALSE(got.contains("last_fired_at"));
    CHECK_FALSE(got.contains("completed_at"));
    res = put(path, json::parse(R"({"name": "scheduled again", "type": "scheduled",
        "schedule": {"interval_seconds": 60}, "active": false})"));
    REQUIRE(res);
    REQUIRE(res->status == 200);
    CHECK(schedule_row(id) == "planned=f next=null completed=null last=null");
    CHECK(body_of(res)["next_fire_at"].is_null());

    // A refused PUT leaves the row as it was.
    plan(id, "2030-01-01T00:00:00Z");
    res = put(path, json::parse(R"({"name": "bad", "type": "scheduled", "schedule": {}})"));
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK(schedule_row(id) == "planned=t next=set completed=null last=null");

    // Delete cascades.
    res = del(path);
    REQUIRE(res);
    CHECK(res->status == 204);
    CHECK(schedule_row(id) == "none");

    // Other types never get a row.
    std::string other = create(json::parse(R"({"name": "no schedule", "type": "api"})"));
    CHECK(schedule_row(other) == "none");
    CHECK_FALSE(body_of(api().get("/api/v1/triggers/" + other)).contains("next_fire_at"));
}

TEST_CASE("a completed one-time trigger whose instant passed cannot be activated: PUT a new at") {
    const std::string past = etp::format_rfc3339(etp::now_utc() - std::chrono::hours(1));
    std::string id = create(json{{"name", "once"},
                                 {"type", "scheduled"},
                                 {"schedule", {{"at", past}}},
                                 {"payload", {{"once", true}}}});
    const std::string path = "/api/v1/triggers/" + id;
    complete(id, past);

    json got = body_of(api().get(path));
    CHECK(got["active"] == false);
    CHECK(got["completed_at"].is_string());
    CHECK(got["last_fired_at"] == past);
    CHECK(got["next_fire_at"].is_null());
    const json before = got;

    auto res = api().post(path + "/activate", json::object());
    REQUIRE(res);
    CHECK(res->status == 409);
    CHECK(res->get_header_value("Content-Type").find("application/problem+json") == 0);
    json problem = body_of(res);
    INFO(problem.dump());
    CHECK(problem["status"] == 409);
    CHECK(problem["detail"].get<std::string>().find("already fired at " + past) !=
          std::string::npos);
    REQUIRE(problem["errors"].size() == 1);
    CHECK(problem["errors"][0]["pointer"] == "/schedule/at");
    // Nothing changed.
    CHECK(body_of(api().get(path)) == before);
    CHECK(schedule_row(id) == "planned=t next=null completed=set last=set");

    // A new at in the future: active, not completed, planned again.
    const std::string future = etp::format_rfc3339(etp::now_utc() + std::chrono::hours(1));
    res = put(path,
              json{{"name", "once more"}, {"type", "scheduled"}, {"schedule", {{"at", future}}}});
    REQUIRE(res);
    REQUIRE(res->status == 200);
    got = body_of(res);
    CHECK(got["active"] == true);
    CHECK(got["completed_at"].is_null());
    CHECK(schedule_row(id) == "planned=f next=null completed=null last=set");

    // Deactivated before firing, the at passed: activation is the scheduler's to decide (the
    // misfire policy), not a conflict.
    std::string late = create(json{
        {"name", "late"}, {"type", "scheduled"}, {"active", false}, {"schedule", {{"at", past}}}});
    res = api().post("/api/v1/triggers/" + late + "/activate", json::object());
    REQUIRE(res);
    CHECK(res->status == 200);

    // A completed non-recurring interval may be activated: completed_at is cleared.
    std::string single = create(json::parse(R"({"name": "single", "type": "scheduled",
        "schedule": {"interval_seconds": 60, "recurring": false}})"));
    complete(single, past);
    res = api().post("/api/v1/triggers/" + single + "/activate", json::object());
    REQUIRE(res);
    REQUIRE(res->status == 200);
    CHECK(body_of(res)["active"] == true);
    CHECK(body_of(res)["completed_at"].is_null());
    CHECK(schedule_row(single) == "planned=f next=null completed=null last=set");
}

TEST_CASE("triggers: create every type, read, replace, activate, deactivate, delete") {
    std::string cdc = create(json::parse(R"({"name": "monitor down", "type": "cdc",
        "cdc": {"table": "public.monitors", "operations": ["update"],
                "filter": {"after": {"status": ["down"]}, "before": {"status": [{"anything-but": "down"}]}}}})"));
    std::string scheduled = create(json::parse(R"({"name": "nightly", "type": "scheduled",
        "schedule": {"cron": "0 30 2 * * *", "timezone": "Europe/Berlin"}, "payload": {"job": "report"}})"));
    std::string hooked = create(json::parse(R"({"name": "hooked", "type": "api",
        "target": {"url": "http://127.0.0.1:9/hook", "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}})"));

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
    CHECK(v2["target"]["url"] == "http://127.0.0.1:9/v2");
    CHECK_FALSE(v2["target"].contains("secret"));
    CHECK(stored_secrets(hooked, true) ==
          std::vector<std::string>{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"});
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
    CHECK(stored_secrets(hooked, false).empty());  // deleted with the trigger

    // Every change is on etp.trigger.changes, keyed by trigger id; the delete is a tombstone.
    // (The topic holds other tests' changes too: read all there is, then keep this trigger's.)
    // Each change, of every trigger type, is an etp.trigger.changed CloudEvent of the trigger as
    // the API shows it (never with a secret), with the CloudEvents Kafka headers; a tombstone
    // has neither value nor headers.
    std::vector<etp::bus::Message> mine;
    for (auto& m : etp::testing::read_topic(etp::testing::KafkaBroker::shared().bootstrap(),
                                            "etp.trigger.changes", 1'000'000, 8s)) {
        if (m.value) {
            INFO(*m.value);
            const json value = json::parse(*m.value);
            CHECK(etp::e2e::schema_problems("etp.trigger.changed", value) == "");
            CHECK(etp::e2e::cloud_event_header_problems(m) == "");
            CHECK(value["subject"] == m.key.value_or(""));
            CHECK(m.value->find("whsec_") == std::string::npos);
        } else {
            CHECK(m.headers.empty());
        }
        if (m.key == hooked) mine.push_back(m);
    }
    REQUIRE(mine.size() == 5);  // create, replace, deactivate, activate, delete
    CHECK(json::parse(*mine[0].value)["data"]["name"] == "hooked");
    CHECK(json::parse(*mine[1].value)["data"]["name"] == "hooked v2");
    CHECK(json::parse(*mine[1].value)["data"] == v2);
    CHECK(json::parse(*mine[2].value)["data"]["active"] == false);
    CHECK(json::parse(*mine[3].value)["data"]["active"] == true);
    CHECK_FALSE(mine[4].value.has_value());
}

TEST_CASE("concurrent creates, written in groups, each answer with their own trigger") {
    // 48 clients at once: the gateway writes them a batch per statement (group_commit.hpp).
    // Every third has a target without a secret, so its answer shows a generated one; every
    // fourth is scheduled, so it has a schedules row; every fifth is invalid and gets its 400.
    constexpr int kClients = 48;
    struct Answer {
        json sent;
        int status = 0;
        json body;
    };
    std::vector<Answer> answers(kClients);
    std::vector<std::thread> clients;
    for (int i = 0; i < kClients; ++i) {
        json d = {{"name", "group " + std::to_string(i)}, {"type", "api"}};
        if (i % 3 == 0) d["target"] = {{"url", "http://127.0.0.1:9/hook/" + std::to_string(i)}};
        if (i % 4 == 0) {
            d["type"] = "scheduled";
            d["schedule"] = {{"interval_seconds", 3600 + i}};
            d["payload"] = {{"i", i}};
        }
        if (i % 5 == 0) d["name"] = std::string(201, 'x');
        answers[static_cast<std::size_t>(i)].sent = d;
        clients.emplace_back([&answers, i] {
            auto& a = answers[static_cast<std::size_t>(i)];
            auto res = api().post("/api/v1/triggers", a.sent);
            if (!res) {
                a.body = httplib::to_string(res.error());
                return;
            }
            a.status = res->status;
            a.body = json::parse(res->body, nullptr, false);
        });
    }
    for (auto& c : clients) c.join();

    std::set<std::string> ids;
    for (int i = 0; i < kClients; ++i) {
        const Answer& a = answers[static_cast<std::size_t>(i)];
        INFO("client " << i << ": " << a.body.dump());
        if (i % 5 == 0) {
            CHECK(a.status == 400);
            CHECK(pointers(a.body) == std::vector<std::string>{"/name"});
            continue;
        }
        REQUIRE(a.status == 201);
        CHECK(a.body["name"] == a.sent["name"]);
        CHECK(a.body["type"] == a.sent["type"]);
        std::string id = a.body["id"];
        ids.insert(id);
        json stored = body_of(api().get("/api/v1/triggers/" + id));
        CHECK(stored["name"] == a.sent["name"]);
        if (i % 4 == 0) {
            CHECK(stored["payload"] == a.sent["payload"]);
            CHECK(stored["schedule"]["interval_seconds"] == 3600 + i);
            CHECK(db().exec("SELECT count(*) FROM schedules WHERE trigger_id = $1", {id})
                      .integer(0, 0) == 1);
        }
        if (i % 3 == 0) {
            REQUIRE(a.body["target"].contains("secret"));
            CHECK(is_secret(a.body["target"]["secret"]));
            CHECK(stored_secrets(id, true) == std::vector<std::string>{a.body["target"]["secret"]});
            CHECK_FALSE(stored["target"].contains("secret"));  // shown once
        } else {
            CHECK(a.body["target"].is_null());
            CHECK(stored_secrets(id, false).empty());
        }
    }
    CHECK(ids.size() == static_cast<std::size_t>(kClients - (kClients + 4) / 5));
    // Nothing else was written: no trigger of the invalid ones, none twice.
    CHECK(db().exec("SELECT count(*) FROM triggers WHERE name LIKE 'group %' OR name LIKE 'xxx%'")
              .integer(0, 0) == static_cast<std::int64_t>(ids.size()));
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
    CHECK_FALSE(body_of(res).contains("secret"));  // no target, nothing to sign
    res = api().post("/api/v1/triggers/test",
                     json::parse(R"({"trigger": {"name": "", "type": "api"}})"));
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK(pointers(body_of(res)) == std::vector<std::string>{"/trigger/name"});
    CHECK(api().post("/api/v1/triggers/test", json::object())->status == 400);
}

TEST_CASE("an aggregate answer is served again for 2 s, then counted afresh") {
    std::string a = create({{"name", "aggregate cache"}, {"type", "api"}});
    std::vector<std::string> fired;
    for (int i = 0; i < 2; ++i) {
        auto res = api().post("/api/v1/triggers/" + a + "/fire", {{"i", i}});
        REQUIRE(res->status == 202);
        fired.push_back(body_of(res)["event_id"]);
    }
    poll("/api/v1/events?trigger_id=" + a,
         [](const json& body) { return body["items"].size() == 2; });
    const std::string path = "/api/v1/events/aggregate?trigger_id=" + a;
    auto first = api().get(path);
    REQUIRE(first);
    CHECK(first->get_header_value("Cache-Control") == "private, max-age=2");
    CHECK(body_of(first)["items"][0]["active"] == 2);

    REQUIRE(api().post("/api/v1/events/" + fired[0] + "/archive", json::object())->status == 200);
    // Within 2 s: the same answer, without a scan.
    json again = body_of(api().get(path));
    CHECK(again["items"][0]["active"] == 2);
    CHECK(again["items"][0]["archived"] == 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(2100));
    json fresh = body_of(api().get(path));
    CHECK(fresh["items"][0]["active"] == 1);
    CHECK(fresh["items"][0]["archived"] == 1);
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

TEST_CASE("deliveries and redelivery: each delivery with its attempts, numbered") {
    std::string id = create({{"name", "webhook"},
                             {"type", "api"},
                             {"target", {{"url", answering_404()}}},
                             {"retry", {{"max_attempts", 1}}}});
    std::string event_id =
        body_of(api().post("/api/v1/triggers/" + id + "/fire", json::object()))["event_id"];
    json deliveries = poll_deliveries(event_id, ended(1))["deliveries"];
    REQUIRE(deliveries.size() == 1);
    check_dead_after_404(deliveries[0], 1);

    auto res = api().post("/api/v1/events/" + event_id + "/redeliver", json::object());
    REQUIRE(res);
    REQUIRE(res->status == 202);
    CHECK(body_of(res) == json{{"event_id", event_id}, {"delivery", 2}});
    deliveries = poll_deliveries(event_id, ended(2))["deliveries"];
    REQUIRE(deliveries.size() == 2);
    check_dead_after_404(deliveries[0], 1);  // the first delivery is untouched
    check_dead_after_404(deliveries[1], 2);

    // Concurrent redelivers each queue their own delivery, or are told to try again.
    std::vector<int> statuses(4);
    std::vector<json> bodies(4);
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i)
        threads.emplace_back([&, i] {
            auto r = Api(platform().gateway.http_port)
                         .post("/api/v1/events/" + event_id + "/redeliver", json::object());
            statuses[i] = r ? r->status : 0;
            bodies[i] = r ? json::parse(r->body) : json();
        });
    for (auto& t : threads) t.join();
    std::set<std::int64_t> numbers;
    for (int i = 0; i < 4; ++i) {
        INFO(bodies[i].dump());
        CHECK((statuses[i] == 202 || statuses[i] == 409));
        if (statuses[i] == 202)
            CHECK(numbers.insert(bodies[i]["delivery"].get<std::int64_t>()).second);
    }
    CHECK(!numbers.empty());
    CHECK(*numbers.begin() == 3);
    json rows = poll_deliveries(event_id, ended(2 + numbers.size()))["deliveries"];
    CHECK(rows.size() == 2 + numbers.size());
    CHECK(db().exec("SELECT count(*) FROM deliveries WHERE event_id = $1", {event_id})
              .integer(0, 0) == static_cast<std::int64_t>(2 + numbers.size()));

    // Without a target (removed, or the trigger deleted) there is nothing to deliver to.
    REQUIRE(put("/api/v1/triggers/" + id, {{"name", "webhook"}, {"type", "api"}})->status == 200);
    res = api().post("/api/v1/events/" + event_id + "/redeliver", json::object());
    REQUIRE(res);
    CHECK(res->status == 409);
    REQUIRE(del("/api/v1/triggers/" + id)->status == 204);
    CHECK(api().post("/api/v1/events/" + event_id + "/redeliver", json::object())->status == 409);
    CHECK(api()
              .post("/api/v1/events/01900000-0000-7000-8000-000000000000/redeliver", json::object())
              ->status == 404);
}

TEST_CASE("testing an unsaved definition with a target: the firing carries it, not its secret") {
    // Without a secret the platform generates one and shows it once, in the 202.
    json definition = {{"name", "draft hook"},
                       {"type", "api"},
                       {"target", {{"url", answering_404()}, {"headers", {{"X-Draft", "1"}}}}}};
    auto res = api().post("/api/v1/triggers/test", {{"trigger", definition}});
    REQUIRE(res);
    REQUIRE(res->status == 202);
    json accepted = body_of(res);
    std::string event_id = accepted["event_id"];
    REQUIRE(is_secret(accepted["secret"]));
    std::string secret = accepted["secret"];

    // A secret of one's own is used as given and not echoed.
    definition["target"]["secret"] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    res = api().post("/api/v1/triggers/test", {{"trigger", definition}});
    REQUIRE(res);
    REQUIRE(res->status == 202);
    CHECK_FALSE(body_of(res).contains("secret"));
    std::string own_id = body_of(res)["event_id"];

    auto fired = fired_message(event_id);
    REQUIRE(fired);
    REQUIRE(fired->target);
    CHECK(fired->target->url == answering_404());
    CHECK(fired->target->headers.at("X-Draft") == "1");
    // The secret stays in PostgreSQL (encrypted) for the dispatcher; see secrets_test.cpp.
    CHECK_FALSE(fired->target->secret);
    CHECK(fired->is_test);
    auto own = fired_message(own_id);
    REQUIRE(own);
    REQUIRE(own->target);
    CHECK_FALSE(own->target->secret);

    // The event shows no target or secret; its delivery went to the definition's target and can
    // be redelivered although no trigger row exists.
    json event = poll_deliveries(event_id, ended(1));
    CHECK_FALSE(event.contains("target"));
    CHECK(event.dump().find(secret) == std::string::npos);
    REQUIRE(event["deliveries"].size() == 1);
    check_dead_after_404(event["deliveries"][0], 1);
    res = api().post("/api/v1/events/" + event_id + "/redeliver", json::object());
    REQUIRE(res);
    CHECK(res->status == 202);
    CHECK(body_of(res)["delivery"] == 2);
    json deliveries = poll_deliveries(event_id, ended(2))["deliveries"];
    REQUIRE(deliveries.size() == 2);
    check_dead_after_404(deliveries[1], 2);

    // A definition without a target has nothing to redeliver.
    res =
        api().post("/api/v1/triggers/test", {{"trigger", {{"name", "no hook"}, {"type", "api"}}}});
    REQUIRE(res);
    REQUIRE(res->status == 202);
    std::string plain = body_of(res)["event_id"];
    poll("/api/v1/events/" + plain, [](const json& b) { return b.contains("id"); });
    CHECK(api().post("/api/v1/events/" + plain + "/redeliver", json::object())->status == 409);
}

TEST_CASE(
    "signing secrets: generated and shown once, kept or replaced by PUT, gone with the "
    "target") {
    // Created without a secret: one is generated and shown in the 201 only.
    auto res = api().post("/api/v1/triggers", {{"name", "generated secret"},
                                               {"type", "api"},
                                               {"target", {{"url", "https://example.com/hook"}}}});
    REQUIRE(res);
    REQUIRE(res->status == 201);
    json created = body_of(res);
    std::string id = created["id"];
    REQUIRE(is_secret(created["target"]["secret"]));
    std::string generated = created["target"]["secret"];
    CHECK_FALSE(created["target"].contains("has_secret"));
    CHECK(stored_secrets(id, true) == std::vector<std::string>{generated});
    auto got = api().get("/api/v1/triggers/" + id);
    REQUIRE(got);
    CHECK(got->body.find(generated) == std::string::npos);
    CHECK_FALSE(body_of(got)["target"].contains("secret"));
    CHECK(api().get("/api/v1/triggers?page_size=500")->body.find(generated) == std::string::npos);

    // Listed without the value: a prefix of it.
    json listed = body_of(api().get("/api/v1/triggers/" + id + "/secrets"));
    REQUIRE(listed["items"].size() == 1);
    json first = listed["items"][0];
    CHECK(first["prefix"] == generated.substr(0, 10) + "…");
    CHECK(first["expires_at"].is_null());
    CHECK(first["id"].is_string());
    time_of(first["created_at"]);
    CHECK(listed.dump().find(generated) == std::string::npos);

    // PUT with a target but no secret keeps the secret (and shows none).
    json v2 = {{"name", "generated secret v2"},
               {"type", "api"},
               {"target", {{"url", "https://example.com/v2"}}}};
    res = put("/api/v1/triggers/" + id, v2);
    REQUIRE(res);
    REQUIRE(res->status == 200);
    CHECK_FALSE(body_of(res)["target"].contains("secret"));
    CHECK(body_of(api().get("/api/v1/triggers/" + id + "/secrets"))["items"] == json{first});

    // PUT with a secret replaces every secret with it.
    v2["target"]["secret"] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    res = put("/api/v1/triggers/" + id, v2);
    REQUIRE(res);
    REQUIRE(res->status == 200);
    CHECK_FALSE(body_of(res)["target"].contains("secret"));
    CHECK(stored_secrets(id, false) ==
          std::vector<std::string>{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"});
    listed = body_of(api().get("/api/v1/triggers/" + id + "/secrets"));
    REQUIRE(listed["items"].size() == 1);
    CHECK(listed["items"][0]["prefix"] == "whsec_MfKQ…");

    // PUT without a target deletes the secrets; a target again gets a new one, shown once.
    res = put("/api/v1/triggers/" + id, {{"name", "no target"}, {"type", "api"}});
    REQUIRE(res);
    REQUIRE(res->status == 200);
    CHECK(body_of(res)["target"].is_null());
    CHECK(stored_secrets(id, false).empty());
    CHECK(body_of(api().get("/api/v1/triggers/" + id + "/secrets"))["items"] == json::array());
    v2["name"] = "target again";
    v2["target"].erase("secret");
    res = put("/api/v1/triggers/" + id, v2);
    REQUIRE(res);
    REQUIRE(res->status == 200);
    json again = body_of(res);
    REQUIRE(is_secret(again["target"]["secret"]));
    CHECK(again["target"]["secret"] != generated);
    CHECK(stored_secrets(id, true) == std::vector<std::string>{again["target"]["secret"]});

    // A secret of one's own at create is stored as given and not echoed.
    res =
        api().post("/api/v1/triggers", {{"name", "own secret"},
                                        {"type", "api"},
                                        {"target",
                                         {{"url", "https://example.com/hook"},
                                          {"secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}}}});
    REQUIRE(res);
    REQUIRE(res->status == 201);
    CHECK_FALSE(body_of(res)["target"].contains("secret"));
    CHECK(stored_secrets(body_of(res)["id"], true) ==
          std::vector<std::string>{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"});

    // A bad secret is refused at its pointer, and nothing is stored.
    res = api().post("/api/v1/triggers",
                     {{"name", "bad secret"},
                      {"type", "api"},
                      {"target", {{"url", "https://example.com/hook"}, {"secret", "hunter2"}}}});
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK(pointers(body_of(res)) == std::vector<std::string>{"/target/secret"});
    CHECK(db().exec("SELECT count(*) FROM triggers WHERE name = 'bad secret'").integer(0, 0) == 0);
}

TEST_CASE("secret rotation: a grace period for the old secrets, listing, deleting") {
    std::string id = create({{"name", "rotating"},
                             {"type", "api"},
                             {"target",
                              {{"url", "https://example.com/hook"},
                               {"secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}}}});
    const std::string secrets = "/api/v1/triggers/" + id + "/secrets";
    std::string old_id = body_of(api().get(secrets))["items"][0]["id"];

    // Rotate with an empty body: a generated secret, the old one signs for another 24 h.
    auto before = etp::now_utc();
    auto res = api().raw().Post(secrets.c_str(), "", "application/json");
    REQUIRE(res);
    REQUIRE(res->status == 201);
    json rotated = body_of(res);
    REQUIRE(is_secret(rotated["secret"]));
    CHECK(rotated["expires_at"].is_null());
    CHECK(res->get_header_value("Location") == secrets + "/" + rotated["id"].get<std::string>());
    time_of(rotated["created_at"]);
    CHECK(stored_secrets(id, true) ==
          std::vector<std::string>{rotated["secret"], "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"});
    json listed = body_of(api().get(secrets));
    REQUIRE(listed["items"].size() == 2);
    CHECK(listed["items"][0]["id"] == rotated["id"]);
    CHECK(listed["items"][0]["expires_at"].is_null());
    CHECK(listed["items"][1]["id"] == old_id);
    auto expires = time_of(listed["items"][1]["expires_at"]);
    CHECK(expires >= before + std::chrono::seconds(86'400) - 5s);
    CHECK(expires <= etp::now_utc() + std::chrono::seconds(86'400) + 5s);
    CHECK(listed.dump().find(rotated["secret"].get<std::string>()) == std::string::npos);

    // Rotate to a secret of one's own, the others stop signing now.
    const std::string own = "whsec_kZQyJ4ARj1TpA+P89q43CHfLxNaqeXswndgaRpDOOg0=";
    res = api().post(secrets, {{"secret", own}, {"expire_previous_after_seconds", 0}});
    REQUIRE(res);
    REQUIRE(res->status == 201);
    CHECK(body_of(res)["secret"] == own);
    std::string own_id = body_of(res)["id"];
    CHECK(stored_secrets(id, true) == std::vector<std::string>{own});
    listed = body_of(api().get(secrets));
    REQUIRE(listed["items"].size() == 3);  // expired ones are still listed
    CHECK(time_of(listed["items"][1]["expires_at"]) <= etp::now_utc());
    CHECK(time_of(listed["items"][2]["expires_at"]) <= etp::now_utc());

    // The last unexpired secret of a trigger with a target cannot be deleted; expired ones can.
    res = del(secrets + "/" + own_id);
    REQUIRE(res);
    CHECK(res->status == 409);
    CHECK(body_of(res)["detail"].get<std::string>().find("rotate") != std::string::npos);
    CHECK(del(secrets + "/" + old_id)->status == 204);
    CHECK(del(secrets + "/" + old_id)->status == 404);
    CHECK(body_of(api().get(secrets))["items"].size() == 2);

    // The next rotation clears the expired secrets; deleting one of two unexpired ones is fine.
    res = api().post(secrets, {{"expire_previous_after_seconds", 60}});
    REQUIRE(res);
    REQUIRE(res->status == 201);
    std::string newest = body_of(res)["secret"];
    listed = body_of(api().get(secrets));
    REQUIRE(listed["items"].size() == 2);
    CHECK(listed["items"][1]["id"] == own_id);
    CHECK(time_of(listed["items"][1]["expires_at"]) > etp::now_utc());
    CHECK(stored_secrets(id, true) == std::vector<std::string>{newest, own});
    CHECK(del(secrets + "/" + own_id)->status == 204);
    CHECK(stored_secrets(id, false) == std::vector<std::string>{newest});

    // Unknown ids, a trigger without a target, scopes.
    const std::string missing = "01900000-0000-7000-8000-000000000000";
    CHECK(del(secrets + "/" + missing)->status == 404);
    CHECK(del(secrets + "/not-a-uuid")->status == 404);
    CHECK(api().get("/api/v1/triggers/" + missing + "/secrets")->status == 404);
    CHECK(api().post("/api/v1/triggers/" + missing + "/secrets", json::object())->status == 404);
    CHECK(del("/api/v1/triggers/" + missing + "/secrets/" + missing)->status == 404);
    std::string bare = create({{"name", "no target"}, {"type", "api"}});
    res = api().post("/api/v1/triggers/" + bare + "/secrets", json::object());
    REQUIRE(res);
    CHECK(res->status == 409);
    CHECK(body_of(api().get("/api/v1/triggers/" + bare + "/secrets"))["items"] == json::array());
    std::string reader = body_of(
        api().post("/api/v1/api-keys", {{"name", "secret reader"}, {"scopes", {"read"}}}))["key"];
    CHECK(request("GET", secrets, reader)->status == 200);
    CHECK(request("POST", secrets, reader)->status == 403);
    CHECK(request("DELETE", secrets + "/" + missing, reader)->status == 403);
    CHECK(stored_secrets(id, false) == std::vector<std::string>{newest});

    // Refused bodies change nothing.
    for (const json& body :
         {json{{"secret", "whsec_short"}}, json{{"expire_previous_after_seconds", -1}},
          json{{"expire_previous_after_seconds", 604801}}, json{{"colour", "red"}}}) {
        INFO(body.dump());
        res = api().post(secrets, body);
        REQUIRE(res);
        CHECK(res->status == 400);
    }
    CHECK(stored_secrets(id, false) == std::vector<std::string>{newest});

    // Deleting the trigger deletes its secrets.
    REQUIRE(del("/api/v1/triggers/" + id)->status == 204);
    CHECK(stored_secrets(id, false).empty());
}

TEST_CASE("private webhook targets are refused unless ETP_ALLOW_PRIVATE_TARGETS=1") {
    auto help = etp::testing::run_command(ETP_API_GATEWAY_BIN, {"--help"}, {}, 10s);
    CHECK(help.exit_code == 0);
    CHECK((help.out + help.err).find("ETP_ALLOW_PRIVATE_TARGETS") != std::string::npos);

    etp::e2e::Service strict =
        etp::e2e::make_service("api-gateway", {{"ETP_ALLOW_PRIVATE_TARGETS", "0"}});
    REQUIRE(strict.start_and_wait());
    Api client(strict.http_port);
    auto definition = [](const std::string& name, const std::string& url) {
        return json{{"name", name}, {"type", "api"}, {"target", {{"url", url}}}};
    };
    for (const std::string url : {"http://127.0.0.1:9/x", "http://localhost/x", "http://[::1]/"}) {
        INFO(url);
        auto res = client.post("/api/v1/triggers", definition("private " + url, url));
        REQUIRE(res);
        CHECK(res->status == 400);
        CHECK(res->get_header_value("Content-Type") == "application/problem+json");
        CHECK(pointers(body_of(res)) == std::vector<std::string>{"/target/url"});
        CHECK(db().exec("SELECT count(*) FROM triggers WHERE name = $1", {"private " + url})
                  .integer(0, 0) == 0);
        res = client.post("/api/v1/triggers/test", {{"trigger", definition("draft", url)}});
        REQUIRE(res);
        CHECK(res->status == 400);
        CHECK(pointers(body_of(res)) == std::vector<std::string>{"/trigger/target/url"});
    }

    auto res = client.post("/api/v1/triggers", definition("public", "https://example.com/hook"));
    REQUIRE(res);
    REQUIRE(res->status == 201);
    json created = body_of(res);
    std::string id = created["id"];
    CHECK(is_secret(created["target"]["secret"]));
    res = client.raw().Put(("/api/v1/triggers/" + id).c_str(),
                           definition("public", "http://localhost:8080/x").dump(),
                           "application/json");
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK(pointers(body_of(res)) == std::vector<std::string>{"/target/url"});
    json unchanged = body_of(client.get("/api/v1/triggers/" + id));
    CHECK(unchanged["target"]["url"] == "https://example.com/hook");
    CHECK(unchanged["version"] == 1);
    CHECK(stored_secrets(id, true) == std::vector<std::string>{created["target"]["secret"]});
    CHECK(strict.process->terminate(10s) == 0);
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
    // A key that authenticated a request shows when it was last used; one never used shows null.
    std::string unused_id =
        body_of(api().post("/api/v1/api-keys", {{"name", "unused"}, {"scopes", {"read"}}}))["id"];
    json stamps = json::object();
    const json keys = body_of(api().get("/api/v1/api-keys"));  // outlives the loop
    for (const auto& k : keys["items"]) stamps[k["id"].get<std::string>()] = k["last_used_at"];
    CHECK(stamps[reader["id"].get<std::string>()].is_string());
    CHECK(stamps[unused_id].is_null());
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

TEST_CASE("schedule preview: the next fire times in the schedule's zone, across a DST change") {
    // Berlin moves from 02:00 to 03:00 on 2031-03-30: 02:30 does not exist that day and fires
    // when the clock jumps; from the 31st the offset is +02:00.
    auto res = api().post("/api/v1/schedules/preview",
                          {{"schedule", {{"cron", "30 2 * * *"}, {"timezone", "Europe/Berlin"}}},
                           {"count", 5},
                           {"after", "2031-03-28T00:00:00Z"}});
    REQUIRE(res);
    INFO(res->body);
    REQUIRE(res->status == 200);
    json body = json::parse(res->body);
    CHECK(body["timezone"] == "Europe/Berlin");
    CHECK(body["times"] == json::parse(R"([
        {"at": "2031-03-28T01:30:00.000000Z", "local": "2031-03-28T02:30:00+01:00"},
        {"at": "2031-03-29T01:30:00.000000Z", "local": "2031-03-29T02:30:00+01:00"},
        {"at": "2031-03-30T01:00:00.000000Z", "local": "2031-03-30T03:00:00+02:00"},
        {"at": "2031-03-31T00:30:00.000000Z", "local": "2031-03-31T02:30:00+02:00"},
        {"at": "2031-04-01T00:30:00.000000Z", "local": "2031-04-01T02:30:00+02:00"}])"));

    // An interval counts from `after` (the trigger's creation), or from start_at.
    body =
        body_of(api().post("/api/v1/schedules/preview", {{"schedule", {{"interval_seconds", 3600}}},
                                                         {"count", 2},
                                                         {"after", "2030-01-01T00:00:00Z"}}));
    CHECK(body["times"] == json::parse(R"([
        {"at": "2030-01-01T01:00:00.000000Z", "local": "2030-01-01T01:00:00+00:00"},
        {"at": "2030-01-01T02:00:00.000000Z", "local": "2030-01-01T02:00:00+00:00"}])"));
    // Without count: five. A one-time schedule whose instant has passed: none.
    body = body_of(api().post("/api/v1/schedules/preview", {{"schedule", {{"cron", "@hourly"}}}}));
    CHECK(body["times"].size() == 5);
    body = body_of(
        api().post("/api/v1/schedules/preview", {{"schedule", {{"at", "2020-01-01T00:00:00Z"}}}}));
    CHECK(body["times"] == json::array());

    // Every problem at once, each at its field.
    res = api().post("/api/v1/schedules/preview",
                     {{"schedule", {{"cron", "61 * * * *"}, {"timezone", "Mars/Olympus"}}},
                      {"count", 0},
                      {"after", "soon"},
                      {"colour", "red"}});
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK(res->get_header_value("Content-Type") == "application/problem+json");
    auto got = pointers(json::parse(res->body));
    CHECK(std::set<std::string>(got.begin(), got.end()) ==
          std::set<std::string>{"/schedule/cron", "/schedule/timezone", "/count", "/after",
                                "/colour"});
    res = api().post("/api/v1/schedules/preview", json::object());
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK(pointers(json::parse(res->body)) == std::vector<std::string>{"/schedule"});
    res = api().post("/api/v1/schedules/preview",
                     {{"schedule", {{"cron", "* * * * *"}, {"interval_seconds", 5}}}});
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK(pointers(json::parse(res->body)) == std::vector<std::string>{"/schedule"});
    CHECK(request("POST", "/api/v1/schedules/preview", "")->status == 401);
}

TEST_CASE("filter test: a cdc filter against a sample change, as cdc-capture matches it") {
    const json filter = json::parse(
        R"({"op": ["u"], "after": {"status": ["down"]}, "before": {"status": [{"anything-but": "down"}]}})");
    auto test = [](const json& body) {
        auto res = api().post("/api/v1/filters/test", body);
        REQUIRE(res);
        INFO(res->body);
        REQUIRE(res->status == 200);
        return json::parse(res->body);
    };
    json change = {{"op", "u"},
                   {"table", "public.monitors"},
                   {"before", {{"id", 7}, {"status", "up"}}},
                   {"after", {{"id", 7}, {"status", "down"}}}};
    CHECK(test({{"filter", filter}, {"change", change}}) ==
          json({{"matches", true}, {"filter_matches", true}, {"operation_matches", true}}));
    change["after"]["status"] = "up";
    CHECK(test({{"filter", filter}, {"change", change}})["matches"] == false);
    change["after"]["status"] = "down";
    // The operations of the definition count too.
    CHECK(test({{"filter", filter}, {"change", change}, {"operations", {"insert"}}}) ==
          json({{"matches", false}, {"filter_matches", true}, {"operation_matches", false}}));
    // An insert has no before: anything-but does not match an absent field.
    CHECK(
        test({{"filter", filter},
              {"change",
               {{"op", "c"}, {"before", nullptr}, {"after", {{"status", "down"}}}}}})["matches"] ==
        false);
    // No filter: every change of a watched operation.
    CHECK(test({{"filter", nullptr},
                {"change", {{"op", "d"}, {"before", {{"id", 1}}}}}})["matches"] == true);

    auto res = api().post("/api/v1/filters/test",
                          {{"filter", {{"after", {{"status", "down"}}}}},
                           {"change", {{"op", "x"}, {"before", 5}, {"a/b~c", true}}},
                           {"operations", {"upsert"}}});
    REQUIRE(res);
    CHECK(res->status == 400);
    auto got = pointers(json::parse(res->body));
    CHECK(std::set<std::string>(got.begin(), got.end()) ==
          std::set<std::string>{"/filter/after/status", "/change/op", "/change/before",
                                "/change/a~1b~0c", "/operations"});
    res = api().post("/api/v1/filters/test", json::object());
    REQUIRE(res);
    CHECK(res->status == 400);
    got = pointers(json::parse(res->body));
    CHECK(std::set<std::string>(got.begin(), got.end()) ==
          std::set<std::string>{"/filter", "/change"});
}

TEST_CASE("whoami answers the key's scopes; the trigger list filters by name") {
    CHECK(body_of(api().get("/api/v1/whoami")) == json({{"scopes", {"admin"}}}));
    std::string key = body_of(
        api().post("/api/v1/api-keys", {{"name", "who"}, {"scopes", {"fire", "read"}}}))["key"];
    auto res = request("GET", "/api/v1/whoami", key);
    REQUIRE(res);
    REQUIRE(res->status == 200);
    auto scopes = json::parse(res->body)["scopes"].get<std::vector<std::string>>();
    CHECK(std::set<std::string>(scopes.begin(), scopes.end()) ==
          std::set<std::string>{"fire", "read"});
    CHECK(request("GET", "/api/v1/whoami", "")->status == 401);
    CHECK(
        request("GET", "/api/v1/whoami", "etp_0000000000000000000000000000000000000000")->status ==
        401);

    std::string a = create({{"name", "Name Filter 100% Alpha"}, {"type", "api"}});
    std::string b = create({{"name", "name filter beta"}, {"type", "api"}});
    auto names = [](const std::string& query) {
        std::set<std::string> out;
        const json page = body_of(api().get("/api/v1/triggers?" + query));  // outlives the loop
        for (const auto& t : page["items"]) out.insert(t["id"].get<std::string>());
        return out;
    };
    CHECK(names("name=NAME%20FILTER") == std::set<std::string>{a, b});
    CHECK(names("name=filter%20beta") == std::set<std::string>{b});
    CHECK(names("name=100%25") == std::set<std::string>{a});      // '%' is a plain character
    CHECK(names("name=filter_beta") == std::set<std::string>{});  // and so is '_'
    CHECK(body_of(api().get("/api/v1/triggers?name=name%20filter&type=api"))["total"] == 2);
}

// REST conventions (issue 23): what any HTTP client reads and sends besides the JSON.

httplib::Result with_headers(const std::string& method, const std::string& path,
                             const httplib::Headers& extra, const json& body = nullptr) {
    httplib::Client client("127.0.0.1", platform().gateway.http_port);
    httplib::Headers headers = {{"X-API-Key", etp::e2e::kAdminKey}};
    headers.insert(extra.begin(), extra.end());
    if (method == "GET") return client.Get(path.c_str(), headers);
    if (method == "DELETE") return client.Delete(path.c_str(), headers);
    if (method == "PUT") return client.Put(path.c_str(), headers, body.dump(), "application/json");
    return client.Post(path.c_str(), headers, body.dump(), "application/json");
}

TEST_CASE("ETag is the trigger's version; If-Match on PUT and DELETE refuses a stale one") {
    const json definition = {{"name", "etag"}, {"type", "api"}};
    auto created = api().post("/api/v1/triggers", definition);
    REQUIRE(created);
    REQUIRE(created->status == 201);
    std::string id = body_of(created)["id"];
    std::string path = "/api/v1/triggers/" + id;
    CHECK(created->get_header_value("ETag") == "\"1\"");
    auto read = api().get(path);
    REQUIRE(read);
    CHECK(read->get_header_value("ETag") == "\"1\"");

    // A matching If-Match replaces; the answer carries the new version's tag.
    auto replaced = with_headers("PUT", path, {{"If-Match", "\"1\""}}, definition);
    REQUIRE(replaced);
    CHECK(replaced->status == 200);
    CHECK(replaced->get_header_value("ETag") == "\"2\"");
    CHECK(body_of(replaced)["version"] == 2);

    // A client still holding version 1 loses nothing of version 2: 412, naming the version.
    auto stale = with_headers("PUT", path, {{"If-Match", "\"1\""}},
                              {{"name", "stale edit"}, {"type", "api"}});
    REQUIRE(stale);
    CHECK(stale->status == 412);
    CHECK(stale->get_header_value("Content-Type") == "application/problem+json");
    json problem = json::parse(stale->body);
    CHECK(problem["detail"].get<std::string>().find("version 2") != std::string::npos);
    CHECK(pointers(problem) == std::vector<std::string>{"If-Match"});
    CHECK(body_of(api().get(path))["name"] == "etag");
    // Weak tags never match (strong comparison); a list matches when one of its tags does.
    CHECK(with_headers("PUT", path, {{"If-Match", "W/\"2\""}}, definition)->status == 412);
    CHECK(with_headers("PUT", path, {{"If-Match", "\"7\", \"2\""}}, definition)->status == 200);
    // `*` matches any existing trigger; no If-Match checks nothing (the console's PUT).
    CHECK(with_headers("PUT", path, {{"If-Match", "*"}}, definition)->status == 200);
    CHECK(put(path, definition)->status == 200);
    // A malformed If-Match is a 400 naming the header.
    auto malformed = with_headers("PUT", path, {{"If-Match", "5"}}, definition);
    REQUIRE(malformed);
    CHECK(malformed->status == 400);
    CHECK(pointers(json::parse(malformed->body)) == std::vector<std::string>{"If-Match"});
    // Activation answers carry the tag too.
    auto deactivated = api().post(path + "/deactivate", json::object());
    CHECK(deactivated->get_header_value("ETag") == "\"6\"");

    auto stale_delete = with_headers("DELETE", path, {{"If-Match", "\"5\""}});
    REQUIRE(stale_delete);
    CHECK(stale_delete->status == 412);
    CHECK(api().get(path)->status == 200);
    CHECK(with_headers("DELETE", path, {{"If-Match", "\"6\""}})->status == 204);
    CHECK(api().get(path)->status == 404);
    CHECK(with_headers("DELETE", path, {{"If-Match", "*"}})->status == 404);
}

TEST_CASE("an Idempotency-Key reused with a different payload is a 422 and fires nothing") {
    std::string id = create({{"name", "idempotent payload"}, {"type", "api"}});
    std::string path = "/api/v1/triggers/" + id + "/fire";
    auto fire = [&](const std::string& body) {
        httplib::Client client("127.0.0.1", platform().gateway.http_port);
        auto res = client.Post(path.c_str(),
                               {{"X-API-Key", etp::e2e::kAdminKey}, {"Idempotency-Key", "k-1"}},
                               body, "application/json");
        REQUIRE(res);
        return res;
    };
    auto first = fire(R"({"amount": 1, "currency": "EUR"})");
    REQUIRE(first->status == 202);
    std::string event_id = json::parse(first->body)["event_id"];
    // The same payload, spaced and ordered differently, is the same request.
    auto repeat = fire(R"({ "currency":"EUR","amount":1 })");
    CHECK(repeat->status == 202);
    CHECK(json::parse(repeat->body)["event_id"] == event_id);
    auto other = fire(R"({"amount": 2, "currency": "EUR"})");
    CHECK(other->status == 422);
    CHECK(other->get_header_value("Content-Type") == "application/problem+json");
    json problem = json::parse(other->body);
    CHECK(pointers(problem) == std::vector<std::string>{"Idempotency-Key"});
    CHECK(problem["detail"].get<std::string>().find("k-1") != std::string::npos);

    poll("/api/v1/events?trigger_id=" + id, [](const json& b) { return b["items"].size() >= 1; });
    std::this_thread::sleep_for(1s);
    json events = body_of(api().get("/api/v1/events?trigger_id=" + id));
    REQUIRE(events["items"].size() == 1);
    CHECK(events["items"][0]["payload"] == json{{"amount", 1}, {"currency", "EUR"}});
}

TEST_CASE("every 401 says how to authenticate: WWW-Authenticate") {
    const std::string challenge = R"(Bearer realm="etp", ApiKey realm="etp", header="X-API-Key")";
    auto missing = request("GET", "/api/v1/triggers", "");
    REQUIRE(missing);
    CHECK(missing->status == 401);
    CHECK(missing->get_header_value("WWW-Authenticate") == challenge);
    auto unknown = request("POST", "/api/v1/triggers/01900000-0000-7000-8000-000000000000/fire",
                           "etp_0000000000000000000000000000000000000000");
    REQUIRE(unknown);
    CHECK(unknown->status == 401);
    CHECK(unknown->get_header_value("WWW-Authenticate") == challenge);
    // Not on other errors.
    auto not_found = api().get("/api/v1/triggers/01900000-0000-7000-8000-000000000000");
    CHECK(not_found->status == 404);
    CHECK_FALSE(not_found->has_header("WWW-Authenticate"));
}

TEST_CASE("stats say how long they stay fresh: Cache-Control private, max-age up to 60") {
    auto res = api().get("/api/v1/stats");
    REQUIRE(res);
    REQUIRE(res->status == 200);
    std::string cache_control = res->get_header_value("Cache-Control");
    INFO(cache_control);
    REQUIRE(cache_control.rfind("private, max-age=", 0) == 0);
    int max_age = std::stoi(cache_control.substr(std::string("private, max-age=").size()));
    CHECK(max_age >= 0);
    CHECK(max_age <= 60);
}

TEST_CASE("the trigger list filters by name with q") {
    std::string a = create({{"name", "Q Search 50% Off"}, {"type", "api"}});
    std::string b = create({{"name", "q search plain"},
                            {"type", "scheduled"},
                            {"active", false},
                            {"schedule", {{"interval_seconds", 3600}}}});
    auto ids = [](const std::string& query) {
        auto res = api().get("/api/v1/triggers?" + query);
        REQUIRE(res);
        REQUIRE(res->status == 200);
        std::set<std::string> out;
        const json page = json::parse(res->body);
        for (const auto& t : page["items"]) out.insert(t["id"].get<std::string>());
        return out;
    };
    CHECK(ids("q=q%20SEARCH") == std::set<std::string>{a, b});
    CHECK(ids("q=50%25") == std::set<std::string>{a});  // '%' is a plain character
    CHECK(ids("q=q_search").empty());                   // and so is '_'
    CHECK(ids("q=q%20search&type=api") == std::set<std::string>{a});
    auto too_long = api().get("/api/v1/triggers?q=" + std::string(201, 'x'));
    REQUIRE(too_long);
    CHECK(too_long->status == 400);
    CHECK(pointers(json::parse(too_long->body)) == std::vector<std::string>{"?q"});
}

TEST_CASE("the trigger list pages by cursor: every trigger once, stable while triggers are added") {
    std::set<std::string> made;
    for (int i = 0; i < 5; ++i)
        made.insert(create({{"name", "cursor walk " + std::to_string(i)}, {"type", "api"}}));
    const std::string filter = "/api/v1/triggers?q=cursor%20walk&page_size=2";
    std::vector<std::string> seen;
    std::optional<std::string> cursor;
    int pages = 0;
    for (; pages < 10; ++pages) {
        auto res = api().get(filter + (cursor ? "&cursor=" + *cursor : std::string()));
        REQUIRE(res);
        REQUIRE(res->status == 200);
        const json page = json::parse(res->body);
        CHECK(page["total"].get<int>() >= 5);
        CHECK(page.contains("page") == !cursor.has_value());
        for (const auto& t : page["items"]) seen.push_back(t["id"].get<std::string>());
        // A trigger created while paging is newer than every cursor: it never shows up later.
        if (pages == 0) create({{"name", "cursor walk late"}, {"type", "api"}});
        if (!page["has_more"].get<bool>()) {
            CHECK(page["next_cursor"].is_null());
            break;
        }
        cursor = page["next_cursor"].get<std::string>();
    }
    CHECK(pages == 2);  // 2 + 2 + 1
    CHECK(std::set<std::string>(seen.begin(), seen.end()) == made);
    CHECK(seen.size() == made.size());

    auto bad = api().get("/api/v1/triggers?cursor=nonsense");
    REQUIRE(bad);
    CHECK(bad->status == 400);
    CHECK(pointers(json::parse(bad->body)) == std::vector<std::string>{"?cursor"});
    auto both = api().get("/api/v1/triggers?page=2&cursor=" + *cursor);
    REQUIRE(both);
    CHECK(both->status == 400);
    CHECK(pointers(json::parse(both->body)) == std::vector<std::string>{"?page"});
}

TEST_CASE("events filtered by payload content: payload_contains, a JSON object") {
    std::string id = create({{"name", "payload filter"}, {"type", "api"}});
    const std::vector<json> payloads = {
        {{"currency", "EUR"}, {"customer", {{"tier", "gold"}, {"id", 1}}}, {"tags", {"a", "b"}}},
        {{"currency", "USD"}, {"customer", {{"tier", "gold"}, {"id", 2}}}, {"tags", {"b"}}},
        {{"currency", "EUR"}, {"customer", {{"tier", "basic"}, {"id", 3}}}},
    };
    std::vector<std::string> fired;
    for (const auto& p : payloads) {
        auto res = api().post("/api/v1/triggers/" + id + "/fire", p);
        REQUIRE(res->status == 202);
        fired.push_back(body_of(res)["event_id"]);
    }
    poll("/api/v1/events?trigger_id=" + id, [](const json& b) { return b["items"].size() == 3; });
    auto matching = [&](const std::string& route, const json& contains) {
        std::string path =
            route + (route.find('?') == std::string::npos ? "?" : "&") +
            "payload_contains=" + httplib::detail::encode_query_param(contains.dump());
        auto res = api().get(path);
        REQUIRE(res);
        INFO(path << " -> " << res->body);
        REQUIRE(res->status == 200);
        std::set<std::string> out;
        const json page = json::parse(res->body);
        for (const auto& e : page["items"]) out.insert(e["id"].get<std::string>());
        return out;
    };
    const std::string list = "/api/v1/events?trigger_id=" + id;
    CHECK(matching(list, {{"currency", "EUR"}}) == std::set<std::string>{fired[0], fired[2]});
    CHECK(matching(list, {{"customer", {{"tier", "gold"}}}}) ==
          std::set<std::string>{fired[0], fired[1]});
    CHECK(matching(list, {{"tags", {"a"}}}) == std::set<std::string>{fired[0]});
    CHECK(matching(list, {{"currency", "EUR"}, {"customer", {{"tier", "gold"}}}}) ==
          std::set<std::string>{fired[0]});
    CHECK(matching(list, {{"currency", "GBP"}}).empty());
    CHECK(matching(list, json::object()).size() == 3);
    CHECK(matching("/api/v1/events/trigger/" + id, {{"currency", "USD"}}) ==
          std::set<std::string>{fired[1]});

    auto aggregate = api().get("/api/v1/events/aggregate?trigger_id=" + id + "&payload_contains=" +
                               httplib::detail::encode_query_param(R"({"currency":"EUR"})"));
    REQUIRE(aggregate);
    REQUIRE(aggregate->status == 200);
    json rows = json::parse(aggregate->body)["items"];
    REQUIRE(rows.size() == 1);
    CHECK(rows[0]["total"] == 2);
    CHECK(rows[0]["lifetime_total"] == 3);

    for (const std::string& bad :
         std::vector<std::string>{"[1]", "\"EUR\"", "{\"currency\":", "42",
                                  "{\"k\":\"" + std::string(4100, 'x') + "\"}"}) {
        INFO(bad.substr(0, 40));
        auto res = api().get("/api/v1/events?payload_contains=" +
                             httplib::detail::encode_query_param(bad));
        REQUIRE(res);
        CHECK(res->status == 400);
        CHECK(pointers(json::parse(res->body)) == std::vector<std::string>{"?payload_contains"});
    }

    // The index (on every partition) serves the filter, with sequential scans off as a large
    // log would have the planner prefer.
    db().exec("SET enable_seqscan = off");
    auto plan = db().exec(
        "EXPLAIN SELECT id FROM events WHERE etp_payload_jsonb(payload) @> "
        "'{\"currency\":\"EUR\"}'::jsonb");
    db().exec("RESET enable_seqscan");
    std::string text;
    for (int i = 0; i < plan.rows(); ++i) text += std::string(plan.text(i, 0)) + "\n";
    INFO(text);
    CHECK(text.find("Bitmap Index Scan") != std::string::npos);
    CHECK(text.find("Seq Scan") == std::string::npos);
}
