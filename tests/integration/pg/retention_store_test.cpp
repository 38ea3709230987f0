// Retention's rows against a real PostgreSQL: archiving by watermark (a hand-archived event keeps
// its time; readers see the mark's time on the others), dropping a partition together with its
// per-trigger counts (and nothing at all when the drop cannot get its lock), deleting the rows left
// past the boundary, expired deliveries and idempotency keys, moving rows out of events_default,
// and lifetime_total in the aggregate once events are gone.

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <string>

#include "etp/pg/error.hpp"
#include "etp/pg/event_store.hpp"
#include "etp/pg/idempotency_store.hpp"
#include "etp/pg/migrations.hpp"
#include "etp/pg/retention_store.hpp"
#include "etp/pg/transaction.hpp"
#include "pg_test_support.hpp"

using etp::Timestamp;
using etp::pg::Connection;
using etp::pg::EventStore;
using etp::pg::RetentionStore;
using namespace std::chrono_literals;

namespace {

const std::string kTriggerA = "0190a5c4-0000-7000-8000-00000000a001";
const std::string kTriggerB = "0190a5c4-0000-7000-8000-00000000b002";

struct Db {
    std::string url;
    Connection conn;
    Timestamp now;
};

Db migrated(const std::string& prefix) {
    auto url = etp::pg::test::fresh_database(prefix);
    Connection conn(url);
    etp::pg::apply_migrations(conn, etp::pg::builtin_migrations());
    Timestamp now = RetentionStore::database_now(conn);
    // Partitions for the last 60 hours, as a running platform has them.
    RetentionStore::ensure_partitions(conn, now - 60h, now + 2h, 2s);
    return {url, std::move(conn), now};
}

// Inserts `n` events of `trigger` triggered `ago` before `now`, spread over one second; returns
// the partition the first one landed in.
std::string insert_events(Db& db, const std::string& trigger, std::chrono::microseconds ago, int n,
                          bool is_test = false, const std::string& name = "t") {
    auto at = db.now - ago;
    return std::string(
        db.conn
            .exec("WITH ins AS (INSERT INTO events (id, trigger_id, trigger_name, trigger_type,"
                  " source, is_test, triggered_at)"
                  " SELECT gen_random_uuid(), $1, $4, 'api', 'api', $3,"
                  " 'epoch'::timestamptz + ($2::bigint - g) * interval '1 microsecond'"
                  " FROM generate_series(1, $5::int) g RETURNING tableoid::regclass::text AS p)"
                  " SELECT min(p) FROM ins",
                  {trigger, std::to_string(at.time_since_epoch().count()),
                   is_test ? "true" : "false", name, std::to_string(n)})
            .text(0, 0));
}

std::int64_t count(Connection& conn, const std::string& sql) {
    return conn.exec(sql).integer(0, 0);
}

// Drops every partition that ends `age` or more before now; returns the rows they held.
std::int64_t drop_older(Db& db, std::chrono::hours age) {
    std::int64_t rows = 0;
    for (const auto& p : RetentionStore::partitions(db.conn))
        if (p.from + 1h <= db.now - age)
            rows += RetentionStore::drop_partition(db.conn, p.name, 2s).value();
    return rows;
}

std::int64_t deleted_of(Connection& conn, const std::string& trigger) {
    auto r = conn.exec("SELECT deleted FROM trigger_event_totals WHERE trigger_id = $1", {trigger});
    return r.rows() == 0 ? 0 : r.integer(0, 0);
}

}  // namespace

// The events with status `status`, as the gateway lists them: id -> archived_at.
std::map<std::string, std::optional<Timestamp>> listed(Db& db, etp::pg::EventStatus status) {
    etp::pg::EventFilter filter;
    filter.status = status;
    std::map<std::string, std::optional<Timestamp>> out;
    const auto page = EventStore::list(db.conn, filter, 100, std::nullopt);
    for (const auto& item : page.items) out[item.id.to_string()] = item.archived_at;
    return out;
}

