#include "etp/pg/delivery_queue.hpp"

#include <map>
#include <set>

#include "etp/domain/error.hpp"
#include "etp/pg/event_store.hpp"
#include "etp/pg/transaction.hpp"
#include "sql_time.hpp"

namespace etp::pg {
namespace {

using nlohmann::json;

std::string interval(std::chrono::milliseconds d) {
    return std::to_string(d.count()) + " milliseconds";
}

// A target stored with a delivery (a test of an unsaved definition) goes back through the same
// validation as any definition's target. Its secret is read apart (target_secret()).
Target stored_target(std::string_view target_json) {
    json node = json::parse(target_json);
    std::vector<FieldError> errors;
    auto target = parse_target(node, "/target", errors);
    if (!target || !errors.empty())
        throw Error(ErrorKind::kInternal, "a delivery's stored target does not validate");
    return *target;
}

std::string key_rows_json(const std::vector<DeliveryKey>& keys) {
    json rows = json::array();
    for (const auto& k : keys)
        rows.push_back({{"event_id", k.event_id.to_string()}, {"number", k.number}});
    return rows.dump();
}

// "Still pending", for statements that find deliveries by key. Written as not finished (the
// table's CHECK allows pending, succeeded and dead only) rather than as status = 'pending',
// which matches the predicate of the partial index of due deliveries: PostgreSQL then read that
// whole index into a hash, every pending delivery, for each batch of a few dozen keys (3.6 ms
// for 33 keys with none pending, and growing with a backlog); by key it takes 0.24 ms.
const std::string kStillPending = "d.status NOT IN ('succeeded', 'dead')";

// A uuid[] literal. The batch's triggers are named, so that PostgreSQL looks each one up by
// its key: asked per row with EXISTS, it planned one hashed scan of the whole triggers table
// per batch (jsonb_to_recordset is estimated at 100 rows), 53 of the statement's 61 ms for
// 500 rows after a benchmark had created and deleted 150,000 triggers, and growing with every
// trigger a deployment keeps. Now 7.8 ms.
std::string uuid_array(const std::set<Uuid>& ids) {
    std::string out = "{";
    for (const Uuid& id : ids) {
        if (out.size() > 1) out += ',';
        out += id.to_string();
    }
    return out + "}";
}

}  // namespace

LoggedBatch DeliveryQueue::log_events(Connection& conn, const secrets::SecretBox& box,
                                      const std::vector<Event>& events,
                                      std::chrono::milliseconds lease) {
    LoggedBatch out;
    if (events.empty()) return out;
    // Every position of an event repeated in the batch gets the same answer.
    std::map<Uuid, std::vector<std::size_t>> index;
    for (std::size_t i = 0; i < events.size(); ++i) index[events[i].id.value].push_back(i);
    out.delivery_queued.assign(events.size(), false);

    Transaction tx(conn);
    const LoggedEvents logged = EventStore::log(conn, events);
    out.inserted = logged.inserted;

    json rows = json::array();
    std::set<Uuid> trigger_ids;
    std::set<Uuid> inline_ids;
    for (const Event& e : events) {
        trigger_ids.insert(e.trigger_id.value);
        json row = {{"event_id", e.id.to_string()},
                    {"trigger_id", e.trigger_id.to_string()},
                    {"triggered_at", format_rfc3339(e.triggered_at)}};
        if (e.target) {
            inline_ids.insert(e.id.value);
            row["target"] = target_to_json(*e.target);
            if (e.target->secret) {
                secrets::Sealed sealed = box.seal(*e.target->secret, target_secret_aad(e.id));
                row["target_secret"] = sealed.value;
                row["target_secret_key_id"] = sealed.key_id;
            }
        }
        rows.push_back(std::move(row));
    }
    // A staged test secret moves into the delivery: deleted from test_target_secrets in the
    // same statement, so it is in exactly one place whether or not the transaction commits.
    Result queued = conn.exec_prepared(
        R"(
        WITH staged AS (
            DELETE FROM test_target_secrets WHERE event_id = ANY($4::uuid[])
            RETURNING event_id, key_id, secret)
        INSERT INTO deliveries (event_id, number, trigger_id, triggered_at, status,
                                next_attempt_at, target, target_secret, target_secret_key_id)
        SELECT x.event_id, 1, x.trigger_id, x.triggered_at, 'pending', now() + $2::interval,
               x.target, coalesce(x.target_secret, s.secret),
               CASE WHEN x.target_secret IS NULL THEN s.key_id ELSE x.target_secret_key_id END
        FROM jsonb_to_recordset($1::jsonb) AS x(
            event_id uuid, trigger_id uuid, triggered_at timestamptz, target jsonb,
            target_secret text, target_secret_key_id text)
        LEFT JOIN staged s ON s.event_id = x.event_id
        WHERE x.target IS NOT NULL
           OR x.trigger_id IN (SELECT t.id FROM triggers t
                               WHERE t.id = ANY($3::uuid[]) AND t.target IS NOT NULL
                                 AND t.target_disabled_at IS NULL)
        ON CONFLICT (event_id, number) DO NOTHING
        RETURNING event_id)",
        {rows.dump(-1, ' ', false, json::error_handler_t::replace), interval(lease),
         uuid_array(trigger_ids), uuid_array(inline_ids)});
    for (int i = 0; i < queued.rows(); ++i) {
        auto id = Uuid::parse(queued.text(i, 0));
        auto at = index.find(id.value_or(Uuid{}));
        // Once per event, at its first position: the delivery is handed off once.
        if (at != index.end()) out.delivery_queued[at->second.front()] = true;
    }
    tx.commit();
    out.logged_at.reserve(events.size());
    for (std::size_t i = 0; i < events.size(); ++i) {
        if (!logged.logged_at[i])
            throw Error(ErrorKind::kInternal,
                        "event " + events[i].id.to_string() + " is neither new nor in the log");
        out.logged_at.push_back(*logged.logged_at[i]);
    }
    return out;
}

