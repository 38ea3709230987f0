// Guarantee: a retention pass killed anywhere leaves consistent data, and the next pass
// finishes the work. A backlog (30,000 events of another trigger with delivery rows: 20,000
// past EVENT_RETAIN_FOR=3h in events_default, to be deleted row by row, 10,000 past
// EVENT_ACTIVE_FOR=30m, to be archived) is deleted in batches of 20; retention is SIGKILLed
// while it deletes, then `retention --once` runs. Seen by a user: lifetime_total equals what
// was logged (also mid-way), nothing is left past either boundary, no delivery row outlives its
// event, and the events fired through the gateway are untouched.
#include <catch2/catch.hpp>
#include <thread>

#include "platform.hpp"

using namespace std::chrono_literals;
using etp::e2e::api;
using etp::e2e::body_of;
using etp::e2e::db;
using nlohmann::json;

namespace {

const std::string kBacklog = "0190a5c4-0000-7000-8000-0000000b10c0";
constexpr int kOld = 20000;
constexpr int kToArchive = 10000;

const etp::testing::Env kRetentionEnv{{"EVENT_ACTIVE_FOR", "30m"},
                                      {"EVENT_RETAIN_FOR", "3h"},
                                      {"RETENTION_INTERVAL", "1h"},
                                      {"RETENTION_BATCH_SIZE", "20"}};

std::int64_t count(const std::string& sql, const etp::pg::Params& params = {}) {
    return db().exec(sql, params).integer(0, 0);
}

std::int64_t lifetime_in_db(const std::string& trigger) {
    return count(
        "SELECT coalesce((SELECT deleted FROM trigger_event_totals WHERE trigger_id = $1), 0) +"
        " (SELECT count(*) FROM events WHERE trigger_id = $1)",
        {trigger});
}

std::int64_t orphan_deliveries() {
    return count(
        "SELECT (SELECT count(*) FROM deliveries d WHERE NOT EXISTS (SELECT 1 FROM events e"
        " WHERE e.id = d.event_id)) + (SELECT count(*) FROM delivery_attempts a WHERE NOT EXISTS"
        " (SELECT 1 FROM events e WHERE e.id = a.event_id))");
}

json aggregate_row(const std::string& trigger) {
    json body = body_of(api().get("/api/v1/events/aggregate?trigger_id=" + trigger));
    REQUIRE(body["items"].size() == 1);
    return body["items"][0];
}

}  // namespace

