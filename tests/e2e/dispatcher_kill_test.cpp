// Guarantee: every firing is logged exactly once. The dispatcher is killed with SIGKILL while
// 1,000 events are being fired through the gateway, then started again; the log ends with
// exactly 1,000 events for the trigger — none lost, none doubled.
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "etp/pg/connection.hpp"
#include "platform.hpp"

using namespace std::chrono_literals;
using nlohmann::json;

TEST_CASE("SIGKILL of the dispatcher under load loses and doubles nothing") {
    auto gateway = etp::e2e::make_service("api-gateway");
    auto dispatcher = etp::e2e::make_service("dispatcher", {{"DISPATCHER_BATCH_SIZE", "50"}});
    REQUIRE(gateway.start_and_wait());
    REQUIRE(dispatcher.start_and_wait());

    etp::e2e::Api api(gateway.http_port);
    auto created = api.post("/api/v1/triggers", {{"name", "kill test"}, {"type", "api"}});
    REQUIRE(created->status == 201);
    std::string id = json::parse(created->body)["id"];
    etp::pg::Connection db(etp::testing::PgCluster::shared().url());
    auto logged = [&] {
        return db.exec("SELECT count(*), count(DISTINCT id) FROM events WHERE trigger_id = $1",
                       {id});
    };

    constexpr int kEvents = 1000;
    constexpr int kClients = 4;
    std::atomic<int> accepted{0};
    std::atomic<int> refused{0};
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
        clients.emplace_back([&, c] {
            etp::e2e::Api client(gateway.http_port);
            for (int i = c; i < kEvents; i += kClients) {
                auto res = client.post("/api/v1/triggers/" + id + "/fire", {{"n", i}});
                if (res && res->status == 202)
                    ++accepted;
                else
                    ++refused;
            }
        });
    }
    // Kill once some, but not all, firings are in the log.
    auto deadline = std::chrono::steady_clock::now() + 60s;
    while (logged().integer(0, 0) < 100 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(5ms);
    dispatcher.process->kill9();
    std::int64_t at_kill = logged().integer(0, 0);
    for (auto& t : clients) t.join();
    REQUIRE(accepted == kEvents);
    REQUIRE(refused == 0);
    INFO("events logged when the dispatcher was killed: " << at_kill);
    CHECK(at_kill < kEvents);

    REQUIRE(dispatcher.start_and_wait());
    deadline = std::chrono::steady_clock::now() + 90s;
    while (logged().integer(0, 0) < kEvents && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(50ms);
    // Give a doubled write, if there were one, time to show.
    std::this_thread::sleep_for(2s);
    auto counts = logged();
    CHECK(counts.integer(0, 0) == kEvents);
    CHECK(counts.integer(0, 1) == kEvents);
    // Every payload n in 0..999 is present once.
    CHECK(db.exec("SELECT count(DISTINCT (payload->>'n')::int) FROM events WHERE trigger_id = $1",
                  {id})
              .integer(0, 0) == kEvents);
    CHECK(gateway.process->terminate(10s) == 0);
    CHECK(dispatcher.process->terminate(10s) == 0);
}
