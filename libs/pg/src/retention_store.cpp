#include "etp/pg/retention_store.hpp"

#include <regex>

#include "etp/domain/error.hpp"
#include "etp/pg/error.hpp"
#include "etp/pg/transaction.hpp"
#include "sql_time.hpp"

namespace etp::pg {
namespace {

// Timestamp parameter $param, passed as integer microseconds since the epoch (`micros`).
std::string at(int param) { return detail::timestamp_of("$" + std::to_string(param) + "::bigint"); }

std::string micros(Timestamp t) { return std::to_string(detail::micros(t)); }

// "events_pYYYYMMDDHH" for the UTC hour that starts at `hour`; digits only, so it is safe to
// place in DDL text.
std::string partition_name(Timestamp hour) {
    const auto day = std::chrono::floor<std::chrono::days>(hour);
    const std::chrono::year_month_day ymd{day};
    const auto h = std::chrono::duration_cast<std::chrono::hours>(hour - day).count();
    char buf[32];
    std::snprintf(buf, sizeof buf, "events_p%04d%02u%02u%02lld", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<long long>(h));
    return buf;
}

void require_partition_name(const std::string& name) {
    static const std::regex pattern("^events_p[0-9]{10}$");
    if (!std::regex_match(name, pattern))
        throw Error(ErrorKind::kInvalidInput, "not an hourly events partition: " + name);
}

void set_lock_timeout(Transaction& tx, std::chrono::milliseconds timeout) {
    // SET takes no parameters; the value is an integer we format.
    tx.exec("SET LOCAL lock_timeout = '" + std::to_string(timeout.count()) + "ms'");
}

// Serialises partition DDL with etp_ensure_event_partitions (same key: 'etp_part' in ASCII).
constexpr const char* kPartitionLock = "SELECT pg_advisory_xact_lock(7310591650338796148)";

// Adds the per-trigger counts of a CTE named `counts` (trigger_id, trigger_name, trigger_type,
// n, n_test, last_at) to trigger_event_totals. The name and type kept are those of the newest
// deleted event.
const std::string kAddTotals = R"(
    INSERT INTO trigger_event_totals AS t
        (trigger_id, trigger_name, trigger_type, deleted, deleted_test, last_triggered_at)
    SELECT trigger_id, trigger_name, trigger_type, n, n_test, last_at FROM counts
    ON CONFLICT (trigger_id) DO UPDATE SET
        deleted = t.deleted + EXCLUDED.deleted,
        deleted_test = t.deleted_test + EXCLUDED.deleted_test,
        trigger_name = CASE WHEN EXCLUDED.last_triggered_at >= t.last_triggered_at
                            THEN EXCLUDED.trigger_name ELSE t.trigger_name END,
        trigger_type = CASE WHEN EXCLUDED.last_triggered_at >= t.last_triggered_at
                            THEN EXCLUDED.trigger_type ELSE t.trigger_type END,
        last_triggered_at = greatest(t.last_triggered_at, EXCLUDED.last_triggered_at),
        updated_at = now())";

// The per-trigger counts of the rows of `rows` (a CTE with the events columns).
std::string counts_of(const std::string& rows) {
    return "SELECT trigger_id, (array_agg(trigger_name ORDER BY triggered_at DESC))[1] AS "
           "trigger_name, min(trigger_type) AS trigger_type, count(*) AS n, count(*) FILTER "
           "(WHERE is_test) AS n_test, max(triggered_at) AS last_at FROM " +
           rows + " GROUP BY trigger_id";
}

// The same for a whole partition: hash-aggregated, with each trigger's name looked up by its
// newest row through the partition's (trigger_id, triggered_at) index. Taking the name in the
// aggregate (array_agg ... ORDER BY) sorted every row first: 4x the time, in a statement that
// cannot run in parallel (it writes).
std::string partition_counts(const std::string& partition) {
    return "SELECT c.trigger_id, (SELECT p.trigger_name FROM " + partition +
           " p WHERE p.trigger_id = c.trigger_id AND p.triggered_at = c.last_at ORDER BY p.id DESC "
           "LIMIT 1) AS trigger_name, c.trigger_type, c.n, c.n_test, c.last_at FROM (SELECT "
           "trigger_id, min(trigger_type) AS trigger_type, count(*) AS n, count(*) FILTER (WHERE "
           "is_test) AS n_test, max(triggered_at) AS last_at FROM " +
           partition + " GROUP BY trigger_id) c";
}

const std::string kAttachedPartitions = R"(
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'events'::regclass AND c.relname ~ '^events_p[0-9]{10}$')";

}  // namespace

Timestamp RetentionStore::database_now(Connection& conn) {
    return detail::from_micros(
        conn.exec("SELECT " + detail::micros_of("now()", "now_us")).integer(0, 0));
}

