// DeliveryQueue against a real PostgreSQL: replays and repeats inside one batch, recording,
// and the dead-delivery messages it puts in the Kafka outbox.

#include <catch2/catch.hpp>

#include "etp/domain/event.hpp"
#include "etp/domain/secret_box.hpp"
#include "etp/domain/webhook_signature.hpp"
#include "etp/pg/delivery_queue.hpp"
#include "etp/pg/delivery_store.hpp"
#include "etp/pg/migrations.hpp"
#include "etp/pg/outbox.hpp"
#include "etp/pg/transaction.hpp"
#include "pg_test_support.hpp"

using etp::pg::Connection;

namespace {

const etp::secrets::SecretBox kPlain;

etp::Event test_event(const std::string& id, bool with_target) {
    etp::Event e;
    e.id = *etp::EventId::parse(id);
    e.trigger_id = *etp::TriggerId::parse("0192f0a0-0000-7000-8000-0000000000aa");
    e.trigger_name = "log events test";
    e.trigger_type = etp::TriggerType::kCdc;
    e.source = "cdc";
    e.payload = {{"n", 1}};
    e.triggered_at = *etp::parse_rfc3339("2026-11-23T01:00:00.123456Z");
    if (with_target) {
        etp::Target target;
        target.url = "https://example.com/hook";
        e.target = target;
    }
    return e;
}

}  // namespace

TEST_CASE("log_events answers for every position of an event repeated in one batch",
          "[delivery_queue]") {
    Connection conn(etp::pg::test::fresh_database("delivery_queue"));
    etp::pg::apply_migrations(conn, etp::pg::builtin_migrations());

    const auto a = test_event("5b2d7c1e-0000-5000-8000-000000000001", true);
    const auto b = test_event("5b2d7c1e-0000-5000-8000-000000000002", true);
    // a, b, a again: a producer's replay landing in the same batch as the original.
    auto first =
        etp::pg::DeliveryQueue::log_events(conn, kPlain, {a, b, a}, std::chrono::seconds(30));
    CHECK(first.inserted == 2);
    REQUIRE(first.logged_at.size() == 3);
    CHECK(first.logged_at[0] == first.logged_at[2]);
    CHECK(first.delivery_queued == std::vector<bool>{true, true, false});  // a's delivery once

    // The whole batch again (a replay after a crash): nothing new, the same logged_at.
    auto again =
        etp::pg::DeliveryQueue::log_events(conn, kPlain, {a, b, a}, std::chrono::seconds(30));
    CHECK(again.inserted == 0);
    CHECK(again.logged_at == first.logged_at);
    CHECK(again.delivery_queued == std::vector<bool>{false, false, false});

    CHECK(conn.exec("SELECT count(*) FROM events").integer(0, 0) == 2);
    CHECK(conn.exec("SELECT count(*) FROM deliveries").integer(0, 0) == 2);
}

TEST_CASE("log_events queues a delivery for events whose trigger has a target, and only those",
          "[delivery_queue]") {
    Connection conn(etp::pg::test::fresh_database("delivery_queue_targets"));
    etp::pg::apply_migrations(conn, etp::pg::builtin_migrations());
    const std::string with_target = "0192f0a0-0000-7000-8000-0000000000b1";
    const std::string without_target = "0192f0a0-0000-7000-8000-0000000000b2";
    conn.exec(
        "INSERT INTO triggers (id, name, type, active, target) VALUES "
        "('" +
        with_target +
        "', 'has a target', 'api', true, '{\"url\": \"https://example.com/a\"}'), ('" +
        without_target + "', 'no target', 'api', true, NULL)");
    // Many other triggers with targets, none of them in the batch.
    conn.exec(
        "INSERT INTO triggers (id, name, type, active, target) "
        "SELECT gen_random_uuid(), 'other ' || g, 'api', true, '{\"url\": "
        "\"https://example.com/o\"}' "
        "FROM generate_series(1, 200) AS g");

    auto of_trigger = [](const std::string& id, const std::string& trigger) {
        etp::Event e = test_event(id, false);
        e.trigger_id = *etp::TriggerId::parse(trigger);
        return e;
    };
    const auto a = of_trigger("5b2d7c1e-0000-5000-8000-0000000000a1", with_target);
    const auto b = of_trigger("5b2d7c1e-0000-5000-8000-0000000000a2", without_target);
    // An unsaved definition's test: its target travels with the event; no trigger row exists.
    const auto c = test_event("5b2d7c1e-0000-5000-8000-0000000000a3", true);
    const auto d = of_trigger("5b2d7c1e-0000-5000-8000-0000000000a4", with_target);

    auto logged =
        etp::pg::DeliveryQueue::log_events(conn, kPlain, {a, b, c, d}, std::chrono::seconds(30));
    CHECK(logged.inserted == 4);
    CHECK(logged.delivery_queued == std::vector<bool>{true, false, true, true});
    auto rows =
        conn.exec("SELECT event_id::text, status, number FROM deliveries ORDER BY event_id");
    REQUIRE(rows.rows() == 3);
    CHECK(rows.text(0, 0) == a.id.to_string());
    CHECK(rows.text(1, 0) == c.id.to_string());
    CHECK(rows.text(2, 0) == d.id.to_string());
    for (int i = 0; i < rows.rows(); ++i) {
        CHECK(rows.text(i, 1) == "pending");
        CHECK(rows.integer(i, 2) == 1);
    }
}

