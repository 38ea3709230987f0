// The scheduler's rows against a real PostgreSQL: planning changed schedules, claiming due rows
// with SKIP LOCKED from several connections (no row claimed twice), recording what was fired,
// completing one-time triggers, and the due backlog.

#include <catch2/catch.hpp>

#include <algorithm>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "etp/domain/error.hpp"
#include "etp/pg/migrations.hpp"
#include "etp/pg/schedule_store.hpp"
#include "etp/pg/transaction.hpp"
#include "etp/pg/trigger_store.hpp"
#include "pg_test_support.hpp"

using etp::Timestamp;
using etp::TriggerId;
using etp::pg::Connection;
using etp::pg::ScheduleStore;
using etp::pg::ScheduleUpdate;
using etp::pg::Transaction;
using etp::pg::TriggerStore;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

// A fixed instant: every test passes its own "now", so nothing depends on the wall clock.
const Timestamp kStart = *etp::parse_rfc3339("2030-01-01T00:00:00Z");

// A migrated database: its URL (for more connections) and a first connection.
struct Db {
    std::string url;
    Connection conn;
};

Db migrated(const std::string& prefix) {
    std::string url = etp::pg::test::fresh_database(prefix);
    Connection conn(url);
    etp::pg::apply_migrations(conn, etp::pg::builtin_migrations());
    return {url, std::move(conn)};
}

TriggerId create(Connection& conn, json schedule, bool active = true, json payload = {{"k", "v"}}) {
    TriggerId id{etp::new_uuid_v7()};
    TriggerStore::create(conn, id,
                         etp::parse_trigger_spec({{"name", "sched"},
                                                  {"type", "scheduled"},
                                                  {"active", active},
                                                  {"schedule", std::move(schedule)},
                                                  {"payload", std::move(payload)}}));
    return id;
}

json every(int seconds) {
    return {{"interval_seconds", seconds}, {"start_at", etp::format_rfc3339(kStart)}};
}

json once_at(Timestamp at) { return {{"at", etp::format_rfc3339(at)}}; }

struct Row {
    bool planned;
    std::optional<Timestamp> next;
    std::optional<Timestamp> last;
    bool completed;
    bool active;
    std::int64_t version;
};

std::optional<Timestamp> micros_or_null(const etp::pg::Result& r, int col) {
    if (r.is_null(0, col)) return std::nullopt;
    return Timestamp(std::chrono::microseconds(r.integer(0, col)));
}

Row row_of(Connection& conn, const TriggerId& id) {
    auto r = conn.exec(R"(
        SELECT s.planned, (extract(epoch from s.next_fire_at) * 1000000)::bigint,
               (extract(epoch from s.last_slot_at) * 1000000)::bigint,
               s.completed_at IS NOT NULL, t.active, t.version
        FROM schedules s JOIN triggers t ON t.id = s.trigger_id WHERE s.trigger_id = $1)",
                       {id.to_string()});
    REQUIRE(r.rows() == 1);
    return {r.boolean(0, 0), micros_or_null(r, 1), micros_or_null(r, 2),
            r.boolean(0, 3), r.boolean(0, 4),      r.integer(0, 5)};
}

void set_next(Connection& conn, const TriggerId& id, Timestamp next) {
    conn.exec(
        "UPDATE schedules SET next_fire_at = 'epoch'::timestamptz + $2::bigint * interval '1 "
        "microsecond' WHERE trigger_id = $1",
        {id.to_string(), std::to_string(next.time_since_epoch().count())});
}

std::set<std::string> ids_of(const std::vector<etp::pg::DueSchedule>& rows) {
    std::set<std::string> out;
    for (const auto& r : rows) out.insert(r.trigger_id.to_string());
    return out;
}

}  // namespace

