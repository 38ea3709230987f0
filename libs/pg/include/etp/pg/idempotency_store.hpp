#pragma once
// Idempotency keys of fire requests: (trigger, key) → the event id of the first firing and a
// hash of its request, for 24 hours. Stateless.

#include <cstdint>
#include <optional>
#include <string>

#include "etp/domain/ids.hpp"
#include "etp/pg/transaction.hpp"

namespace etp::pg {

// A key already claimed: the event of its first firing, and whether that firing's request had
// the same hash (true also for keys stored without one).
struct HeldKey {
    EventId event_id;
    bool same_request = true;
};

class IdempotencyStore {
 public:
    // Inside the caller's transaction: claims the key for `event_id` and `request_sha256` (new,
    // or older than 24 h) and returns nullopt, or returns the key as already held. A concurrent
    // claim of the same key waits on the row until this transaction ends, so exactly one
    // request fires.
    static std::optional<HeldKey> claim(Transaction& tx, const TriggerId& trigger,
                                        const std::string& key, const EventId& event_id,
                                        const std::string& request_sha256);
    // Deletes up to `limit` keys past their 24-hour window (never one a request could still
    // rely on); returns how many. Retention calls it in batches.
    static std::int64_t delete_expired(Connection& conn, std::int64_t limit);
};

}  // namespace etp::pg
