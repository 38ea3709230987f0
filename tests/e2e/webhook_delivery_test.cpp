// Webhook delivery through the real binaries, as a target sees it: every logged event of a
// trigger with a target arrives as its CloudEvent, signed per Standard Webhooks (checked by the
// harness's own verifier), with the target's headers; failures retry or die as the status says,
// and the event's deliveries, etp.deliveries.dead and etp.events show what happened.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "etp/bus/consumer.hpp"
#include "etp/testing/webhook_receiver.hpp"
#include "etp/testing/webhook_verifier.hpp"
#include "message_contract.hpp"
#include "platform.hpp"

using namespace std::chrono_literals;
using etp::e2e::Api;
using etp::e2e::api;
using etp::e2e::cloud_event_header_problems;
using etp::e2e::platform;
using etp::e2e::schema_problems;
using etp::testing::ReceivedRequest;
using etp::testing::Reply;
using etp::testing::verify_webhook;
using etp::testing::WebhookReceiver;
using nlohmann::json;

namespace {

// POST /triggers; the 201's body.
json create_trigger(const json& definition) {
    auto res = api().post("/api/v1/triggers", definition);
    REQUIRE(res);
    INFO(res->body);
    REQUIRE(res->status == 201);
    return json::parse(res->body);
}

// A trigger with a target, retrying quickly: `target` and `retry` are merged over the defaults.
json create_webhook_trigger(const std::string& name, const std::string& url,
                            const json& target = json::object(),
                            const json& retry = json::object()) {
    json definition = {
        {"name", name},
        {"type", "api"},
        {"target", {{"url", url}}},
        {"retry", {{"max_attempts", 5}, {"initial_backoff_ms", 50}, {"max_backoff_ms", 200}}}};
    // (A `{}` argument arrives as null, not as an empty object.)
    if (target.is_object()) definition["target"].update(target);
    if (retry.is_object()) definition["retry"].update(retry);
    return create_trigger(definition);
}

std::string fire(const std::string& trigger_id, const json& payload) {
    auto res = api().post("/api/v1/triggers/" + trigger_id + "/fire", payload);
    REQUIRE(res);
    INFO(res->body);
    REQUIRE(res->status == 202);
    return json::parse(res->body)["event_id"];
}

json get_event(const std::string& event_id) {
    auto res = api().get("/api/v1/events/" + event_id);
    REQUIRE(res);
    INFO(res->body);
    REQUIRE(res->status == 200);
    return json::parse(res->body);
}

// Polls GET /events/{id} until the event is logged and `done` holds for it (or the timeout
// passes); returns the last answer's body.
json wait_event(const std::string& event_id, const std::function<bool(const json&)>& done,
                std::chrono::milliseconds timeout = 30s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto res = api().get("/api/v1/events/" + event_id);
        REQUIRE(res);
        INFO(res->body);
        REQUIRE((res->status == 200 || res->status == 404));  // 404 until it is logged
        json event = json::parse(res->body);
        if ((res->status == 200 && done(event)) || std::chrono::steady_clock::now() >= deadline)
            return event;
        std::this_thread::sleep_for(100ms);
    }
}

// The delivery `number` of an event has reached `status`.
std::function<bool(const json&)> delivery_is(int number, const std::string& status) {
    return [number, status](const json& event) {
        if (!event.contains("deliveries") || !event["deliveries"].is_array()) return false;
        for (const auto& d : event["deliveries"])
            if (d.value("number", 0) == number && d.value("status", "") == status) return true;
        return false;
    };
}

// The first message of `topic` with key `key`, read by a fresh consumer group from the start.
std::optional<etp::bus::Message> find_message(const std::string& topic, const std::string& key,
                                              std::chrono::milliseconds timeout) {
    static int counter = 0;
    etp::bus::ConsumerConfig config;
    config.brokers = etp::testing::KafkaBroker::shared().bootstrap();
    config.group_id = "webhook-test-" + std::to_string(++counter) + "-" +
                      std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
    config.topics = {topic};
    etp::bus::Consumer consumer(config);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        for (auto& m : consumer.poll(500, 500ms))
            if (m.key && *m.key == key) return m;
    }
    return std::nullopt;
}

bool mentions_timeout(const json& text) {
    if (!text.is_string()) return false;
    std::string lower = text.get<std::string>();
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return lower.find("timeout") != std::string::npos ||
           lower.find("timed out") != std::string::npos;
}

