#pragma once
// Plans changed schedules: rows the gateway marked unplanned (create, replace, activate) get
// their next slot within one poll interval, and one-time triggers already past are completed.
// Also counts the due backlog for etp_scheduler_due_backlog. A service::Worker: its own
// thread; start()/stop() from the owner's thread; check() from any thread.

#include <chrono>

#include "etp/pg/pool.hpp"
#include "etp/service/worker.hpp"
#include "schedule_cache.hpp"

namespace etp::scheduler {

struct PlannerOptions {
    std::size_t batch_size = 1000;
    std::chrono::milliseconds poll_interval{25};
    std::chrono::milliseconds backlog_interval{5000};
};

// stop() finishes the planning transaction in hand; check() is nullopt while the loop runs and
// planning succeeds.
class SchedulePlanner : public service::Worker {
 public:
    SchedulePlanner(pg::Pool& pool, ScheduleCache& cache, PlannerOptions options);
    ~SchedulePlanner() override;

 private:
    std::chrono::milliseconds step(std::size_t thread) override;
    std::chrono::milliseconds on_failure(const std::exception& error,
                                         std::chrono::milliseconds backoff) override;
    // One planning pass; true when a full batch was planned (more may wait).
    bool plan_once();
    void count_backlog();

    pg::Pool& pool_;
    ScheduleCache& cache_;
    const PlannerOptions options_;
    std::chrono::steady_clock::time_point next_backlog_{};
};

}  // namespace etp::scheduler
