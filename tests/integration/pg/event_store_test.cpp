#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "etp/pg/event_store.hpp"
#include "etp/pg/migrations.hpp"
#include "pg_test_support.hpp"

using etp::pg::Connection;
using etp::pg::EventFilter;
using etp::pg::EventStatus;
using etp::pg::EventStore;

namespace {

// Events of two triggers at many ages: far in the past (events_default), in past hours, in the
// last hour, a few minutes ago, and ahead of now, some archived and some tests; several share a
// triggered_at so that ties are ordered by id.
Connection seeded(const std::string& name) {
    Connection conn(etp::pg::test::fresh_database(name));
    etp::pg::apply_migrations(conn, etp::pg::builtin_migrations());
    conn.exec(
        "SELECT etp_ensure_event_partitions(now() - interval '30 hours', now() + interval "
        "'4 hours')");
    conn.exec(R"(
        INSERT INTO events (id, trigger_id, trigger_name, trigger_type, source, is_test, payload,
                            triggered_at, archived_at)
        SELECT gen_random_uuid(),
               CASE WHEN g % 3 = 0 THEN 'aaaaaaaa-0000-4000-8000-000000000001'::uuid
                    ELSE 'aaaaaaaa-0000-4000-8000-000000000002'::uuid END,
               't', 'api', 'api', g % 11 = 0, jsonb_build_object('n', g), at,
               CASE WHEN g % 5 = 0 THEN at + interval '1 second' END
        FROM (SELECT g, now() - offsets.ago - (g % 4) * interval '1 minute' AS at
              FROM generate_series(1, 40) AS g,
                   (VALUES (interval '-3 hours'), (interval '-20 minutes'), (interval '0'),
                           (interval '10 minutes'), (interval '50 minutes'),
                           (interval '70 minutes'), (interval '5 hours'), (interval '29 hours'),
                           (interval '25 years')) AS offsets(ago)) AS x)");
    // A retention pass archived everything older than 4 hours, before these were logged.
    conn.exec(
        "INSERT INTO event_archive_marks (archived_before, marked_at) VALUES (now() - interval "
        "'4 hours', now() - interval '2 hours')");
    return conn;
}

const std::string kWatermark = "(SELECT max(archived_before) FROM event_archive_marks)";

std::vector<std::string> expected(Connection& conn, const std::string& where) {
    auto r =
        conn.exec("SELECT id FROM events WHERE " + where + " ORDER BY triggered_at DESC, id DESC");
    std::vector<std::string> ids;
    for (int i = 0; i < r.rows(); ++i) ids.emplace_back(r.text(i, 0));
    return ids;
}

// Every page of the listing, followed by next cursors.
std::vector<std::string> walk(Connection& conn, const EventFilter& filter, std::int64_t size) {
    std::vector<std::string> ids;
    std::optional<etp::pg::EventCursor> cursor;
    for (int pages = 0; pages < 1000; ++pages) {
        auto page = EventStore::list(conn, filter, size, cursor, 0);
        CHECK(static_cast<std::int64_t>(page.items.size()) <= size);
        for (const auto& item : page.items) ids.push_back(item.id.to_string());
        if (!page.next) break;
        CHECK(static_cast<std::int64_t>(page.items.size()) == size);
        cursor = page.next;
    }
    return ids;
}

}  // namespace