TEST_CASE(
    "plan gives changed schedules their next slot, parks inactive ones, completes past "
    "one-time triggers") {
    auto db = migrated("sched_plan");
    Connection& conn = db.conn;
    TriggerId interval = create(conn, every(60));
    TriggerId inactive = create(conn, every(60), false);
    TriggerId past = create(conn, once_at(kStart + 10s));
    TriggerId future = create(conn, once_at(kStart + 200s));
    TriggerStore::create(conn, TriggerId{etp::new_uuid_v7()},
                         etp::parse_trigger_spec({{"name", "api"}, {"type", "api"}}));
    CHECK_FALSE(row_of(conn, interval).planned);

    auto result = ScheduleStore::plan(conn, 100, kStart + 90s);
    CHECK(result.planned == 4);
    CHECK(result.completed == 1);

    Row r = row_of(conn, interval);
    CHECK(r.planned);
    CHECK(r.next == kStart + 120s);
    CHECK_FALSE(r.completed);
    CHECK(r.version == 1);

    r = row_of(conn, inactive);
    CHECK(r.planned);
    CHECK_FALSE(r.next);
    CHECK_FALSE(r.completed);
    CHECK_FALSE(r.active);

    r = row_of(conn, past);
    CHECK(r.planned);
    CHECK_FALSE(r.next);
    CHECK(r.completed);
    CHECK_FALSE(r.active);
    CHECK(r.version == 2);

    CHECK(row_of(conn, future).next == kStart + 200s);
    CHECK(ScheduleStore::plan(conn, 100, kStart + 90s).planned == 0);

    SECTION("a slot at the change is the next one; none at or before the last fired slot") {
        conn.exec(
            "UPDATE schedules SET planned = false, last_slot_at = $2::timestamptz "
            "WHERE trigger_id = $1",
            {interval.to_string(), etp::format_rfc3339(kStart + 120s)});
        ScheduleStore::plan(conn, 100, kStart + 100s);
        CHECK(row_of(conn, interval).next == kStart + 180s);
        conn.exec("UPDATE schedules SET planned = false WHERE trigger_id = $1",
                  {interval.to_string()});
        ScheduleStore::plan(conn, 100, kStart + 240s);
        CHECK(row_of(conn, interval).next == kStart + 240s);
    }
    SECTION("planning is batched, oldest change first") {
        conn.exec("UPDATE schedules SET planned = false");
        CHECK(ScheduleStore::plan(conn, 3, kStart + 90s).planned == 3);
        CHECK(ScheduleStore::plan(conn, 3, kStart + 90s).planned == 1);
        CHECK(ScheduleStore::plan(conn, 3, kStart + 90s).planned == 0);
    }
}

TEST_CASE("a trigger anchored at its creation is first due one interval after it") {
    auto db = migrated("sched_anchor");
    Connection& conn = db.conn;
    TriggerId id = create(conn, {{"interval_seconds", 5}});
    const Timestamp created = Timestamp(std::chrono::microseconds(
        conn.exec("SELECT (extract(epoch from created_at) * 1000000)::bigint FROM triggers "
                  "WHERE id = $1",
                  {id.to_string()})
            .integer(0, 0)));
    // The planner read its clock before the trigger was created (it does, before its query).
    ScheduleStore::plan(conn, 100, created - 1s);
    CHECK(row_of(conn, id).next == created + 5s);
}

TEST_CASE("plan skips rows whose trigger another transaction holds, and parks unreadable ones") {
    auto db = migrated("sched_plan_locked");
    Connection& conn = db.conn;
    TriggerId held = create(conn, every(60));
    TriggerId broken = create(conn, every(60));
    // A hand-edited row the validation no longer accepts.
    conn.exec(R"(UPDATE triggers SET schedule = '{"cron": "not a cron"}' WHERE id = $1)",
              {broken.to_string()});
    Connection gateway(db.url);
    {
        Transaction tx(gateway);
        tx.exec("SELECT 1 FROM triggers WHERE id = $1 FOR UPDATE", {held.to_string()});
        auto result = ScheduleStore::plan(conn, 100, kStart);
        CHECK(result.planned == 1);  // only the broken one: parked
        CHECK_FALSE(row_of(conn, held).planned);
    }
    Row parked = row_of(conn, broken);
    CHECK(parked.planned);
    CHECK_FALSE(parked.next);
    CHECK_FALSE(parked.completed);
    CHECK(parked.active);
    CHECK(ScheduleStore::plan(conn, 100, kStart).planned == 1);
    CHECK(row_of(conn, held).next == kStart);
}

