#include "etp/pg/idempotency_store.hpp"

#include "etp/domain/error.hpp"

namespace etp::pg {

std::optional<HeldKey> IdempotencyStore::claim(Transaction& tx, const TriggerId& trigger,
                                               const std::string& key, const EventId& event_id,
                                               const std::string& request_sha256) {
    Result claimed = tx.connection().exec_prepared(
        R"(
        INSERT INTO idempotency_keys (trigger_id, key, event_id, request_sha256)
        VALUES ($1, $2, $3, $4)
        ON CONFLICT (trigger_id, key) DO UPDATE
            SET event_id = EXCLUDED.event_id, request_sha256 = EXCLUDED.request_sha256,
                created_at = now()
            WHERE idempotency_keys.created_at < now() - interval '24 hours'
        RETURNING event_id)",
        {trigger.to_string(), key, event_id.to_string(), request_sha256});
    if (claimed.rows() == 1) return std::nullopt;
    Result held = tx.exec(
        "SELECT event_id, request_sha256 IS NULL OR request_sha256 = $3 FROM idempotency_keys "
        "WHERE trigger_id = $1 AND key = $2",
        {trigger.to_string(), key, request_sha256});
    if (held.rows() == 0) throw Error(ErrorKind::kUnavailable, "idempotency key vanished", true);
    auto id = EventId::parse(held.text(0, 0));
    if (!id) throw Error(ErrorKind::kInternal, "stored idempotency event id is not a UUID");
    return HeldKey{*id, held.boolean(0, 1)};
}

std::int64_t IdempotencyStore::delete_expired(Connection& conn, std::int64_t limit) {
    // The outer condition is checked again on the row as it is when locked: a key claimed
    // anew meanwhile (created_at = now()) is kept.
    return conn
        .exec(R"(
        DELETE FROM idempotency_keys
        WHERE ctid = ANY(ARRAY(SELECT ctid FROM idempotency_keys
                               WHERE created_at < now() - interval '24 hours' LIMIT $1))
          AND created_at < now() - interval '24 hours')",
              {std::to_string(limit)})
        .affected_rows();
}

}  // namespace etp::pg
