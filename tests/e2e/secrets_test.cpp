// Webhook secrets kept secret (issue 22), through the real binaries: stored encrypted
// (trigger_secrets, deliveries) and still signing what a receiver verifies; a test of an
// unsaved definition keeps its secret off etp.trigger.fired; target headers and URL user info
// hidden from read-only keys and on etp.trigger.changes.
#include <catch2/catch.hpp>

#include "etp/testing/webhook_receiver.hpp"
#include "etp/testing/webhook_verifier.hpp"
#include "platform.hpp"

using namespace std::chrono_literals;
using etp::e2e::api;
using etp::e2e::body_of;
using etp::e2e::db;
using etp::e2e::platform;
using etp::testing::verify_webhook;
using etp::testing::WebhookReceiver;
using nlohmann::json;

namespace {

// The part of a "whsec_" secret that is the key (base64), as it would appear if stored.
std::string key_part(const std::string& secret) { return secret.substr(6, 16); }

// Every message of `topic` whose value or any header mentions `text`, and the count read.
std::pair<int, int> mentions(const std::string& topic, const std::string& text,
                             const std::string& also_required) {
    int found = 0;
    int read = 0;
    bool saw_required = false;
    for (const auto& m : etp::testing::read_topic(etp::testing::KafkaBroker::shared().bootstrap(),
                                                  topic, 1'000'000, 8s)) {
        ++read;
        std::string bytes = m.key.value_or("") + m.value.value_or("");
        for (const auto& h : m.headers) bytes += h.key + h.value;
        if (bytes.find(also_required) != std::string::npos) saw_required = true;
        if (bytes.find(text) != std::string::npos) ++found;
    }
    REQUIRE(saw_required);  // the message looked for was read
    return {found, read};
}

httplib::Result get_with(const std::string& path, const std::string& key) {
    httplib::Client client("127.0.0.1", platform().gateway.http_port);
    return client.Get(path.c_str(), {{"X-API-Key", key}});
}

}  // namespace

TEST_CASE("a trigger's secret is stored encrypted and still signs its webhooks") {
    WebhookReceiver receiver;
    const std::string secret = etp::testing::make_secret(32);
    auto res = api().post("/api/v1/triggers",
                          {{"name", "encrypted secret"},
                           {"type", "api"},
                           {"target", {{"url", receiver.url("/enc")}, {"secret", secret}}}});
    REQUIRE(res);
    INFO(res->body);
    REQUIRE(res->status == 201);
    const std::string id = body_of(res)["id"];

    auto row =
        db().exec("SELECT key_id, secret, prefix FROM trigger_secrets WHERE trigger_id = $1", {id});
    REQUIRE(row.rows() == 1);
    CHECK(row.text(0, "key_id") == etp::e2e::kSecretKeyId);
    CHECK(std::string(row.text(0, "secret")).find(key_part(secret)) == std::string::npos);
    CHECK(row.text(0, "prefix") == secret.substr(0, 10) + "…");

    // A rotated-in secret is stored the same way.
    res = api().post("/api/v1/triggers/" + id + "/secrets", {{"expire_previous_after_seconds", 0}});
    REQUIRE(res);
    REQUIRE(res->status == 201);
    const std::string rotated = body_of(res)["secret"];
    CHECK(db().exec("SELECT count(*) FROM trigger_secrets WHERE trigger_id = $1 AND (key_id <> $2 "
                    "OR strpos(secret, $3) > 0 OR strpos(secret, $4) > 0)",
                    {id, etp::e2e::kSecretKeyId, key_part(secret), key_part(rotated)})
              .integer(0, 0) == 0);

    res = api().post("/api/v1/triggers/" + id + "/fire", {{"n", 1}});
    REQUIRE(res);
    REQUIRE(res->status == 202);
    auto got = receiver.wait_for_count("/enc", 1, 30s);
    REQUIRE(got.size() == 1);
    auto check = verify_webhook(got[0], {rotated});
    INFO(check.problem);
    CHECK(check.ok);
}

