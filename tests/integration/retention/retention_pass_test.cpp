// One retention pass (services/retention) against a real PostgreSQL: what it archives and
// deletes, that a second pass finds nothing left to do, that a hand-archived event keeps its
// time, and that a pass stopped between any two batches leaves the counts consistent
// (deleted + stored = inserted) for the next pass to finish.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "etp/pg/migrations.hpp"
#include "etp/pg/retention_store.hpp"
#include "pg_test_support.hpp"
#include "retention_pass.hpp"

using etp::Timestamp;
using etp::pg::Connection;
using etp::pg::RetentionStore;
using etp::retention::PassOptions;
using etp::retention::run_pass;
using namespace std::chrono_literals;

namespace {

const std::string kTrigger = "0190a5c4-0000-7000-8000-00000000c003";
constexpr int kInserted = 1 + 3 * 4 + 5 + 7;  // see seed()

PassOptions options(std::int64_t batch) {
    PassOptions o;
    o.active_for = 2h;
    o.retain_for = 48h;
    o.partitions_ahead = 24h;
    o.batch_size = batch;
    o.lock_timeout = 2s;
    return o;
}

// Events of one trigger at several ages, each with a delivery and an attempt: 1 in 2001
// (events_default), 3 in each of the 4 hours 49-52 h ago (whole partitions past the boundary),
// 5 at 48 h 1 min (the boundary's own hour), 7 at 3 h (to archive; one archived by hand).
Connection seed(const std::string& prefix) {
    Connection conn(etp::pg::test::fresh_database(prefix));
    etp::pg::apply_migrations(conn, etp::pg::builtin_migrations());
    conn.exec("SELECT etp_ensure_event_partitions(now() - interval '60 hours', now())");
    conn.exec(R"(
        WITH ages(t, n) AS (VALUES
            ('2001-01-01T00:00:00Z'::timestamptz, 1),
            (now() - interval '49 hours 30 minutes', 3), (now() - interval '50 hours 30 minutes', 3),
            (now() - interval '51 hours 30 minutes', 3), (now() - interval '52 hours 30 minutes', 3),
            (now() - interval '48 hours 1 minute', 5), (now() - interval '3 hours', 7)),
        ev AS (
            INSERT INTO events (id, trigger_id, trigger_name, trigger_type, source, triggered_at)
            SELECT gen_random_uuid(), $1, 'pass', 'api', 'api', t - g * interval '1 ms'
            FROM ages, generate_series(1, n) g RETURNING id, trigger_id, triggered_at),
        d AS (
            INSERT INTO deliveries (event_id, number, trigger_id, triggered_at, status)
            SELECT id, 1, trigger_id, triggered_at, 'succeeded' FROM ev)
        INSERT INTO delivery_attempts (event_id, number, attempt, triggered_at, started_at,
                                       latency_ms)
        SELECT id, 1, 1, triggered_at, triggered_at, 3 FROM ev)",
              {kTrigger});
    conn.exec(
        "UPDATE events SET archived_at = '2001-02-03T04:05:06Z' WHERE id = (SELECT id FROM events"
        " WHERE triggered_at BETWEEN now() - interval '4 hours' AND now() - interval '2 hours'"
        " LIMIT 1)");
    return conn;
}

std::int64_t count(Connection& conn, const std::string& sql) {
    return conn.exec(sql).integer(0, 0);
}

std::int64_t deleted_plus_stored(Connection& conn) {
    return count(conn,
                 "SELECT coalesce((SELECT deleted FROM trigger_event_totals WHERE trigger_id = '" +
                     kTrigger + "'), 0) + (SELECT count(*) FROM events WHERE trigger_id = '" +
                     kTrigger + "')");
}

void check_done(Connection& conn) {
    CHECK(count(conn, "SELECT count(*) FROM events") == 7);
    CHECK(count(conn, "SELECT count(*) FROM events WHERE triggered_at < now() - interval '48h'") ==
          0);
    // Archived by the watermark: no event past EVENT_ACTIVE_FOR is above it.
    CHECK(count(conn,
                "SELECT count(*) FROM events WHERE archived_at IS NULL AND triggered_at < now() -"
                " interval '2h' AND triggered_at >= (SELECT coalesce(max(archived_before),"
                " '-infinity') FROM event_archive_marks)") == 0);
    CHECK(count(conn,
                "SELECT count(*) FROM events WHERE triggered_at > now() - interval '2h' AND"
                " triggered_at < (SELECT max(archived_before) FROM event_archive_marks)") == 0);
    CHECK(count(conn, "SELECT count(*) FROM events WHERE archived_at = '2001-02-03T04:05:06Z'") ==
          1);
    CHECK(deleted_plus_stored(conn) == kInserted);
    CHECK(count(conn, "SELECT deleted FROM trigger_event_totals") == kInserted - 7);
    // No delivery outlives its event.
    CHECK(count(conn,
                "SELECT count(*) FROM deliveries d WHERE NOT EXISTS (SELECT 1 FROM events e"
                " WHERE e.id = d.event_id)") == 0);
    CHECK(count(conn,
                "SELECT count(*) FROM delivery_attempts a WHERE NOT EXISTS (SELECT 1 FROM events"
                " e WHERE e.id = a.event_id)") == 0);
    CHECK(count(conn, "SELECT count(*) FROM deliveries") == 7);
}

}  // namespace

