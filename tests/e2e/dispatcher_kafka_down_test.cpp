// Guarantee: a Kafka outage never stops the dispatcher from recording webhook attempts. A
// delivery that dies while the broker is away is recorded dead at once, its etp.deliveries.dead
// message waits in the outbox (kafka_outbox) and is published when the broker is back; a retry
// that succeeds meanwhile is recorded too, so its lease never lapses and no other dispatcher
// sends it again. (Before the outbox the recorder published dead messages first and retried that
// forever, holding every outcome - and the lease renewals - behind it.)
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "etp/bus/consumer.hpp"
#include "etp/testing/webhook_receiver.hpp"
#include "platform.hpp"

using namespace std::chrono_literals;
using etp::testing::ReceivedRequest;
using etp::testing::Reply;
using etp::testing::WebhookReceiver;
using nlohmann::json;

namespace {

std::string delivery_status(const std::string& event_id) {
    auto rows = etp::e2e::db().exec(
        "SELECT status FROM deliveries WHERE event_id = $1::uuid AND number = 1", {event_id});
    return rows.rows() == 1 ? std::string(rows.text(0, 0)) : "";
}

long long outbox_size() {
    return etp::e2e::db().exec("SELECT count(*) FROM kafka_outbox").integer(0, 0);
}

std::optional<etp::bus::Message> find_message(const std::string& bootstrap,
                                              const std::string& topic, const std::string& key,
                                              std::chrono::milliseconds timeout) {
    etp::bus::ConsumerConfig config;
    config.brokers = bootstrap;
    config.group_id = "outbox-test-" +
                      std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
    config.topics = {topic};
    etp::bus::Consumer consumer(config);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline)
        for (auto& m : consumer.poll(500, 500ms))
            if (m.key && *m.key == key) return m;
    return std::nullopt;
}

}  // namespace

TEST_CASE("attempts are recorded while Kafka is down; a dead delivery's message follows later") {
    etp::testing::KafkaBroker broker;  // of its own: the test stops it
    const etp::testing::Env env = {{"KAFKA_BROKERS", broker.bootstrap()}};
    auto gateway = etp::e2e::make_service("api-gateway", env);
    auto dispatcher = etp::e2e::make_service("dispatcher", env);
    for (auto* s : {&gateway, &dispatcher}) {
        const bool ready = s->start_and_wait();
        INFO(s->process->output());
        REQUIRE(ready);
    }
    etp::e2e::Api api(gateway.http_port);

    // Both targets fail (503) until the broker is down; then one refuses the event for good
    // (400: the delivery dies) and the other takes it (200).
    std::atomic<bool> switched{false};
    WebhookReceiver receiver;
    receiver.respond("/dies", [&](const ReceivedRequest&) {
        return switched ? Reply{400, {}, "no"} : Reply{503, {}, "later"};
    });
    receiver.respond("/recovers", [&](const ReceivedRequest&) {
        return switched ? Reply{200, {}, "thanks"} : Reply{503, {}, "later"};
    });
    auto create = [&](const std::string& name, const std::string& path) {
        auto res = api.post(
            "/api/v1/triggers",
            {{"name", name},
             {"type", "api"},
             {"target", {{"url", receiver.url(path)}}},
             {"retry",
              {{"max_attempts", 50}, {"initial_backoff_ms", 300}, {"max_backoff_ms", 600}}}});
        REQUIRE(res);
        INFO(res->body);
        REQUIRE(res->status == 201);
        return json::parse(res->body)["id"].get<std::string>();
    };
    auto fire = [&](const std::string& trigger_id) {
        auto res = api.post("/api/v1/triggers/" + trigger_id + "/fire", {{"n", 1}});
        REQUIRE(res);
        INFO(res->body);
        REQUIRE(res->status == 202);
        return json::parse(res->body)["event_id"].get<std::string>();
    };
    const std::string dies = fire(create("outbox dies", "/dies"));
    const std::string recovers = fire(create("outbox recovers", "/recovers"));
    REQUIRE(etp::e2e::eventually(
        [&] {
            return !receiver.requests("/dies").empty() && !receiver.requests("/recovers").empty();
        },
        30s));

    broker.stop();
    switched = true;

    // Recorded while the broker is away: dead, and succeeded.
    CHECK(etp::e2e::eventually([&] { return delivery_status(dies) == "dead"; }, 20s));
    CHECK(etp::e2e::eventually([&] { return delivery_status(recovers) == "succeeded"; }, 20s));
    INFO(dispatcher.process->output());
    CHECK(outbox_size() == 1);
    // The success is sent once: nothing follows the 200.
    const auto sent = receiver.requests("/recovers").size();
    std::this_thread::sleep_for(3s);
    CHECK(receiver.requests("/recovers").size() == sent);

    // The broker is back: the dead delivery's message is published and leaves the outbox.
    broker.restart();
    const auto dead = find_message(broker.bootstrap(), "etp.deliveries.dead", dies, 90s);
    REQUIRE(dead);
    REQUIRE(dead->value);
    const json value = json::parse(*dead->value);
    CHECK(value["type"] == "etp.delivery.dead");
    CHECK(value["data"]["event_id"] == dies);
    CHECK(value["data"]["last_http_status"] == 400);
    CHECK(etp::e2e::eventually([&] { return outbox_size() == 0; }, 30s));
    CHECK(dispatcher.process->terminate(10s) == 0);
    CHECK(gateway.process->terminate(10s) == 0);
}
