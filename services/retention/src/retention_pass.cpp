#include "retention_pass.hpp"

#include "etp/pg/error.hpp"
#include "etp/pg/idempotency_store.hpp"
#include "etp/pg/retention_store.hpp"
#include "etp/runtime/log.hpp"
#include "retention_metrics.hpp"

namespace etp::retention {
namespace {

using pg::RetentionStore;

// Creates the partitions for [from, to) and moves rows that landed in events_default for hours
// in that span into partitions of their own.
void prepare_partitions(pg::Connection& conn, const PassOptions& o, Timestamp from, Timestamp to,
                        PassReport& report) {
    report.partitions_created += RetentionStore::ensure_partitions(conn, from, to, o.lock_timeout);
    for (Timestamp hour : RetentionStore::default_hours(conn, from, to)) {
        auto moved = RetentionStore::move_default_hour(conn, hour, o.lock_timeout);
        if (!moved) continue;
        ++report.partitions_created;
        report.default_rows_moved += *moved;
        log::warn("events_default rows moved into a new partition",
                  {{"hour", format_rfc3339(hour)}, {"rows", *moved}});
    }
}

}  // namespace

PassReport run_pass(pg::Connection& conn, const PassOptions& o,
                    const std::function<bool()>& stopping, const PassPacer::Rest& rest) {
    const auto began = std::chrono::steady_clock::now();
    PassReport report;
    PassPacer pacer(o.work_percent, stopping, rest);
    // Between two steps: rests as the pacing asks (the only place a pass rests, so report.rested
    // is current after it); false when the pass must stop.
    auto next_step = [&] {
        const bool go_on = pacer.next_step();
        report.rested = pacer.rested();
        return go_on;
    };
    const Timestamp now = RetentionStore::database_now(conn);
    const Timestamp archive_before = now - o.active_for;
    const Timestamp delete_before = now - o.retain_for;
    report.started_at = now;
    report.archive_before = archive_before;
    report.delete_before = delete_before;
    bool postponed = false;

    // 1. Partitions ahead, from the hour that holds the delete boundary (older hours are about
    //    to be dropped, and must not be created again).
    try {
        prepare_partitions(conn, o, std::chrono::floor<std::chrono::hours>(delete_before),
                           now + o.partitions_ahead, report);
    } catch (const pg::DatabaseError& e) {
        if (!e.lock_not_available()) throw;  // else: the step waits for the next pass
        postponed = true;
        log::warn("creating partitions postponed: lock timeout", {{"error", e.what()}});
    }

    // 2. Delivery rows of events past the boundary, before the events themselves, so that no
    //    delivery outlives its event.
    for (std::int64_t n = o.batch_size; n >= o.batch_size;) {
        if (!next_step()) return report;
        n = RetentionStore::delete_deliveries_batch(conn, delete_before, o.batch_size);
        report.deliveries_deleted += n;
    }

    // 3. Whole partitions that end at or before the boundary: counted and dropped together.
    for (const auto& part : RetentionStore::partitions(conn)) {
        if (part.from + std::chrono::hours(1) > delete_before) break;  // oldest first
        if (!next_step()) return report;
        try {
            if (auto rows = RetentionStore::drop_partition(conn, part.name, o.lock_timeout)) {
                ++report.partitions_dropped;
                report.deleted += *rows;
                log::info("events partition dropped", {{"partition", part.name}, {"rows", *rows}});
            }
        } catch (const pg::DatabaseError& e) {
            if (!e.lock_not_available()) throw;  // else: the step waits for the next pass
            postponed = true;
            log::warn("dropping a partition postponed: lock timeout",
                      {{"partition", part.name}, {"error", e.what()}});
            break;  // the rows stay for the next pass rather than being deleted one by one
        }
    }

    // 4. What is left past the boundary (the boundary's own hour, events_default), row by row.
    if (!postponed) {
        for (std::int64_t n = o.batch_size; n >= o.batch_size;) {
            if (!next_step()) return report;
            n = RetentionStore::delete_events_batch(conn, delete_before, o.batch_size);
            report.deleted += n;
        }
    }

    // 5. Archive what is older than EVENT_ACTIVE_FOR: one mark moves the watermark, however
    //    many events it passes; marks no stored event needs any more go.
    if (!next_step()) return report;
    report.archived = RetentionStore::archive(conn, archive_before);
    RetentionStore::prune_archive_marks(conn);

    // 6. Idempotency keys past their 24-hour window.
    for (std::int64_t n = o.batch_size; n >= o.batch_size;) {
        if (!next_step()) return report;
        n = pg::IdempotencyStore::delete_expired(conn, o.batch_size);
        report.idempotency_deleted += n;
    }

    // 7. What the log looks like now.
    auto census = RetentionStore::census(conn);
    report.partitions = census.partitions;
    report.default_rows = census.default_rows;
    if (census.oldest)
        report.oldest_age = std::max(std::chrono::microseconds(0),
                                     RetentionStore::database_now(conn) - *census.oldest);
    else
        report.oldest_age = std::chrono::microseconds(0);
    report.completed = !postponed;
    report.elapsed = std::chrono::steady_clock::now() - began;
    return report;
}

void record(const PassReport& r) {
    auto& m = metrics();
    m.archived.Increment(static_cast<double>(r.archived));
    m.deleted.Increment(static_cast<double>(r.deleted));
    m.deliveries_deleted.Increment(static_cast<double>(r.deliveries_deleted));
    m.idempotency_deleted.Increment(static_cast<double>(r.idempotency_deleted));
    m.partitions_created.Increment(static_cast<double>(r.partitions_created));
    m.partitions_dropped.Increment(static_cast<double>(r.partitions_dropped));
    m.default_rows_moved.Increment(static_cast<double>(r.default_rows_moved));
    if (r.oldest_age) {
        m.oldest_event_age.Set(std::chrono::duration<double>(*r.oldest_age).count());
        m.partitions.Set(static_cast<double>(r.partitions));
        m.default_rows.Set(static_cast<double>(r.default_rows));
        m.pass_seconds.Observe(std::chrono::duration<double>(r.elapsed).count());
    }
}

void log_report(const PassReport& report) {
    log::info("retention pass done",
              {{"completed", report.completed},
               {"archived", report.archived},
               {"deleted", report.deleted},
               {"partitions_dropped", report.partitions_dropped},
               {"partitions_created", report.partitions_created},
               {"deliveries_deleted", report.deliveries_deleted},
               {"idempotency_keys_deleted", report.idempotency_deleted},
               {"default_rows", report.default_rows},
               {"duration_ms",
                std::chrono::duration_cast<std::chrono::milliseconds>(report.elapsed).count()},
               {"rested_ms",
                std::chrono::duration_cast<std::chrono::milliseconds>(report.rested).count()}});
}

}  // namespace etp::retention
