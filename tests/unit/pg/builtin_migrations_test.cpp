#include <catch2/catch.hpp>

#include "etp/pg/migrations.hpp"

TEST_CASE("builtin migrations are embedded, numbered from 1 and sorted") {
    const auto migrations = etp::pg::builtin_migrations();
    REQUIRE(!migrations.empty());
    CHECK(migrations.front().version == 1);
    CHECK(migrations.front().name == "0001_schema.sql");
    CHECK(migrations.front().sql.find("CREATE TABLE triggers") != std::string_view::npos);
    for (std::size_t i = 0; i < migrations.size(); ++i) {
        INFO(migrations[i].name);
        CHECK(migrations[i].version == static_cast<int>(i) + 1);
        CHECK(migrations[i].name.substr(0, 4) ==
              std::string(4 - std::to_string(i + 1).size(), '0') + std::to_string(i + 1));
        // apply_migrations wraps each file in its own transaction.
        CHECK(migrations[i].sql.find("BEGIN;") == std::string_view::npos);
        CHECK(migrations[i].sql.find("COMMIT;") == std::string_view::npos);
    }
}
