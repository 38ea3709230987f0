#pragma once
// The event log in PostgreSQL (range-partitioned by triggered_at). Stateless; callers pass the
// connection. Inserts are idempotent on (id, triggered_at): a replayed firing is a no-op.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "etp/domain/event.hpp"
#include "etp/pg/connection.hpp"
#include "etp/pg/page_cursor.hpp"

namespace etp::pg {

enum class EventStatus { kActive, kArchived, kAll };

// Hours of hourly events partitions kept created ahead of now: retention's default
// (RETENTION_PARTITIONS_AHEAD) and the dispatcher's safety net. Few on purpose: every partition
// that exists is one more in the plan of each listing that reaches the newest events.
inline constexpr std::chrono::hours kPartitionsAhead{4};

// A position in the newest-first order: the last event of a page (PageCursor::at is its
// triggered_at).
using EventCursor = PageCursor<EventId>;

// The event log's key: the id and the partition key.
struct EventKey {
    EventId id;
    Timestamp triggered_at;
};

struct EventFilter {
    EventStatus status = EventStatus::kAll;
    std::optional<TriggerId> trigger_id;
    std::optional<TriggerType> type;
    std::optional<std::string> source;
    bool show_test = true;
    std::optional<Timestamp> since;  // triggered_at >= since
    std::optional<Timestamp> until;  // triggered_at < until
    // JSON text of an object the payload must contain (jsonb @>, served by the GIN index of
    // migration 0012).
    std::optional<std::string> payload_contains;
};

// An event as listed, read in place: the strings point into the results its EventPage holds,
// and the payload is the JSON text PostgreSQL returned, so a listing passes it through without
// parsing and re-serialising it. A page of 100 events allocates nothing per event.
struct ListedEvent {
    EventId id;
    TriggerId trigger_id;
    std::string_view trigger_name;
    TriggerType trigger_type = TriggerType::kApi;
    std::string_view source;
    bool is_test = false;
    std::string_view payload_json;
    std::optional<Timestamp> scheduled_for;
    Timestamp triggered_at;
    std::optional<Timestamp> logged_at;
    std::optional<Timestamp> archived_at;  // by hand or by watermark: set means archived
};

// Movable, not copyable: the items point into `results`.
struct EventPage {
    std::vector<ListedEvent> items;
    std::optional<EventCursor> next;  // set when more items follow
    std::vector<Result> results;      // own the text of `items`
};

struct TriggerEventCounts {
    TriggerId trigger_id;
    std::string trigger_name;
    TriggerType trigger_type = TriggerType::kApi;
    std::int64_t active = 0;
    std::int64_t archived = 0;
    std::int64_t total = 0;
    // Every event the trigger ever logged (test firings only when the filter shows them),
    // including those retention has deleted: trigger_event_totals + the rows still stored.
    // The other filters (status, source, since, until) do not narrow it.
    std::int64_t lifetime_total = 0;
    Timestamp last_fired_at;
};

struct EventStats {
    std::vector<std::pair<std::string, std::int64_t>> by_type;
    std::int64_t active = 0;
    std::int64_t archived = 0;
    std::int64_t test = 0;
    std::int64_t last_minute = 0;
    std::int64_t last_hour = 0;
    std::int64_t last_day = 0;
};

// What EventStore::log found.
struct LoggedEvents {
    std::int64_t inserted = 0;  // events new to the log (the rest were replays)
    // Per input event (same order): logged_at as stored, a replay's from its first logging;
    // nullopt only for an event neither inserted nor found, which cannot happen.
    std::vector<std::optional<Timestamp>> logged_at;
};

class EventStore {
 public:
    // Writes the events to the log (a replay, also one repeated within the batch, is a no-op)
    // and says when each was logged. Two statements: call inside a Transaction.
    static LoggedEvents log(Connection& conn, const std::vector<Event>& events);
    // The stored events with these keys, in no particular order; missing ones are absent.
    static std::vector<Event> get_many(Connection& conn, const std::vector<EventKey>& keys);
    // Newest first (triggered_at, then id). Continues after `after` when given, else skips
    // `offset` rows.
    static EventPage list(Connection& conn, const EventFilter& filter, std::int64_t limit,
                          const std::optional<EventCursor>& after, std::int64_t offset = 0);
    static std::optional<Event> get(Connection& conn, const EventId& id);
    // Archives now unless already archived; returns the event, nullopt when unknown.
    static std::optional<Event> archive(Connection& conn, const EventId& id);
    // Per trigger, the most recently fired first (at most `limit` triggers). When the filter
    // spans the whole log (status all; no source, since or until), triggers whose events have
    // all been deleted are listed too, with zero stored counts and their lifetime_total.
    static std::vector<TriggerEventCounts> aggregate(Connection& conn, const EventFilter& filter,
                                                     std::int64_t limit);
    static EventStats stats(Connection& conn);
    // Creates the hourly partitions covering [now - behind, now + ahead); returns how many.
    static std::int64_t ensure_partitions(Connection& conn, std::chrono::hours behind,
                                          std::chrono::hours ahead);
};

}  // namespace etp::pg