std::string media_type(const std::optional<std::string>& content_type) {
    if (!content_type) return "";
    return content_type->substr(0, content_type->find(';'));
}

std::int64_t millis(std::chrono::steady_clock::duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

}  // namespace

TEST_CASE("every fired event arrives signed, as the CloudEvent of the logged event") {
    WebhookReceiver receiver;
    const json created = create_webhook_trigger(
        "webhook orders", receiver.url("/hooks/orders"),
        {{"headers", {{"X-Tenant", "acme"}, {"Authorization", "Bearer receiver-token"}}}});
    const std::string trigger_id = created["id"];
    INFO(created.dump());
    REQUIRE(created["target"].contains("secret"));  // generated: shown in the 201, only there
    const std::string secret = created["target"]["secret"];
    CHECK(secret.rfind("whsec_", 0) == 0);
    CHECK_FALSE(json::parse(api().get("/api/v1/triggers/" + trigger_id)->body)["target"].contains(
        "secret"));

    constexpr int kEvents = 50;
    std::map<std::string, int> fired;  // event id -> n of its payload
    for (int n = 0; n < kEvents; ++n) fired[fire(trigger_id, {{"n", n}})] = n;

    auto got = receiver.wait_for_count("/hooks/orders", kEvents, 60s);
    REQUIRE(got.size() >= kEvents);
    std::this_thread::sleep_for(1s);  // a repeat, if there were one, has time to show
    got = receiver.requests("/hooks/orders");
    CHECK(got.size() == kEvents);  // each succeeded at once: none is sent twice

    std::set<std::string> ids;
    for (const auto& request : got) {
        INFO("request " << request.index << ": " << request.body);
        CHECK(request.method == "POST");
        CHECK(media_type(request.header("content-type")) == "application/cloudevents+json");
        const auto signature = verify_webhook(request, {secret});
        INFO("signature: " << signature.problem);
        CHECK(signature.ok);
        CHECK(request.header("x-tenant") == "acme");
        CHECK(request.header("authorization") == "Bearer receiver-token");
        CHECK_FALSE(request.header("etp-test").has_value());

        const json body = json::parse(request.body);
        CHECK(schema_problems("etp.event.logged", body) == "");
        const std::string event_id = body.value("id", "");
        ids.insert(event_id);
        REQUIRE(fired.count(event_id) == 1);
        CHECK(request.header("webhook-id") == event_id);
        CHECK(body["specversion"] == "1.0");
        CHECK(body["source"] == "/etp/triggers/" + trigger_id);
        CHECK(body["type"] == "etp.event.logged");
        CHECK(body["subject"] == trigger_id);
        CHECK(body["datacontenttype"] == "application/json");
        const json& data = body["data"];
        CHECK(data["id"] == event_id);
        CHECK(data["payload"] == json{{"n", fired[event_id]}});
        CHECK(data["trigger"] ==
              json{{"id", trigger_id}, {"name", "webhook orders"}, {"type", "api"}});
        CHECK(data["source"] == "api");
        CHECK(data["is_test"] == false);
        CHECK(data["status"] == "active");
        CHECK(body["time"] == data["triggered_at"]);
        CHECK(data["logged_at"].is_string());
        // The data is the event as the API shows it (the API adds its deliveries).
        json shown = get_event(event_id);
        shown.erase("deliveries");
        CHECK(data == shown);
    }
    CHECK(ids.size() == kEvents);

    // The delivery, as the API shows it.
    const std::string first = fired.begin()->first;
    const json event = wait_event(first, delivery_is(1, "succeeded"));
    INFO(event.dump(2));
    REQUIRE(event["deliveries"].size() == 1);
    const json& delivery = event["deliveries"][0];
    CHECK(delivery["status"] == "succeeded");
    CHECK(delivery["attempt_count"] == 1);
    REQUIRE(delivery["attempts"].size() == 1);
    CHECK(delivery["attempts"][0]["attempt"] == 1);
    CHECK(delivery["attempts"][0]["http_status"] == 200);
    CHECK(delivery["attempts"][0]["response_body"] == "ok");
    CHECK(delivery["attempts"][0]["error"].is_null());
}

