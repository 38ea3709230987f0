#pragma once
// The skeleton every service loop shares: its threads, the stop request they sleep on, start()
// and stop(), readiness, consecutive-failure counting with capped exponential back-off, and an
// error line throttled to one per interval. A subclass writes step(), one unit of work; the
// base runs it on each thread until stop:
//
//   [start_delay] → step() → pause(what step returned) → step() → ...
//                     ↳ throws: counted, logged (throttled), pause(back-off) → step() → ...
//
// A step that throws while stopping ends its thread (a warning, not counted as a failure). The
// back-off starts at backoff_min, doubles with each failure up to backoff_max, and is back at
// backoff_min after a step that returns. start()/stop() from the owner's thread; check(),
// stopping() and the pauses from any thread. A subclass's destructor must call stop(): the
// threads run its step().

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "etp/runtime/log.hpp"
#include "etp/runtime/rate_limiter.hpp"
#include "etp/service/service_host.hpp"

namespace etp::service {

struct WorkerOptions {
    std::string name;  // "retention loop": its start/stop log lines and readiness say so
    nlohmann::json start_fields = nullptr;  // more fields for the "started" line (its settings)
    std::size_t threads = 1;
    std::chrono::milliseconds start_delay{0};  // before each thread's first step
    std::chrono::milliseconds backoff_min{100};
    std::chrono::milliseconds backoff_max{5000};
    // check() fails after this many consecutive failed steps (0: never, for loops whose
    // readiness says more than that).
    int unhealthy_after = 3;
    std::string failing;  // check()'s reason then, say "retention passes keep failing"
    // The line logged for a failed step (the message text is constant; the error is a field),
    // and its level: a warning for loops whose failures are expected now and then.
    std::string failure_log;
    log::Level failure_level = log::Level::kError;
    std::chrono::milliseconds log_every{5000};
};

class Worker : public Component {
 public:
    explicit Worker(WorkerOptions options);
    ~Worker() override;

    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    void start() override;
    // Requests stop (wakes every pause at once), then joins the threads. Idempotent.
    void stop() noexcept override;
    // nullopt while the threads run and fewer than unhealthy_after steps failed in a row.
    std::optional<std::string> check() const;

    int consecutive_failures() const noexcept { return consecutive_failures_.load(); }

 protected:
    // One unit of work on thread `thread` (0..threads-1); returns how long to pause before the
    // next (0: at once). Throw to report a failure.
    virtual std::chrono::milliseconds step(std::size_t thread) = 0;
    // Called on the failing thread after a failed step was counted, before the throttled log
    // line; returns how long to pause before the next step (by default `backoff`). For metrics
    // and loops whose retry is paced otherwise.
    virtual std::chrono::milliseconds on_failure(const std::exception& error,
                                                 std::chrono::milliseconds backoff);
    // More fields for the failure log line.
    virtual nlohmann::json failure_fields() const { return nlohmann::json::object(); }
    // Called on each thread once its loop is over, before "stopped" is logged.
    virtual void on_stopped(std::size_t /*thread*/) noexcept {}

    bool stopping() const noexcept { return stopping_.load(); }
    // When stop was first requested (the epoch while not stopping).
    std::chrono::steady_clock::time_point stop_requested_at() const;
    // Sleeps up to `d`; false when stop was requested (before or during the sleep).
    bool pause(std::chrono::steady_clock::duration d);
    // Sleeps until `at`; false when stop was requested first.
    bool pause_until(std::chrono::system_clock::time_point at);
    // The loop made progress outside a step's return (say, the source answered while a long
    // step waits): the failure count is back at 0.
    void note_progress() noexcept { consecutive_failures_ = 0; }

 private:
    void run(std::size_t thread) noexcept;

    const WorkerOptions options_;
    runtime::RateLimiter error_log_;
    std::atomic<int> consecutive_failures_{0};
    std::atomic<bool> running_{false};  // from start() to the end of stop()
    std::atomic<bool> stopping_{false};
    mutable std::mutex mutex_;  // pairs with cv_; guards stop_requested_at_
    std::condition_variable cv_;
    std::chrono::steady_clock::time_point stop_requested_at_{};
    std::vector<std::thread> threads_;
};

}  // namespace etp::service