std::vector<ClaimedDelivery> DeliveryQueue::claim_due(Connection& conn, std::size_t limit,
                                                      std::chrono::milliseconds lease) {
    Result r = conn.exec_prepared(
        R"(
        UPDATE deliveries d SET next_attempt_at = now() + $2::interval, updated_at = now()
        FROM (SELECT event_id, number FROM deliveries
              WHERE status = 'pending' AND next_attempt_at <= now()
              ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED) due
        WHERE d.event_id = due.event_id AND d.number = due.number
        RETURNING d.event_id, d.number, d.trigger_id, d.attempts, d.target, )" +
            detail::micros_of("d.triggered_at", "triggered_us"),
        {std::to_string(limit), interval(lease)});
    std::vector<ClaimedDelivery> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) {
        ClaimedDelivery c;
        auto event_id = EventId::parse(r.text(i, "event_id"));
        auto trigger_id = TriggerId::parse(r.text(i, "trigger_id"));
        if (!event_id || !trigger_id) throw Error(ErrorKind::kInternal, "malformed delivery row");
        c.key = {*event_id, r.integer(i, "number")};
        c.trigger_id = *trigger_id;
        c.triggered_at = detail::from_micros(r.integer(i, "triggered_us"));
        c.attempts = r.integer(i, "attempts");
        if (!r.is_null(i, "target")) c.target = stored_target(r.text(i, "target"));
        out.push_back(std::move(c));
    }
    return out;
}

std::vector<Event> DeliveryQueue::load_events(Connection& conn,
                                              const std::vector<ClaimedDelivery>& claimed) {
    std::vector<EventKey> keys;
    keys.reserve(claimed.size());
    for (const auto& c : claimed) keys.push_back({c.key.event_id, c.triggered_at});
    return EventStore::get_many(conn, keys);
}

