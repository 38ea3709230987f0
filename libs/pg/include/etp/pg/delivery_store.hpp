#pragma once
// Webhook deliveries of events and their attempts (tables deliveries, delivery_attempts).
// Stateless; callers pass the connection. A delivery is one try-until-done of sending an event
// to its target: number 1 is queued when the event is logged, each redeliver adds the next.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "etp/domain/event.hpp"
#include "etp/domain/ids.hpp"
#include "etp/domain/time.hpp"
#include "etp/pg/connection.hpp"

namespace etp::pg {

struct AttemptRecord {
    std::int64_t attempt = 0;
    Timestamp started_at;
    std::optional<std::int64_t> http_status;  // none: no HTTP answer (timeout, refused, ...)
    std::int64_t latency_ms = 0;
    std::optional<std::string> error;
    std::optional<std::string> response_body;  // the first 1 KiB
};

struct DeliveryRecord {
    std::int64_t number = 0;
    std::string status;  // pending, succeeded, dead
    std::int64_t attempt_count = 0;
    std::optional<Timestamp> next_attempt_at;  // while pending
    std::optional<std::string> last_error;
    Timestamp created_at;
    Timestamp updated_at;
    std::vector<AttemptRecord> attempts;  // oldest first
};

class DeliveryStore {
 public:
    // Every delivery of the event with its attempts, oldest delivery first.
    static std::vector<DeliveryRecord> list_for_event(Connection& conn, const EventId& id);
    // Queues the next delivery of the event, due now; returns its number. A test of an unsaved
    // definition keeps the target its first delivery carried. Throws DatabaseError(kConflict)
    // when a concurrent call queued the same number.
    static std::int64_t enqueue_redelivery(Connection& conn, const Event& event);
    // True when an earlier delivery of the event carries its own target (a test of an unsaved
    // definition), so it can be redelivered without a trigger.
    static bool has_inline_target(Connection& conn, const EventId& id);
};

}  // namespace etp::pg
