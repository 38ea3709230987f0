#pragma once
// Pacing of a retention pass. Next to flat-out event logging on a small machine, any statement
// slows the inserts while it runs (measured on 2 vCPUs: a 139 ms read-only count by a third).
// A pass therefore rests between its steps, so that its statements fill at most
// `work_percent` of its span: after a step that ran for t it rests t * (100 - p) / p. The
// work, and what it costs the logging in all, stay the same; they are spread out, as
// autovacuum's cost delay spreads a vacuum. Not thread-safe; one per pass.

#include <chrono>
#include <cstdint>
#include <functional>

namespace etp::retention {

// The rest owed after `work` when statements may fill `work_percent` (1..100) of the span.
std::chrono::microseconds rest_after(std::chrono::steady_clock::duration work,
                                     std::int64_t work_percent);

class PassPacer {
 public:
    // Waits up to `d`; answers false when the pass must stop (it may return early then).
    using Rest = std::function<bool(std::chrono::microseconds d)>;

    // `stopping` is asked at every step boundary; `rest` may be empty (no pauses).
    PassPacer(std::int64_t work_percent, std::function<bool()> stopping, Rest rest);

    // Called between two steps: rests for the work since the last call (or since
    // construction), then answers whether the pass goes on.
    bool next_step();

    std::chrono::steady_clock::duration rested() const { return rested_; }

 private:
    std::int64_t work_percent_;
    std::function<bool()> stopping_;
    Rest rest_;
    std::chrono::steady_clock::time_point since_;
    std::chrono::steady_clock::duration rested_{};
};

}  // namespace etp::retention