TEST_CASE("archive moves the watermark: older events are archived, a hand archive stays") {
    Db db = migrated("ret_archive");
    insert_events(db, kTriggerA, 3h, 5);
    insert_events(db, kTriggerA, 10min, 3);
    auto hand = db.conn.exec(
        "UPDATE events SET archived_at = '2001-02-03T04:05:06Z' WHERE id = (SELECT id FROM events"
        " WHERE triggered_at < now() - interval '2 hours' LIMIT 1) RETURNING id::text");
    REQUIRE(hand.rows() == 1);
    const std::string hand_id(hand.text(0, 0));
    const Timestamp hand_time = *etp::parse_rfc3339("2001-02-03T04:05:06Z");

    const Timestamp cutoff = db.now - 2h;
    CHECK(RetentionStore::archive(db.conn, cutoff) == 4);       // 5, one archived by hand
    CHECK(RetentionStore::archive(db.conn, cutoff) == 0);       // idempotent
    CHECK(RetentionStore::archive(db.conn, cutoff - 1h) == 0);  // the watermark never moves back
    CHECK(count(db.conn, "SELECT count(*) FROM event_archive_marks") == 1);
    const Timestamp marked =
        *etp::parse_rfc3339(db.conn.exec("SELECT marked_at FROM event_archive_marks").text(0, 0));

    // As the gateway shows them: the hand archive keeps its time, the others carry the mark's.
    auto archived = listed(db, etp::pg::EventStatus::kArchived);
    REQUIRE(archived.size() == 5);
    for (const auto& [id, at] : archived) CHECK(at == (id == hand_id ? hand_time : marked));
    auto active = listed(db, etp::pg::EventStatus::kActive);
    CHECK(active.size() == 3);
    for (const auto& [id, at] : active) CHECK(!at);
    CHECK(EventStore::get(db.conn, etp::EventId::parse(hand_id).value())->archived_at == hand_time);

    // Archiving by hand what a pass archived writes the pass's time down; it does not change.
    const std::string auto_id = std::find_if(archived.begin(), archived.end(), [&](auto& kv) {
                                    return kv.first != hand_id;
                                })->first;
    auto by_hand = EventStore::archive(db.conn, etp::EventId::parse(auto_id).value());
    REQUIRE(by_hand);
    CHECK(by_hand->archived_at == marked);
    CHECK(db.conn.exec("SELECT archived_at IS NOT NULL FROM events WHERE id = $1", {auto_id})
              .boolean(0, 0));

    // A later mark archives the rest, counted once; the earlier ones keep their time.
    CHECK(RetentionStore::archive(db.conn, db.now) == 3);
    CHECK(listed(db, etp::pg::EventStatus::kActive).empty());
    auto all = listed(db, etp::pg::EventStatus::kArchived);
    CHECK(all.size() == 8);
    for (const auto& [id, at] : archived) CHECK(all.at(id) == at);

    // Marks are pruned once no stored event is older than them; the watermark stays.
    CHECK(RetentionStore::prune_archive_marks(db.conn) == 0);
    CHECK(RetentionStore::delete_events_batch(db.conn, db.now - 1h, 100) == 5);
    CHECK(RetentionStore::prune_archive_marks(db.conn) == 1);
    CHECK(count(db.conn, "SELECT count(*) FROM event_archive_marks") == 1);
    CHECK(listed(db, etp::pg::EventStatus::kArchived).size() == 3);
    CHECK(RetentionStore::delete_events_batch(db.conn, db.now, 100) == 3);
    CHECK(RetentionStore::prune_archive_marks(db.conn) == 0);  // the newest mark stays
    CHECK(count(db.conn, "SELECT count(*) FROM event_archive_marks") == 1);
}

