#pragma once
// The event log's lifecycle in PostgreSQL: hourly partitions made ahead, archiving (by moving a
// watermark), deleting whole partitions and the rows left past the boundary, with per-trigger
// counts of what was deleted (trigger_event_totals). Stateless; callers pass the connection.
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

    // Archives every event triggered before `cutoff` by moving the archive watermark there
    // (event_archive_marks: one row, whatever the number of events); returns how many events
    // that archived, 0 when the watermark is at or past `cutoff` already (it never moves
    // back). Events archived by hand keep their archived_at.
    static std::int64_t archive(Connection& conn, Timestamp cutoff);
    // Deletes the marks that no stored event needs any more (all at or before the oldest event,
    // but the newest); returns how many.
    static std::int64_t prune_archive_marks(Connection& conn);

    // Hourly partitions attached to events, oldest first.
    static std::vector<EventPartition> partitions(Connection& conn);
    // In one transaction: adds the partition's rows to trigger_event_totals per trigger and
    // empties it (TRUNCATE); then drops it, empty, in a second one (left for the next call when
    // events' lock does not come within lock_timeout). Returns the rows it held, or nullopt
    // when it no longer exists. The caller only passes partitions that end at or before the
    // cutoff.
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
