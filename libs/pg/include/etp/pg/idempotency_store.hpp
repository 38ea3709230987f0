#pragma once
// Idempotency keys of fire requests: (trigger, key) → the event id of the first firing, for
// 24 hours. Stateless.

#include <cstdint>
#include <optional>
#include <string>

#include "etp/domain/ids.hpp"
#include "etp/pg/transaction.hpp"

namespace etp::pg {

class IdempotencyStore {
 public:
    // Inside the caller's transaction: claims the key for `event_id` (new, or older than 24 h)
    // and returns nullopt, or returns the event id that already holds it. A concurrent claim of
    // the same key waits on the row until this transaction ends, so exactly one request fires.
    static std::optional<EventId> claim(Transaction& tx, const TriggerId& trigger,
                                        const std::string& key, const EventId& event_id);
    // Deletes up to `limit` keys past their 24-hour window (never one a request could still
    // rely on); returns how many. Retention calls it in batches.
    static std::int64_t delete_expired(Connection& conn, std::int64_t limit);
};

}  // namespace etp::pg
