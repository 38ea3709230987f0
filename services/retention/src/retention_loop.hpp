#pragma once
// The retention service's loop: every interval it makes sure it holds the retention lock (a
// standby tries again each interval and takes over when the active instance dies), then runs
// one pass; a failed pass is retried at the next interval. A service::Worker: its own thread;
// start()/stop() from the owner's thread; check() from any thread. A standby is ready: it is
// healthy and waiting, and readiness must not hold up a rollout of two replicas.

#include <chrono>

#include "etp/bus/producer.hpp"
#include "etp/bus/topics.hpp"
#include "etp/pg/pool.hpp"
#include "etp/service/worker.hpp"
#include "leader_lock.hpp"
#include "retention_pass.hpp"

namespace etp::retention {

class RetentionLoop : public service::Worker {
 public:
    // After each pass its summaries go to `producer` (see pass_summary.hpp).
    RetentionLoop(pg::Pool& pool, bus::Producer& producer, bus::Topics topics, PassOptions options,
                  std::chrono::milliseconds interval);
    ~RetentionLoop() override;

    // stop() stops between two batches of the pass in hand (each batch is one short
    // statement); check() is nullopt while the loop runs and its passes (or lock checks)
    // succeed.

 private:
    std::chrono::milliseconds step(std::size_t thread) override;
    std::chrono::milliseconds on_failure(const std::exception& error,
                                         std::chrono::milliseconds backoff) override;
    void on_stopped(std::size_t thread) noexcept override;
    void pass();
    // What is left of the interval begun at began_ (0 when the pass overran it).
    std::chrono::milliseconds rest_of_interval() const;

    pg::Pool& pool_;
    bus::Producer& producer_;
    const bus::Topics topics_;
    const PassOptions options_;
    const std::chrono::milliseconds interval_;
    LeaderLock lock_;
    std::chrono::steady_clock::time_point began_{};  // the pass in hand's start
};

}  // namespace etp::retention
