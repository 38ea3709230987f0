#include <catch2/catch.hpp>

#include <string>

#include "etp/pg/connection.hpp"
#include "etp/pg/error.hpp"
#include "etp/testing/free_port.hpp"
#include "pg_test_support.hpp"

using etp::ErrorKind;
using etp::pg::Connection;
using etp::pg::DatabaseError;
using etp::testing::PgCluster;

namespace {

// Runs sql and returns the DatabaseError it must throw.
DatabaseError failure_of(Connection& conn, const std::string& sql, const etp::pg::Params& p = {}) {
    try {
        conn.exec(sql, p);
    } catch (const DatabaseError& e) {
        return e;
    }
    FAIL("expected a DatabaseError from: " << sql);
    throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("exec sends text parameters, NULL included, and reads them back unchanged") {
    Connection conn(PgCluster::shared().url());
    const std::string tricky =
        "it's \"quoted\" \\ back\\slash $1 ; DROP TABLE x; -- ünïcödé ✓ 日本語 🎉";
    auto r = conn.exec(
        "SELECT $1::text AS a, $2::text AS b, $3::int + 1 AS c, octet_length($1) AS bytes,"
        " length($1) AS chars, $4::boolean AS d, $5::boolean AS e",
        {tricky, std::nullopt, "41", "true", "f"});
    REQUIRE(r.rows() == 1);
    REQUIRE(r.columns() == 7);
    CHECK(r.text(0, "a") == tricky);
    CHECK(r.optional_text(0, "a") == tricky);
    CHECK(r.is_null(0, "b"));
    CHECK(r.text(0, "b").empty());
    CHECK(r.optional_text(0, "b") == std::nullopt);
    CHECK(r.integer(0, "c") == 42);
    CHECK(r.integer(0, "bytes") == static_cast<std::int64_t>(tricky.size()));
    CHECK(r.integer(0, "chars") == 64);  // code points: the server saw UTF-8, not bytes
    CHECK(r.boolean(0, "d"));
    CHECK_FALSE(r.boolean(0, "e"));

    // Misuse is an internal error, not undefined behaviour.
    CHECK_THROWS_AS(r.column("missing"), etp::Error);
    CHECK_THROWS_AS(r.integer(0, "a"), etp::Error);
    CHECK_THROWS_AS(r.integer(0, "b"), etp::Error);
    CHECK_THROWS_AS(r.boolean(0, "a"), etp::Error);
    CHECK_THROWS_AS(r.text(1, 0), etp::Error);
    CHECK_THROWS_AS(r.text(0, 7), etp::Error);
}

TEST_CASE("rows round-trip through a table with affected row counts") {
    Connection conn(PgCluster::shared().url());
    conn.exec("CREATE TEMP TABLE notes (id int PRIMARY KEY, body text, tags jsonb)");
    const char* insert = "INSERT INTO notes (id, body, tags) VALUES ($1, $2, $3::jsonb)";
    CHECK(conn.exec(insert, {"1", "first 'note'", R"({"lang": "français"})"}).affected_rows() == 1);
    CHECK(conn.exec(insert, {"2", std::nullopt, std::nullopt}).affected_rows() == 1);
    CHECK(conn.exec(insert, {"3", "third", "[1, 2]"}).affected_rows() == 1);
    CHECK(conn.exec("UPDATE notes SET body = upper(body) WHERE body IS NOT NULL").affected_rows() ==
          2);

    auto r = conn.exec("SELECT id, body, tags->>'lang' AS lang FROM notes ORDER BY id");
    REQUIRE(r.rows() == 3);
    CHECK(r.integer(0, "id") == 1);
    CHECK(r.text(0, "body") == "FIRST 'NOTE'");
    CHECK(r.text(0, "lang") == "français");
    CHECK(r.is_null(1, "body"));
    CHECK(r.is_null(1, "lang"));
    CHECK(r.text(2, "body") == "THIRD");
    CHECK(conn.exec("SELECT 1").affected_rows() == 1);
    CHECK(conn.exec("SET TimeZone = 'UTC'").affected_rows() == 0);
}

TEST_CASE("database errors carry the SQLSTATE, a kind and the server's detail") {
    Connection conn(PgCluster::shared().url());
    conn.exec("CREATE TEMP TABLE uniq (k text UNIQUE, n int NOT NULL DEFAULT 0)");
    conn.exec("INSERT INTO uniq (k) VALUES ($1)", {"a"});

    auto dup = failure_of(conn, "INSERT INTO uniq (k) VALUES ($1)", {"a"});
    CHECK(dup.sqlstate() == "23505");
    CHECK(dup.kind() == ErrorKind::kConflict);
    CHECK_FALSE(dup.retryable());
    CHECK_THAT(dup.what(), Catch::Contains("duplicate key") && Catch::Contains("(k)=(a)"));

    auto syntax = failure_of(conn, "SELEC 1");
    CHECK(syntax.sqlstate() == "42601");
    CHECK(syntax.kind() == ErrorKind::kInternal);
    CHECK_FALSE(syntax.retryable());
    CHECK_THAT(syntax.what(), Catch::Contains("syntax error"));

    auto missing = failure_of(conn, "SELECT * FROM no_such_table");
    CHECK(missing.sqlstate() == "42P01");
    CHECK(missing.kind() == ErrorKind::kInternal);

    auto not_null = failure_of(conn, "INSERT INTO uniq (k, n) VALUES ('b', $1)", {std::nullopt});
    CHECK(not_null.sqlstate() == "23502");
    CHECK(not_null.kind() == ErrorKind::kInvalidInput);

    auto bad_int = failure_of(conn, "SELECT $1::int", {"twelve"});
    CHECK(bad_int.sqlstate() == "22P02");
    CHECK(bad_int.kind() == ErrorKind::kInvalidInput);

    // A failed statement leaves the connection usable and the table unchanged.
    CHECK(conn.is_open());
    CHECK(conn.exec("SELECT count(*) FROM uniq").integer(0, 0) == 1);

    // Scripts stop at the first failing statement.
    CHECK_THROWS_AS(conn.exec_script("INSERT INTO uniq (k) VALUES ('c'); SELEC 2;"), DatabaseError);
    conn.exec_script("INSERT INTO uniq (k) VALUES ('d'); INSERT INTO uniq (k) VALUES ('e');");
    CHECK(conn.exec("SELECT string_agg(k, ',' ORDER BY k) FROM uniq").text(0, 0) == "a,d,e");
}

TEST_CASE("a connection the server terminated reports kUnavailable, retryable") {
    Connection victim(PgCluster::shared().url());
    etp::pg::test::kill_backend(etp::pg::test::backend_pid(victim));
    auto lost = failure_of(victim, "SELECT 1");
    CHECK(lost.sqlstate().empty());
    CHECK(lost.kind() == ErrorKind::kUnavailable);
    CHECK(lost.retryable());
    CHECK_FALSE(victim.is_open());
}

TEST_CASE("connecting to a port nobody listens on is kUnavailable") {
    const int port = etp::testing::free_port();
    try {
        Connection conn("postgresql://postgres@127.0.0.1:" + std::to_string(port) + "/etp");
        FAIL("connected to a closed port");
    } catch (const DatabaseError& e) {
        CHECK(e.kind() == ErrorKind::kUnavailable);
        CHECK(e.retryable());
        CHECK(e.sqlstate().empty());
        CHECK_THAT(e.what(), Catch::Contains(std::to_string(port)));
    }
}

TEST_CASE("key=value connection strings work too") {
    const auto& cluster = PgCluster::shared();
    Connection conn("host=127.0.0.1 port=" + std::to_string(cluster.port()) +
                    " user=postgres dbname=etp application_name=kv_test");
    CHECK(conn.exec("SELECT current_setting('application_name')").text(0, 0) == "kv_test");
    Connection by_url(cluster.url());
    CHECK(by_url.exec("SELECT current_setting('application_name')").text(0, 0) == "etp");
    CHECK(by_url.exec("SELECT current_setting('client_encoding')").text(0, 0) == "UTF8");
}

TEST_CASE("prepared statements are reused, and the least recently used give way beyond the cap") {
    Connection conn(PgCluster::shared().url());
    const std::size_t cap = Connection::kMaxPrepared;
    auto server_side = [&] {
        return conn.exec("SELECT count(*) FROM pg_prepared_statements").integer(0, 0);
    };
    CHECK(conn.exec_prepared("SELECT $1::int + 1", {"41"}).integer(0, 0) == 42);
    CHECK(conn.exec_prepared("SELECT $1::int + 1", {"1"}).integer(0, 0) == 2);
    CHECK(server_side() == 1);
    for (std::size_t i = 0; i < cap + 40; ++i) {
        auto sql = "SELECT $1::int + " + std::to_string(i);
        CHECK(conn.exec_prepared(sql, {"1"}).integer(0, 0) == static_cast<std::int64_t>(i) + 1);
        // The first statement stays in use, so it is never the one retired.
        CHECK(conn.exec_prepared("SELECT $1::int + 1", {"2"}).integer(0, 0) == 3);
    }
    CHECK(server_side() == static_cast<std::int64_t>(cap));
    // A retired statement is prepared again when it comes back.
    CHECK(conn.exec_prepared("SELECT $1::int + 0", {"7"}).integer(0, 0) == 7);
    CHECK(server_side() == static_cast<std::int64_t>(cap));
    // The DateStyle every connection asks for: timestamps come back in ISO form.
    CHECK(conn.exec("SELECT '2026-11-23 03:14:00+00'::timestamptz AT TIME ZONE 'UTC'").text(0, 0) ==
          "2026-11-23 03:14:00");
}
