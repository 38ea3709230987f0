#pragma once
// The event log in PostgreSQL (range-partitioned by triggered_at). Stateless; callers pass the
// connection. Inserts are idempotent on (id, triggered_at): a replayed firing is a no-op.

#include <cstdint>
#include <optional>
#include <vector>

#include "etp/domain/event.hpp"
#include "etp/pg/connection.hpp"

namespace etp::pg {

enum class EventStatus { kActive, kArchived, kAll };

struct EventQuery {
    EventStatus status = EventStatus::kAll;
    std::optional<TriggerId> trigger_id;
    std::int64_t page = 1;  // 1-based
    std::int64_t page_size = 100;
};

class EventStore {
 public:
    // One statement for the whole batch; returns how many rows were new.
    static std::int64_t insert_batch(Connection& conn, const std::vector<Event>& events);
    // Newest first (triggered_at, then id).
    static std::vector<Event> list(Connection& conn, const EventQuery& query);
    // Creates the hourly partitions covering [now - behind, now + ahead); returns how many.
    static std::int64_t ensure_partitions(Connection& conn, std::chrono::hours behind,
                                          std::chrono::hours ahead);
};

}  // namespace etp::pg
