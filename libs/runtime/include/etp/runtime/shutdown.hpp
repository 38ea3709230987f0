#pragma once
// SIGTERM/SIGINT as a value that threads can wait on. Construct it in main before any thread
// starts: it blocks the signals in the calling thread, so every thread started later inherits
// the mask, and one internal thread receives them with sigtimedwait. Thread-safe.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace etp::runtime {

class ShutdownSignal {
 public:
    ShutdownSignal();
    ~ShutdownSignal();
    ShutdownSignal(const ShutdownSignal&) = delete;
    ShutdownSignal& operator=(const ShutdownSignal&) = delete;

    void request() noexcept;  // as if a signal arrived
    bool requested() const noexcept { return requested_.load(); }
    void wait();
    // True when shutdown was requested before the timeout.
    bool wait_for(std::chrono::milliseconds timeout);

 private:
    std::atomic<bool> requested_{false};
    std::atomic<bool> closing_{false};
    std::mutex mutex_;  // guards the condition below
    std::condition_variable cv_;
    std::thread watcher_;  // declared last: it calls request() on this object
};

}  // namespace etp::runtime