TEST_CASE("record and renew change pending deliveries only", "[delivery_queue]") {
    Connection conn(etp::pg::test::fresh_database("delivery_queue_record"));
    etp::pg::apply_migrations(conn, etp::pg::builtin_migrations());
    const auto a = test_event("5b2d7c1e-0000-5000-8000-0000000000c1", true);
    const auto b = test_event("5b2d7c1e-0000-5000-8000-0000000000c2", true);
    const auto c = test_event("5b2d7c1e-0000-5000-8000-0000000000c3", true);
    auto logged =
        etp::pg::DeliveryQueue::log_events(conn, kPlain, {a, b, c}, std::chrono::seconds(30));
    REQUIRE(logged.delivery_queued == std::vector<bool>{true, true, true});
    // b was given up on (say, its trigger was deleted) before its attempt was recorded.
    etp::pg::DeliveryQueue::abandon(conn, {b.id, 1}, "trigger deleted");

    auto outcome = [](const etp::Event& e, std::string status) {
        etp::pg::AttemptOutcome o;
        o.key = {e.id, 1};
        o.triggered_at = e.triggered_at;
        o.attempt = 1;
        o.started_at = e.triggered_at;
        o.http_status = 200;
        o.latency_ms = 12;
        o.status = std::move(status);
        return o;
    };
    etp::pg::DeliveryQueue::record(conn, {outcome(a, "succeeded"), outcome(b, "succeeded")});
    auto status = [&](const etp::Event& e) {
        return std::string(conn.exec("SELECT status || '/' || attempts FROM deliveries "
                                     "WHERE event_id = '" +
                                     e.id.to_string() + "'")
                               .text(0, 0));
    };
    CHECK(status(a) == "succeeded/1");
    CHECK(status(b) == "dead/0");  // the attempt is logged, the delivery stays dead
    CHECK(status(c) == "pending/0");
    CHECK(conn.exec("SELECT count(*) FROM delivery_attempts").integer(0, 0) == 2);

    // Renewing a lease moves only what is still pending.
    conn.exec("UPDATE deliveries SET next_attempt_at = now() - interval '1 hour'");
    etp::pg::DeliveryQueue::renew(conn, {{a.id, 1}, {b.id, 1}, {c.id, 1}},
                                  std::chrono::minutes(10));
    auto renewed = conn.exec(
        "SELECT event_id::text FROM deliveries WHERE next_attempt_at > now() + interval '9 "
        "minutes'");
    REQUIRE(renewed.rows() == 1);
    CHECK(renewed.text(0, 0) == c.id.to_string());
}

TEST_CASE("a dead delivery's message enters the outbox with its row, and only once",
          "[delivery_queue]") {
    const std::string url = etp::pg::test::fresh_database("delivery_queue_outbox");
    Connection conn(url);
    etp::pg::apply_migrations(conn, etp::pg::builtin_migrations());
    const auto a = test_event("5b2d7c1e-0000-5000-8000-0000000000d1", true);
    const auto b = test_event("5b2d7c1e-0000-5000-8000-0000000000d2", true);
    const auto c = test_event("5b2d7c1e-0000-5000-8000-0000000000d3", true);
    etp::pg::DeliveryQueue::log_events(conn, kPlain, {a, b, c}, std::chrono::seconds(30));
    auto dead = [](const etp::Event& e) {
        etp::pg::AttemptOutcome o;
        o.key = {e.id, 1};
        o.triggered_at = e.triggered_at;
        o.attempt = 1;
        o.started_at = e.triggered_at;
        o.http_status = 400;
        o.status = "dead";
        return o;
    };
    auto letter = [](const etp::Event& e) {
        return etp::pg::OutboxMessage{
            "etp.deliveries.dead", e.id.to_string(), "{\"dead\":true}", {{"ce_type", "dead"}}};
    };
    // b already ended elsewhere (another dispatcher recorded it): no message from this call.
    conn.exec("UPDATE deliveries SET status = 'succeeded' WHERE event_id = $1::uuid",
              {b.id.to_string()});
    etp::pg::DeliveryQueue::record(conn, {dead(a), dead(b)},
                                   {{{a.id, 1}, letter(a)}, {{b.id, 1}, letter(b)}});
    auto entries = [&] {
        etp::pg::Transaction tx(conn);
        return etp::pg::Outbox::lock_oldest(conn, 10);
    }();
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].message.topic == "etp.deliveries.dead");
    CHECK(entries[0].message.key == a.id.to_string());
    CHECK(entries[0].message.value == "{\"dead\":true}");
    REQUIRE(entries[0].message.headers.size() == 1);
    CHECK(entries[0].message.headers[0].first == "ce_type");
    CHECK(entries[0].message.headers[0].second == "dead");

    // The same outcome recorded again (a retried batch): the delivery is no longer pending.
    etp::pg::DeliveryQueue::record(conn, {dead(a)}, {{{a.id, 1}, letter(a)}});
    CHECK(etp::pg::Outbox::size(conn) == 1);

    // abandon: the message only when the delivery was still pending.
    etp::pg::DeliveryQueue::abandon(conn, {c.id, 1}, "trigger deleted", letter(c));
    etp::pg::DeliveryQueue::abandon(conn, {c.id, 1}, "trigger deleted", letter(c));
    CHECK(etp::pg::Outbox::size(conn) == 2);

    // Another publisher holds the oldest: this one gets the next, then removes it.
    Connection other(url);
    etp::pg::Transaction held(other);
    CHECK(etp::pg::Outbox::lock_oldest(other, 1).at(0).message.key == a.id.to_string());
    {
        etp::pg::Transaction tx(conn);
        auto next = etp::pg::Outbox::lock_oldest(conn, 10);
        REQUIRE(next.size() == 1);
        CHECK(next[0].message.key == c.id.to_string());
        etp::pg::Outbox::remove(conn, {next[0].id});
        tx.commit();
    }
    held.commit();
    CHECK(etp::pg::Outbox::size(conn) == 1);
}

