#pragma once
// One retention pass over the event log, step by step; each step is one or more short
// transactions of its own (see etp::pg::RetentionStore), so a pass interrupted anywhere (an
// error, SIGKILL) leaves consistent data and the next pass finishes the work. Not
// thread-safe; runs on the caller's thread with the caller's connection.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>

#include "etp/domain/time.hpp"
#include "etp/pg/connection.hpp"
#include "etp/pg/event_store.hpp"
#include "pass_pacing.hpp"

namespace etp::retention {

struct PassOptions {
    std::chrono::milliseconds active_for{std::chrono::hours(2)};
    std::chrono::milliseconds retain_for{std::chrono::hours(48)};
    std::chrono::hours partitions_ahead{pg::kPartitionsAhead};
    std::int64_t batch_size = 10000;
    std::chrono::milliseconds lock_timeout{2000};
    // Share of the pass's span its statements may fill (1..100); see pass_pacing.hpp.
    std::int64_t work_percent = 100;
};

struct PassReport {
    bool completed = false;      // false when stopped early (shutdown) or a step was postponed
    Timestamp started_at{};      // the database's now() when the pass began
    Timestamp archive_before{};  // started_at - active_for
    Timestamp delete_before{};   // started_at - retain_for
    std::int64_t partitions_created = 0;
    std::int64_t default_rows_moved = 0;
    std::int64_t archived = 0;
    std::int64_t deleted = 0;  // events, partitions and rows together
    std::int64_t partitions_dropped = 0;
    std::int64_t deliveries_deleted = 0;
    std::int64_t idempotency_deleted = 0;
    std::int64_t partitions = 0;
    std::int64_t default_rows = 0;
    std::optional<std::chrono::microseconds> oldest_age;
    std::chrono::steady_clock::duration elapsed{};  // the whole span, rests included
    std::chrono::steady_clock::duration rested{};   // of which resting between steps
};

// Runs the pass. `stopping` is asked between batches; when it answers true the pass returns
// early (completed = false). Between batches the pass rests through `rest` as
// options.work_percent asks (no rests when `rest` is empty). Throws etp::Error when a step
// fails; the work done so far stays.
PassReport run_pass(pg::Connection& conn, const PassOptions& options,
                    const std::function<bool()>& stopping, const PassPacer::Rest& rest = {});

// Adds a pass's figures to the metrics.
void record(const PassReport& report);

// Logs the pass's figures ("retention pass done").
void log_report(const PassReport& report);

}  // namespace etp::retention
