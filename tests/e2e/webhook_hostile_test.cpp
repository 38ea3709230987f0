// Webhook targets that misbehave, through the real binaries: what the healthy targets and the
// event log show while they do. 200 targets that accept and never answer do not delay a healthy
// target; an answer trickled a byte a second ends at timeout_ms; endless header blocks and a
// 100 MiB body meet their limits; https targets are checked against a private CA given as
// DELIVERY_CA_FILE and against their host name. Stopping the dispatcher while hundreds of
// attempts hang ends them at once and releases their deliveries.
//
// The gateway and dispatcher are this file's own (the dispatcher trusts the test CA), started
// on first use; the TLS case restarts the dispatcher without the CA file.
#include <catch2/catch.hpp>
#include <map>
#include <thread>

#include "etp/testing/hostile_receiver.hpp"
#include "etp/testing/webhook_receiver.hpp"
#include "platform.hpp"

using namespace std::chrono_literals;
using etp::e2e::Api;
using etp::testing::HostileReceiver;
using etp::testing::Hostility;
using etp::testing::WebhookReceiver;
using nlohmann::json;

namespace {

struct Hostile {
    etp::testing::TestPki pki = etp::testing::make_test_pki();
    etp::e2e::Service gateway = etp::e2e::make_service("api-gateway");
    etp::e2e::Service dispatcher;

    Hostile() {
        if (!gateway.start_and_wait())
            throw std::runtime_error("api-gateway did not become ready:\n" +
                                     gateway.process->output());
        start_dispatcher(true);
    }

