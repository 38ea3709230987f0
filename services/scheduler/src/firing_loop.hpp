#pragma once
// Fires due schedules. Each worker (own thread, own connection) loops: in one transaction,
// claim (workers take turns) up to batch_size rows due within the lookahead (SKIP LOCKED: other
// workers and replicas take other rows), wait for each row's slot, apply the misfire policy,
// produce each firing on etp.trigger.fired (event id from trigger id and slot, so a repeat is the
// same event), wait for every acknowledgement, and only then store the next slots and commit. When
// Kafka refuses a firing the transaction rolls back and the rows are claimed again later; a crash
// between producing and committing fires the same events again, which the event log stores once.
// start()/stop() from the owner's thread; check() from any thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "etp/bus/producer.hpp"
#include "etp/bus/topics.hpp"
#include "etp/pg/pool.hpp"
#include "etp/service/service_host.hpp"
#include "schedule_cache.hpp"

namespace etp::scheduler {

struct FiringOptions {
    std::size_t workers = 16;
    std::size_t batch_size = 1000;
    std::chrono::milliseconds lookahead{200};
    std::chrono::milliseconds poll_interval{25};
    std::chrono::milliseconds misfire_grace{5000};
    // How long stop() lets a worker wait for the acknowledgements of the batch in hand before
    // rolling it back.
    std::chrono::milliseconds stop_ack_wait{5000};
};

class FiringLoop : public service::Component {
 public:
    FiringLoop(pg::Pool& pool, bus::Producer& producer, const bus::Topics& topics,
               ScheduleCache& cache, FiringOptions options);
    ~FiringLoop() override;

    void start() override;
    // Stops claiming; each worker fires nothing more, waits (bounded) for the acknowledgements
    // of what it produced, stores those rows and commits (or rolls back), then returns.
    void stop() noexcept override;
    // Readiness: nullopt while the workers run and claims and produces succeed.
    std::optional<std::string> check() const;

 private:
    void run(std::size_t worker) noexcept;
    // One claim → fire → commit; returns the number of rows claimed (0 also when stopping).
    std::size_t fire_batch();
    // Sleeps until `at` (wall clock); false when stopping first.
    bool sleep_until(Timestamp at);
    bool pause(std::chrono::milliseconds d);
    bool stopping() const;
    void note_failure(const char* what, const std::string& error);

    pg::Pool& pool_;
    bus::Producer& producer_;
    const bus::Topics topics_;
    ScheduleCache& cache_;
    const FiringOptions options_;
    std::atomic<int> consecutive_failures_{0};
    std::atomic<bool> running_{false};
    std::atomic<std::int64_t> last_error_log_ms_{0};
    std::mutex claim_mutex_;                              // one claim at a time; guards idle_until_
    std::chrono::steady_clock::time_point idle_until_{};  // no claim before (nothing was due)
    mutable std::mutex stop_mutex_;  // guards stopping_ and stop_requested_at_ for stop_cv_
    std::condition_variable stop_cv_;
    bool stopping_ = false;
    std::chrono::steady_clock::time_point stop_requested_at_{};
    std::vector<std::thread> threads_;  // declared last: their bodies use every member above
};

}  // namespace etp::scheduler
