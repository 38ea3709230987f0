#pragma once
// The deliveries held in memory, queued per target origin, and the limits on starting their
// attempts: at most `max_in_flight` in all and `per_target` per origin — one at a time while an
// origin keeps failing (kFailingStreak failed attempts in a row: no answer or a 5xx), so a dead
// target holds one socket, not `per_target`. Origins with room take turns (round-robin); an
// origin's jobs start in the order queued. Pure bookkeeping: no I/O, no threads, not thread-safe
// (DeliveryEngine calls it under its lock).

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "delivery_job.hpp"

namespace etp::dispatcher {

class TargetQueues {
 public:
    using Clock = std::chrono::steady_clock;
    static constexpr std::size_t kFailingStreak = 3;

    TargetQueues(std::size_t per_target, std::size_t max_in_flight)
        : per_target_(per_target), max_in_flight_(max_in_flight) {}
    TargetQueues(const TargetQueues&) = delete;
    TargetQueues& operator=(const TargetQueues&) = delete;

    // Queues `job` behind the others of its origin (job.url.origin).
    void push(DeliveryJob job);
    // The jobs whose attempts may start now, within the limits; each counts as in flight until
    // finish(). Their origins are marked used at `now`.
    std::vector<DeliveryJob> take(Clock::time_point now);
    // An attempt to `origin` ended; `failed` when the target gave no answer or a 5xx. False when
    // `origin` has no attempt in flight (a caller's bug).
    bool finish(const std::string& origin, bool failed);
    // Forgets the origins with nothing queued or in flight that were last used before `cutoff`.
    void prune_idle(Clock::time_point cutoff);
    // Forgets everything (the engine released what it held).
    void clear();

    std::size_t in_flight() const noexcept { return in_flight_; }
    std::size_t origins() const noexcept { return origins_.size(); }

 private:
    struct Origin {
        std::deque<DeliveryJob> queue;
        std::size_t in_flight = 0;
        std::size_t failing_streak = 0;  // failed attempts in a row
        bool ready = false;              // listed in ready_
        Clock::time_point last_used{};
    };
    // Lists `origin` in ready_ when it has a job and room for another attempt.
    void make_ready(Origin& origin);

    const std::size_t per_target_;
    const std::size_t max_in_flight_;
    std::map<std::string, Origin> origins_;
    std::deque<Origin*> ready_;  // origins that may start an attempt, in turn
    std::size_t in_flight_ = 0;  // all origins
};

}  // namespace etp::dispatcher