TEST_CASE("dropping a partition counts its rows per trigger in the same transaction") {
    Db db = migrated("ret_drop");
    const std::string part = insert_events(db, kTriggerA, 50h, 4, false, "old name");
    insert_events(db, kTriggerA, 50h + 1s, 2, true, "older name");
    insert_events(db, kTriggerB, 50h + 2s, 3);
    REQUIRE(part.rfind("events_p", 0) == 0);

    CHECK(drop_older(db, 49h) == 9);
    CHECK(db.conn.exec("SELECT to_regclass($1)", {part}).is_null(0, 0));
    auto totals = db.conn.exec(
        "SELECT trigger_name, deleted, deleted_test FROM trigger_event_totals WHERE trigger_id ="
        " $1",
        {kTriggerA});
    REQUIRE(totals.rows() == 1);
    CHECK(totals.text(0, "trigger_name") == "old name");  // of the newest deleted event
    CHECK(totals.integer(0, "deleted") == 6);
    CHECK(totals.integer(0, "deleted_test") == 2);
    CHECK(deleted_of(db.conn, kTriggerB) == 3);

    // A second drop of the same partition does nothing and counts nothing.
    CHECK_FALSE(RetentionStore::drop_partition(db.conn, part, 2s));
    CHECK(deleted_of(db.conn, kTriggerA) == 6);

    SECTION("counts add up over later drops") {
        const std::string next = insert_events(db, kTriggerA, 30h, 1);
        CHECK(RetentionStore::drop_partition(db.conn, next, 2s).value() == 1);
        CHECK(deleted_of(db.conn, kTriggerA) == 7);
    }
}

TEST_CASE("a drop that cannot get its lock leaves rows and counts untouched") {
    Db db = migrated("ret_drop_locked");
    const std::string part = insert_events(db, kTriggerA, 50h, 4);
    Connection reader(db.url);
    etp::pg::Transaction holder(reader);
    holder.exec("SELECT id FROM " + part + " FOR UPDATE");  // conflicts with EXCLUSIVE

    try {
        RetentionStore::drop_partition(db.conn, part, 100ms);
        FAIL("the drop should have timed out on its lock");
    } catch (const etp::pg::DatabaseError& e) {
        CHECK(e.sqlstate() == "55P03");
    }
    CHECK_FALSE(db.conn.exec("SELECT to_regclass($1)", {part}).is_null(0, 0));
    CHECK(count(db.conn, "SELECT count(*) FROM " + part) == 4);
    CHECK(deleted_of(db.conn, kTriggerA) == 0);
}

TEST_CASE("a partition whose drop cannot lock events is counted and emptied, dropped later") {
    Db db = migrated("ret_drop_later");
    const std::string part = insert_events(db, kTriggerA, 50h, 4);
    {
        // A long reader of events (not of the partition): DROP's lock on events must wait.
        Connection reader(db.url);
        etp::pg::Transaction holder(reader);
        holder.exec("LOCK TABLE ONLY events IN ACCESS SHARE MODE");
        CHECK(RetentionStore::drop_partition(db.conn, part, 100ms) == 4);
        CHECK_FALSE(db.conn.exec("SELECT to_regclass($1)", {part}).is_null(0, 0));
        CHECK(count(db.conn, "SELECT count(*) FROM " + part) == 0);
        CHECK(deleted_of(db.conn, kTriggerA) == 4);
    }
    CHECK(RetentionStore::drop_partition(db.conn, part, 2s) == 0);
    CHECK(db.conn.exec("SELECT to_regclass($1)", {part}).is_null(0, 0));
    CHECK(deleted_of(db.conn, kTriggerA) == 4);
}

