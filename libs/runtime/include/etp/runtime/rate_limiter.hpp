#pragma once
// Lets one line per key through per interval and counts what it held back: the throttle of a
// log line that would otherwise repeat every retry. Thread-safe (guarded by mutex_).

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace etp::runtime {

class RateLimiter {
 public:
    explicit RateLimiter(std::chrono::steady_clock::duration interval) : interval_(interval) {}
    // nullopt: drop this line; else the number of lines dropped since the last one let through.
    std::optional<long> admit(const std::string& key);

 private:
    struct Slot {
        std::chrono::steady_clock::time_point last;
        long dropped = 0;
    };
    std::chrono::steady_clock::duration interval_;
    std::mutex mutex_;
    std::unordered_map<std::string, Slot> slots_;
};

}  // namespace etp::runtime
