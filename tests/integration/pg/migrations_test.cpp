#include <catch2/catch.hpp>

#include <latch>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "etp/pg/error.hpp"
#include "etp/pg/migrations.hpp"
#include "pg_test_support.hpp"

using etp::ErrorKind;
using etp::pg::Connection;
using etp::pg::DatabaseError;
using etp::pg::Migration;

namespace {

std::int64_t advisory_locks(Connection& conn) {
    return conn.exec("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'").integer(0, 0);
}

bool table_exists(Connection& conn, const std::string& name) {
    return !conn.exec("SELECT to_regclass($1)", {name}).is_null(0, 0);
}

etp::ErrorKind kind_of(Connection& conn, const std::string& sql) {
    try {
        conn.exec(sql);
    } catch (const DatabaseError& e) {
        return e.kind();
    }
    FAIL("expected a DatabaseError from: " << sql);
    return ErrorKind::kInternal;
}

}  // namespace

TEST_CASE("builtin migrations apply once and create the schema") {
    Connection conn(etp::pg::test::fresh_database("mig_once"));
    const auto migrations = etp::pg::builtin_migrations();
    CHECK(etp::pg::apply_migrations(conn, migrations) == static_cast<int>(migrations.size()));
    CHECK(etp::pg::apply_migrations(conn, migrations) == 0);

    auto applied = conn.exec("SELECT version, name FROM schema_migrations ORDER BY version");
    REQUIRE(applied.rows() == static_cast<int>(migrations.size()));
    CHECK(applied.integer(0, "version") == 1);
    CHECK(applied.text(0, "name") == "0001_schema.sql");
    CHECK(applied.integer(1, "version") == 2);
    CHECK(applied.text(1, "name") == "0002_webhook_delivery.sql");
    CHECK(advisory_locks(conn) == 0);  // released after success

    for (const char* table : {"triggers", "schedules", "events", "events_default", "deliveries",
                              "delivery_attempts", "trigger_secrets", "api_keys",
                              "idempotency_keys", "trigger_event_totals", "schema_migrations"}) {
        INFO(table);
        CHECK(table_exists(conn, table));
    }
    // Secrets moved to trigger_secrets.
    CHECK(conn.exec("SELECT count(*) FROM information_schema.columns WHERE table_name = 'triggers'"
                    " AND column_name = 'target_secret'")
              .integer(0, 0) == 0);

    // The constraints behave as the services expect.
    const std::string trigger_id = "0190a5c4-0000-7000-8000-000000000001";
    conn.exec(
        "INSERT INTO triggers (id, name, type, target) VALUES ($1, 'nightly', 'scheduled',"
        " '{\"url\": \"http://x\"}')",
        {trigger_id});
    auto row = conn.exec("SELECT active, version, created_at = updated_at AS same FROM triggers");
    CHECK(row.boolean(0, "active"));
    CHECK(row.integer(0, "version") == 1);
    CHECK(row.boolean(0, "same"));
    CHECK(kind_of(conn,
                  "INSERT INTO triggers (id, name, type) VALUES (gen_random_uuid(), '', "
                  "'api')") == ErrorKind::kInvalidInput);
    CHECK(kind_of(conn,
                  "INSERT INTO triggers (id, name, type) VALUES (gen_random_uuid(), 'x', "
                  "'email')") == ErrorKind::kInvalidInput);
    CHECK(kind_of(conn,
                  "INSERT INTO triggers (id, name, type) VALUES (gen_random_uuid(), "
                  "repeat('x', 201), 'api')") == ErrorKind::kInvalidInput);
    CHECK(kind_of(conn,
                  "INSERT INTO triggers (id, name, type) VALUES "
                  "('0190a5c4-0000-7000-8000-000000000001', 'dup', 'api')") ==
          ErrorKind::kConflict);

    conn.exec("INSERT INTO schedules (trigger_id, next_fire_at) VALUES ($1, now())", {trigger_id});
    conn.exec(
        "INSERT INTO trigger_secrets (id, trigger_id, secret, key_id, prefix) VALUES "
        "(gen_random_uuid(), $1, 'whsec_a', 'none', 'whsec_a…'), "
        "(gen_random_uuid(), $1, 'whsec_b', 'none', 'whsec_b…')",
        {trigger_id});
    auto secret = conn.exec(
        "SELECT expires_at IS NULL AS open, created_at <= now() AS created "
        "FROM trigger_secrets LIMIT 1");
    CHECK(secret.boolean(0, "open"));
    CHECK(secret.boolean(0, "created"));
    CHECK(kind_of(conn,
                  "INSERT INTO trigger_secrets (id, trigger_id, secret, key_id, prefix) VALUES "
                  "(gen_random_uuid(), '0190a5c4-0000-7000-8000-00000000ffff', 'whsec_c', "
                  "'none', 'whsec_c…')") == ErrorKind::kInvalidInput);  // no such trigger
    conn.exec("DELETE FROM triggers WHERE id = $1", {trigger_id});
    CHECK(conn.exec("SELECT count(*) FROM schedules").integer(0, 0) == 0);        // cascaded
    CHECK(conn.exec("SELECT count(*) FROM trigger_secrets").integer(0, 0) == 0);  // cascaded

    // Deliveries: one row per delivery of an event, numbered; attempts per delivery.
    const std::string event_id = "0190a5c4-0000-7000-8000-0000000000e1";
    const std::string delivery =
        "INSERT INTO deliveries (event_id, number, trigger_id, triggered_at, status) VALUES ($1, "
        "$2, gen_random_uuid(), now(), $3)";
    conn.exec(delivery, {event_id, "1", "pending"});
    conn.exec(delivery, {event_id, "2", "succeeded"});
    auto row2 = conn.exec(
        "SELECT attempts, next_attempt_at IS NULL AS no_next, target IS NULL AS no_target "
        "FROM deliveries WHERE number = 2");
    CHECK(row2.integer(0, "attempts") == 0);
    CHECK(row2.boolean(0, "no_next"));
    CHECK(row2.boolean(0, "no_target"));
    CHECK(kind_of(conn,
                  "INSERT INTO deliveries (event_id, number, trigger_id, triggered_at, "
                  "status) VALUES ('" +
                      event_id + "', 1, gen_random_uuid(), now(), 'dead')") ==
          ErrorKind::kConflict);
    for (const char* status : {"lost", "failed"})
        CHECK(kind_of(conn, std::string("INSERT INTO deliveries (event_id, number, trigger_id, "
                                        "triggered_at, status) VALUES (gen_random_uuid(), 1, "
                                        "gen_random_uuid(), now(), '") +
                                status + "')") == ErrorKind::kInvalidInput);
    const std::string attempt =
        "INSERT INTO delivery_attempts (event_id, number, attempt, triggered_at, started_at, "
        "http_status, latency_ms) VALUES ($1, 1, $2, now(), now(), $3, 12)";
    conn.exec(attempt, {event_id, "1", "503"});
    conn.exec(attempt, {event_id, "2", std::nullopt});
    CHECK(conn.exec("SELECT count(*) FROM delivery_attempts WHERE http_status IS NULL")
              .integer(0, 0) == 1);
    CHECK(kind_of(conn,
                  "INSERT INTO delivery_attempts (event_id, number, attempt, triggered_at, "
                  "started_at, latency_ms) VALUES ('" +
                      event_id + "', 1, 1, now(), now(), 5)") == ErrorKind::kConflict);
    CHECK(kind_of(conn,
                  "INSERT INTO delivery_attempts (event_id, number, attempt, triggered_at, "
                  "started_at) VALUES ('" +
                      event_id + "', 1, 3, now(), now())") ==
          ErrorKind::kInvalidInput);  // latency_ms is required

    conn.exec(
        "INSERT INTO api_keys (id, name, key_hash, key_prefix, scopes) VALUES "
        "(gen_random_uuid(), 'a', '\\x01', 'etp_a', '{admin}')");
    CHECK(kind_of(conn,
                  "INSERT INTO api_keys (id, name, key_hash, key_prefix, scopes) VALUES "
                  "(gen_random_uuid(), 'b', '\\x01', 'etp_b', '{read}')") == ErrorKind::kConflict);

    conn.exec(
        "INSERT INTO idempotency_keys (trigger_id, key, event_id) VALUES "
        "('0190a5c4-0000-7000-8000-000000000002', 'k1', gen_random_uuid())");
    CHECK(kind_of(conn,
                  "INSERT INTO idempotency_keys (trigger_id, key, event_id) VALUES "
                  "('0190a5c4-0000-7000-8000-000000000002', 'k1', gen_random_uuid())") ==
          ErrorKind::kConflict);
}