void DeliveryQueue::renew(Connection& conn, const std::vector<DeliveryKey>& keys,
                          std::chrono::milliseconds lease) {
    if (keys.empty()) return;
    static const std::string kSql = R"(
        UPDATE deliveries d SET next_attempt_at = now() + $2::interval
        FROM jsonb_to_recordset($1::jsonb) AS x(event_id uuid, number int)
        WHERE d.event_id = x.event_id AND d.number = x.number AND )" +
                                    kStillPending;
    conn.exec_prepared(kSql, {key_rows_json(keys), interval(lease)});
}

void DeliveryQueue::record(Connection& conn, const std::vector<AttemptOutcome>& outcomes,
                           const std::vector<std::pair<DeliveryKey, OutboxMessage>>& dead_letters) {
    if (outcomes.empty()) return;
    json rows = json::array();
    for (const auto& o : outcomes) {
        rows.push_back(
            {{"event_id", o.key.event_id.to_string()},
             {"number", o.key.number},
             {"attempt", o.attempt},
             {"triggered_at", format_rfc3339(o.triggered_at)},
             {"started_at", format_rfc3339(o.started_at)},
             {"http_status", o.http_status ? json(*o.http_status) : json(nullptr)},
             {"latency_ms", o.latency_ms},
             {"error", o.error ? json(*o.error) : json(nullptr)},
             {"response_body", o.response_body ? json(*o.response_body) : json(nullptr)},
             {"status", o.status},
             {"next_attempt_at",
              o.next_attempt_at ? json(format_rfc3339(*o.next_attempt_at)) : json(nullptr)}});
    }
    std::string param = rows.dump(-1, ' ', false, json::error_handler_t::replace);
    Transaction tx(conn);
    conn.exec_prepared(R"(
        INSERT INTO delivery_attempts (event_id, number, attempt, triggered_at, started_at,
                                       http_status, latency_ms, error, response_body)
        SELECT event_id, number, attempt, triggered_at, started_at, http_status, latency_ms,
               error, response_body
        FROM jsonb_to_recordset($1::jsonb) AS x(
            event_id uuid, number int, attempt int, triggered_at timestamptz,
            started_at timestamptz, http_status int, latency_ms int, error text,
            response_body text)
        ON CONFLICT (event_id, number, attempt) DO NOTHING)",
                       {param});
    // Returns the deliveries this statement ended dead: their messages go into the outbox.
    static const std::string kUpdateSql = R"(
        WITH updated AS (
            UPDATE deliveries d
            SET status = x.status, attempts = greatest(d.attempts, x.attempt),
                next_attempt_at = x.next_attempt_at,
                last_error = CASE WHEN x.status = 'succeeded' THEN NULL ELSE x.error END,
                updated_at = now()
            FROM jsonb_to_recordset($1::jsonb) AS x(
                event_id uuid, number int, attempt int, status text,
                next_attempt_at timestamptz, error text)
            WHERE d.event_id = x.event_id AND d.number = x.number AND )" +
                                          kStillPending + R"(
            RETURNING d.event_id, d.number, d.status)
        SELECT event_id::text AS event_id, number FROM updated WHERE status = 'dead')";
    auto ended_dead = conn.exec_prepared(kUpdateSql, {param});
    if (!dead_letters.empty()) {
        std::set<DeliveryKey> ended;
        for (int i = 0; i < ended_dead.rows(); ++i)
            if (auto id = EventId::parse(ended_dead.text(i, "event_id")))
                ended.insert({*id, ended_dead.integer(i, "number")});
        std::vector<OutboxMessage> messages;
        for (const auto& [key, message] : dead_letters)
            if (ended.contains(key)) messages.push_back(message);
        Outbox::add(conn, messages);
    }
    tx.commit();
}

void DeliveryQueue::abandon(Connection& conn, const DeliveryKey& key, const std::string& reason,
                            const std::optional<OutboxMessage>& dead_letter) {
    Transaction tx(conn);
    auto ended = conn.exec(R"(
        UPDATE deliveries SET status = 'dead', next_attempt_at = NULL, last_error = $3,
                              updated_at = now()
        WHERE event_id = $1 AND number = $2 AND status = 'pending')",
                           {key.event_id.to_string(), std::to_string(key.number), reason});
    if (dead_letter && ended.affected_rows() > 0) Outbox::add(conn, {*dead_letter});
    tx.commit();
}