TEST_CASE("rows past the boundary are deleted in batches and counted once") {
    Db db = migrated("ret_stragglers");
    // A partition that straddles the boundary, and events_default (no partition in 2001).
    insert_events(db, kTriggerA, 48h + 30min, 3);
    insert_events(db, kTriggerA, 47h, 2);
    db.conn.exec(
        "INSERT INTO events (id, trigger_id, trigger_name, trigger_type, source, triggered_at)"
        " SELECT gen_random_uuid(), $1, 'b', 'api', 'api', '2001-01-01T00:00:00Z'::timestamptz +"
        " g * interval '1 second' FROM generate_series(1, 4) g",
        {kTriggerB});
    REQUIRE(count(db.conn, "SELECT count(*) FROM events_default") == 4);

    const Timestamp cutoff = db.now - 48h;
    CHECK(RetentionStore::delete_events_batch(db.conn, cutoff, 5) == 5);
    CHECK(RetentionStore::delete_events_batch(db.conn, cutoff, 5) == 2);
    CHECK(RetentionStore::delete_events_batch(db.conn, cutoff, 5) == 0);

    CHECK(count(db.conn, "SELECT count(*) FROM events") == 2);  // the 47 h old ones
    CHECK(count(db.conn, "SELECT count(*) FROM events_default") == 0);
    CHECK(deleted_of(db.conn, kTriggerA) == 3);
    CHECK(deleted_of(db.conn, kTriggerB) == 4);
}

TEST_CASE("delivery rows of expired events are deleted, newer ones kept") {
    Db db = migrated("ret_deliveries");
    for (const char* ago : {"49 hours", "47 hours"}) {
        db.conn.exec(std::string("WITH e AS (SELECT gen_random_uuid() AS id, now() - interval '") +
                     ago +
                     "' AS t) , d AS (INSERT INTO deliveries (event_id, number, trigger_id,"
                     " triggered_at, status) SELECT id, 1, gen_random_uuid(), t, 'succeeded'"
                     " FROM e) INSERT INTO delivery_attempts (event_id, number, attempt,"
                     " triggered_at, started_at, latency_ms) SELECT id, 1, a, t, t, 5 FROM e,"
                     " generate_series(1, 3) a");
    }
    const Timestamp cutoff = db.now - 48h;
    CHECK(RetentionStore::delete_deliveries_batch(db.conn, cutoff, 2) == 3);  // 2 attempts + 1
    CHECK(RetentionStore::delete_deliveries_batch(db.conn, cutoff, 2) == 1);
    CHECK(RetentionStore::delete_deliveries_batch(db.conn, cutoff, 2) == 0);
    CHECK(count(db.conn, "SELECT count(*) FROM deliveries") == 1);
    CHECK(count(db.conn, "SELECT count(*) FROM delivery_attempts") == 3);
    CHECK(count(db.conn,
                "SELECT count(*) FROM delivery_attempts WHERE triggered_at < now() - interval"
                " '48 hours'") == 0);
}

TEST_CASE("expired idempotency keys are deleted, keys within 24 hours kept") {
    Db db = migrated("ret_idem");
    db.conn.exec(
        "INSERT INTO idempotency_keys (trigger_id, key, event_id, created_at) VALUES"
        " ($1, 'old', gen_random_uuid(), now() - interval '25 hours'),"
        " ($1, 'recent', gen_random_uuid(), now() - interval '23 hours')",
        {kTriggerA});
    CHECK(etp::pg::IdempotencyStore::delete_expired(db.conn, 100) == 1);
    CHECK(etp::pg::IdempotencyStore::delete_expired(db.conn, 100) == 0);
    CHECK(db.conn.exec("SELECT key FROM idempotency_keys").text(0, 0) == "recent");
}

TEST_CASE("rows that landed in events_default get a partition of their own") {
    Db db = migrated("ret_default");
    // Beyond every partition: events_default.
    CHECK(insert_events(db, kTriggerA, -80h, 3) == "events_default");
    const Timestamp from = db.now;
    const Timestamp to = db.now + 100h;
    // The partition function skips that hour while events_default holds its rows.
    RetentionStore::ensure_partitions(db.conn, from, to, 2s);
    auto hours = RetentionStore::default_hours(db.conn, from, to);
    REQUIRE(hours.size() == 1);

    auto moved = RetentionStore::move_default_hour(db.conn, hours[0], 2s);
    REQUIRE(moved);
    CHECK(*moved == 3);
    CHECK(count(db.conn, "SELECT count(*) FROM events_default") == 0);
    auto where = db.conn.exec("SELECT DISTINCT tableoid::regclass::text FROM events");
    REQUIRE(where.rows() == 1);
    CHECK(std::string(where.text(0, 0)).rfind("events_p", 0) == 0);
    // New rows of that hour go to the new partition; moving again finds it there.
    CHECK(insert_events(db, kTriggerA, -80h, 1) == where.text(0, 0));
    CHECK_FALSE(RetentionStore::move_default_hour(db.conn, hours[0], 2s));
    CHECK(RetentionStore::default_hours(db.conn, from, to).empty());
    auto census = RetentionStore::census(db.conn);
    CHECK(census.default_rows == 0);
    CHECK(census.partitions >= 100);
}