TEST_CASE("0002 moves the secrets of existing triggers to trigger_secrets") {
    Connection conn(etp::pg::test::fresh_database("mig_secrets"));
    const auto migrations = etp::pg::builtin_migrations();
    REQUIRE(migrations.size() >= 2);
    CHECK(etp::pg::apply_migrations(conn, {migrations[0]}) == 1);
    conn.exec(
        "INSERT INTO triggers (id, name, type, target, target_secret) VALUES "
        "('0190a5c4-0000-7000-8000-000000000011', 'signed', 'api', '{\"url\": \"http://x\"}', "
        "'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'), "
        "('0190a5c4-0000-7000-8000-000000000012', 'unsigned', 'api', '{\"url\": \"http://x\"}', "
        "NULL), "
        "('0190a5c4-0000-7000-8000-000000000013', 'no target', 'api', NULL, NULL)");
    conn.exec(
        "INSERT INTO deliveries (event_id, attempt, status) VALUES (gen_random_uuid(), 1, "
        "'pending')");
    CHECK(etp::pg::apply_migrations(conn, migrations) == static_cast<int>(migrations.size()) - 1);
    auto secrets = conn.exec(
        "SELECT trigger_id, secret, expires_at IS NULL AS open FROM "
        "trigger_secrets");
    REQUIRE(secrets.rows() == 1);
    CHECK(secrets.text(0, "trigger_id") == "0190a5c4-0000-7000-8000-000000000011");
    CHECK(secrets.text(0, "secret") == "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    CHECK(secrets.boolean(0, "open"));
    CHECK(conn.exec("SELECT count(*) FROM triggers").integer(0, 0) == 3);
    CHECK(conn.exec("SELECT count(*) FROM deliveries").integer(0, 0) == 0);  // replaced
}

TEST_CASE("0008 marks stored secrets as plain text and keeps the prefix listings show") {
    Connection conn(etp::pg::test::fresh_database("mig_secrets_at_rest"));
    const auto migrations = etp::pg::builtin_migrations();
    REQUIRE(migrations.size() >= 8);
    CHECK(etp::pg::apply_migrations(conn, {migrations.begin(), migrations.begin() + 7}) == 7);
    conn.exec(
        "INSERT INTO triggers (id, name, type, target) VALUES "
        "('0190a5c4-0000-7000-8000-000000000021', 'signed', 'api', '{\"url\": \"http://x\"}')");
    conn.exec(
        "INSERT INTO trigger_secrets (id, trigger_id, secret) VALUES (gen_random_uuid(), "
        "'0190a5c4-0000-7000-8000-000000000021', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')");
    conn.exec(
        "INSERT INTO deliveries (event_id, number, trigger_id, triggered_at, status, target, "
        "target_secret) VALUES (gen_random_uuid(), 1, gen_random_uuid(), now(), 'pending', "
        "'{\"url\": \"http://x\"}', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'), "
        "(gen_random_uuid(), 1, gen_random_uuid(), now(), 'pending', NULL, NULL)");
    CHECK(etp::pg::apply_migrations(conn, migrations) == static_cast<int>(migrations.size()) - 7);
    auto secret = conn.exec("SELECT key_id, prefix FROM trigger_secrets");
    REQUIRE(secret.rows() == 1);
    CHECK(secret.text(0, "key_id") == "none");
    CHECK(secret.text(0, "prefix") == "whsec_MfKQ…");
    CHECK(conn.exec("SELECT count(*) FROM deliveries WHERE target_secret_key_id = 'none'")
              .integer(0, 0) == 1);
    CHECK(conn.exec("SELECT count(*) FROM deliveries WHERE target_secret_key_id IS NULL")
              .integer(0, 0) == 1);
}

TEST_CASE("four concurrent starters apply the migrations exactly once, without errors") {
    const auto url = etp::pg::test::fresh_database("mig_concurrent");
    const auto migrations = etp::pg::builtin_migrations();
    std::latch go(4);
    std::mutex mutex;  // guards applied, errors
    int applied = 0;
    std::vector<std::string> errors;
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
        threads.emplace_back([&] {
            try {
                Connection conn(url);
                go.arrive_and_wait();
                const int n = etp::pg::apply_migrations(conn, migrations);
                std::lock_guard lock(mutex);
                applied += n;
            } catch (const std::exception& e) {
                std::lock_guard lock(mutex);
                errors.emplace_back(e.what());
            }
        });
    }
    for (auto& t : threads) t.join();
    CHECK(errors == std::vector<std::string>{});
    CHECK(applied == static_cast<int>(migrations.size()));
    Connection conn(url);
    CHECK(conn.exec("SELECT count(*) FROM schema_migrations").integer(0, 0) ==
          static_cast<std::int64_t>(migrations.size()));
}

