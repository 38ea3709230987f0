// The throttle of repeated log lines: one line per key per interval, and the next one let
// through says how many were held back.

#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "etp/runtime/rate_limiter.hpp"

using namespace std::chrono_literals;

TEST_CASE("one line per key per interval, then the count held back", "[rate_limiter]") {
    etp::runtime::RateLimiter limiter(50ms);
    CHECK(limiter.admit("a") == 0L);
    CHECK(limiter.admit("a") == std::nullopt);
    CHECK(limiter.admit("a") == std::nullopt);
    CHECK(limiter.admit("b") == 0L);  // another key has its own interval
    std::this_thread::sleep_for(60ms);
    CHECK(limiter.admit("a") == 2L);
    CHECK(limiter.admit("a") == std::nullopt);
}