TEST_CASE("a test firing is delivered with etp-test: true and is_test") {
    WebhookReceiver receiver;
    const json created = create_webhook_trigger("webhook test firing", receiver.url("/t"));
    const std::string trigger_id = created["id"];
    const std::string secret = created["target"].value("secret", "");

    auto res =
        api().post("/api/v1/triggers/" + trigger_id + "/test", {{"payload", {{"probe", true}}}});
    REQUIRE(res);
    REQUIRE(res->status == 202);
    const std::string event_id = json::parse(res->body)["event_id"];

    auto got = receiver.wait_for_count("/t", 1, 30s);
    REQUIRE(got.size() == 1);
    INFO(got[0].body);
    CHECK(got[0].header("etp-test") == "true");
    CHECK(got[0].header("webhook-id") == event_id);
    const auto signature = verify_webhook(got[0], {secret});
    INFO("signature: " << signature.problem);
    CHECK(signature.ok);
    const json body = json::parse(got[0].body);
    CHECK(schema_problems("etp.event.logged", body) == "");
    CHECK(body["id"] == event_id);
    CHECK(body["data"]["is_test"] == true);
    CHECK(body["data"]["source"] == "test");
    CHECK(body["data"]["payload"] == json{{"probe", true}});
}

TEST_CASE("a target that answers 503 a few times gets the event once it recovers") {
    WebhookReceiver receiver;
    receiver.respond("/flaky", [](const ReceivedRequest& r) {
        if (r.index_on_path <= 3) return Reply{503, {}, "down for maintenance"};
        return Reply{200, {}, "thanks"};
    });
    const json created =
        create_webhook_trigger("webhook flaky", receiver.url("/flaky"), {}, {{"max_attempts", 6}});
    const std::string event_id = fire(created["id"], {{"flaky", 1}});

    auto got = receiver.wait_for_count("/flaky", 4, 30s);
    REQUIRE(got.size() >= 4);
    for (const auto& r : got) CHECK(r.header("webhook-id") == event_id);

    const json event = wait_event(event_id, delivery_is(1, "succeeded"));
    INFO(event.dump(2));
    REQUIRE(event["deliveries"].size() == 1);
    const json& delivery = event["deliveries"][0];
    CHECK(delivery["number"] == 1);
    CHECK(delivery["status"] == "succeeded");
    CHECK(delivery["attempt_count"] == 4);
    REQUIRE(delivery["attempts"].size() == 4);
    for (int i = 0; i < 3; ++i) {
        CHECK(delivery["attempts"][i]["attempt"] == i + 1);
        CHECK(delivery["attempts"][i]["http_status"] == 503);
        CHECK(delivery["attempts"][i]["response_body"] == "down for maintenance");
    }
    CHECK(delivery["attempts"][3]["attempt"] == 4);
    CHECK(delivery["attempts"][3]["http_status"] == 200);
    CHECK(delivery["attempts"][3]["response_body"] == "thanks");

    std::this_thread::sleep_for(1s);
    CHECK(receiver.count() == 4);  // nothing after the success
}

TEST_CASE("a target that answers 400 makes the delivery dead at once, on etp.deliveries.dead") {
    WebhookReceiver receiver;
    receiver.respond("/strict", [](const ReceivedRequest&) {
        return Reply{400, {{"Content-Type", "application/json"}}, R"({"error":"bad payload"})"};
    });
    const json created = create_webhook_trigger("webhook strict", receiver.url("/strict"));
    const std::string trigger_id = created["id"];
    const std::string event_id = fire(trigger_id, {{"strict", true}});

    const json event = wait_event(event_id, delivery_is(1, "dead"));
    INFO(event.dump(2));
    REQUIRE(event["deliveries"].size() == 1);
    const json& delivery = event["deliveries"][0];
    CHECK(delivery["status"] == "dead");
    CHECK(delivery["attempt_count"] == 1);
    REQUIRE(delivery["attempts"].size() == 1);
    CHECK(delivery["attempts"][0]["http_status"] == 400);
    CHECK(delivery["attempts"][0]["response_body"] == R"({"error":"bad payload"})");
    std::this_thread::sleep_for(1s);
    CHECK(receiver.count() == 1);  // 4xx is not retried, though max_attempts is 5

    const auto dead = find_message("etp.deliveries.dead", event_id, 30s);
    REQUIRE(dead);
    REQUIRE(dead->value);
    INFO(*dead->value);
    const json value = json::parse(*dead->value);
    CHECK(schema_problems("etp.delivery.dead", value) == "");
    CHECK(cloud_event_header_problems(*dead) == "");
    CHECK(value["specversion"] == "1.0");
    CHECK(value["type"] == "etp.delivery.dead");
    CHECK(value["subject"] == event_id);
    const json& data = value["data"];
    CHECK(data["event_id"] == event_id);
    CHECK(data["trigger_id"] == trigger_id);
    CHECK(data["delivery"] == 1);
    CHECK(data["attempts"] == 1);
    CHECK(data["last_http_status"] == 400);
    CHECK(data["target_url"] == receiver.url("/strict"));
    CHECK(data["event"]["id"] == event_id);
    CHECK(data["event"]["payload"] == json{{"strict", true}});
}

