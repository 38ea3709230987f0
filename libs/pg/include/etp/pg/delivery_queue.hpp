#pragma once
// The dispatcher's side of the event log and the webhook retry queue. Stateless; callers pass
// the connection. The queue is the deliveries table: a 'pending' row is due at
// next_attempt_at, and a dispatcher working on a row pushes next_attempt_at a lease ahead, so a
// row whose dispatcher died becomes due again once the lease runs out — nothing lives only in
// memory. Claims use FOR UPDATE SKIP LOCKED, so dispatchers never claim the same row at once.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "etp/domain/event.hpp"
#include "etp/domain/secret_box.hpp"
#include "etp/pg/connection.hpp"
#include "etp/pg/outbox.hpp"

namespace etp::pg {

struct DeliveryKey {
    EventId event_id;
    std::int64_t number = 1;
    // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy misreads the defaulted comparison.
    auto operator<=>(const DeliveryKey&) const = default;
};

struct LoggedBatch {
    std::int64_t inserted = 0;  // events new to the log (the rest were replays)
    // Per input event (same order): logged_at as stored, and whether its first delivery was
    // queued by this call (false for replays, for events without a target, and for a repeat of
    // an event earlier in the same batch, which gets the same logged_at).
    std::vector<Timestamp> logged_at;
    std::vector<bool> delivery_queued;
};

// A delivery taken from the queue: what is needed to make its next attempt.
struct ClaimedDelivery {
    DeliveryKey key;
    TriggerId trigger_id;
    Timestamp triggered_at;
    std::int64_t attempts = 0;  // made so far
    // Only for a test of an unsaved definition; without its secret (target_secret()).
    std::optional<Target> target;
};

// One finished attempt and what it leaves the delivery as.
struct AttemptOutcome {
    DeliveryKey key;
    Timestamp triggered_at;
    std::int64_t attempt = 0;
    Timestamp started_at;
    std::optional<std::int64_t> http_status;
    std::int64_t latency_ms = 0;
    std::optional<std::string> error;
    std::optional<std::string> response_body;
    std::string status;                        // pending (retry), succeeded, dead
    std::optional<Timestamp> next_attempt_at;  // when pending
};

class DeliveryQueue {
 public:
    // In one transaction: logs the events (a replay is a no-op) and queues delivery 1 of each
    // event whose trigger has a target (or that carries its own). The queued rows are due after
    // `lease` — the caller delivers them itself — or at once when `lease` is zero. An event
    // carrying its own target takes its secret from test_target_secrets (where the gateway put
    // it, see TestTargetSecrets), or from the target itself (a firing of a gateway from before
    // secrets left the message), sealed with `box`.
    static LoggedBatch log_events(Connection& conn, const secrets::SecretBox& box,
                                  const std::vector<Event>& events,
                                  std::chrono::milliseconds lease);
    // Claims up to `limit` due deliveries, oldest due first, leasing them for `lease`.
    static std::vector<ClaimedDelivery> claim_due(Connection& conn, std::size_t limit,
                                                  std::chrono::milliseconds lease);
    // The logged events of claimed deliveries (missing ones, deleted by retention, are absent).
    static std::vector<Event> load_events(Connection& conn,
                                          const std::vector<ClaimedDelivery>& claimed);
    // Extends the lease of deliveries still being worked on.
    static void renew(Connection& conn, const std::vector<DeliveryKey>& keys,
                      std::chrono::milliseconds lease);
    // Records attempts and the resulting delivery states, in one transaction. `dead_letters`
    // holds, per outcome with status dead, the message that announces it; it goes into the
    // Kafka outbox in the same transaction, and only when this call is what ended the delivery
    // (not when another dispatcher had already recorded it).
    static void record(Connection& conn, const std::vector<AttemptOutcome>& outcomes,
                       const std::vector<std::pair<DeliveryKey, OutboxMessage>>& dead_letters = {});
    // Ends a delivery that cannot be attempted (its trigger or event is gone); `dead_letter`,
    // when given, goes into the Kafka outbox in the same transaction if the delivery was still
    // pending.
    static void abandon(Connection& conn, const DeliveryKey& key, const std::string& reason,
                        const std::optional<OutboxMessage>& dead_letter = std::nullopt);
    // The signing secret of a delivery that carries its own target, opened with `box`; nullopt
    // when it has none. Throws etp::Error when the value does not decrypt.
    static std::optional<std::string> target_secret(Connection& conn, const secrets::SecretBox& box,
                                                    const DeliveryKey& key);
    // The associated data that binds an unsaved definition's test secret to its event.
    static std::string target_secret_aad(const EventId& event);
    // Seals again, under the box's current key, up to `limit` delivery secrets stored in plain
    // text or under another key (deliveries and test_target_secrets); returns how many.
    static std::int64_t reseal(Connection& conn, const secrets::SecretBox& box, std::size_t limit);
    // Stages the secret of a test of an unsaved definition for the dispatcher (see log_events),
    // and deletes staged secrets older than a day (their firings never reached the log).
    static void stage_target_secret(Connection& conn, const secrets::SecretBox& box,
                                    const EventId& event, const std::string& secret);
    // Pending deliveries: the retry queue's depth.
    static std::int64_t pending_count(Connection& conn);
};

}  // namespace etp::pg
