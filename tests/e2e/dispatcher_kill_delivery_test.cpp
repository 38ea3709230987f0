// Guarantee: webhooks are delivered at least once, and a repeat carries the same webhook-id so
// receivers can drop it. 10,000 events are fired through the gateway by concurrent clients to
// api triggers whose target is a local receiver; the dispatcher is killed with SIGKILL while it
// delivers (and the clients still fire) and started again, with a short lease so the deliveries
// it had in flight are taken up again soon. In the end the log holds each event once, and the
// receiver has seen every event id, under its own webhook-id, and no other.
//
// The events are spread over 5 triggers (a trigger's firings share one partition), so that
// several dispatcher threads and partitions take part.
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <mutex>
#include <set>
#include <thread>

#include "etp/pg/connection.hpp"
#include "etp/testing/webhook_receiver.hpp"
#include "etp/testing/webhook_verifier.hpp"
#include "platform.hpp"

using namespace std::chrono_literals;
using nlohmann::json;

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Up to `n` members of `a` that are not in `b`, for a readable failure.
std::string some_missing(const std::set<std::string>& a, const std::set<std::string>& b,
                         std::size_t n = 5) {
    std::string out;
    for (const auto& x : a) {
        if (b.count(x) != 0) continue;
        out += x + " ";
        if (--n == 0) break;
    }
    return out;
}

}  // namespace