TEST_CASE("a target slower than timeout_ms times out on every attempt and ends dead") {
    WebhookReceiver receiver;
    receiver.respond("/slow", [](const ReceivedRequest&) { return Reply{200, {}, "late", 2s}; });
    const json created =
        create_webhook_trigger("webhook timeout", receiver.url("/slow"), {{"timeout_ms", 300}},
                               {{"max_attempts", 3}, {"max_backoff_ms", 100}});
    const std::string event_id = fire(created["id"], json::object());

    const json event = wait_event(event_id, delivery_is(1, "dead"), 60s);
    INFO(event.dump(2));
    REQUIRE(event["deliveries"].size() == 1);
    const json& delivery = event["deliveries"][0];
    CHECK(delivery["status"] == "dead");
    CHECK(delivery["attempt_count"] == 3);
    CHECK(mentions_timeout(delivery["last_error"]));
    REQUIRE(delivery["attempts"].size() == 3);
    for (const auto& attempt : delivery["attempts"]) {
        CHECK(attempt["http_status"].is_null());
        CHECK(mentions_timeout(attempt["error"]));
        CHECK(attempt["latency_ms"].get<int>() >= 250);  // it waited for its timeout_ms...
        CHECK(attempt["latency_ms"].get<int>() < 1900);  // ...and not for the late answer
    }
    CHECK(receiver.count() == 3);

    const auto dead = find_message("etp.deliveries.dead", event_id, 30s);
    REQUIRE(dead);
    const json value = json::parse(dead->value.value_or("{}"));
    CHECK(schema_problems("etp.delivery.dead", value) == "");
    const json& data = value["data"];
    INFO(data.dump());
    CHECK(data["attempts"] == 3);
    CHECK(data["last_http_status"].is_null());
    CHECK(mentions_timeout(data["last_error"]));
}

TEST_CASE("429 with Retry-After: 2 delays the next attempt by at least about 2 s") {
    WebhookReceiver receiver;
    receiver.respond("/busy", [](const ReceivedRequest& r) {
        if (r.index_on_path == 1) return Reply{429, {{"Retry-After", "2"}}, "slow down"};
        return Reply{};
    });
    // Without Retry-After the backoff would be at most 100 ms.
    const json created = create_webhook_trigger("webhook retry-after", receiver.url("/busy"), {},
                                                {{"max_backoff_ms", 100}});
    const std::string event_id = fire(created["id"], json::object());

    auto got = receiver.wait_for_count("/busy", 2, 30s);
    REQUIRE(got.size() >= 2);
    const auto gap = millis(got[1].received_steady - got[0].received_steady);
    INFO("gap between the 429 and the next attempt: " << gap << " ms");
    CHECK(gap >= 1800);

    const json event = wait_event(event_id, delivery_is(1, "succeeded"));
    INFO(event.dump(2));
    REQUIRE(event["deliveries"][0]["attempts"].size() == 2);
    CHECK(event["deliveries"][0]["attempts"][0]["http_status"] == 429);
    CHECK(event["deliveries"][0]["attempts"][1]["http_status"] == 200);
}

