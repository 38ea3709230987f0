// The dispatcher while PostgreSQL is down: it keeps the firing (offset not committed), stops
// within 10 s on SIGTERM even though its write is hanging in retries, and after PostgreSQL
// and the dispatcher come back the firing is in the log exactly once.
#include <catch2/catch.hpp>
#include <thread>

#include "etp/bus/firing.hpp"
#include "etp/bus/producer.hpp"
#include "etp/pg/connection.hpp"
#include "etp/pg/migrations.hpp"
#include "platform.hpp"

using namespace std::chrono_literals;

TEST_CASE("a firing that arrives while PostgreSQL is down is logged once it is back") {
    etp::testing::PgCluster pg;  // private: this test stops it
    {
        etp::pg::Connection conn(pg.url());
        etp::pg::apply_migrations(conn, etp::pg::builtin_migrations());
    }
    auto& broker = etp::testing::KafkaBroker::shared();
    const etp::testing::Env env = {{"DATABASE_URL", pg.url()},
                                   {"DISPATCHER_GROUP_ID", "db-down-test"}};

    auto dispatcher = etp::e2e::make_service("dispatcher", env);
    REQUIRE(dispatcher.start_and_wait());
    pg.stop();

    // The test plays the part of a firing service.
    etp::Event event;
    event.triggered_at = etp::now_utc();
    event.id = etp::EventId{etp::new_uuid_v7()};
    event.trigger_id = etp::TriggerId{etp::new_uuid_v7()};
    event.trigger_name = "while down";
    event.source = "api";
    event.payload = {{"k", "v"}};
    etp::bus::ProducerConfig producer_config;
    producer_config.brokers = broker.bootstrap();
    etp::bus::Producer producer(producer_config);
    producer.produce_sync(etp::bus::make_firing_message(etp::bus::Topics(), event, "test"));

    // Let the dispatcher pick it up and fail at least once, then stop it mid-retry.
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (dispatcher.process->output().find("event log write failed") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(50ms);
    REQUIRE(dispatcher.process->output().find("event log write failed") != std::string::npos);
    auto asked = std::chrono::steady_clock::now();
    CHECK(dispatcher.process->terminate(10s) == 0);
    CHECK(std::chrono::steady_clock::now() - asked < 10s);

    pg.start();
    auto again = etp::e2e::make_service("dispatcher", env);
    REQUIRE(again.start_and_wait());
    etp::pg::Connection conn(pg.url());
    auto count = [&] {
        return conn.exec("SELECT count(*) FROM events WHERE id = $1", {event.id.to_string()})
            .integer(0, 0);
    };
    deadline = std::chrono::steady_clock::now() + 60s;
    while (count() == 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(100ms);
    CHECK(count() == 1);
    auto row = conn.exec("SELECT payload->>'k', trigger_name FROM events WHERE id = $1",
                         {event.id.to_string()});
    REQUIRE(row.rows() == 1);
    CHECK(row.text(0, 0) == "v");
    CHECK(row.text(0, 1) == "while down");
    CHECK(again.process->terminate(10s) == 0);
}