TEST_CASE("the plan source is asked once per row and its plan is used") {
    auto db = migrated("sched_plan_source");
    Connection& conn = db.conn;
    TriggerId id = create(conn, every(60), true, {{"n", 1}});
    int asked = 0;
    auto result = ScheduleStore::plan(
        conn, 100, kStart + 1s,
        [&](const TriggerId& trigger, std::int64_t version, std::string_view schedule,
            std::string_view payload, Timestamp created_at) {
            ++asked;
            CHECK(trigger == id);
            CHECK(version == 1);
            auto stored = ScheduleStore::parse_stored_schedule(schedule, payload, created_at);
            CHECK(stored->payload == json{{"n", 1}});
            CHECK(stored->schedule.interval_seconds == 60);
            return stored;
        });
    CHECK(result.planned == 1);
    CHECK(asked == 1);
    CHECK(row_of(conn, id).next == kStart + 60s);
    CHECK_THROWS_AS(ScheduleStore::parse_stored_schedule("{\"cron\": 1}", "null", kStart),
                    etp::Error);
}

TEST_CASE("claim takes due rows earliest first, up to the limit and the horizon") {
    auto db = migrated("sched_claim");
    Connection& conn = db.conn;
    std::vector<TriggerId> ids;
    for (int i = 0; i < 30; ++i) ids.push_back(create(conn, every(3600), true, {{"i", i}}));
    ScheduleStore::plan(conn, 100, kStart);
    // Due one second apart, in reverse order of creation.
    for (int i = 0; i < 30; ++i) set_next(conn, ids[29 - i], kStart + std::chrono::seconds(i));
    TriggerId inactive = create(conn, every(60));
    ScheduleStore::plan(conn, 100, kStart);
    conn.exec("UPDATE triggers SET active = false WHERE id = $1", {inactive.to_string()});

    std::optional<Transaction> tx(std::in_place, conn);
    auto rows = ScheduleStore::claim(conn, 10, kStart + 19500ms);
    REQUIRE(rows.size() == 10);
    for (int i = 0; i < 10; ++i) {
        CHECK(rows[i].next_fire_at == kStart + std::chrono::seconds(i));
        CHECK(rows[i].trigger_id == ids[29 - i]);
        CHECK(rows[i].name == "sched");
        CHECK(rows[i].version == 1);
        CHECK(json::parse(rows[i].payload_json) == json{{"i", 29 - i}});
        CHECK_FALSE(rows[i].last_slot_at);
        auto stored = ScheduleStore::parse_stored_schedule(
            rows[i].schedule_json, rows[i].payload_json, rows[i].created_at);
        CHECK(stored->plan.first_at_or_after(kStart + 1s) == kStart + 3600s);
    }

    SECTION("a second transaction skips the rows the first holds") {
        Connection other(db.url);
        Transaction tx2(other);
        auto more = ScheduleStore::claim(other, 100, kStart + 19500ms);
        REQUIRE(more.size() == 10);  // due at +10 s .. +19 s; the inactive trigger never
        CHECK(more.front().next_fire_at == kStart + 10s);
        CHECK(more.back().next_fire_at == kStart + 19s);
        std::set<std::string> first = ids_of(rows), second = ids_of(more);
        for (const auto& id : second) CHECK(first.count(id) == 0);
    }
    SECTION("rows of a rolled-back claim can be claimed again") {
        tx.reset();
        tx.emplace(conn);
        CHECK(ScheduleStore::claim(conn, 100, kStart + 19500ms).size() == 20);
    }
}

TEST_CASE("concurrent claimers share due rows and never claim one twice") {
    auto db = migrated("sched_claim_concurrent");
    std::vector<TriggerId> ids;
    for (int i = 0; i < 200; ++i) ids.push_back(create(db.conn, every(3600)));
    ScheduleStore::plan(db.conn, 1000, kStart);

    std::mutex mutex;  // guards claimed and duplicates
    std::multiset<std::string> claimed;
    auto claimer = [&] {
        Connection conn(db.url);
        while (true) {
            Transaction tx(conn);
            auto rows = ScheduleStore::claim(conn, 7, kStart + 1s);
            if (rows.empty()) break;
            std::vector<ScheduleUpdate> updates;
            for (const auto& r : rows) {
                updates.push_back({r.trigger_id, r.next_fire_at + 3600s, r.next_fire_at, false});
                std::lock_guard lock(mutex);
                claimed.insert(r.trigger_id.to_string());
            }
            std::this_thread::sleep_for(1ms);  // hold the locks a little
            ScheduleStore::record(conn, updates);
            tx.commit();
        }
    };
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) threads.emplace_back(claimer);
    for (auto& t : threads) t.join();

    CHECK(claimed.size() == 200);
    std::set<std::string> unique(claimed.begin(), claimed.end());
    CHECK(unique.size() == 200);
    for (const auto& id : ids) {
        Row r = row_of(db.conn, id);
        CHECK(r.next == kStart + 3600s);
        CHECK(r.last == kStart);
    }
}