TEST_CASE("after a secret rotation each webhook carries a signature by the old and the new") {
    // A secret must be whsec_ + base64 of 24..64 bytes.
    auto refused = api().post(
        "/api/v1/triggers",
        {{"name", "short secret"},
         {"type", "api"},
         {"target", {{"url", "http://127.0.0.1:9/x"}, {"secret", etp::testing::make_secret(16)}}}});
    REQUIRE(refused);
    CHECK(refused->status == 400);

    WebhookReceiver receiver;
    const std::string old_secret = etp::testing::make_secret(32);
    const json created =
        create_webhook_trigger("webhook rotation", receiver.url("/rot"), {{"secret", old_secret}});
    const std::string trigger_id = created["id"];

    const std::string before = fire(trigger_id, {{"when", "before"}});
    auto got = receiver.wait_for_count("/rot", 1, 30s);
    REQUIRE(got.size() == 1);
    CHECK(etp::testing::v1_signatures(got[0].header("webhook-signature").value_or("")).size() == 1);
    auto check = verify_webhook(got[0], {old_secret});
    INFO("before: " << check.problem);
    CHECK(check.ok);

    auto res = api().post("/api/v1/triggers/" + trigger_id + "/secrets", json::object());
    REQUIRE(res);
    INFO(res->body);
    REQUIRE(res->status == 201);
    const json rotated = json::parse(res->body);
    CHECK(rotated.contains("id"));
    const std::string new_secret = rotated.value("secret", "");
    CHECK(new_secret.rfind("whsec_", 0) == 0);
    CHECK(new_secret != old_secret);

    const std::string after = fire(trigger_id, {{"when", "after"}});
    got = receiver.wait_for_count("/rot", 2, 30s);
    REQUIRE(got.size() == 2);
    const ReceivedRequest& request = got[1];
    CHECK(request.header("webhook-id") == after);
    const std::string header = request.header("webhook-signature").value_or("");
    INFO("webhook-signature: " << header);
    CHECK(etp::testing::v1_signatures(header).size() == 2);
    check = verify_webhook(request, {old_secret, new_secret});
    INFO("after: " << check.problem);
    CHECK(check.ok);
    REQUIRE(check.matches.size() == 2);
    CHECK(check.matches[0].size() == 1);  // the old secret signs one entry
    CHECK(check.matches[1].size() == 1);  // the new secret signs the other
    if (check.matches[0].size() == 1 && check.matches[1].size() == 1)
        CHECK(check.matches[0][0] != check.matches[1][0]);
}

TEST_CASE("redeliver sends the same event again with the same webhook-id") {
    WebhookReceiver receiver;
    const json created = create_webhook_trigger("webhook redeliver", receiver.url("/again"));
    const std::string secret = created["target"].value("secret", "");
    const std::string event_id = fire(created["id"], {{"again", 1}});
    REQUIRE(receiver.wait_for_count("/again", 1, 30s).size() == 1);
    wait_event(event_id, delivery_is(1, "succeeded"));

    auto res = api().post("/api/v1/events/" + event_id + "/redeliver", json::object());
    REQUIRE(res);
    INFO(res->body);
    REQUIRE(res->status == 202);
    const json accepted = json::parse(res->body);
    CHECK(accepted["event_id"] == event_id);
    CHECK(accepted["delivery"] == 2);

    auto got = receiver.wait_for_count("/again", 2, 30s);
    REQUIRE(got.size() == 2);
    CHECK(got[1].header("webhook-id") == event_id);
    CHECK(got[1].header("webhook-id") == got[0].header("webhook-id"));
    CHECK(json::parse(got[1].body)["id"] == event_id);
    CHECK(json::parse(got[1].body)["data"] == json::parse(got[0].body)["data"]);
    const auto signature = verify_webhook(got[1], {secret});
    INFO("signature: " << signature.problem);
    CHECK(signature.ok);

    const json event = wait_event(event_id, delivery_is(2, "succeeded"));
    INFO(event.dump(2));
    CHECK(event["deliveries"].size() == 2);
    CHECK(delivery_is(1, "succeeded")(event));
}

