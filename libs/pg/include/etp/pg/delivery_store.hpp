#pragma once
// Webhook delivery attempts of events. Stateless; callers pass the connection.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "etp/domain/ids.hpp"
#include "etp/domain/time.hpp"
#include "etp/pg/connection.hpp"

namespace etp::pg {

struct DeliveryAttempt {
    std::int64_t attempt = 0;
    std::string status;  // pending, succeeded, failed, dead
    std::optional<std::int64_t> http_status;
    std::optional<std::string> error;
    std::optional<std::int64_t> latency_ms;
    std::optional<Timestamp> next_attempt_at;
    Timestamp created_at;
};

class DeliveryStore {
 public:
    static std::vector<DeliveryAttempt> list_for_event(Connection& conn, const EventId& id);
    // Queues a new attempt of the same event, due now; returns its attempt number. Throws
    // DatabaseError(kConflict) when a concurrent call queued the same number.
    static std::int64_t enqueue_redelivery(Connection& conn, const EventId& id);
};

}  // namespace etp::pg
