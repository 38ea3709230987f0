#pragma once
// The event log's lifecycle in PostgreSQL: hourly partitions made ahead, archiving, deleting
// whole partitions and the rows left past the boundary, with per-trigger counts of what was
// deleted (trigger_event_totals). Stateless; callers pass the connection.
//
// Every call is one short transaction (or one statement) and idempotent: a crash between two
// calls leaves consistent data, and calling again finishes the work. Counting and deleting
// happen in the same transaction, so a deleted event is counted exactly once. Two callers at
// once are safe too (the retention service still runs only one, under an advisory lock).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "etp/domain/time.hpp"
#include "etp/pg/connection.hpp"

namespace etp::pg {

// An hourly partition events_pYYYYMMDDHH covering [from, from + 1 h).
struct EventPartition {
    std::string name;
    Timestamp from;
};

struct EventLogCensus {
    std::int64_t partitions = 0;    // hourly partitions attached to events
    std::int64_t default_rows = 0;  // rows in events_default (counted up to 1,000,000)
    std::optional<Timestamp> oldest;
};

class RetentionStore {
 public:
    // The database's clock: every cutoff is taken from it, so hosts' clocks do not matter.
    static Timestamp database_now(Connection& conn);

    // Creates the missing hourly partitions for [from, to) (etp_ensure_event_partitions);
    // returns how many. DDL waits at most lock_timeout for its locks.
    static std::int64_t ensure_partitions(Connection& conn, Timestamp from, Timestamp to,
                                          std::chrono::milliseconds lock_timeout);
    // Hours in [from, to) without a partition whose rows sit in events_default (the partition
    // function skips those hours). Oldest first.
    static std::vector<Timestamp> default_hours(Connection& conn, Timestamp from, Timestamp to);
    // Moves events_default's rows of `hour` into a new partition for that hour, in one
    // transaction (creates, copies, deletes, attaches); returns the rows moved, or nullopt when
    // the hour has a partition already.
    static std::optional<std::int64_t> move_default_hour(Connection& conn, Timestamp hour,
                                                         std::chrono::milliseconds lock_timeout);

    // Archives the oldest `limit` active events triggered before `cutoff` (and any others in
    // their time range: a few more on ties); returns how many, 0 when none is left. Events
    // already archived (by hand or before) keep their archived_at.
    static std::int64_t archive_batch(Connection& conn, Timestamp cutoff, std::int64_t limit);

    // Hourly partitions attached to events, oldest first.
    static std::vector<EventPartition> partitions(Connection& conn);
    // In one transaction: adds the partition's rows to trigger_event_totals per trigger and
    // drops it. Returns the rows it held, or nullopt when it no longer exists. The caller only
    // passes partitions that end at or before the cutoff.
    static std::optional<std::int64_t> drop_partition(Connection& conn, const std::string& name,
                                                      std::chrono::milliseconds lock_timeout);
    // Deletes up to `limit` events triggered before `cutoff` (oldest first) and counts them in
    // trigger_event_totals, in one statement; returns how many.
    static std::int64_t delete_events_batch(Connection& conn, Timestamp cutoff, std::int64_t limit);
    // Deletes up to `limit` delivery_attempts rows, then up to `limit` deliveries rows, of
    // events triggered before `cutoff`; returns how many rows in all.
    static std::int64_t delete_deliveries_batch(Connection& conn, Timestamp cutoff,
                                                std::int64_t limit);

    static EventLogCensus census(Connection& conn);
};

}  // namespace etp::pg