TEST_CASE("kcat reads every logged event of a trigger from etp.events") {
    WebhookReceiver receiver;
    const json with_target = create_webhook_trigger("webhook kcat", receiver.url("/k"));
    const std::string trigger_id = with_target["id"];
    const json without_target = create_trigger({{"name", "no target kcat"}, {"type", "api"}});
    const std::string plain_id = without_target["id"];

    constexpr int kEvents = 20;
    std::set<std::string> fired;
    for (int n = 0; n < kEvents; ++n) fired.insert(fire(trigger_id, {{"n", n}}));
    const std::string plain_event = fire(plain_id, {{"plain", true}});
    auto got = receiver.wait_for_count("/k", kEvents, 60s);
    REQUIRE(got.size() >= kEvents);
    std::map<std::string, json> webhook_bodies;
    for (const auto& r : got)
        webhook_bodies[r.header("webhook-id").value_or("")] = json::parse(r.body);

    // An outside consumer: kcat, from the beginning to the end of every partition, as JSON
    // records (key, payload and headers).
    std::map<std::string, json> published;               // event id -> value, this trigger's only
    std::map<std::string, std::string> header_problems;  // event id -> what its headers lack
    bool plain_seen = false;
    std::string last_err;
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline) {
        auto result =
            etp::testing::run_command("/usr/bin/kcat",
                                      {"-b", etp::testing::KafkaBroker::shared().bootstrap(), "-C",
                                       "-t", "etp.events", "-e", "-q", "-o", "beginning", "-J"},
                                      {}, 30s);
        last_err = result.err;
        std::istringstream lines(result.out);
        for (std::string line; std::getline(lines, line);) {
            const json record = json::parse(line, nullptr, false);
            if (!record.is_object() || !record.value("key", json()).is_string()) continue;
            etp::bus::Message m;
            m.key = record["key"].get<std::string>();
            if (record.value("payload", json()).is_string())
                m.value = record["payload"].get<std::string>();
            const json headers = record.value("headers", json::array());
            for (std::size_t i = 0; i + 1 < headers.size(); i += 2)
                m.headers.push_back({headers[i].get<std::string>(),
                                     headers[i + 1].is_string() ? headers[i + 1].get<std::string>()
                                                                : std::string()});
            if (m.key == plain_id) plain_seen = true;
            if (m.key != trigger_id || !m.value) continue;
            json value = json::parse(*m.value);
            published[value.value("id", "")] = value;
            header_problems[value.value("id", "")] = cloud_event_header_problems(m);
        }
        if (published.size() >= fired.size() && plain_seen) break;
        std::this_thread::sleep_for(500ms);
    }
    INFO("kcat stderr: " << last_err);
    CHECK(plain_seen);  // a trigger without a target is published too
    REQUIRE(published.size() == fired.size());
    for (const auto& [event_id, value] : published) {
        INFO(value.dump());
        CHECK(header_problems[event_id] == "");  // the CloudEvents Kafka headers, as kcat sees them
        CHECK(fired.count(event_id) == 1);
        CHECK(schema_problems("etp.event.logged", value) == "");
        CHECK(value["type"] == "etp.event.logged");
        CHECK(value["subject"] == trigger_id);
        CHECK(value == webhook_bodies[event_id]);  // the same CloudEvent as the webhook body
    }
}

TEST_CASE("a slow target does not hold up a fast target's deliveries") {
    WebhookReceiver slow;
    WebhookReceiver fast;  // another origin (port)
    slow.respond("/slow", [](const ReceivedRequest&) { return Reply{200, {}, "ok", 2s}; });
    const json slow_trigger = create_webhook_trigger(
        "webhook slow", slow.url("/slow"), {{"timeout_ms", 10000}}, {{"max_attempts", 1}});
    const json fast_trigger = create_webhook_trigger("webhook fast", fast.url("/fast"));

    // Baseline: how long a delivery takes here with nothing in the way.
    const auto baseline_fired = std::chrono::steady_clock::now();
    fire(fast_trigger["id"], {{"baseline", true}});
    auto got = fast.wait_for_count("/fast", 1, 30s);
    REQUIRE(got.size() == 1);
    const auto baseline = millis(got[0].received_steady - baseline_fired);

    // More slow events than the dispatcher has workers (32): 8 at a time take 2 s each.
    constexpr int kSlow = 40;
    for (int n = 0; n < kSlow; ++n) fire(slow_trigger["id"], {{"n", n}});
    REQUIRE(slow.wait_for_count("/slow", 8, 30s).size() >= 8);

    constexpr int kFast = 5;
    std::map<std::string, std::chrono::steady_clock::time_point> fired_at;
    for (int n = 0; n < kFast; ++n) {
        const std::string id = fire(fast_trigger["id"], {{"n", n}});
        fired_at[id] = std::chrono::steady_clock::now();
    }
    got = fast.wait_for_count("/fast", 1 + kFast, 30s);
    const std::size_t slow_in_flight = slow.in_flight();
    const std::size_t slow_received = slow.count();
    INFO("baseline delivery " << baseline << " ms; slow target: " << slow_received << " received, "
                              << slow_in_flight << " in flight");
    REQUIRE(got.size() == 1 + kFast);
    for (std::size_t i = 1; i < got.size(); ++i) {
        const std::string id = got[i].header("webhook-id").value_or("");
        REQUIRE(fired_at.count(id) == 1);
        const auto latency = millis(got[i].received_steady - fired_at[id]);
        INFO("fast event " << id << " arrived " << latency << " ms after its 202");
        CHECK(latency < 1500);
    }
    CHECK(slow_in_flight > 0);         // the slow target was still busy meanwhile
    CHECK(slow_received < kSlow);      // and the fast events did not wait for all of it
    CHECK(slow.max_in_flight() <= 8);  // DELIVERY_PER_TARGET
}