TEST_CASE("the aggregate's lifetime_total counts deleted events; gone triggers stay listed") {
    Db db = migrated("ret_aggregate");
    insert_events(db, kTriggerA, 50h, 4);
    insert_events(db, kTriggerA, 50h + 1s, 1, true);
    insert_events(db, kTriggerA, 1h, 2);
    insert_events(db, kTriggerB, 50h + 2s, 3);
    REQUIRE(drop_older(db, 49h) == 8);

    auto find = [](const std::vector<etp::pg::TriggerEventCounts>& rows, const std::string& id) {
        for (const auto& r : rows)
            if (r.trigger_id.to_string() == id) return std::optional(r);
        return std::optional<etp::pg::TriggerEventCounts>();
    };
    etp::pg::EventFilter all;
    all.show_test = false;
    auto rows = EventStore::aggregate(db.conn, all, 100);
    auto a = find(rows, kTriggerA);
    auto b = find(rows, kTriggerB);
    REQUIRE(a);
    REQUIRE(b);
    CHECK(a->total == 2);
    CHECK(a->lifetime_total == 6);  // 4 deleted + 2 stored; the test firing not shown
    CHECK(b->total == 0);
    CHECK(b->active == 0);
    CHECK(b->lifetime_total == 3);
    CHECK(rows.front().trigger_id.to_string() == kTriggerA);  // most recently fired first

    all.show_test = true;
    CHECK(find(EventStore::aggregate(db.conn, all, 100), kTriggerA)->lifetime_total == 7);

    // A filter on the stored events: only triggers with matching rows, lifetime still whole.
    etp::pg::EventFilter active;
    active.status = etp::pg::EventStatus::kActive;
    active.show_test = false;
    rows = EventStore::aggregate(db.conn, active, 100);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].trigger_id.to_string() == kTriggerA);
    CHECK(rows[0].active == 2);
    CHECK(rows[0].lifetime_total == 6);

    etp::pg::EventFilter one;
    one.trigger_id = etp::TriggerId::parse(kTriggerB);
    rows = EventStore::aggregate(db.conn, one, 100);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].lifetime_total == 3);

    // Narrowed in time or by status: the counts are of what matches, lifetime of everything.
    insert_events(db, kTriggerA, 5h, 3);
    CHECK(RetentionStore::archive(db.conn, db.now - 2h) == 3);
    etp::pg::EventFilter recent;
    recent.since = db.now - 90min;
    recent.show_test = false;
    rows = EventStore::aggregate(db.conn, recent, 100);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].total == 2);
    CHECK(rows[0].active == 2);
    CHECK(rows[0].archived == 0);
    CHECK(rows[0].lifetime_total == 9);  // 4 deleted + 5 stored
    CHECK(rows[0].last_fired_at < db.now - 59min);

    etp::pg::EventFilter archived;
    archived.status = etp::pg::EventStatus::kArchived;
    archived.show_test = false;
    rows = EventStore::aggregate(db.conn, archived, 100);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].trigger_id.to_string() == kTriggerA);
    CHECK(rows[0].archived == 3);
    CHECK(rows[0].active == 0);
    CHECK(rows[0].total == 3);
    CHECK(rows[0].lifetime_total == 9);
    CHECK(rows[0].last_fired_at < db.now - 4h);
}
