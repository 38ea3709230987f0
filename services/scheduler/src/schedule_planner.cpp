#include "schedule_planner.hpp"

#include "etp/pg/schedule_store.hpp"
#include "etp/runtime/log.hpp"
#include "scheduler_metrics.hpp"

namespace etp::scheduler {
namespace {

constexpr std::chrono::minutes kWarmWithin{1};

}  // namespace

SchedulePlanner::SchedulePlanner(pg::Pool& pool, ScheduleCache& cache, PlannerOptions options)
    : pool_(pool), cache_(cache), options_(options) {
    metrics();
}

SchedulePlanner::~SchedulePlanner() { stop(); }

void SchedulePlanner::start() {
    running_ = true;
    thread_ = std::thread([this] { run(); });
}

void SchedulePlanner::stop() noexcept {
    stop_.request();
    if (thread_.joinable()) thread_.join();
    running_ = false;
}

std::optional<std::string> SchedulePlanner::check() const {
    if (!running_) return "schedule planner not running";
    if (consecutive_failures_ >= 3) return "planning changed schedules keeps failing";
    return std::nullopt;
}

bool SchedulePlanner::pause(std::chrono::milliseconds d) { return stop_.sleep_for(d); }

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

void SchedulePlanner::run() noexcept {
    log::info("schedule planner started");
    auto backoff = std::chrono::milliseconds(100);
    while (true) {
        bool more = false;
        try {
            more = plan_once();
            count_backlog();
            consecutive_failures_ = 0;
            backoff = std::chrono::milliseconds(100);
        } catch (const std::exception& e) {
            ++consecutive_failures_;
            metrics().plan_failures.Increment();
            auto now = std::chrono::steady_clock::now();
            if (now - last_error_log_ >= std::chrono::seconds(5)) {
                last_error_log_ = now;
                log::error("planning schedules failed; retrying",
                           {{"error", e.what()}, {"retry_in_ms", backoff.count()}});
            }
            if (!pause(backoff)) break;
            backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
            continue;
        }
        // A full batch means more rows wait: plan on at once (stopping still wins).
        if (!pause(more ? std::chrono::milliseconds(0) : options_.poll_interval)) break;
    }
    log::info("schedule planner stopped");
}

}  // namespace etp::scheduler
