// GET /api/v1/events/aggregate scans the event log: identical requests share one scan and its
// answer for a few seconds, and distinct ones are limited in how many scan at once (issue 22:
// each call scanned the whole log, uncached).

#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <stdexcept>
#include <thread>
#include <vector>

#include "query_cache.hpp"

using etp::gateway::QueryCache;
using namespace std::chrono_literals;

TEST_CASE("concurrent requests for one key share one computation, then its cached answer") {
    QueryCache<std::string> cache(1h, 16, 2);
    std::atomic<int> scans{0};
    auto scan = [&] {
        ++scans;
        std::this_thread::sleep_for(50ms);
        return std::string("counts");
    };
    std::vector<std::future<std::optional<std::string>>> answers;
    for (int i = 0; i < 32; ++i)
        answers.push_back(std::async(std::launch::async, [&] { return cache.get("k", scan); }));
    for (auto& a : answers) CHECK(a.get() == "counts");
    for (int i = 0; i < 100; ++i) CHECK(cache.get("k", scan) == "counts");
    CHECK(scans == 1);
}

TEST_CASE("an answer older than the ttl is computed again") {
    QueryCache<int> cache(30ms, 16, 2);
    int n = 0;
    CHECK(cache.get("k", [&] { return ++n; }) == 1);
    CHECK(cache.get("k", [&] { return ++n; }) == 1);
    std::this_thread::sleep_for(40ms);
    CHECK(cache.get("k", [&] { return ++n; }) == 2);
    CHECK(cache.get("other", [&] { return ++n; }) == 3);
}

TEST_CASE("beyond max_running distinct computations the caller is refused, not queued") {
    QueryCache<int> cache(1h, 16, 2);
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    std::atomic<int> started{0};
    auto slow = [&] {
        ++started;
        released.wait();
        return 7;
    };
    auto a = std::async(std::launch::async, [&] { return cache.get("a", slow); });
    auto b = std::async(std::launch::async, [&] { return cache.get("b", slow); });
    while (started < 2) std::this_thread::sleep_for(1ms);
    CHECK_FALSE(cache.get("c", [] { return 1; }));
    release.set_value();
    CHECK(a.get() == 7);
    CHECK(b.get() == 7);
    CHECK(cache.get("c", [] { return 1; }) == 1);  // room again
}

TEST_CASE("a computation that throws leaves nothing cached and its waiters compute again") {
    QueryCache<int> cache(1h, 16, 2);
    CHECK_THROWS_AS(cache.get("k", []() -> int { throw std::runtime_error("db down"); }),
                    std::runtime_error);
    CHECK(cache.get("k", [] { return 5; }) == 5);
}

TEST_CASE("at most max_entries answers are kept, the oldest dropped first") {
    QueryCache<int> cache(1h, 2, 2);
    int n = 0;
    auto next = [&] { return ++n; };
    cache.get("a", next);
    std::this_thread::sleep_for(2ms);
    cache.get("b", next);
    std::this_thread::sleep_for(2ms);
    cache.get("c", next);              // drops a
    CHECK(cache.get("b", next) == 2);  // still cached
    CHECK(cache.get("a", next) == 4);  // computed again
}
