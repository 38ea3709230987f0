#pragma once
// Plans changed schedules: rows the gateway marked unplanned (create, replace, activate) get
// their next slot within one poll interval, and one-time triggers already past are completed.
// Also counts the due backlog for etp_scheduler_due_backlog. Runs on its own thread;
// start()/stop() from the owner's thread; check() from any thread.

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "etp/pg/pool.hpp"
#include "etp/runtime/stop_signal.hpp"
#include "etp/service/service_host.hpp"
#include "schedule_cache.hpp"

namespace etp::scheduler {

struct PlannerOptions {
    std::size_t batch_size = 1000;
    std::chrono::milliseconds poll_interval{25};
    std::chrono::milliseconds backlog_interval{5000};
};

class SchedulePlanner : public service::Component {
 public:
    SchedulePlanner(pg::Pool& pool, ScheduleCache& cache, PlannerOptions options);
    ~SchedulePlanner() override;

    void start() override;
    // Finishes the planning transaction in hand, then returns.
    void stop() noexcept override;
    // Readiness: nullopt while the loop runs and planning succeeds.
    std::optional<std::string> check() const;

 private:
    void run() noexcept;
    // One planning pass; true when a full batch was planned (more may wait).
    bool plan_once();
    void count_backlog();
    // Sleeps up to `d`; false when stopping.
    bool pause(std::chrono::milliseconds d);

    pg::Pool& pool_;
    ScheduleCache& cache_;
    const PlannerOptions options_;
    std::chrono::steady_clock::time_point next_backlog_{};
    std::chrono::steady_clock::time_point last_error_log_{};
    std::atomic<int> consecutive_failures_{0};
    std::atomic<bool> running_{false};
    runtime::StopSignal stop_;
    std::thread thread_;  // declared last: its body uses every member above
};

}  // namespace etp::scheduler