TEST_CASE("a test target's secret: staged sealed, moved into its delivery, opened, resealed",
          "[delivery_queue]") {
    Connection conn(etp::pg::test::fresh_database("delivery_queue_test_secret"));
    etp::pg::apply_migrations(conn, etp::pg::builtin_migrations());
    auto key = [](char fill, const std::string& id) {
        std::string problem;
        auto k = etp::secrets::parse_key(etp::webhook::base64_encode(std::string(32, fill)), id,
                                         problem);
        REQUIRE(k);
        return *k;
    };
    const etp::secrets::SecretBox box_a(key('a', "key-a"), {});
    const std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    // The gateway stages the secret; the firing carries the target without it.
    const auto staged = test_event("5b2d7c1e-0000-5000-8000-0000000000c1", true);
    etp::pg::DeliveryQueue::stage_target_secret(conn, box_a, staged.id, secret);
    // A firing of an older gateway carries it in the target.
    auto carried = test_event("5b2d7c1e-0000-5000-8000-0000000000c2", true);
    carried.target->secret = secret;
    etp::pg::DeliveryQueue::log_events(conn, box_a, {staged, carried}, std::chrono::seconds(0));

    CHECK(conn.exec("SELECT count(*) FROM test_target_secrets").integer(0, 0) == 0);  // moved
    auto rows = conn.exec(
        "SELECT target_secret_key_id, target_secret, target::text AS target FROM deliveries");
    REQUIRE(rows.rows() == 2);
    for (int i = 0; i < rows.rows(); ++i) {
        CHECK(rows.text(i, "target_secret_key_id") == "key-a");
        CHECK(std::string(rows.text(i, "target_secret")).find("MfKQ9r8G") == std::string::npos);
        CHECK(std::string(rows.text(i, "target")).find("MfKQ9r8G") == std::string::npos);
    }
    for (const auto& e : {staged, carried})
        CHECK(etp::pg::DeliveryQueue::target_secret(conn, box_a, {e.id, 1}) == secret);

    // Claimed again later (a retry), the target comes back and the secret still opens.
    auto claimed = etp::pg::DeliveryQueue::claim_due(conn, 10, std::chrono::seconds(30));
    REQUIRE(claimed.size() == 2);
    CHECK(claimed[0].target);
    CHECK_FALSE(claimed[0].target->secret);

    // A redelivery carries the sealed value along.
    etp::Event logged = staged;
    CHECK(etp::pg::DeliveryStore::enqueue_redelivery(conn, logged) == 2);
    CHECK(etp::pg::DeliveryQueue::target_secret(conn, box_a, {staged.id, 2}) == secret);

    // Rotation: key b current, a previous; a staged row of an old gateway, plain.
    etp::pg::DeliveryQueue::stage_target_secret(
        conn, kPlain, *etp::EventId::parse("5b2d7c1e-0000-5000-8000-0000000000c3"), secret);
    const etp::secrets::SecretBox box_b(key('b', "key-b"), {key('a', "key-a")});
    CHECK(etp::pg::DeliveryQueue::reseal(conn, box_b, 100) == 4);
    CHECK(etp::pg::DeliveryQueue::reseal(conn, box_b, 100) == 0);
    CHECK(conn.exec("SELECT count(*) FROM deliveries WHERE target_secret_key_id <> 'key-b'")
              .integer(0, 0) == 0);
    CHECK(conn.exec("SELECT count(*) FROM test_target_secrets WHERE key_id <> 'key-b'")
              .integer(0, 0) == 0);
    const etp::secrets::SecretBox only_b(key('b', "key-b"), {});
    CHECK(etp::pg::DeliveryQueue::target_secret(conn, only_b, {carried.id, 1}) == secret);
    CHECK_THROWS_WITH(etp::pg::DeliveryQueue::target_secret(conn, box_a, {carried.id, 1}),
                      Catch::Contains("\"key-b\""));
}