std::int64_t RetentionStore::ensure_partitions(Connection& conn, Timestamp from, Timestamp to,
                                               std::chrono::milliseconds lock_timeout) {
    Transaction tx(conn);
    set_lock_timeout(tx, lock_timeout);
    auto created = tx.exec("SELECT etp_ensure_event_partitions(" + at(1) + ", " + at(2) + ")",
                           {micros(from), micros(to)})
                       .integer(0, 0);
    tx.commit();
    return created;
}

std::vector<Timestamp> RetentionStore::default_hours(Connection& conn, Timestamp from,
                                                     Timestamp to) {
    Result r = conn.exec(
        "SELECT DISTINCT " +
            detail::micros_of("date_trunc('hour', triggered_at AT TIME ZONE 'UTC') AT TIME ZONE "
                              "'UTC'",
                              "hour_us") +
            " FROM events_default WHERE triggered_at >= date_trunc('hour', " + at(1) +
            " AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AND triggered_at < " + at(2) + " ORDER BY 1",
        {micros(from), micros(to)});
    std::vector<Timestamp> hours;
    for (int i = 0; i < r.rows(); ++i) hours.push_back(detail::from_micros(r.integer(i, 0)));
    return hours;
}

std::optional<std::int64_t> RetentionStore::move_default_hour(
    Connection& conn, Timestamp hour, std::chrono::milliseconds lock_timeout) {
    hour = std::chrono::floor<std::chrono::hours>(hour);
    const std::string name = partition_name(hour);
    const std::string from = "'" + format_rfc3339(hour) + "'";
    const std::string to = "'" + format_rfc3339(hour + std::chrono::hours(1)) + "'";
    Transaction tx(conn);
    set_lock_timeout(tx, lock_timeout);
    tx.exec(kPartitionLock);
    // Attaching scans events_default and locks it; taking that lock first means no insert can
    // route a row of this hour into events_default between the move and the attach.
    tx.exec("LOCK TABLE events_default IN ACCESS EXCLUSIVE MODE");
    if (!tx.exec("SELECT to_regclass($1)", {name}).is_null(0, 0)) return std::nullopt;
    tx.exec("CREATE TABLE " + name + " (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)");
    auto moved = tx.exec("WITH moved AS (DELETE FROM events_default WHERE triggered_at >= " + from +
                         " AND triggered_at < " + to + " RETURNING *) INSERT INTO " + name +
                         " SELECT * FROM moved")
                     .affected_rows();
    tx.exec("ALTER TABLE events ATTACH PARTITION " + name + " FOR VALUES FROM (" + from + ") TO (" +
            to + ")");
    tx.commit();
    return moved;
}

std::int64_t RetentionStore::archive(Connection& conn, Timestamp cutoff) {
    Transaction tx(conn);
    // One mark at a time (two callers would otherwise count the same events); readers of the
    // marks are not blocked.
    tx.exec("LOCK TABLE event_archive_marks IN SHARE ROW EXCLUSIVE MODE");
    Result last = tx.exec("SELECT " + detail::micros_of("max(archived_before)", "before_us") +
                          " FROM event_archive_marks");
    const std::optional<Timestamp> from = detail::optional_micros(last, 0, "before_us");
    if (from && *from >= cutoff) return 0;  // the watermark never moves back
    tx.exec("INSERT INTO event_archive_marks (archived_before) VALUES (" + at(1) + ")",
            {micros(cutoff)});
    // What the new mark archived: the rows between the old watermark and the new one, less
    // those archived by hand, counted in the same transaction. Both counts read indexes only
    // (triggered_at's, where the visibility map allows, and the small partial one of hand
    // archives): a count that checks archived_at row by row reads the heap, 4x the time.
    Params params{micros(cutoff)};
    std::string range = "triggered_at < " + at(1);
    if (from) {
        params.push_back(micros(*from));
        range += " AND triggered_at >= " + at(2);
    }
    const std::int64_t archived =
        tx.exec("SELECT (SELECT count(*) FROM events WHERE " + range +
                    ") - (SELECT count(*) FROM events WHERE archived_at IS NOT NULL AND " + range +
                    ")",
                params)
            .integer(0, 0);
    tx.commit();
    return archived;
}

std::int64_t RetentionStore::prune_archive_marks(Connection& conn) {
    // A mark at or before the oldest stored event covers no event; the newest mark is the
    // watermark itself and stays.
    return conn
        .exec(
            "DELETE FROM event_archive_marks WHERE archived_before < (SELECT max(archived_before) "
            "FROM event_archive_marks) AND archived_before <= coalesce((SELECT min(triggered_at) "
            "FROM events), 'infinity')")
        .affected_rows();
}

