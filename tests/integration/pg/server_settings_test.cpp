// The tests' cluster runs with the server settings scripts/run gives its own
// (deploy/postgres/etp-postgresql.conf), so the two cannot drift apart again.

#include <catch2/catch.hpp>

#include "etp/pg/connection.hpp"
#include "pg_test_support.hpp"

using etp::pg::Connection;
using etp::testing::PgCluster;

TEST_CASE("the test cluster has the platform's server settings") {
    Connection conn(PgCluster::shared().url());
    auto setting = [&conn](const std::string& name) {
        auto r = conn.exec("SELECT current_setting($1) AS value", {name});
        return std::string(r.text(0, "value"));
    };
    CHECK(setting("wal_level") == "logical");
    CHECK(setting("max_wal_senders") == "10");
    CHECK(setting("max_replication_slots") == "10");
    CHECK(setting("max_connections") == "200");
    // Was set by scripts/run only.
    CHECK(setting("max_slot_wal_keep_size") == "4GB");
    // The tests' own shortcut stays theirs.
    CHECK(setting("fsync") == "off");
}