TEST_CASE("a pass archives, deletes with counts, and a second pass finds nothing to do") {
    Connection conn = seed("pass_twice");
    auto first = run_pass(conn, options(2), [] { return false; });
    CHECK(first.completed);
    CHECK(first.archived == 6);  // 7, one of them archived by hand
    CHECK(first.deleted == kInserted - 7);
    CHECK(first.partitions_dropped >= 4);  // the migration's hours may add empty ones
    CHECK(first.deliveries_deleted == 2 * (kInserted - 7));
    CHECK(first.default_rows == 0);
    REQUIRE(first.oldest_age);
    CHECK(*first.oldest_age > 2h);
    CHECK(*first.oldest_age < 4h);
    check_done(conn);

    auto second = run_pass(conn, options(2), [] { return false; });
    CHECK(second.completed);
    CHECK(second.archived == 0);
    CHECK(second.deleted == 0);
    CHECK(second.partitions_dropped == 0);
    CHECK(second.deliveries_deleted == 0);
    CHECK(second.partitions_created == 0);
    check_done(conn);
}

TEST_CASE("a pass stopped between any two batches leaves consistent counts; the next finishes") {
    // Stop after 1, 2, 3, ... batches: every interruption point of the pass in turn.
    for (int stop_after = 1; stop_after <= 30; ++stop_after) {
        INFO("stopped after " << stop_after << " checks");
        Connection conn = seed("pass_stop");
        int asked = 0;
        auto partial = run_pass(conn, options(2), [&] { return ++asked > stop_after; });
        CHECK(deleted_plus_stored(conn) == kInserted);
        CHECK(count(conn,
                    "SELECT count(*) FROM deliveries d WHERE NOT EXISTS (SELECT 1 FROM events e"
                    " WHERE e.id = d.event_id)") == 0);
        auto rest = run_pass(conn, options(2), [] { return false; });
        CHECK(rest.completed);
        CHECK(partial.archived + rest.archived == 6);
        CHECK(partial.deleted + rest.deleted == kInserted - 7);
        check_done(conn);
        if (partial.completed) break;  // no interruption point left
    }
}

TEST_CASE("the pass creates partitions ahead and from the delete boundary on") {
    Connection conn = seed("pass_ahead");
    auto report = run_pass(conn, options(100), [] { return false; });
    CHECK(report.completed);
    // Every hour from the boundary's to 24 h ahead has a partition.
    CHECK(count(conn, R"(
        SELECT count(*) FROM generate_series(date_trunc('hour', now() - interval '48 hours'),
                                             now() + interval '23 hours', interval '1 hour') h
        WHERE to_regclass('events_p' || to_char(h AT TIME ZONE 'UTC', 'YYYYMMDDHH24')) IS NULL)") ==
          0);
    // Nothing older than the boundary's hour.
    CHECK(count(conn, R"(
        SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'events'::regclass AND c.relname ~ '^events_p[0-9]{10}$'
          AND c.relname < 'events_p' || to_char(date_trunc('hour', now() - interval '48 hours')
                                                AT TIME ZONE 'UTC', 'YYYYMMDDHH24'))") == 0);
    CHECK(report.partitions == count(conn, R"(
        SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'events'::regclass AND c.relname ~ '^events_p[0-9]{10}$')"));
}

TEST_CASE("a paced pass rests between its steps and does the same work") {
    Connection conn = seed("pass_paced");
    PassOptions o = options(2);
    o.work_percent = 25;
    std::vector<std::chrono::microseconds> rests;
    auto report = run_pass(
        conn, o, [] { return false; },
        [&](std::chrono::microseconds d) {
            rests.push_back(d);
            return true;  // rests without waiting: the test checks what is asked
        });
    CHECK(report.completed);
    CHECK(report.archived == 6);
    CHECK(report.deleted == kInserted - 7);
    check_done(conn);
    // Every batch boundary asked for a rest three times as long as the work before it.
    CHECK(rests.size() >= 10);
    for (auto d : rests) CHECK(d > 0us);

    // A rest interrupted by a shutdown ends the pass there; the next pass finishes.
    Connection again = seed("pass_paced_stop");
    int asked = 0;
    auto partial = run_pass(
        again, o, [] { return false; }, [&](std::chrono::microseconds) { return ++asked < 3; });
    CHECK_FALSE(partial.completed);
    CHECK(asked == 3);
    CHECK(deleted_plus_stored(again) == kInserted);
    auto rest = run_pass(again, options(2), [] { return false; });
    CHECK(rest.completed);
    check_done(again);
}