std::vector<EventPartition> RetentionStore::partitions(Connection& conn) {
    Result r = conn.exec(
        "SELECT c.relname, " +
        detail::micros_of("make_timestamptz(substr(c.relname, 9, 4)::int, substr(c.relname, 13, "
                          "2)::int, substr(c.relname, 15, 2)::int, substr(c.relname, 17, "
                          "2)::int, 0, 0, 'UTC')",
                          "from_us") +
        kAttachedPartitions + " ORDER BY c.relname");
    std::vector<EventPartition> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i)
        out.push_back({std::string(r.text(i, 0)), detail::from_micros(r.integer(i, 1))});
    return out;
}

std::optional<std::int64_t> RetentionStore::drop_partition(Connection& conn,
                                                           const std::string& name,
                                                           std::chrono::milliseconds lock_timeout) {
    require_partition_name(name);
    const std::string attached = "SELECT 1 " + kAttachedPartitions + " AND c.relname = $1";
    std::int64_t rows = 0;
    {
        Transaction tx(conn);
        set_lock_timeout(tx, lock_timeout);
        if (tx.exec(attached, {name}).rows() == 0) return std::nullopt;
        // EXCLUSIVE: nobody writes the partition between the count and the truncate; reads go
        // on, and inserts into other partitions are not blocked.
        tx.exec("LOCK TABLE " + name + " IN EXCLUSIVE MODE");
        rows = tx.exec("WITH counts AS (" + partition_counts(name) + "), added AS (" + kAddTotals +
                       ") SELECT coalesce(sum(n), 0)::bigint FROM counts")
                   .integer(0, 0);
        // Emptied in the same transaction as it is counted. TRUNCATE locks the partition only;
        // its files go at this commit, while inserts into events carry on.
        tx.exec("TRUNCATE " + name);
        tx.commit();
    }
    // Then dropped, empty: DROP holds an ACCESS EXCLUSIVE lock on events until it commits, and
    // dropping a full partition made every insert wait while its files were unlinked (~50 ms
    // for 200,000 rows). If the lock does not come within lock_timeout, the empty partition
    // is dropped by the next pass (counting 0 rows).
    try {
        Transaction tx(conn);
        set_lock_timeout(tx, lock_timeout);
        if (tx.exec(attached, {name}).rows() == 1) tx.exec("DROP TABLE " + name);
        tx.commit();
    } catch (const DatabaseError& e) {
        if (!e.lock_not_available()) throw;
    }
    return rows;
}

std::int64_t RetentionStore::delete_events_batch(Connection& conn, Timestamp cutoff,
                                                 std::int64_t limit) {
    // One statement: the rows deleted and their counts commit together. A row deleted by
    // someone else meanwhile is not returned, so it is not counted twice.
    return conn
        .exec(R"(
        WITH doomed AS (
            SELECT id, triggered_at FROM events WHERE triggered_at < )" +
                  at(1) + R"(
            ORDER BY triggered_at LIMIT $2),
        gone AS (
            DELETE FROM events e USING doomed d
            WHERE e.id = d.id AND e.triggered_at = d.triggered_at AND e.triggered_at < )" +
                  at(1) + R"(
            RETURNING e.trigger_id, e.trigger_name, e.trigger_type, e.is_test, e.triggered_at),
        counts AS ()" +
                  counts_of("gone") + "), added AS (" + kAddTotals + ") SELECT count(*) FROM gone",
              {micros(cutoff), std::to_string(limit)})
        .integer(0, 0);
}

std::int64_t RetentionStore::delete_deliveries_batch(Connection& conn, Timestamp cutoff,
                                                     std::int64_t limit) {
    std::int64_t deleted = 0;
    for (const char* table : {"delivery_attempts", "deliveries"}) {
        const std::string t(table);
        deleted += conn.exec("DELETE FROM " + t + " WHERE ctid = ANY(ARRAY(SELECT ctid FROM " + t +
                                 " WHERE triggered_at < " + at(1) +
                                 " LIMIT $2)) AND triggered_at < " + at(1),
                             {micros(cutoff), std::to_string(limit)})
                       .affected_rows();
    }
    return deleted;
}

EventLogCensus RetentionStore::census(Connection& conn) {
    Result r = conn.exec("SELECT (SELECT count(*) " + kAttachedPartitions +
                         ") AS partitions, (SELECT count(*) FROM (SELECT 1 FROM events_default "
                         "LIMIT 1000000) d) AS default_rows, " +
                         detail::micros_of("(SELECT min(triggered_at) FROM events)", "oldest_us"));
    EventLogCensus c;
    c.partitions = r.integer(0, "partitions");
    c.default_rows = r.integer(0, "default_rows");
    c.oldest = detail::optional_micros(r, 0, "oldest_us");
    return c;
}

}  // namespace etp::pg