TEST_CASE("a test of an unsaved definition keeps its secret off etp.trigger.fired, still signed") {
    WebhookReceiver receiver;
    const std::string secret = etp::testing::make_secret(32);
    json definition = {{"name", "draft with secret"},
                       {"type", "api"},
                       {"target", {{"url", receiver.url("/draft")}, {"secret", secret}}}};
    auto res = api().post("/api/v1/triggers/test", {{"trigger", definition}});
    REQUIRE(res);
    INFO(res->body);
    REQUIRE(res->status == 202);
    const std::string event_id = body_of(res)["event_id"];

    auto got = receiver.wait_for_count("/draft", 1, 30s);
    REQUIRE(got.size() == 1);
    CHECK(got[0].header("webhook-id") == event_id);
    auto check = verify_webhook(got[0], {secret});
    INFO(check.problem);
    CHECK(check.ok);

    // Not in any message of the topic, not even its key part.
    auto [found, read] = mentions("etp.trigger.fired", key_part(secret), event_id);
    INFO("messages read: " << read);
    CHECK(found == 0);
    // Stored encrypted with the delivery; the staging row is gone.
    auto row =
        db().exec("SELECT target_secret_key_id, target_secret FROM deliveries WHERE event_id = $1",
                  {event_id});
    REQUIRE(row.rows() == 1);
    CHECK(row.text(0, 0) == etp::e2e::kSecretKeyId);
    CHECK(std::string(row.text(0, 1)).find(key_part(secret)) == std::string::npos);
    CHECK(db().exec("SELECT count(*) FROM test_target_secrets WHERE event_id = $1", {event_id})
              .integer(0, 0) == 0);

    // A redelivery is signed with the same secret.
    res = api().post("/api/v1/events/" + event_id + "/redeliver", json::object());
    REQUIRE(res);
    REQUIRE(res->status == 202);
    got = receiver.wait_for_count("/draft", 2, 30s);
    REQUIRE(got.size() == 2);
    check = verify_webhook(got[1], {secret});
    INFO(check.problem);
    CHECK(check.ok);
}

TEST_CASE("target headers and URL user info: hidden from read-only keys and on the topic") {
    const std::string url = "http://hook-user:pa55-word-x@127.0.0.1:9/hidden";
    auto res = api().post(
        "/api/v1/triggers",
        {{"name", "credentials in target"},
         {"type", "api"},
         {"target", {{"url", url}, {"headers", {{"Authorization", "Bearer receiver-tok-42"}}}}}});
    REQUIRE(res);
    INFO(res->body);
    REQUIRE(res->status == 201);
    const std::string id = body_of(res)["id"];
    CHECK(body_of(res)["target"]["headers"]["Authorization"] == "Bearer receiver-tok-42");

    const std::string read_key =
        body_of(api().post("/api/v1/api-keys", {{"name", "reader"}, {"scopes", {"read"}}}))["key"];
    const std::string write_key =
        body_of(api().post("/api/v1/api-keys", {{"name", "writer"}, {"scopes", {"write"}}}))["key"];

    for (const std::string& path : {"/api/v1/triggers/" + id, std::string("/api/v1/triggers")}) {
        INFO(path);
        auto as_reader = get_with(path, read_key);
        REQUIRE(as_reader);
        REQUIRE(as_reader->status == 200);
        CHECK(as_reader->body.find("receiver-tok-42") == std::string::npos);
        CHECK(as_reader->body.find("pa55-word-x") == std::string::npos);
        auto as_writer = get_with(path, write_key);
        REQUIRE(as_writer);
        REQUIRE(as_writer->status == 200);
        CHECK(as_writer->body.find("receiver-tok-42") != std::string::npos);
        CHECK(as_writer->body.find("pa55-word-x") != std::string::npos);
    }
    json shown = body_of(get_with("/api/v1/triggers/" + id, read_key));
    CHECK(shown["target"]["headers"]["Authorization"] == "********");
    CHECK(shown["target"]["url"] == "http://hook-user:********@127.0.0.1:9/hidden");
    CHECK(body_of(api().get("/api/v1/triggers/" + id))["target"]["url"] == url);  // admin

    for (const char* secret_text : {"receiver-tok-42", "pa55-word-x"}) {
        auto [found, read] = mentions("etp.trigger.changes", secret_text, id);
        INFO(secret_text << ", messages read: " << read);
        CHECK(found == 0);
    }
}
