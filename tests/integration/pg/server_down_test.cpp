#include <catch2/catch.hpp>

#include "etp/pg/error.hpp"
#include "etp/pg/pool.hpp"
#include "etp/testing/pg_cluster.hpp"

using etp::ErrorKind;
using etp::pg::Connection;
using etp::pg::DatabaseError;

// Uses its own cluster: stopping the shared one would break the other test cases.
TEST_CASE("a stopped server is kUnavailable, and a pool recovers when it is back") {
    etp::testing::PgCluster cluster;
    etp::pg::Pool pool(cluster.url(), 2);
    REQUIRE(pool.check() == std::nullopt);

    cluster.stop();
    cluster.stop();  // idempotent
    try {
        Connection conn(cluster.url());
        FAIL("connected to a stopped server");
    } catch (const DatabaseError& e) {
        CHECK(e.kind() == ErrorKind::kUnavailable);
        CHECK(e.retryable());
        CHECK(e.sqlstate().empty());
    }
    const auto reason = pool.check();
    REQUIRE(reason.has_value());
    CHECK_FALSE(reason->empty());

    cluster.start();
    CHECK(pool.check() == std::nullopt);
    auto lease = pool.acquire();
    CHECK(lease->exec("SELECT current_database()").text(0, 0) == "etp");
}