    void start_dispatcher(bool trust_test_ca, etp::testing::Env env = {}) {
        if (trust_test_ca) env["DELIVERY_CA_FILE"] = pki.ca_file;
        dispatcher = etp::e2e::make_service("dispatcher", env);
        if (!dispatcher.start_and_wait())
            throw std::runtime_error("dispatcher did not become ready:\n" +
                                     dispatcher.process->output());
    }
};

Hostile& hostile() {
    static Hostile running;
    return running;
}

Api api() { return Api(hostile().gateway.http_port); }

json create_trigger(const std::string& name, const std::string& url, const json& target,
                    int max_attempts) {
    json definition = {
        {"name", name},
        {"type", "api"},
        {"target", {{"url", url}}},
        {"retry",
         {{"max_attempts", max_attempts}, {"initial_backoff_ms", 50}, {"max_backoff_ms", 200}}}};
    definition["target"].update(target);
    auto res = api().post("/api/v1/triggers", definition);
    REQUIRE(res);
    INFO(res->body);
    REQUIRE(res->status == 201);
    return json::parse(res->body);
}

std::string fire(const std::string& trigger_id, const json& payload) {
    auto res = api().post("/api/v1/triggers/" + trigger_id + "/fire", payload);
    REQUIRE(res);
    INFO(res->body);
    REQUIRE(res->status == 202);
    return json::parse(res->body)["event_id"];
}

// Polls GET /events/{id} until its first delivery has `status` (or the timeout passes).
json wait_delivery(const std::string& event_id, const std::string& status,
                   std::chrono::milliseconds timeout = 60s) {
    json event;
    etp::e2e::eventually(
        [&] {
            auto res = api().get("/api/v1/events/" + event_id);
            if (!res || res->status != 200) return false;
            event = json::parse(res->body);
            return event.contains("deliveries") && !event["deliveries"].empty() &&
                   event["deliveries"][0].value("status", "") == status;
        },
        timeout);
    return event;
}

std::int64_t millis(std::chrono::steady_clock::duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

}  // namespace

TEST_CASE("200 targets that never answer do not delay a healthy target") {
    constexpr std::size_t kTargets = 200;
    constexpr int kEventsEach = 3;
    HostileReceiver silent(Hostility::kSilent, kTargets);
    WebhookReceiver healthy;
    const json healthy_trigger =
        create_trigger("healthy", healthy.url("/healthy"), json::object(), 5);
    std::vector<std::string> hung_events;
    for (std::size_t i = 0; i < kTargets; ++i) {
        const json t = create_trigger("never answers " + std::to_string(i), silent.url(i, "/hang"),
                                      {{"timeout_ms", 60000}}, 1);
        for (int n = 0; n < kEventsEach; ++n) hung_events.push_back(fire(t["id"], {{"n", n}}));
    }
    // Every hung delivery is in flight at once: kEventsEach per target is within
    // DELIVERY_PER_TARGET, and no thread is held by any of them.
    const std::size_t hung = kTargets * kEventsEach;
    REQUIRE(silent.wait_until([&] { return silent.request_count() >= hung; }, 60s));
    CHECK(silent.open_connections() >= hung);

    std::map<std::string, std::chrono::steady_clock::time_point> fired_at;
    for (int n = 0; n < 5; ++n) {
        const std::string id = fire(healthy_trigger["id"], {{"n", n}});
        fired_at[id] = std::chrono::steady_clock::now();
        auto got = healthy.wait_for_count("/healthy", static_cast<std::size_t>(n + 1), 10s);
        REQUIRE(got.size() == static_cast<std::size_t>(n + 1));
        const auto latency = millis(got.back().received_steady - fired_at[id]);
        INFO("healthy webhook " << n << " arrived " << latency << " ms after its 202");
        CHECK(got.back().header("webhook-id") == id);
        CHECK(latency < 1000);
    }
    const json delivered = wait_delivery(fired_at.begin()->first, "succeeded", 10s);
    INFO(delivered.dump(2));
    CHECK(delivered["deliveries"][0]["attempts"][0]["http_status"] == 200);

    // A hung delivery is pending with no attempt recorded: it is still in flight.
    auto res = api().get("/api/v1/events/" + hung_events.front());
    REQUIRE(res);
    const json hung_event = json::parse(res->body);
    INFO(hung_event.dump(2));
    REQUIRE(hung_event["deliveries"].size() == 1);
    CHECK(hung_event["deliveries"][0]["status"] == "pending");
    CHECK(hung_event["deliveries"][0]["attempts"].empty());
    CHECK(silent.open_connections() >= hung);  // still held, 60 s timeout

    // Stopping the dispatcher ends the hung attempts at once and releases their deliveries
    // (due now, for whoever runs next) rather than leaving them leased.
    auto& h = hostile();
    const auto stop_started = std::chrono::steady_clock::now();
    const int code = h.dispatcher.process->terminate(20s);
    const auto stop_took = millis(std::chrono::steady_clock::now() - stop_started);
    INFO("dispatcher stopped in " << stop_took << " ms with code " << code);
    CHECK(code == 0);
    CHECK(stop_took < 8000);
    CHECK(silent.wait_until([&] { return silent.open_connections() == 0; }, 5s));
    std::string ids = "{";
    for (const auto& id : hung_events) ids += (ids.size() > 1 ? "," : "") + id;
    ids += "}";
    auto rows = etp::e2e::db().exec(
        "SELECT count(*) FILTER (WHERE status = 'pending' AND attempts = 0 AND "
        "next_attempt_at <= now() + interval '2 seconds') AS released, count(*) AS total "
        "FROM deliveries WHERE event_id = ANY($1::uuid[])",
        {ids});
    CHECK(rows.integer(0, "total") == static_cast<std::int64_t>(hung));
    CHECK(rows.integer(0, "released") == static_cast<std::int64_t>(hung));

    // The next dispatcher takes them up again at once.
    h.start_dispatcher(true);
    CHECK(silent.wait_until([&] { return silent.request_count() >= 2 * hung; }, 60s));
}

TEST_CASE(
    "DELIVERY_MAX_IN_FLIGHT bounds the attempts in flight, DELIVERY_PER_TARGET each target's") {
    auto& h = hostile();
    REQUIRE(h.dispatcher.process->terminate(20s) == 0);
    h.start_dispatcher(true, {{"DELIVERY_MAX_IN_FLIGHT", "10"}, {"DELIVERY_PER_TARGET", "3"}});
    {
        constexpr std::size_t kTargets = 6;
        HostileReceiver silent(Hostility::kSilent, kTargets);
        for (std::size_t i = 0; i < kTargets; ++i) {
            const json t = create_trigger("bounded " + std::to_string(i), silent.url(i, "/b"),
                                          {{"timeout_ms", 60000}}, 1);
            for (int n = 0; n < 5; ++n) fire(t["id"], {{"n", n}});
        }
        REQUIRE(silent.wait_until([&] { return silent.request_count() >= 10; }, 30s));
        std::this_thread::sleep_for(1500ms);  // room for any attempt beyond the bounds
        const auto requests = silent.requests();
        CHECK(requests.size() == 10);
        std::map<int, int> per_port;
        for (const auto& r : requests) ++per_port[r.port];
        for (const auto& [port, n] : per_port) {
            INFO("port " << port);
            CHECK(n <= 3);
        }
        CHECK(h.dispatcher.process->terminate(20s) == 0);
    }
    h.start_dispatcher(true);
}

TEST_CASE("an answer trickled a byte a second ends at timeout_ms") {
    HostileReceiver trickle(Hostility::kTrickle);
    const json t = create_trigger("trickle", trickle.url(0, "/t"), {{"timeout_ms", 2000}}, 1);
    const std::string event_id = fire(t["id"], json::object());
    const json event = wait_delivery(event_id, "dead");
    INFO(event.dump(2));
    REQUIRE(event["deliveries"][0]["attempts"].size() == 1);
    const json& attempt = event["deliveries"][0]["attempts"][0];
    CHECK(attempt["http_status"].is_null());
    CHECK(attempt["error"] == "timeout after 2000 ms");
    CHECK(attempt["latency_ms"].get<int>() >= 1950);
    CHECK(attempt["latency_ms"].get<int>() < 3000);
}

TEST_CASE("an endless header block is refused and recorded") {
    HostileReceiver endless(Hostility::kEndlessHeaders);
    const json t =
        create_trigger("endless headers", endless.url(0, "/h"), {{"timeout_ms", 30000}}, 1);
    const std::string event_id = fire(t["id"], json::object());
    const json event = wait_delivery(event_id, "dead");
    INFO(event.dump(2));
    REQUIRE(event["deliveries"][0]["attempts"].size() == 1);
    const json& attempt = event["deliveries"][0]["attempts"][0];
    CHECK(attempt["http_status"].is_null());
    CHECK(attempt["error"] == "request failed: read: response header block over 16 KiB");
    CHECK(attempt["latency_ms"].get<int>() < 5000);
    auto connections = endless.connections();
    REQUIRE(connections.size() == 1);
    CHECK(endless.wait_until([&] { return endless.connections()[0].closed_by_client; }, 5s));
}

TEST_CASE("a 100 MiB answer: the status counts, its head is kept, the connection is dropped") {
    HostileReceiver huge(Hostility::kHugeBody);
    const json t = create_trigger("huge body", huge.url(0, "/big"), {{"timeout_ms", 30000}}, 3);
    const std::string first = fire(t["id"], {{"n", 1}});
    const json event = wait_delivery(first, "succeeded");
    INFO(event.dump(2));
    REQUIRE(event["deliveries"][0]["attempts"].size() == 1);
    const json& attempt = event["deliveries"][0]["attempts"][0];
    CHECK(attempt["http_status"] == 200);
    std::string head;
    while (head.size() < 1024) head += "0123456789";
    head.resize(1024);
    CHECK(attempt["response_body"] == head);
    REQUIRE(huge.wait_until(
        [&] {
            auto c = huge.connections();
            return !c.empty() && c[0].closed_by_client;
        },
        10s));
    const auto c = huge.connections();
    INFO("the receiver wrote " << c[0].answer_bytes << " bytes before the dispatcher hung up");
    CHECK(c[0].answer_bytes < 16 * 1024 * 1024);  // far from 100 MiB: kernel buffers at most

    // The next webhook comes on a new connection: the cut one was not reused.
    const std::string second = fire(t["id"], {{"n", 2}});
    wait_delivery(second, "succeeded");
    CHECK(huge.connections().size() == 2);
    auto requests = huge.requests();
    REQUIRE(requests.size() == 2);
    CHECK(requests[1].connection == 1);
    CHECK(requests[1].webhook_id == second);
}

TEST_CASE("https targets: a private CA from DELIVERY_CA_FILE, and the host name checked") {
    auto& h = hostile();
    HostileReceiver good(Hostility::kAnswerOk, 1, h.pki.localhost);
    HostileReceiver wrong(Hostility::kAnswerOk, 1, h.pki.wrong_name);

    // With the CA file: accepted.
    const json trusted =
        create_trigger("tls localhost", good.url(0, "/tls", "localhost"), json::object(), 1);
    const std::string ok_event = fire(trusted["id"], {{"tls", true}});
    const json ok = wait_delivery(ok_event, "succeeded");
    INFO(ok.dump(2));
    CHECK(ok["deliveries"][0]["attempts"][0]["http_status"] == 200);
    REQUIRE(good.request_count() == 1);
    CHECK(good.requests()[0].webhook_id == ok_event);

    // A certificate from the same CA for another name: refused.
    const json mismatch =
        create_trigger("tls wrong name", wrong.url(0, "/tls", "localhost"), json::object(), 1);
    const std::string mismatch_event = fire(mismatch["id"], json::object());
    const json refused = wait_delivery(mismatch_event, "dead");
    INFO(refused.dump(2));
    CHECK(refused["deliveries"][0]["attempts"][0]["http_status"].is_null());
    CHECK(refused["deliveries"][0]["attempts"][0]["error"] ==
          "request failed: TLS handshake: certificate verify failed: hostname mismatch");
    CHECK(wrong.request_count() == 0);

    // A dispatcher that trusts only the system's CAs refuses the private one.
    CHECK(h.dispatcher.process->terminate(20s) == 0);
    h.start_dispatcher(false);
    const std::string untrusted_event = fire(trusted["id"], {{"tls", false}});
    const json untrusted = wait_delivery(untrusted_event, "dead");
    INFO(untrusted.dump(2));
    const std::string error = untrusted["deliveries"][0]["attempts"][0].value("error", "");
    CHECK(error.find("request failed: TLS handshake: certificate verify failed") == 0);
    CHECK(good.request_count() == 1);

    // A CA file that cannot be loaded is a configuration error at startup.
    auto env = etp::e2e::base_env();
    env["DELIVERY_CA_FILE"] = h.pki.dir + "/missing.pem";
    auto result = etp::testing::run_command(etp::e2e::binary("dispatcher"), {}, env, 30s);
    CHECK(result.exit_code == 2);
    CHECK((result.out + result.err).find("DELIVERY_CA_FILE") != std::string::npos);
}