TEST_CASE("a failing migration is rolled back, stops the run and releases the lock") {
    const auto url = etp::pg::test::fresh_database("mig_failing");
    Connection conn(url);
    std::vector<Migration> migrations = {
        {1, "0001_a.sql", "CREATE TABLE a (x int); INSERT INTO a VALUES (1);"},
        {2, "0002_b.sql", "CREATE TABLE b (x int); SELEC broken;"},
        {3, "0003_c.sql", "CREATE TABLE c (x int);"},
    };
    try {
        etp::pg::apply_migrations(conn, migrations);
        FAIL("a broken migration applied");
    } catch (const DatabaseError& e) {
        CHECK(e.sqlstate() == "42601");
    }
    CHECK(table_exists(conn, "a"));
    CHECK_FALSE(table_exists(conn, "b"));
    CHECK_FALSE(table_exists(conn, "c"));
    CHECK(conn.exec("SELECT string_agg(version::text, ',') FROM schema_migrations").text(0, 0) ==
          "1");
    Connection other(url);
    CHECK(advisory_locks(other) == 0);

    migrations[1].sql = "CREATE TABLE b (x int);";
    CHECK(etp::pg::apply_migrations(conn, migrations) == 2);
    CHECK(table_exists(conn, "b"));
    CHECK(table_exists(conn, "c"));
    CHECK(conn.exec("SELECT count(*) FROM a").integer(0, 0) == 1);  // 0001 did not run twice
}
