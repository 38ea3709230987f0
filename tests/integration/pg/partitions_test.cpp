#include <catch2/catch.hpp>

#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "etp/pg/migrations.hpp"
#include "pg_test_support.hpp"

using etp::pg::Connection;

namespace {

std::int64_t ensure(Connection& conn, const std::string& from, const std::string& to) {
    return conn.exec("SELECT etp_ensure_event_partitions($1, $2)", {from, to}).integer(0, 0);
}

bool exists(Connection& conn, const std::string& name) {
    return !conn.exec("SELECT to_regclass($1)", {name}).is_null(0, 0);
}

std::string insert_event(Connection& conn, const std::string& triggered_at) {
    return std::string(
        conn.exec("INSERT INTO events (id, trigger_id, trigger_name, trigger_type, source,"
                  " triggered_at) VALUES (gen_random_uuid(), gen_random_uuid(), 't', 'api', 'api',"
                  " $1) RETURNING tableoid::regclass::text",
                  {triggered_at})
            .text(0, 0));
}

}  // namespace

TEST_CASE("events are partitioned by UTC hour") {
    const auto url = etp::pg::test::fresh_database("partitions");
    Connection conn(url);
    etp::pg::apply_migrations(conn, etp::pg::builtin_migrations());

    // The migration prepared now()-1h .. now()+4h: 5 hours, 6 unless now() is on the hour.
    const auto hourly =
        conn.exec(
                "SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                " WHERE i.inhparent = 'events'::regclass AND c.relname ~ '^events_p[0-9]{10}$'")
            .integer(0, 0);
    CHECK(hourly >= 5);
    CHECK(hourly <= 6);

    SECTION("an event for now() lands in the partition named after its UTC hour") {
        conn.exec("SET TimeZone = 'America/St_Johns'");  // -03:30 or -02:30: not whole hours
        auto r = conn.exec(
            "WITH e AS (INSERT INTO events (id, trigger_id, trigger_name, trigger_type, source,"
            " triggered_at) VALUES (gen_random_uuid(), gen_random_uuid(), 't', 'api', 'api', now())"
            " RETURNING tableoid::regclass::text AS part, triggered_at)"
            " SELECT part, 'events_p' || to_char(triggered_at AT TIME ZONE 'UTC', 'YYYYMMDDHH24')"
            " AS expected FROM e");
        CHECK(r.text(0, "part") == r.text(0, "expected"));
        CHECK(r.text(0, "part") != "events_default");
    }

    SECTION("the function creates missing hours only and names them in UTC") {
        CHECK(ensure(conn, "2030-01-01 10:00:00+00", "2030-01-01 12:00:00+00") == 2);
        CHECK(exists(conn, "events_p2030010110"));
        CHECK(exists(conn, "events_p2030010111"));
        CHECK_FALSE(exists(conn, "events_p2030010112"));  // to_ts is exclusive
        CHECK(ensure(conn, "2030-01-01 10:00:00+00", "2030-01-01 12:00:00+00") == 0);
        CHECK(ensure(conn, "2030-01-01 11:59:00+00", "2030-01-01 12:00:01+00") == 1);  // 12h

        // Bounds given in another zone still produce UTC hours.
        conn.exec("SET TimeZone = 'Asia/Kolkata'");
        CHECK(ensure(conn, "2030-01-02 10:30:00+05:30", "2030-01-02 12:00:00+05:30") == 2);
        CHECK(exists(conn, "events_p2030010205"));
        CHECK(exists(conn, "events_p2030010206"));
        conn.exec("SET TimeZone = 'UTC'");
        CHECK(conn.exec("SELECT pg_get_expr(relpartbound, oid) FROM pg_class"
                        " WHERE relname = 'events_p2030010205'")
                  .text(0, 0) ==
              "FOR VALUES FROM ('2030-01-02 05:00:00+00') TO ('2030-01-02 06:00:00+00')");
        CHECK(insert_event(conn, "2030-01-02 05:59:59.999+00") == "events_p2030010205");
        CHECK(insert_event(conn, "2030-01-02 06:00:00+00") == "events_p2030010206");
        CHECK(insert_event(conn, "2035-06-01 00:00:00+00") == "events_default");
    }

    SECTION("an hour whose rows are already in the default partition is skipped") {
        CHECK(insert_event(conn, "2031-05-05 10:30:00+00") == "events_default");
        CHECK(ensure(conn, "2031-05-05 10:00:00+00", "2031-05-05 12:00:00+00") == 1);
        CHECK_FALSE(exists(conn, "events_p2031050510"));
        CHECK(exists(conn, "events_p2031050511"));
        CHECK(conn.exec("SELECT count(*) FROM events WHERE triggered_at = '2031-05-05 10:30+00'")
                  .integer(0, 0) == 1);
    }

    SECTION("concurrent callers create each partition once") {
        std::mutex mutex;  // guards created, errors
        std::int64_t created = 0;
        std::vector<std::string> errors;
        std::vector<std::thread> threads;
        for (int i = 0; i < 4; ++i) {
            threads.emplace_back([&] {
                try {
                    Connection c(url);
                    const auto n = ensure(c, "2032-03-01 00:00:00+00", "2032-03-02 00:00:00+00");
                    std::lock_guard lock(mutex);
                    created += n;
                } catch (const std::exception& e) {
                    std::lock_guard lock(mutex);
                    errors.emplace_back(e.what());
                }
            });
        }
        for (auto& t : threads) t.join();
        CHECK(errors == std::vector<std::string>{});
        CHECK(created == 24);
    }
}
