#include "firing_loop.hpp"

#include <algorithm>

#include "etp/bus/ack_batch.hpp"
#include "etp/bus/firing.hpp"
#include "etp/domain/error.hpp"
#include "etp/domain/firing.hpp"
#include "etp/domain/schedule_plan.hpp"
#include "etp/pg/schedule_store.hpp"
#include "etp/pg/transaction.hpp"
#include "etp/runtime/log.hpp"
#include "scheduler_metrics.hpp"

namespace etp::scheduler {
namespace {

double seconds_between(Timestamp from, Timestamp to) {
    return std::chrono::duration<double>(to - from).count();
}

service::WorkerOptions worker_options(const FiringOptions& options) {
    service::WorkerOptions o;
    o.name = "firing loop";
    o.threads = options.workers;
    o.failing = "claiming or producing scheduled firings keeps failing";
    o.failure_log = "firing scheduled triggers failed; retrying";
    return o;
}

}  // namespace

FiringLoop::FiringLoop(pg::Pool& pool, bus::Producer& producer, const bus::Topics& topics,
                       ScheduleCache& cache, FiringOptions options)
    : Worker(worker_options(options)),
      pool_(pool),
      producer_(producer),
      topics_(topics),
      cache_(cache),
      options_(options) {
    metrics();
}

FiringLoop::~FiringLoop() { stop(); }

std::size_t FiringLoop::fire_batch() {
    auto conn = pool_.acquire();
    pg::Transaction tx(*conn);
    std::vector<pg::DueSchedule> rows;
    {
        // Claims take turns: a burst is claimed batch after batch by idle workers well before
        // its slots, while an idle scheduler asks only once per poll interval in all.
        std::unique_lock turn(claim_mutex_);
        while (std::chrono::steady_clock::now() < idle_until_) {
            auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
                idle_until_ - std::chrono::steady_clock::now());
            turn.unlock();
            if (!pause(std::max(wait, std::chrono::milliseconds(1)))) return 0;
            turn.lock();
        }
        rows = pg::ScheduleStore::claim(*conn, options_.batch_size, now_utc() + options_.lookahead);
        if (rows.empty())
            idle_until_ = std::chrono::steady_clock::now() +
                          std::max(options_.poll_interval, std::chrono::milliseconds(1));
    }
    if (rows.empty()) {
        tx.commit();
        return 0;
    }
    bus::AckBatch acks(producer_);
    std::optional<std::string> refused;  // the producer refused a firing: the batch stops there
    std::vector<pg::ScheduleUpdate> updates;
    updates.reserve(rows.size());
    std::int64_t skipped = 0;
    std::size_t misfired = 0;
    for (const pg::DueSchedule& row : rows) {
        // Rows not reached (stopping) are left as they are: the commit releases them.
        if (refused || !pause_until(row.next_fire_at)) break;
        std::shared_ptr<const pg::StoredSchedule> stored;
        try {
            stored = cache_.get(row.trigger_id, row.version, row.schedule_json, row.payload_json,
                                row.created_at);
        } catch (const Error& e) {
            if (e.kind() != ErrorKind::kInternal) throw;
            log::error("scheduled trigger cannot be planned; parked until changed",
                       {{"trigger_id", row.trigger_id.to_string()}, {"error", e.what()}});
            updates.push_back({row.trigger_id, std::nullopt, std::nullopt, false});
            continue;
        }
        Timestamp now = std::max(now_utc(), row.next_fire_at);
        DueSlots due = due_slots(stored->plan, stored->schedule.misfire, row.next_fire_at, now,
                                 options_.misfire_grace);
        if (due.misfired) {
            ++misfired;
            log::debug("misfired trigger caught up",
                       {{"trigger_id", row.trigger_id.to_string()},
                        {"misfire", to_string(stored->schedule.misfire)},
                        {"first_due", format_rfc3339(row.next_fire_at)},
                        {"fired", due.fire.size()},
                        {"skipped", due.skipped}});
        }
        skipped += due.skipped;
        for (Timestamp slot : due.fire) {
            try {
                const Event event = scheduled_firing(
                    {row.trigger_id, row.name, TriggerType::kScheduled}, stored->payload, slot);
                if (log::enabled(log::Level::kDebug))
                    log::debug("event fired", {{"event_id", event.id.to_string()},
                                               {"trigger_id", event.trigger_id.to_string()},
                                               {"source", event.source},
                                               {"trace_id", event.trace->trace_id_hex()}});
                acks.produce(bus::make_firing_message(topics_, event, "scheduler"), [slot] {
                    metrics().fires.Increment();
                    metrics().fire_lag.Observe(seconds_between(slot, now_utc()));
                });
            } catch (const std::exception& e) {
                refused = e.what();
                break;
            }
        }
        updates.push_back({row.trigger_id, due.next,
                           due.fire.empty() ? std::nullopt : std::optional(due.fire.back()),
                           !due.next});
    }

    // No deadline while running (the producer's delivery timeout answers every firing); at
    // shutdown the acknowledgements get stop_ack_wait.
    const bus::AckResult acked = acks.wait(std::chrono::steady_clock::time_point::max(), [this] {
        return stopping() &&
               std::chrono::steady_clock::now() > stop_requested_at() + options_.stop_ack_wait;
    });
    if (acked.unanswered > 0)
        throw Error(ErrorKind::kUnavailable,
                    "stopping before Kafka acknowledged the batch; rolled back", true);
    if (acked.failed > 0 || refused) {
        const std::size_t failed = acked.failed + (refused ? 1 : 0);
        metrics().produce_failures.Increment(static_cast<double>(failed));
        throw Error(ErrorKind::kUnavailable,
                    std::to_string(failed) +
                        " firings not acknowledged by Kafka; batch rolled back: " +
                        refused.value_or(acked.last_error),
                    true);
    }
    pg::ScheduleStore::record(*conn, updates);
    tx.commit();
    std::size_t completed = 0;
    for (const auto& u : updates)
        if (u.completed && !u.next_fire_at) ++completed;
    metrics().skipped_slots.Increment(static_cast<double>(skipped));
    metrics().misfires.Increment(static_cast<double>(misfired));
    metrics().completed.Increment(static_cast<double>(completed));
    // After downtime one line per batch, not per trigger (those are at debug level).
    if (misfired > 0)
        log::info("misfired triggers caught up by their misfire policy",
                  {{"triggers", misfired}, {"skipped_slots", skipped}});
    return rows.size();
}

std::chrono::milliseconds FiringLoop::step(std::size_t /*worker*/) {
    fire_batch();
    return std::chrono::milliseconds(0);
}

std::chrono::milliseconds FiringLoop::on_failure(const std::exception& /*error*/,
                                                 std::chrono::milliseconds backoff) {
    metrics().claim_failures.Increment();
    return backoff;
}

}  // namespace etp::scheduler