TEST_CASE(
    "record stores next and last slots and completes triggers in the claiming "
    "transaction") {
    auto db = migrated("sched_record");
    Connection& conn = db.conn;
    TriggerId recurring = create(conn, every(60));
    TriggerId once = create(conn, once_at(kStart + 30s));
    ScheduleStore::plan(conn, 100, kStart + 1s);
    CHECK(row_of(conn, recurring).next == kStart + 60s);
    CHECK(row_of(conn, once).next == kStart + 30s);
    CHECK(ScheduleStore::due_backlog(conn, kStart + 59s) == 1);
    CHECK(ScheduleStore::due_backlog(conn, kStart + 60s) == 2);

    SECTION("committed") {
        Transaction tx(conn);
        auto rows = ScheduleStore::claim(conn, 100, kStart + 60s);
        REQUIRE(rows.size() == 2);
        ScheduleStore::record(conn, {{recurring, kStart + 120s, kStart + 60s, false},
                                     {once, std::nullopt, kStart + 30s, true}});
        tx.commit();

        Row r = row_of(conn, recurring);
        CHECK(r.next == kStart + 120s);
        CHECK(r.last == kStart + 60s);
        CHECK(r.active);
        CHECK(r.version == 1);
        CHECK_FALSE(r.completed);

        Row o = row_of(conn, once);
        CHECK_FALSE(o.next);
        CHECK(o.last == kStart + 30s);
        CHECK(o.completed);
        CHECK_FALSE(o.active);
        CHECK(o.version == 2);

        CHECK(ScheduleStore::due_backlog(conn, kStart + 60s) == 0);
        Transaction again(conn);
        auto due = ScheduleStore::claim(conn, 100, kStart + 1h);
        REQUIRE(due.size() == 1);
        CHECK(due[0].trigger_id == recurring);
        CHECK(due[0].last_slot_at == kStart + 60s);
    }
    SECTION("a skip keeps the last slot; a park leaves the trigger active") {
        Transaction tx(conn);
        ScheduleStore::claim(conn, 100, kStart + 60s);
        ScheduleStore::record(conn, {{recurring, kStart + 180s, std::nullopt, false},
                                     {once, std::nullopt, std::nullopt, false}});
        tx.commit();
        CHECK(row_of(conn, recurring).next == kStart + 180s);
        CHECK_FALSE(row_of(conn, recurring).last);
        Row o = row_of(conn, once);
        CHECK_FALSE(o.next);
        CHECK_FALSE(o.completed);
        CHECK(o.active);
    }
    SECTION("rolled back") {
        {
            Transaction tx(conn);
            ScheduleStore::claim(conn, 100, kStart + 60s);
            ScheduleStore::record(conn, {{once, std::nullopt, kStart + 30s, true}});
        }
        Row o = row_of(conn, once);
        CHECK(o.next == kStart + 30s);
        CHECK(o.active);
        CHECK_FALSE(o.completed);
    }
    SECTION("a reactivated trigger is planned again") {
        Transaction tx(conn);
        ScheduleStore::claim(conn, 100, kStart + 60s);
        ScheduleStore::record(conn, {{once, std::nullopt, kStart + 30s, true}});
        tx.commit();
        conn.exec("UPDATE triggers SET active = true WHERE id = $1", {once.to_string()});
        conn.exec("UPDATE schedules SET planned = false, completed_at = NULL WHERE trigger_id = $1",
                  {once.to_string()});
        // Its one slot has fired: planning completes it again rather than firing it twice.
        CHECK(ScheduleStore::plan(conn, 100, kStart + 10s).completed == 1);
        CHECK_FALSE(row_of(conn, once).active);
    }
}
