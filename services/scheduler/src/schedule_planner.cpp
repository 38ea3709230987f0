#include "schedule_planner.hpp"

#include "etp/pg/schedule_store.hpp"
#include "etp/runtime/log.hpp"
#include "scheduler_metrics.hpp"

namespace etp::scheduler {
namespace {

constexpr std::chrono::minutes kWarmWithin{1};

service::WorkerOptions worker_options() {
    service::WorkerOptions o;
    o.name = "schedule planner";
    o.failing = "planning changed schedules keeps failing";
    o.failure_log = "planning schedules failed; retrying";
    return o;
}

}  // namespace

SchedulePlanner::SchedulePlanner(pg::Pool& pool, ScheduleCache& cache, PlannerOptions options)
    : Worker(worker_options()), pool_(pool), cache_(cache), options_(options) {
    metrics();
}

SchedulePlanner::~SchedulePlanner() { stop(); }

bool SchedulePlanner::plan_once() {
    auto conn = pool_.acquire();
    Timestamp now = now_utc();
    // Parsed schedules due soon go to the firing loop's cache; far-off ones (a million stored
    // triggers for next year) are not kept in memory.
    auto source = [this, now](const TriggerId& id, std::int64_t version,
                              std::string_view schedule_json, std::string_view payload_json,
                              Timestamp created_at) {
        auto parsed =
            pg::ScheduleStore::parse_stored_schedule(schedule_json, payload_json, created_at);
        auto next = parsed->plan.first_at_or_after(now);
        if (next && *next - now <= kWarmWithin) cache_.put(id, version, parsed);
        return parsed;
    };
    pg::PlanResult result = pg::ScheduleStore::plan(*conn, options_.batch_size, now, source);
    if (result.planned > 0) {
        metrics().planned.Increment(static_cast<double>(result.planned));
        metrics().completed.Increment(static_cast<double>(result.completed));
        log::debug("schedules planned",
                   {{"count", result.planned}, {"completed", result.completed}});
    }
    return result.planned == options_.batch_size;
}

void SchedulePlanner::count_backlog() {
    auto now = std::chrono::steady_clock::now();
    if (now < next_backlog_) return;
    next_backlog_ = now + options_.backlog_interval;
    auto conn = pool_.acquire();
    metrics().due_backlog.Set(
        static_cast<double>(pg::ScheduleStore::due_backlog(*conn, now_utc())));
}

std::chrono::milliseconds SchedulePlanner::step(std::size_t /*thread*/) {
    const bool more = plan_once();
    count_backlog();
    // A full batch means more rows wait: plan on at once (stopping still wins).
    return more ? std::chrono::milliseconds(0) : options_.poll_interval;
}

std::chrono::milliseconds SchedulePlanner::on_failure(const std::exception& /*error*/,
                                                      std::chrono::milliseconds backoff) {
    metrics().plan_failures.Increment();
    return backoff;
}

}  // namespace etp::scheduler
