#pragma once
// Fires due schedules. Each worker (own thread, own connection) loops: in one transaction,
// claim (workers take turns) up to batch_size rows due within the lookahead (SKIP LOCKED: other
// workers and replicas take other rows), wait for each row's slot, apply the misfire policy,
// produce each firing on etp.trigger.fired (event id from trigger id and slot, so a repeat is the
// same event), wait for every acknowledgement, and only then store the next slots and commit. When
// Kafka refuses a firing the transaction rolls back and the rows are claimed again later; a crash
// between producing and committing fires the same events again, which the event log stores once.
// A service::Worker with one thread per worker; start()/stop() from the owner's thread; check()
// from any thread.

#include <chrono>
#include <mutex>

#include "etp/bus/producer.hpp"
#include "etp/bus/topics.hpp"
#include "etp/pg/pool.hpp"
#include "etp/service/worker.hpp"
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

// stop() stops claiming; each worker fires nothing more, waits (bounded) for the
// acknowledgements of what it produced, stores those rows and commits (or rolls back), then
// returns. check() is nullopt while the workers run and claims and produces succeed.
class FiringLoop : public service::Worker {
 public:
    FiringLoop(pg::Pool& pool, bus::Producer& producer, const bus::Topics& topics,
               ScheduleCache& cache, FiringOptions options);
    ~FiringLoop() override;

 private:
    std::chrono::milliseconds step(std::size_t worker) override;
    std::chrono::milliseconds on_failure(const std::exception& error,
                                         std::chrono::milliseconds backoff) override;
    // One claim → fire → commit; returns the number of rows claimed (0 also when stopping).
    std::size_t fire_batch();

    pg::Pool& pool_;
    bus::Producer& producer_;
    const bus::Topics topics_;
    ScheduleCache& cache_;
    const FiringOptions options_;
    std::mutex claim_mutex_;                              // one claim at a time; guards idle_until_
    std::chrono::steady_clock::time_point idle_until_{};  // no claim before (nothing was due)
};

}  // namespace etp::scheduler