TEST_CASE("target.body data sends the event alone, a template the receiver's own shape, signed") {
    WebhookReceiver receiver;
    const json data_trigger =
        create_webhook_trigger("webhook body data", receiver.url("/data"), {{"body", "data"}});
    // A Discord-style message; other placeholders keep their JSON types.
    const json tmpl = {
        {"content", "{{trigger.name}} fired: {{payload.amount}} {{payload.currency}}"},
        {"amount", "{{payload.amount}}"},
        {"missing", "{{payload.nothing}}"},
        {"event", {{"id", "{{id}}"}, {"at", "{{triggered_at}}"}}}};
    const json template_trigger =
        create_webhook_trigger("webhook body template", receiver.url("/discord"), {{"body", tmpl}});
    INFO(template_trigger.dump());
    CHECK(template_trigger["target"]["body"] == tmpl);
    CHECK(json::parse(api()
                          .get("/api/v1/triggers/" + template_trigger["id"].get<std::string>())
                          ->body)["target"]["body"] == tmpl);

    const json payload = {{"amount", 12.5}, {"currency", "EUR"}};
    const std::string data_event = fire(data_trigger["id"], payload);
    const std::string template_event = fire(template_trigger["id"], payload);

    auto data_got = receiver.wait_for_count("/data", 1, 30s);
    REQUIRE(data_got.size() == 1);
    INFO(data_got[0].body);
    CHECK(media_type(data_got[0].header("content-type")) == "application/json");
    CHECK(data_got[0].header("webhook-id") == data_event);
    CHECK(verify_webhook(data_got[0], {data_trigger["target"]["secret"].get<std::string>()}).ok);
    json shown = get_event(data_event);
    shown.erase("deliveries");
    CHECK(json::parse(data_got[0].body) == shown);

    auto got = receiver.wait_for_count("/discord", 1, 30s);
    REQUIRE(got.size() == 1);
    INFO(got[0].body);
    CHECK(media_type(got[0].header("content-type")) == "application/json");
    CHECK(got[0].header("webhook-id") == template_event);
    const auto signature =
        verify_webhook(got[0], {template_trigger["target"]["secret"].get<std::string>()});
    INFO("signature: " << signature.problem);
    CHECK(signature.ok);
    json body = json::parse(got[0].body);  // not const: a missing key is null, not an abort
    CHECK(body["content"] == "webhook body template fired: 12.5 EUR");
    CHECK(body["amount"] == 12.5);
    CHECK(body["missing"].is_null());
    CHECK(body["event"]["id"] == template_event);
    CHECK(body["event"]["at"] == get_event(template_event)["triggered_at"]);
    CHECK(wait_event(template_event, delivery_is(1, "succeeded"))["deliveries"][0]["status"] ==
          "succeeded");
}

TEST_CASE("a body template with an unknown placeholder is a 400 naming its string") {
    auto res = api().post("/api/v1/triggers",
                          {{"name", "webhook bad template"},
                           {"type", "api"},
                           {"target",
                            {{"url", "https://example.com/hook"},
                             {"body", {{"embeds", {{{"title", "{{trigger.secret}}"}}}}}}}}});
    REQUIRE(res);
    INFO(res->body);
    CHECK(res->status == 400);
    const json problem = json::parse(res->body);
    REQUIRE(problem["errors"].size() == 1);
    CHECK(problem["errors"][0]["pointer"] == "/target/body/embeds/0/title");
    CHECK(problem["errors"][0]["message"].get<std::string>().find("{{trigger.secret}}") !=
          std::string::npos);
}

TEST_CASE("a new trigger without retry gets the standard schedule and a 15 s timeout") {
    const json created = create_trigger({{"name", "webhook standard retry"},
                                         {"type", "api"},
                                         {"target", {{"url", "https://example.com/hook"}}}});
    INFO(created.dump());
    const json shown =
        json::parse(api().get("/api/v1/triggers/" + created["id"].get<std::string>())->body);
    CHECK(shown["retry"] == json::parse(R"({"max_attempts": 8,
        "schedule": [5, 300, 1800, 7200, 18000, 36000, 36000]})"));
    CHECK(shown["target"]["timeout_ms"] == 15000);
    CHECK(shown["target"]["body"] == "cloudevent");
}

