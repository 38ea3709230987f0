#pragma once
// Idempotency keys of fire requests: (trigger, key) → the event id of the first firing, for
// 24 hours. Stateless.

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
};

}  // namespace etp::pg
