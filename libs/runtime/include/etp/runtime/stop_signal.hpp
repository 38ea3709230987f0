#pragma once
// A component's stop request that its worker threads sleep on: request() wakes every sleeper at
// once, and every later sleep returns at once. Thread-safe.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace etp::runtime {

class StopSignal {
 public:
    void request() noexcept {
        {
            std::lock_guard lock(mutex_);
            requested_ = true;
        }
        cv_.notify_all();
    }

    // Lock-free: cheap enough for a worker's hot loop.
    bool requested() const noexcept { return requested_.load(); }

    // Sleeps for `d`; false when stop was requested (before or during the sleep).
    template <typename Rep, typename Period>
    bool sleep_for(std::chrono::duration<Rep, Period> d) {
        std::unique_lock lock(mutex_);
        return !cv_.wait_for(lock, d, [this] { return requested_.load(); });
    }

 private:
    std::mutex mutex_;  // pairs with cv_: request() sets the flag under it
    std::condition_variable cv_;
    std::atomic<bool> requested_{false};
};

}  // namespace etp::runtime
