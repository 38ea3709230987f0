// A firing the event log cannot store (a payload string with U+0000, which jsonb refuses) must
// not block its partition: the dispatcher skips it, says so, and logs the firings around it.
#include <catch2/catch.hpp>
#include <thread>

#include "etp/bus/firing.hpp"
#include "etp/bus/producer.hpp"
#include "etp/pg/connection.hpp"
#include "etp/pg/migrations.hpp"
#include "platform.hpp"

using namespace std::chrono_literals;

namespace {
etp::Event firing(const etp::TriggerId& trigger, nlohmann::json payload) {
    etp::Event e;
    e.triggered_at = etp::now_utc();
    e.id = etp::EventId{etp::new_uuid_v7()};
    e.trigger_id = trigger;
    e.trigger_name = "poison test";
    e.source = "api";
    e.payload = std::move(payload);
    return e;
}
}  // namespace

TEST_CASE("a firing PostgreSQL rejects is skipped and does not block the ones after it") {
    {
        etp::pg::Connection conn(etp::testing::PgCluster::shared().url());
        etp::pg::apply_migrations(conn, etp::pg::builtin_migrations());
    }
    auto dispatcher = etp::e2e::make_service("dispatcher");
    REQUIRE(dispatcher.start_and_wait());
    etp::bus::ProducerConfig config;
    config.brokers = etp::testing::KafkaBroker::shared().bootstrap();
    etp::bus::Producer producer(config);
    etp::TriggerId trigger{etp::new_uuid_v7()};  // one key: one partition, in this order
    auto before = firing(trigger, {{"n", 1}});
    auto poison = firing(trigger, {{"text", std::string("nul\0byte", 8)}});
    auto after = firing(trigger, {{"n", 2}});
    for (const auto& e : {before, poison, after})
        producer.produce_sync(etp::bus::make_firing_message(etp::bus::Topics(), e, "test"));

    etp::pg::Connection db(etp::testing::PgCluster::shared().url());
    auto logged = [&] {
        return db.exec("SELECT count(*) FROM events WHERE trigger_id = $1", {trigger.to_string()})
            .integer(0, 0);
    };
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (logged() < 2 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(100ms);
    CHECK(logged() == 2);
    for (const auto& e : {before, after})
        CHECK(db.exec("SELECT 1 FROM events WHERE id = $1", {e.id.to_string()}).rows() == 1);
    CHECK(db.exec("SELECT 1 FROM events WHERE id = $1", {poison.id.to_string()}).rows() == 0);
    std::string log = dispatcher.process->output();
    CHECK(log.find("firing rejected by the event log; skipped") != std::string::npos);
    CHECK(log.find(poison.id.to_string()) != std::string::npos);
    CHECK(dispatcher.process->terminate(10s) == 0);
}