std::string DeliveryQueue::target_secret_aad(const EventId& event) {
    return "test_target_secret/" + event.to_string();
}

std::optional<std::string> DeliveryQueue::target_secret(Connection& conn,
                                                        const secrets::SecretBox& box,
                                                        const DeliveryKey& key) {
    Result r = conn.exec_prepared(
        "SELECT target_secret_key_id, target_secret FROM deliveries"
        " WHERE event_id = $1 AND number = $2 AND target_secret IS NOT NULL",
        {key.event_id.to_string(), std::to_string(key.number)});
    if (r.rows() == 0) return std::nullopt;
    return box.open({std::string(r.text(0, 0)), std::string(r.text(0, 1))},
                    target_secret_aad(key.event_id));
}

void DeliveryQueue::stage_target_secret(Connection& conn, const secrets::SecretBox& box,
                                        const EventId& event, const std::string& secret) {
    secrets::Sealed sealed = box.seal(secret, target_secret_aad(event));
    conn.exec_prepared(R"(
        WITH old AS (
            DELETE FROM test_target_secrets WHERE created_at < now() - interval '1 day')
        INSERT INTO test_target_secrets (event_id, key_id, secret) VALUES ($1, $2, $3))",
                       {event.to_string(), sealed.key_id, sealed.value});
}

std::int64_t DeliveryQueue::reseal(Connection& conn, const secrets::SecretBox& box,
                                   std::size_t limit) {
    if (!box.has_key()) return 0;
    const std::string current(box.key_id());
    std::int64_t changed = 0;
    Result d = conn.exec(
        "SELECT event_id, number, target_secret_key_id, target_secret FROM deliveries"
        " WHERE target_secret IS NOT NULL AND target_secret_key_id <> $1 LIMIT $2",
        {current, std::to_string(limit)});
    for (int i = 0; i < d.rows(); ++i) {
        auto event = EventId::parse(d.text(i, 0));
        if (!event) throw Error(ErrorKind::kInternal, "malformed delivery row");
        secrets::Sealed old{std::string(d.text(i, 2)), std::string(d.text(i, 3))};
        const std::string aad = target_secret_aad(*event);
        secrets::Sealed now = box.seal(box.open(old, aad), aad);
        changed += conn.exec(
                           "UPDATE deliveries SET target_secret_key_id = $4, target_secret = $5"
                           " WHERE event_id = $1 AND number = $2 AND target_secret_key_id = $3"
                           " AND target_secret = $6",
                           {event->to_string(), std::string(d.text(i, 1)), old.key_id, now.key_id,
                            now.value, old.value})
                       .affected_rows();
    }
    Result s = conn.exec(
        "SELECT event_id, key_id, secret FROM test_target_secrets WHERE key_id <> $1 LIMIT $2",
        {current, std::to_string(limit)});
    for (int i = 0; i < s.rows(); ++i) {
        auto event = EventId::parse(s.text(i, 0));
        if (!event) throw Error(ErrorKind::kInternal, "malformed test_target_secrets row");
        secrets::Sealed old{std::string(s.text(i, 1)), std::string(s.text(i, 2))};
        const std::string aad = target_secret_aad(*event);
        secrets::Sealed now = box.seal(box.open(old, aad), aad);
        changed += conn.exec(
                           "UPDATE test_target_secrets SET key_id = $3, secret = $4"
                           " WHERE event_id = $1 AND key_id = $2 AND secret = $5",
                           {event->to_string(), old.key_id, now.key_id, now.value, old.value})
                       .affected_rows();
    }
    return changed;
}

std::int64_t DeliveryQueue::pending_count(Connection& conn) {
    return conn.exec_prepared("SELECT count(*) FROM deliveries WHERE status = 'pending'")
        .integer(0, 0);
}

}  // namespace etp::pg