TEST_CASE("listings walk every hour newest first, by cursor and by page number") {
    Connection conn = seeded("event_list");

    for (std::int64_t size : {1, 7, 25, 100, 500}) {
        INFO("page size " << size);
        EventFilter all;
        CHECK(walk(conn, all, size) == expected(conn, "TRUE"));

        EventFilter active;
        active.status = EventStatus::kActive;
        active.show_test = false;
        CHECK(walk(conn, active, size) ==
              expected(conn, "archived_at IS NULL AND triggered_at >= " + kWatermark +
                                 " AND NOT is_test"));

        EventFilter archived;
        archived.status = EventStatus::kArchived;
        archived.trigger_id = etp::TriggerId::parse("aaaaaaaa-0000-4000-8000-000000000002");
        CHECK(walk(conn, archived, size) ==
              expected(conn, "(archived_at IS NOT NULL OR triggered_at < " + kWatermark +
                                 ") AND trigger_id = 'aaaaaaaa-0000-4000-8000-000000000002'"));

        EventFilter archived_recent;  // by hand above the watermark, and everything below it
        archived_recent.status = EventStatus::kArchived;
        archived_recent.show_test = false;
        archived_recent.since = etp::now_utc() - std::chrono::hours(6);
        CHECK(walk(conn, archived_recent, size) ==
              expected(conn, "(archived_at IS NOT NULL OR triggered_at < " + kWatermark +
                                 ") AND NOT is_test AND triggered_at >= '" +
                                 etp::format_rfc3339(*archived_recent.since) + "'"));

        EventFilter bounded;
        bounded.since = etp::now_utc() - std::chrono::hours(2);
        bounded.until = etp::now_utc() - std::chrono::minutes(5);
        CHECK(walk(conn, bounded, size) ==
              expected(conn, "triggered_at >= '" + etp::format_rfc3339(*bounded.since) +
                                 "' AND triggered_at < '" + etp::format_rfc3339(*bounded.until) +
                                 "'"));
    }

    SECTION("a page by number skips the pages before it") {
        auto all = expected(conn, "TRUE");
        auto page = EventStore::list(conn, EventFilter{}, 30, std::nullopt, 60);
        REQUIRE(page.items.size() == 30);
        for (std::size_t i = 0; i < 30; ++i) CHECK(page.items[i].id.to_string() == all[60 + i]);
        CHECK(page.next);

        // Archived ones come from two ranges (by hand, below the watermark): skipped across.
        EventFilter archived;
        archived.status = EventStatus::kArchived;
        auto all_archived =
            expected(conn, "archived_at IS NOT NULL OR triggered_at < " + kWatermark);
        REQUIRE(all_archived.size() > 60);
        auto third = EventStore::list(conn, archived, 20, std::nullopt, 40);
        REQUIRE(third.items.size() == 20);
        for (std::size_t i = 0; i < 20; ++i)
            CHECK(third.items[i].id.to_string() == all_archived[40 + i]);
    }

    SECTION("a listing reads every field back") {
        auto page = EventStore::list(conn, EventFilter{}, 500, std::nullopt, 0);
        REQUIRE(page.items.size() == 360);
        std::int64_t archived = 0;
        std::int64_t by_hand = 0;
        std::int64_t tests = 0;
        for (const auto& item : page.items) {
            CHECK(item.payload_json.rfind("{\"n\": ", 0) == 0);
            CHECK(item.logged_at);
            CHECK_FALSE(item.scheduled_for);
            if (item.is_test) ++tests;
            if (!item.archived_at) continue;
            ++archived;
            if (*item.archived_at - item.triggered_at == std::chrono::seconds(1))
                ++by_hand;
            else  // by the mark, which came before the event was logged: from its logging on
                CHECK(item.archived_at == item.logged_at);
        }
        CHECK(by_hand == 9 * 8);            // g % 5 == 0 of 40, in each of 9 ages
        CHECK(archived == 9 * 8 + 3 * 32);  // and the rest of the 3 ages past the mark
        CHECK(tests == 9 * 3);              // g % 11 == 0
    }

    SECTION("the values read in binary equal those PostgreSQL prints") {
        conn.exec(
            "UPDATE events SET scheduled_for = triggered_at - interval '0.000001 second', "
            "trigger_name = 'quote \" and ünïcødé', source = 'cdc' "
            "WHERE trigger_id = 'aaaaaaaa-0000-4000-8000-000000000001'");
        auto page = EventStore::list(conn, EventFilter{}, 500, std::nullopt, 0);
        REQUIRE(page.items.size() == 360);
        const auto as_text = conn.exec(
            "SELECT id, trigger_id, trigger_name, source, is_test, payload, "
            "(extract(epoch FROM scheduled_for) * 1000000)::bigint, "
            "(extract(epoch FROM triggered_at) * 1000000)::bigint, "
            "(extract(epoch FROM logged_at) * 1000000)::bigint FROM events "
            "ORDER BY triggered_at DESC, id DESC");
        REQUIRE(as_text.rows() == 360);
        auto micros = [](const std::optional<etp::Timestamp>& t) {
            return t ? std::to_string(t->time_since_epoch().count()) : std::string();
        };
        for (int i = 0; i < as_text.rows(); ++i) {
            const auto& item = page.items[static_cast<std::size_t>(i)];
            INFO("row " << i);
            CHECK(item.id.to_string() == as_text.text(i, 0));
            CHECK(item.trigger_id.to_string() == as_text.text(i, 1));
            CHECK(item.trigger_name == as_text.text(i, 2));
            CHECK(item.source == as_text.text(i, 3));
            CHECK(item.is_test == as_text.boolean(i, 4));
            CHECK(item.payload_json == as_text.text(i, 5));
            CHECK(micros(item.scheduled_for) == as_text.text(i, 6));
            CHECK(micros(item.triggered_at) == as_text.text(i, 7));
            CHECK(micros(item.logged_at) == as_text.text(i, 8));
        }
    }
}

TEST_CASE("stats count the log by type, status, test firings and age") {
    Connection conn = seeded("event_stats");
    // Two more types, two hours old: active (the watermark is four hours back).
    conn.exec(
        "INSERT INTO events (id, trigger_id, trigger_name, trigger_type, source, triggered_at) "
        "SELECT gen_random_uuid(), gen_random_uuid(), 's', CASE WHEN g <= 5 THEN 'scheduled' "
        "ELSE 'cdc' END, 'schedule', now() - interval '2 hours' FROM generate_series(1, 8) g");
    auto s = EventStore::stats(conn);
    using Count = std::pair<std::string, std::int64_t>;
    CHECK(s.by_type == std::vector<Count>{{"api", 360}, {"cdc", 3}, {"scheduled", 5}});
    CHECK(s.archived == 9 * 8 + 3 * 32);  // by hand (g % 5 == 0), and the three ages past the mark
    CHECK(s.active == 368 - s.archived);
    CHECK(s.test == 9 * 3);  // g % 11 == 0
    // Triggered in the last minute: the two future ages, and now itself (g % 4 == 0); the
    // last hour adds 10 and 50 minutes ago; the last day 70 minutes, 2 and 5 hours ago.
    CHECK(s.last_minute == 2 * 40 + 10);
    CHECK(s.last_hour == 5 * 40);
    CHECK(s.last_day == 7 * 40 + 8);
}