TEST_CASE("SIGKILL of retention mid-pass; the next pass finishes and counts stay exact") {
    etp::e2e::platform();
    auto created = api().post("/api/v1/triggers", {{"name", "retention kill"}, {"type", "api"}});
    REQUIRE(created);
    REQUIRE(created->status == 201);
    const std::string fired_trigger = json::parse(created->body)["id"];
    for (int i = 0; i < 5; ++i) {
        auto res = api().post("/api/v1/triggers/" + fired_trigger + "/fire", {{"n", i}});
        REQUIRE(res);
        REQUIRE(res->status == 202);
    }

    // The backlog. Hours 4-6 h ago have no partition (events_default); 1-2 h ago get one.
    db().exec("SELECT etp_ensure_event_partitions(now() - interval '150 minutes', now())");
    db().exec(R"(
        WITH ev AS (
            INSERT INTO events (id, trigger_id, trigger_name, trigger_type, source, payload,
                                triggered_at)
            SELECT gen_random_uuid(), $1, 'backlog', 'api', 'api', jsonb_build_object('g', g),
                   CASE WHEN g <= $2::int THEN now() - interval '4 hours' - g * interval '300 ms'
                        ELSE now() - interval '1 hour' - (g - $2::int) * interval '300 ms' END
            FROM generate_series(1, $2::int + $3::int) g
            RETURNING id, trigger_id, triggered_at),
        d AS (
            INSERT INTO deliveries (event_id, number, trigger_id, triggered_at, status, attempts)
            SELECT id, 1, trigger_id, triggered_at, 'succeeded', 1 FROM ev)
        INSERT INTO delivery_attempts (event_id, number, attempt, triggered_at, started_at,
                                       http_status, latency_ms)
        SELECT id, 1, 1, triggered_at, triggered_at, 200, 4 FROM ev)",
              {kBacklog, std::to_string(kOld), std::to_string(kToArchive)});
    REQUIRE(count("SELECT count(*) FROM events_default WHERE trigger_id = $1", {kBacklog}) == kOld);

    // Wait until the dispatcher logged the fired events.
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (count("SELECT count(*) FROM events WHERE trigger_id = $1", {fired_trigger}) < 5 &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(20ms);
    REQUIRE(count("SELECT count(*) FROM events WHERE trigger_id = $1", {fired_trigger}) == 5);

    auto retention = etp::e2e::make_service("retention", kRetentionEnv);
    REQUIRE(retention.start_and_wait());
    // Kill it once it has begun deleting old events row by row, well before it is done.
    deadline = std::chrono::steady_clock::now() + 120s;
    while (count("SELECT coalesce(sum(deleted), 0) FROM trigger_event_totals") < 200 &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(5ms);
    retention.process->kill9();
    REQUIRE(!retention.process->running());

    const auto left_old =
        count("SELECT count(*) FROM events WHERE triggered_at < now() - interval '3 hours'");
    INFO("events past the boundary left when retention was killed: " << left_old);
    REQUIRE(left_old > 0);  // killed mid-pass
    CHECK(left_old < kOld);
    // Consistent even half-way: every event is either stored or counted, never both or neither.
    CHECK(lifetime_in_db(kBacklog) == kOld + kToArchive);
    CHECK(aggregate_row(kBacklog)["lifetime_total"] == kOld + kToArchive);
    CHECK(orphan_deliveries() == 0);

    // The CronJob's way: one pass, exit 0.
    etp::testing::Env env = etp::e2e::base_env();
    for (const auto& [k, v] : kRetentionEnv) env[k] = v;
    env["ADMIN_PORT"] = std::to_string(etp::testing::free_port());
    auto once = etp::testing::run_command(etp::e2e::binary("retention"), {"--once"}, env, 300s);
    INFO(once.err);
    REQUIRE(once.exit_code == 0);

    CHECK(count("SELECT count(*) FROM events WHERE triggered_at < now() - interval '3 hours'") ==
          0);
    CHECK(count("SELECT count(*) FROM events WHERE archived_at IS NULL AND triggered_at <"
                " now() - interval '30 minutes' AND triggered_at >= (SELECT coalesce("
                "max(archived_before), '-infinity') FROM event_archive_marks)") == 0);
    CHECK(count("SELECT count(*) FROM events_default") == 0);
    CHECK(count("SELECT count(*) FROM events WHERE trigger_id = $1", {kBacklog}) == kToArchive);
    CHECK(lifetime_in_db(kBacklog) == kOld + kToArchive);
    CHECK(orphan_deliveries() == 0);
    CHECK(
        count("SELECT count(*) FROM deliveries WHERE triggered_at < now() - interval '3 hours'") ==
        0);
    CHECK(count("SELECT count(*) FROM delivery_attempts WHERE triggered_at < now() - interval"
                " '3 hours'") == 0);

    json backlog = aggregate_row(kBacklog);
    CHECK(backlog["lifetime_total"] == kOld + kToArchive);
    CHECK(backlog["total"] == kToArchive);
    CHECK(backlog["archived"] == kToArchive);
    CHECK(backlog["active"] == 0);
    json fired = aggregate_row(fired_trigger);
    CHECK(fired["lifetime_total"] == 5);
    CHECK(fired["active"] == 5);

    // Nothing is left to do: another pass changes nothing.
    auto again = etp::testing::run_command(etp::e2e::binary("retention"), {"--once"}, env, 120s);
    REQUIRE(again.exit_code == 0);
    CHECK(lifetime_in_db(kBacklog) == kOld + kToArchive);
    CHECK(count("SELECT count(*) FROM events WHERE trigger_id = $1", {kBacklog}) == kToArchive);
}