TEST_CASE("SIGKILL of the dispatcher while delivering: every event arrives under its own id") {
    const auto start = std::chrono::steady_clock::now();
    etp::testing::WebhookReceiver receiver;
    auto gateway = etp::e2e::make_service("api-gateway");
    auto dispatcher = etp::e2e::make_service("dispatcher", {{"DELIVERY_LEASE", "3s"}});
    REQUIRE(gateway.start_and_wait());
    REQUIRE(dispatcher.start_and_wait());

    etp::e2e::Api api(gateway.http_port);
    constexpr int kTriggers = 5;
    std::vector<std::string> trigger_ids;
    std::vector<std::string> secrets;
    for (int t = 0; t < kTriggers; ++t) {
        auto created = api.post(
            "/api/v1/triggers",
            {{"name", "kill delivery " + std::to_string(t)},
             {"type", "api"},
             {"target", {{"url", receiver.url("/kill")}}},
             {"retry",
              {{"max_attempts", 20}, {"initial_backoff_ms", 100}, {"max_backoff_ms", 1000}}}});
        REQUIRE(created);
        INFO(created->body);
        REQUIRE(created->status == 201);
        const json trigger = json::parse(created->body);
        trigger_ids.push_back(trigger["id"]);
        secrets.push_back(trigger["target"].value("secret", ""));
    }
    std::string id_array = "{";  // a uuid[] literal of the triggers
    for (const auto& id : trigger_ids) id_array += (id_array.size() > 1 ? "," : "") + id;
    id_array += "}";
    etp::pg::Connection db(etp::testing::PgCluster::shared().url());

    constexpr int kEvents = 10'000;
    constexpr int kClients = 8;
    std::mutex fired_mutex;
    std::set<std::string> fired;  // guarded by fired_mutex
    std::atomic<int> refused{0};
    std::atomic<int> firing_clients{kClients};
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
        clients.emplace_back([&, c] {
            etp::e2e::Api client(gateway.http_port);
            for (int i = c; i < kEvents; i += kClients) {
                const std::string& id = trigger_ids[static_cast<std::size_t>(i % kTriggers)];
                auto res = client.post("/api/v1/triggers/" + id + "/fire", {{"n", i}});
                if (res && res->status == 202) {
                    std::string event_id = json::parse(res->body)["event_id"];
                    std::lock_guard lock(fired_mutex);
                    fired.insert(std::move(event_id));
                } else {
                    ++refused;
                }
            }
            --firing_clients;
        });
    }

    // Kill once some, but not all, webhooks were received.
    auto deadline = std::chrono::steady_clock::now() + 120s;
    while (receiver.count() < 500 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(5ms);
    dispatcher.process->kill9();
    const std::size_t received_at_kill = receiver.webhook_id_count();
    const double killed_after = seconds_since(start);
    const int clients_firing_at_kill = firing_clients;
    for (auto& t : clients) t.join();
    const double fired_after = seconds_since(start);
    INFO("distinct webhooks received when the dispatcher was killed: " << received_at_kill);
    REQUIRE(refused == 0);
    REQUIRE(fired.size() == kEvents);
    CHECK(received_at_kill < kEvents);

    REQUIRE(dispatcher.start_and_wait());
    deadline = std::chrono::steady_clock::now() + 150s;
    while (receiver.webhook_id_count() < kEvents && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(100ms);
    const double delivered_after = seconds_since(start);

    // The log: each event once.
    auto counts = db.exec(
        "SELECT count(*), count(DISTINCT id), count(DISTINCT (payload->>'n')::int) FROM "
        "events WHERE trigger_id = ANY($1::uuid[])",
        {id_array});
    // Apache Kafka keeps every unread firing: an offset reset would be a loss of ours.
    const std::string dispatcher_log = dispatcher.process->output();
    CHECK(dispatcher_log.find("Offset out of range") == std::string::npos);
    CHECK(counts.integer(0, 0) == kEvents);
    CHECK(counts.integer(0, 1) == kEvents);
    CHECK(counts.integer(0, 2) == kEvents);

    // The receiver: every event id, and only those, as webhook-ids.
    const std::set<std::string> ids = receiver.webhook_ids();
    INFO("missing (some): " << some_missing(fired, ids));
    INFO("unknown (some): " << some_missing(ids, fired));
    CHECK(ids.size() == fired.size());
    CHECK(ids == fired);

    // Every request, repeats included, carried its event's id as webhook-id, signed.
    const auto requests = receiver.requests("/kill");
    std::size_t wrong_id = 0;
    std::size_t bad_signature = 0;
    std::string first_problem;
    for (const auto& r : requests) {
        const json body = json::parse(r.body, nullptr, false);
        if (body.is_discarded() || !body.contains("id") || r.header("webhook-id") != body["id"]) {
            ++wrong_id;
            if (first_problem.empty()) first_problem = "webhook-id vs body: " + r.body;
        }
        const auto check = etp::testing::verify_webhook(r, secrets);
        if (!check.ok) {
            ++bad_signature;
            if (first_problem.empty()) first_problem = check.problem;
        }
    }
    INFO("requests: " << requests.size() << ", repeats: " << requests.size() - ids.size()
                      << "; first problem: " << first_problem);
    CHECK(wrong_id == 0);
    CHECK(bad_signature == 0);

    // What the API would show: every delivery succeeded, none dead.
    const std::string by_status =
        "SELECT count(*) FILTER (WHERE status = 'succeeded'), count(*) FILTER (WHERE status = "
        "'dead') FROM deliveries WHERE trigger_id = ANY($1::uuid[])";
    deadline = std::chrono::steady_clock::now() + 30s;
    while (db.exec(by_status, {id_array}).integer(0, 0) < kEvents &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(200ms);
    auto statuses = db.exec(by_status, {id_array});
    CHECK(statuses.integer(0, 0) == kEvents);
    CHECK(statuses.integer(0, 1) == 0);

    std::printf(
        "dispatcher kill delivery: killed at %.1f s (%zu delivered, %d clients still firing), all "
        "fired by %.1f s, all delivered at %.1f s, %zu requests (%zu repeats)\n",
        killed_after, received_at_kill, clients_firing_at_kill, fired_after, delivered_after,
        requests.size(), requests.size() - ids.size());
    CHECK(gateway.process->terminate(10s) == 0);
    CHECK(dispatcher.process->terminate(10s) == 0);
}