TEST_CASE("a retry schedule spaces the attempts by its waits, then the delivery is dead") {
    WebhookReceiver receiver;
    receiver.respond("/down", [](const ReceivedRequest&) { return Reply{503, {}, "down"}; });
    const json created = create_trigger({{"name", "webhook schedule"},
                                         {"type", "api"},
                                         {"target", {{"url", receiver.url("/down")}}},
                                         {"retry", {{"schedule", {1, 3}}}}});
    CHECK(created["retry"] == json::parse(R"({"max_attempts": 3, "schedule": [1, 3]})"));
    const std::string event_id = fire(created["id"], json::object());

    auto got = receiver.wait_for_count("/down", 3, 30s);
    REQUIRE(got.size() >= 3);
    const auto first_gap = millis(got[1].received_steady - got[0].received_steady);
    const auto second_gap = millis(got[2].received_steady - got[1].received_steady);
    INFO("gaps: " << first_gap << " ms, " << second_gap << " ms");
    // 1 s and 3 s, each ±20 %, plus up to a poll interval (500 ms) and the attempt itself.
    CHECK(first_gap >= 780);
    CHECK(first_gap <= 2500);
    CHECK(second_gap >= 2380);
    CHECK(second_gap <= 4500);

    const json event = wait_event(event_id, delivery_is(1, "dead"));
    INFO(event.dump(2));
    CHECK(event["deliveries"][0]["status"] == "dead");
    CHECK(event["deliveries"][0]["attempt_count"] == 3);
    std::this_thread::sleep_for(2s);
    CHECK(receiver.requests("/down").size() == 3);
}

TEST_CASE("410 Gone disables the trigger's target until a PUT; nothing is sent meanwhile") {
    WebhookReceiver receiver;
    std::atomic<bool> gone{true};
    receiver.respond("/gone", [&gone](const ReceivedRequest&) {
        return gone ? Reply{410, {}, "gone"} : Reply{};
    });
    const json definition = {{"name", "webhook gone"},
                             {"type", "api"},
                             {"target", {{"url", receiver.url("/gone")}}},
                             {"retry", {{"schedule", {1, 1}}}}};
    const json created = create_trigger(definition);
    const std::string trigger_id = created["id"];
    CHECK_FALSE(created["target"].contains("disabled"));

    const std::string first = fire(trigger_id, {{"n", 1}});
    const json event = wait_event(first, delivery_is(1, "dead"));
    INFO(event.dump(2));
    CHECK(event["deliveries"][0]["attempt_count"] == 1);
    CHECK(event["deliveries"][0]["attempts"][0]["http_status"] == 410);

    json shown;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    do {
        shown = json::parse(api().get("/api/v1/triggers/" + trigger_id)->body);
        if (shown["target"].contains("disabled")) break;
        std::this_thread::sleep_for(100ms);
    } while (std::chrono::steady_clock::now() < deadline);
    INFO(shown.dump(2));
    REQUIRE(shown["target"].contains("disabled"));
    CHECK(shown["target"]["disabled"]["reason"] == "410 Gone from " + receiver.url("/gone"));
    CHECK(shown["target"]["disabled"]["at"].is_string());

    // Logged, but not delivered.
    const std::string second = fire(trigger_id, {{"n", 2}});
    wait_event(second, [](const json&) { return true; });
    std::this_thread::sleep_for(2s);
    CHECK(get_event(second)["deliveries"].empty());
    CHECK(receiver.requests("/gone").size() == 1);

    // A PUT clears it; the next event is delivered again.
    gone = false;
    auto put = api().raw().Put(("/api/v1/triggers/" + trigger_id).c_str(), definition.dump(),
                               "application/json");
    REQUIRE(put);
    INFO(put->body);
    REQUIRE(put->status == 200);
    CHECK_FALSE(json::parse(put->body)["target"].contains("disabled"));
    const std::string third = fire(trigger_id, {{"n", 3}});
    auto got = receiver.wait_for_count("/gone", 2, 30s);
    REQUIRE(got.size() == 2);
    CHECK(got[1].header("webhook-id") == third);
}
