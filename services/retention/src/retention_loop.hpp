#pragma once
// The retention service's loop: every interval it makes sure it holds the retention lock (a
// standby tries again each interval and takes over when the active instance dies), then runs
// one pass. Runs on its own thread; start()/stop() from the owner's thread; check() from any
// thread. A standby is ready: it is healthy and waiting, and readiness must not hold up a
// rollout of two replicas.

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "etp/bus/producer.hpp"
#include "etp/bus/topics.hpp"
#include "etp/pg/pool.hpp"
#include "etp/runtime/stop_signal.hpp"
#include "etp/service/service_host.hpp"
#include "leader_lock.hpp"
#include "retention_pass.hpp"

namespace etp::retention {

class RetentionLoop : public service::Component {
 public:
    // After each pass its summaries go to `producer` (see pass_summary.hpp).
    RetentionLoop(pg::Pool& pool, bus::Producer& producer, bus::Topics topics, PassOptions options,
                  std::chrono::milliseconds interval);
    ~RetentionLoop() override;

    void start() override;
    // Stops between two batches of the pass in hand (each batch is one short statement).
    void stop() noexcept override;
    // Readiness: nullopt while the loop runs and its passes (or lock checks) succeed.
    std::optional<std::string> check() const;

 private:
    void run() noexcept;
    void pass();
    // Sleeps up to `d`; false when stopping.
    bool pause(std::chrono::milliseconds d);
    bool stopping();

    pg::Pool& pool_;
    bus::Producer& producer_;
    const bus::Topics topics_;
    const PassOptions options_;
    const std::chrono::milliseconds interval_;
    LeaderLock lock_;
    std::chrono::steady_clock::time_point last_error_log_{};
    std::atomic<int> consecutive_failures_{0};
    std::atomic<bool> running_{false};
    runtime::StopSignal stop_;
    std::thread thread_;  // declared last: its body uses every member above
};

}  // namespace etp::retention
