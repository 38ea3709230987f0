#pragma once
// The shutdown-while-PostgreSQL-is-down case of dispatcher_db_down_test.cpp for any service: it
// starts with its own cluster, the cluster stops, the service logs that its work fails, and
// SIGTERM still ends it within 10 s with exit code 0; once PostgreSQL is back the service
// becomes ready again.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "etp/pg/connection.hpp"
#include "etp/pg/migrations.hpp"
#include "platform.hpp"

namespace etp::e2e {

// `env` on top of DATABASE_URL and CDC_SOURCE_URL (the private cluster); `failing` is a log
// line the service writes while PostgreSQL is down.
inline void check_stops_while_db_down(const std::string& service, const testing::Env& env,
                                      const std::string& failing) {
    using namespace std::chrono_literals;
    testing::PgCluster pg;  // private: this test stops it
    {
        pg::Connection conn(pg.url());
        pg::apply_migrations(conn, pg::builtin_migrations());
    }
    testing::Env all = env;
    all["DATABASE_URL"] = pg.url();
    all["CDC_SOURCE_URL"] = pg.url();

    auto first = make_service(service, all);
    REQUIRE(first.start_and_wait());
    pg.stop();

    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (first.process->output().find(failing) == std::string::npos &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(50ms);
    INFO(first.process->output());
    REQUIRE(first.process->output().find(failing) != std::string::npos);
    auto asked = std::chrono::steady_clock::now();
    CHECK(first.process->terminate(10s) == 0);
    CHECK(std::chrono::steady_clock::now() - asked < 10s);

    pg.start();
    auto again = make_service(service, all);
    REQUIRE(again.start_and_wait());
    CHECK(again.process->terminate(10s) == 0);
}

}  // namespace etp::e2e
